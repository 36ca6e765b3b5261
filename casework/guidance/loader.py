"""Read a guidance TOML file into a GuidanceVersion, rejecting anything we would misread."""

import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import NoReturn, TypeVar

from casework.guidance._locations import LineIndex, TablePath
from casework.guidance.errors import GuidanceError
from casework.guidance.model import (
    AppealWindow,
    Checklist,
    ChecklistItem,
    GuidanceNote,
    GuidanceVersion,
    Milestone,
    TimelineRule,
)
from casework.guidance.vocabulary import AppealAnchor, CaseEvent, ClockUnit, Stage

_VERSION_FORMAT = re.compile(r"^\d{4}\.\d+$")
_E = TypeVar("_E", bound=StrEnum)
_T = TypeVar("_T")


def load_guidance_file(path: Path) -> GuidanceVersion:
    """Load and validate one guidance file; errors name the file, line and field."""
    return parse_guidance(path.read_text(encoding="utf-8"), source=path.name)


def parse_guidance(text: str, source: str) -> GuidanceVersion:
    """Validate guidance TOML text; `source` is the file name used in error messages."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = _decode_error_line(str(error))
        raise GuidanceError(source, line, "TOML syntax", str(error)) from error
    return _Reader(source, LineIndex.of(text)).version(document)


def _decode_error_line(message: str) -> int:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else 1


class _Table:
    """One TOML table being read: remembers which keys were used so leftovers can be rejected."""

    def __init__(
        self, raw: Mapping[str, object], path: TablePath, label: str, reader: "_Reader"
    ) -> None:
        self.raw = raw
        self.path = path
        self.label = label
        self.reader = reader
        self.used: set[str] = set()

    def fail(self, name: str | None, message: str) -> NoReturn:
        """Raise a GuidanceError pointing at this table, or at one of its fields."""
        where = self.label if name is None else f"{self.label} field '{name}'"
        line = self.reader.lines.line_of(self.path, name)
        raise GuidanceError(self.reader.source, line, where, message)

    def raw_value(self, name: str, required: bool) -> object:
        """The value of a field, marking it as used; None when absent and optional."""
        self.used.add(name)
        if name not in self.raw:
            if required:
                self.fail(name, "is required")
            return None
        return self.raw[name]

    def text(self, name: str) -> str:
        """A required, non-blank string."""
        value = self.raw_value(name, required=True)
        if not isinstance(value, str) or not value.strip():
            self.fail(name, "must be a non-empty string")
        return value

    def optional_text(self, name: str, default: str = "") -> str:
        """An optional string."""
        if name not in self.raw:
            self.used.add(name)
            return default
        return self.text(name)

    def positive_int(self, name: str) -> int:
        """A required integer greater than zero."""
        value = self.raw_value(name, required=True)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(name, "must be a positive integer")
        return value

    def optional_positive_int(self, name: str) -> int | None:
        """An optional integer greater than zero."""
        if name not in self.raw:
            self.used.add(name)
            return None
        return self.positive_int(name)

    def non_negative_int(self, name: str, default: int) -> int:
        """An optional integer of zero or more."""
        value = self.raw_value(name, required=False)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail(name, "must be an integer of 0 or more")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        """An optional true/false."""
        value = self.raw_value(name, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(name, "must be true or false")
        return value

    def choice(self, name: str, kind: type[_E]) -> _E:
        """A required string from a closed vocabulary."""
        value = self.raw_value(name, required=True)
        return self._member(name, value, kind)

    def optional_choice(self, name: str, kind: type[_E]) -> _E | None:
        """An optional string from a closed vocabulary."""
        if name not in self.raw:
            self.used.add(name)
            return None
        return self.choice(name, kind)

    def choices(self, name: str, kind: type[_E]) -> tuple[_E, ...]:
        """A required vocabulary string, or a non-empty list of them."""
        value = self.raw_value(name, required=True)
        values = value if isinstance(value, list) else [value]
        if not values:
            self.fail(name, "must not be empty")
        return tuple(self._member(name, item, kind) for item in values)

    def _member(self, name: str, value: object, kind: type[_E]) -> _E:
        allowed = [member.value for member in kind]
        if not isinstance(value, str) or value not in allowed:
            self.fail(name, f"must be one of {', '.join(allowed)}; got {value!r}")
        return kind(value)

    def text_list(self, name: str) -> tuple[str, ...]:
        """An optional list of non-blank strings."""
        value = self.raw_value(name, required=False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self.fail(name, "must be a list of non-empty strings")
        return tuple(value)

    def int_list(self, name: str) -> tuple[int, ...]:
        """An optional list of integers of zero or more, in increasing order."""
        value = self.raw_value(name, required=False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(_is_int(item) and item >= 0 for item in value):
            self.fail(name, "must be a list of integers of 0 or more")
        if list(value) != sorted(set(value)):
            self.fail(name, "must be in increasing order without repeats")
        return tuple(value)

    def finish(self) -> None:
        """Reject keys nobody asked for: a typo must not silently become a default."""
        for name in self.raw:
            if name not in self.used:
                self.fail(name, "is not a known field")


def _is_int(value: object) -> bool:
    # bool is an int subclass; `target = true` is a mistake, not 1.
    return isinstance(value, int) and not isinstance(value, bool)


class _Reader:
    """Reads the whole document; holds the file name and line index for error messages."""

    def __init__(self, source: str, lines: LineIndex) -> None:
        self.source = source
        self.lines = lines

    def version(self, document: Mapping[str, object]) -> GuidanceVersion:
        top = _Table(document, (), "guidance", self)
        version = top.text("version")
        if not _VERSION_FORMAT.match(version):
            top.fail("version", "must look like YEAR.NUMBER, e.g. 2026.1")
        effective_from = top.raw_value("effective_from", required=True)
        if isinstance(effective_from, datetime) or not isinstance(effective_from, date):
            top.fail("effective_from", "must be a date such as 2026-01-01")
        description = top.optional_text("description")
        notes = self._each(top, "note", self._note)
        milestones = self._each(top, "milestone", self._milestone)
        timelines = self._each(top, "timeline", self._timeline)
        items = self._each(top, "checklist_item", self._checklist_item)
        appeal_windows = self._each(top, "appeal_window", self._appeal_window)
        top.finish()
        self._check_references(
            [(table, rule.milestone) for table, rule in timelines],
            {milestone.key for _, milestone in milestones},
            "milestone",
        )
        note_keys = {note.key for _, note in notes}
        for table, (_, item) in items:
            for note in item.notes:
                if note not in note_keys:
                    table.fail("notes", f"refers to note '{note}', which is not defined")
        return GuidanceVersion(
            version=version,
            effective_from=effective_from,
            description=description,
            timelines=tuple(rule for _, rule in timelines),
            milestones=tuple(milestone for _, milestone in milestones),
            notes=tuple(note for _, note in notes),
            checklists=_group_by_stage(item for _, item in items),
            appeal_windows=tuple(window for _, window in appeal_windows),
        )

    def _each(
        self, top: _Table, name: str, read: Callable[[_Table], tuple[str, _T]]
    ) -> list[tuple[_Table, _T]]:
        """Read every table of an array of tables, rejecting duplicate keys."""
        value = top.raw_value(name, required=False)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            top.fail(name, f"must be written as [[{name}]] tables")
        results: list[tuple[_Table, _T]] = []
        seen: set[str] = set()
        for position, raw in enumerate(value):
            table = _Table(raw, (name, position), f"{name.replace('_', ' ')} #{position + 1}", self)
            key, result = read(table)
            if key in seen:
                table.fail("key", f"duplicates the key '{key}' of an earlier {name}")
            seen.add(key)
            table.finish()
            results.append((table, result))
        return results

    @staticmethod
    def _keyed(table: _Table, kind: str) -> str:
        key = table.text("key")
        table.label = f"{kind} '{key}'"
        return key

    def _timeline(self, table: _Table) -> tuple[str, TimelineRule]:
        key = self._keyed(table, "timeline")
        target = table.positive_int("target")
        amber = table.positive_int("amber")
        red = table.positive_int("red")
        ceiling = table.optional_positive_int("ceiling")
        if amber > red:
            table.fail("amber", "must be a positive integer less than or equal to red")
        if ceiling is not None and red > ceiling:
            table.fail("red", "must be less than or equal to ceiling")
        if ceiling is not None and target > ceiling:
            table.fail("target", "must be less than or equal to ceiling")
        max_extensions = table.non_negative_int("max_extensions", default=0)
        max_extension = table.optional_positive_int("max_extension")
        if max_extension is not None and max_extensions == 0:
            table.fail("max_extension", "is only meaningful when max_extensions is above 0")
        rule = TimelineRule(
            key=key,
            title=table.text("title"),
            stage=table.optional_choice("stage", Stage),
            starts_on=table.choices("starts_on", CaseEvent),
            met_by=table.choices("met_by", CaseEvent),
            unit=table.choice("unit", ClockUnit),
            target=target,
            amber=amber,
            red=red,
            ceiling=ceiling,
            recurs_every_days=table.optional_positive_int("recurs_every_days"),
            max_extensions=max_extensions,
            max_extension=max_extension,
            milestone=table.optional_text("milestone") or None,
        )
        return key, rule

    def _milestone(self, table: _Table) -> tuple[str, Milestone]:
        key = self._keyed(table, "milestone")
        due_after = table.int_list("due_after")
        repeat_every_days = table.optional_positive_int("repeat_every_days")
        if not due_after and repeat_every_days is None:
            table.fail("due_after", "is required unless repeat_every_days is given")
        milestone = Milestone(
            key=key,
            title=table.text("title"),
            fired_on=table.choices("fired_on", CaseEvent),
            due_unit=table.choice("due_unit", ClockUnit),
            due_after=due_after,
            repeat_every_days=repeat_every_days,
            human_review=table.boolean("human_review", default=False),
            may_say=table.text_list("may_say"),
            must_not_say=table.text_list("must_not_say"),
        )
        return key, milestone

    def _note(self, table: _Table) -> tuple[str, GuidanceNote]:
        key = self._keyed(table, "note")
        return key, GuidanceNote(key=key, title=table.text("title"), summary=table.text("summary"))

    def _checklist_item(self, table: _Table) -> tuple[str, tuple[Stage, ChecklistItem]]:
        key = self._keyed(table, "checklist item")
        stage = table.choice("stage", Stage)
        item = ChecklistItem(key=key, text=table.text("text"), notes=table.text_list("notes"))
        return key, (stage, item)

    def _appeal_window(self, table: _Table) -> tuple[str, AppealWindow]:
        key = self._keyed(table, "appeal window")
        window = AppealWindow(
            key=key,
            title=table.text("title"),
            anchor=table.choice("anchor", AppealAnchor),
            days=table.positive_int("days"),
            counted_from_next_day=table.boolean("counted_from_next_day", default=True),
        )
        return key, window

    @staticmethod
    def _check_references(
        references: Iterable[tuple[_Table, str | None]], defined: set[str], field: str
    ) -> None:
        for table, reference in references:
            if reference is not None and reference not in defined:
                table.fail(field, f"refers to {field} '{reference}', which is not defined")


def _group_by_stage(items: Iterable[tuple[Stage, ChecklistItem]]) -> tuple[Checklist, ...]:
    by_stage: dict[Stage, list[ChecklistItem]] = {}
    for stage, item in items:
        by_stage.setdefault(stage, []).append(item)
    return tuple(
        Checklist(stage=stage, items=tuple(by_stage[stage])) for stage in Stage if stage in by_stage
    )
