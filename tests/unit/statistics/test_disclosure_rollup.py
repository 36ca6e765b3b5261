import pytest

from casework.statistics.disclosure_rollup import (
    OUTCOME_GROUPS,
    PHASES,
    limit_categories,
    outcome_group_of,
    phase_of,
)


@pytest.mark.parametrize(
    ("stage", "phase"),
    [
        ("intake", "intake"),
        ("assessment", "intake"),
        ("investigation", "investigation"),
        ("referral", "investigation"),
        ("disciplinary", "disciplinary"),
    ],
)
def test_stages_roll_up_into_the_three_phases(stage: str, phase: str) -> None:
    assert phase_of(stage) == phase
    assert phase in PHASES


def test_closed_is_not_a_phase() -> None:
    with pytest.raises(ValueError):
        phase_of("closed")


@pytest.mark.parametrize(
    ("outcome", "group"),
    [
        ("substantiated", "substantiated"),
        ("unsubstantiated", "unsubstantiated"),
        ("not_pursued", "closed_other"),
        ("resolved_informally", "closed_other"),
        ("referred_elsewhere", "closed_other"),
    ],
)
def test_outcomes_roll_up_into_three_groups(outcome: str, group: str) -> None:
    assert outcome_group_of(outcome) == group
    assert group in OUTCOME_GROUPS
    with pytest.raises(ValueError):
        outcome_group_of("withdrawn")


def test_at_most_five_categories_are_kept_and_the_rest_pooled() -> None:
    counts = {"a": 50, "b": 40, "c": 30, "d": 30, "e": 5, "f": 3, "g": 1}

    labels = limit_categories(counts)

    assert set(labels.values()) == {"a", "b", "c", "d", "other"}
    assert labels["e"] == labels["f"] == labels["g"] == "other"


def test_five_categories_or_fewer_are_kept_as_they_are() -> None:
    counts = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}

    assert limit_categories(counts) == {c: c for c in counts}
