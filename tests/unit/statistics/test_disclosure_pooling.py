import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.statistics.disclosure_pooling import (
    Quarter,
    ordered_labels,
    period_labels,
    pool_entities,
)


def test_entities_under_twenty_cases_are_pooled_as_other() -> None:
    labels = pool_entities({"UNDP": 120, "UNICEF": 80, "ITC": 12, "UNU": 9})

    assert labels == {"UNDP": "UNDP", "UNICEF": "UNICEF", "ITC": "other", "UNU": "other"}


def test_a_pool_of_one_entity_takes_in_the_next_smallest() -> None:
    labels = pool_entities({"UNDP": 120, "UNICEF": 80, "UNU": 9})

    assert labels == {"UNDP": "UNDP", "UNICEF": "other", "UNU": "other"}


def test_no_entity_called_other() -> None:
    with pytest.raises(ValueError):
        pool_entities({"other": 30})


@given(st.dictionaries(st.text("ABCDEFG", min_size=1, max_size=3), st.integers(0, 60)))
def test_pool_is_empty_or_has_two_entities_and_twenty_cases_when_possible(
    counts: dict[str, int],
) -> None:
    labels = pool_entities(counts)
    pooled = [e for e, label in labels.items() if label == "other"]

    assert all(labels[e] == e for e in counts if e not in pooled)
    assert all(counts[e] >= 20 for e in counts if e not in pooled)
    if pooled and len(pooled) < len(counts):
        assert len(pooled) >= 2 and sum(counts[e] for e in pooled) >= 20


def test_thin_years_collapse_to_the_year() -> None:
    counts = {Quarter(2024, 1): 5, Quarter(2024, 2): 6, Quarter(2025, 1): 15, Quarter(2025, 2): 7}

    assert period_labels(counts) == {
        Quarter(2024, 1): "2024",
        Quarter(2024, 2): "2024",
        Quarter(2025, 1): "2025-Q1",
        Quarter(2025, 2): "2025-Q2",
    }


def test_quarter_must_exist() -> None:
    with pytest.raises(ValueError):
        Quarter(2025, 5)


def test_other_is_listed_last() -> None:
    assert ordered_labels(["other", "WFP", "ILO", "WFP"]) == ("ILO", "WFP", "other")
