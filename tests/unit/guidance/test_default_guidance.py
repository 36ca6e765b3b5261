"""The shipped default guidance carries domain.md sections 4 and 5 as data."""

import dataclasses

import pytest

from casework.guidance import (
    DEFAULT_VERSION_ID,
    AppealAnchor,
    CaseEvent,
    ClockUnit,
    Stage,
    available_versions,
    default_version,
    load_version,
)

GUIDANCE = default_version()

# key: (starts_on, met_by, unit, target, amber, red, ceiling, max_extensions, milestone)
TIMELINES = {
    "acknowledge_receipt": ("received", "acknowledged", "working_days", 2, 1, 2, None, 0, "M1"),
    "safety_triage": ("received", "safety_triaged", "hours", 24, 12, 24, None, 0, None),
    "interim_measures_decision": (
        "received", "interim_measures_decided", "working_days", 5, 4, 5, None, 0, "M3",
    ),
    "preliminary_assessment": (
        "assessment_started", "assessment_decided", "calendar_days", 30, 21, 30, None, 0, "M2",
    ),
    "investigation": (
        "investigation_assigned", "final_report", "calendar_days", 90, 60, 90, 180, 3, "M4",
    ),
    "report_review_and_referral": (
        "final_report", "referred", "calendar_days", 30, 21, 30, None, 0, "M6",
    ),
    "allegations_memorandum": (
        "referred", "memorandum_issued", "calendar_days", 30, 21, 30, None, 0, None,
    ),
    "subject_response": (
        "memorandum_issued", "response_received", "calendar_days", 14, 10, 14, None, 1, None,
    ),
    "decision": ("response_received", "decision", "calendar_days", 30, 21, 30, None, 0, "M7"),
    "end_to_end": ("received", "decision", "calendar_days", 240, 180, 240, None, 0, None),
}  # fmt: skip


def test_the_default_version_is_listed_and_loadable_by_id() -> None:
    assert DEFAULT_VERSION_ID == "2026.1"
    assert DEFAULT_VERSION_ID in available_versions()
    assert load_version("2026.1") is GUIDANCE
    assert GUIDANCE.version == "2026.1"
    assert GUIDANCE.effective_from.isoformat() == "2026-01-01"


def test_an_unknown_version_id_is_a_key_error() -> None:
    with pytest.raises(KeyError, match=r"2025\.9"):
        load_version("2025.9")


def test_loaded_guidance_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        GUIDANCE.timelines[0].target = 3  # type: ignore[misc]


def test_timeline_rows_are_in_table_order() -> None:
    assert [rule.key for rule in GUIDANCE.timelines] == list(TIMELINES)


@pytest.mark.parametrize("key", list(TIMELINES))
def test_timeline_row_matches_the_domain_table(key: str) -> None:
    rule = GUIDANCE.timeline(key)
    starts_on, met_by, unit, target, amber, red, ceiling, max_extensions, milestone = TIMELINES[key]
    assert rule.starts_on[0] == CaseEvent(starts_on)
    assert rule.met_by[0] == CaseEvent(met_by)
    assert rule.unit is ClockUnit(unit)
    assert (rule.target, rule.amber, rule.red, rule.ceiling) == (target, amber, red, ceiling)
    assert rule.max_extensions == max_extensions
    assert rule.milestone == milestone


def test_rows_with_special_rules() -> None:
    assert GUIDANCE.timeline("interim_measures_decision").recurs_every_days == 30
    assert GUIDANCE.timeline("subject_response").max_extension == 14
    assert GUIDANCE.timeline("end_to_end").met_by == (CaseEvent.DECISION, CaseEvent.CLOSED)
    assert GUIDANCE.timeline("end_to_end").stage is None


def test_milestones_m1_to_m9_with_human_review_for_outcome_disclosures() -> None:
    assert [milestone.key for milestone in GUIDANCE.milestones] == [f"M{n}" for n in range(1, 10)]
    reviewed = [milestone.key for milestone in GUIDANCE.milestones if milestone.human_review]
    assert reviewed == ["M2", "M6", "M7"]


def test_milestone_cadences() -> None:
    progress, outcome, aftercare = (GUIDANCE.milestone(key) for key in ("M4", "M7", "M9"))
    assert (progress.fired_on, progress.repeat_every_days) == ((CaseEvent.ACKNOWLEDGED,), 30)
    assert (outcome.due_unit, outcome.due_after) == (ClockUnit.WORKING_DAYS, (5,))
    assert (aftercare.fired_on, aftercare.due_after) == ((CaseEvent.DECISION,), (30, 90))


def test_milestones_say_what_may_and_must_not_be_said() -> None:
    outcome = GUIDANCE.milestone("M7")
    assert "sanction details" in outcome.must_not_say
    assert "renewed retaliation protection" in outcome.may_say
    assert GUIDANCE.milestone("M6").must_not_say == ("the report itself",)
    assert "evidence" in GUIDANCE.milestone("M4").must_not_say


def test_every_stage_has_a_checklist_linked_to_the_guidance_notes() -> None:
    assert [checklist.stage for checklist in GUIDANCE.checklists] == list(Stage)
    cited = {
        note for checklist in GUIDANCE.checklists for item in checklist.items for note in item.notes
    }
    assert (
        cited
        == {note.key for note in GUIDANCE.notes}
        == {
            "evidentiary-standards",
            "evidence-and-credibility",
            "disclosure-of-investigation-report",
            "digital-forensic-evidence",
        }
    )
    assert "clear and convincing evidence" in GUIDANCE.notes[0].summary


def test_checklist_lookup_by_stage() -> None:
    referral = GUIDANCE.checklist(Stage.REFERRAL)
    assert [item.key for item in referral.items] == ["referral.findings", "referral.disclosure"]


def test_appeal_windows() -> None:
    windows = {window.key: (window.anchor, window.days) for window in GUIDANCE.appeal_windows}
    assert windows == {
        "management_evaluation": (AppealAnchor.DECISION_NOTIFIED, 60),
        "undt": (AppealAnchor.DECISION_NOTIFIED, 90),
        "unat": (AppealAnchor.UNDT_JUDGMENT_NOTIFIED, 60),
        "iloat": (AppealAnchor.DECISION_NOTIFIED, 90),
    }
    assert all(window.counted_from_next_day for window in GUIDANCE.appeal_windows)
