"""Broken guidance files are rejected with the file, line and field named."""

from pathlib import Path

import pytest

from casework.guidance import GuidanceError, load_guidance_file

VALID = """\
version = "2099.1"
effective_from = 2099-01-01

[[timeline]]
key = "acknowledge_receipt"
title = "Acknowledge receipt"
stage = "intake"
starts_on = "received"
met_by = "acknowledged"
unit = "working_days"
target = 2
amber = 1
red = 2
milestone = "M1"

[[timeline]]
key = "investigation"
title = "Investigation"
starts_on = "investigation_assigned"
met_by = ["final_report"]
unit = "calendar_days"
target = 90
amber = 60
red = 90
ceiling = 180
max_extensions = 3

[[milestone]]
key = "M1"
title = "Acknowledgement"
fired_on = "acknowledged"
due_unit = "calendar_days"
due_after = [0]
may_say = [
    "receipt",
]

[[note]]
key = "evidentiary-standards"
summary = '''
title = "a decoy: text inside a multi-line string is not a key"
'''
title = "Evidentiary standards"

[[checklist_item]]
key = "referral.findings"
stage = "referral"
text = "Record findings per allegation."
notes = ["evidentiary-standards"]

[[appeal_window]]
key = "undt"
title = "UN Dispute Tribunal"
anchor = "decision_notified"
days = 90
"""
FILE_NAME = "broken-2099.1.toml"


def load(tmp_path: Path, text: str) -> None:
    path = tmp_path / FILE_NAME
    path.write_text(text, encoding="utf-8")
    load_guidance_file(path)


def line_of(text: str, fragment: str) -> int:
    """The one line containing `fragment`; with a leading "@", the table header above it."""
    lines = text.splitlines()
    (index,) = [index for index, line in enumerate(lines) if fragment.lstrip("@") in line]
    while fragment.startswith("@") and not lines[index].startswith("[["):
        index -= 1
    return index + 1


def test_the_valid_fixture_loads(tmp_path: Path) -> None:
    path = tmp_path / "valid-2099.1.toml"
    path.write_text(VALID, encoding="utf-8")
    guidance = load_guidance_file(path)
    assert [rule.key for rule in guidance.timelines] == ["acknowledge_receipt", "investigation"]
    assert guidance.checklists[0].items[0].notes == ("evidentiary-standards",)


# (what, replace this, with this, line containing ("@": its table header), where, message)
BROKEN = [
    (
        "bad type",
        'target = 90', 'target = "ninety"', 'target = "ninety"',
        "timeline 'investigation' field 'target'", "must be a positive integer",
    ),
    (
        "boolean is not an integer",
        "amber = 60", "amber = true", "amber = true",
        "timeline 'investigation' field 'amber'", "must be a positive integer",
    ),
    (
        "missing field",
        'title = "Investigation"\n', "", "@ceiling = 180",
        "timeline 'investigation' field 'title'", "is required",
    ),
    (
        "missing key points at the table header",
        'key = "investigation"\n', "", "@ceiling = 180",
        "timeline #2 field 'key'", "is required",
    ),
    (
        "amber above red",
        "amber = 60", "amber = 95", "amber = 95",
        "timeline 'investigation' field 'amber'",
        "must be a positive integer less than or equal to red",
    ),
    (
        "red above ceiling",
        "ceiling = 180", "ceiling = 80", "red = 90",
        "timeline 'investigation' field 'red'", "must be less than or equal to ceiling",
    ),
    (
        "unknown key",
        "max_extensions = 3", "max_extensions = 3\nmax_extentions = 4", "max_extentions = 4",
        "timeline 'investigation' field 'max_extentions'", "is not a known field",
    ),
    (
        "unknown top-level key",
        'version = "2099.1"', 'version = "2099.1"\nauthor = "x"', 'author = "x"',
        "guidance field 'author'", "is not a known field",
    ),
    (
        "bad milestone reference",
        'milestone = "M1"', 'milestone = "M11"', 'milestone = "M11"',
        "timeline 'acknowledge_receipt' field 'milestone'",
        "refers to milestone 'M11', which is not defined",
    ),
    (
        "bad note reference",
        'notes = ["evidentiary-standards"]', 'notes = ["standards"]', 'notes = ["standards"]',
        "checklist item 'referral.findings' field 'notes'",
        "refers to note 'standards', which is not defined",
    ),
    (
        "unknown unit",
        'unit = "calendar_days"', 'unit = "days"', 'unit = "days"',
        "timeline 'investigation' field 'unit'",
        "must be one of calendar_days, working_days, hours",
    ),
    (
        "unknown event",
        'met_by = ["final_report"]', 'met_by = ["report"]', 'met_by = ["report"]',
        "timeline 'investigation' field 'met_by'", "must be one of received,",
    ),
    (
        "duplicate key",
        'key = "investigation"', 'key = "acknowledge_receipt"  # again', "# again",
        "timeline 'acknowledge_receipt' field 'key'", "duplicates the key",
    ),
    (
        "date with a time",
        "effective_from = 2099-01-01", "effective_from = 2099-01-01T10:00:00Z",
        "effective_from", "guidance field 'effective_from'", "must be a date",
    ),
    (
        "malformed version",
        'version = "2099.1"', 'version = "latest"', 'version = "latest"',
        "guidance field 'version'", "must look like YEAR.NUMBER",
    ),
    (
        "milestone without a due",
        "due_after = [0]\n", "", "@fired_on",
        "milestone 'M1' field 'due_after'", "is required unless repeat_every_days is given",
    ),
    (
        "list of the wrong things",
        '    "receipt",\n', "    3,\n", "may_say",
        "milestone 'M1' field 'may_say'", "must be a list of non-empty strings",
    ),
    (
        "key after a multi-line string",
        'title = "Evidentiary standards"', "title = 7", "title = 7",
        "note 'evidentiary-standards' field 'title'", "must be a non-empty string",
    ),
    (
        "syntax error",
        "days = 90", "days = = 90", "days = = 90",
        "TOML syntax", "Invalid value",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "fragment", "where", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_file_names_file_line_and_field(
    tmp_path: Path, old: str, new: str, fragment: str, where: str, message: str
) -> None:
    assert old in VALID
    text = VALID.replace(old, new, 1)
    expected_line = line_of(text, fragment)
    with pytest.raises(GuidanceError) as raised:
        load(tmp_path, text)
    error = raised.value
    assert (error.source, error.line, error.where) == (FILE_NAME, expected_line, where)
    assert message in error.message
    assert str(error).startswith(f"{FILE_NAME} line {expected_line}: {where}: ")


def test_guidance_error_is_a_value_error() -> None:
    assert issubclass(GuidanceError, ValueError)
