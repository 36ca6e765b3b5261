"""Line numbers for a TOML document, because tomllib reports none for valid but wrong data.

Only the shapes our guidance files use are understood: top-level keys, `[table]` and
`[[array.of.tables]]` headers, and `key = value` lines. Anything else falls back to the line of the
enclosing table, which still points a reader at the right place.
"""

import re
from dataclasses import dataclass, field

TablePath = tuple[str | int, ...]

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z0-9_.-]+)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


@dataclass
class LineIndex:
    """Where each table and key of a TOML document starts (1-based line numbers)."""

    tables: dict[TablePath, int] = field(default_factory=dict)
    keys: dict[tuple[TablePath, str], int] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> "LineIndex":
        """Index the headers and keys of a TOML text."""
        index = cls(tables={(): 1})
        array_counts: dict[str, int] = {}
        current: TablePath = ()
        in_multiline_string = False
        for number, line in enumerate(text.splitlines(), start=1):
            # A key-looking line inside a multi-line string is text, not a key.
            quotes = line.count('"""') + line.count("'''")
            if in_multiline_string:
                in_multiline_string = quotes % 2 == 0
                continue
            if quotes % 2 == 1:
                in_multiline_string = True
            if match := _ARRAY_HEADER.match(line):
                name = match.group(1)
                position = array_counts.get(name, 0)
                array_counts[name] = position + 1
                current = (name, position)
                index.tables[current] = number
            elif match := _TABLE_HEADER.match(line):
                current = tuple(match.group(1).split("."))
                index.tables[current] = number
            elif match := _KEY.match(line):
                index.keys.setdefault((current, match.group(1)), number)
        return index

    def line_of(self, table: TablePath, key: str | None = None) -> int:
        """Return the line of a key, else of its table, else 1."""
        if key is not None and (table, key) in self.keys:
            return self.keys[(table, key)]
        return self.tables.get(table, 1)
