"""An independent, naive check of what a release lets an attacker infer: plain enumeration.

It shares nothing with the audit but the tables' own accessors. Every quantity withheld in every
table gets candidate values; a full assignment is feasible when every row, column and margin of
every table adds up. It returns, for each withheld quantity, every value it takes in some
feasible assignment.

With ``radius`` the candidates are ``truth - radius .. truth + radius``: for a single table with
margins, or two tables sharing one margin, the relations form a network matrix, so if a cell can
take another value it can do so by moving along one cycle of +-1 changes, i.e. within radius 1
(a conformal-circuit argument). With ``cap`` the candidates are ``lower bound .. cap``, which is
the full interval whenever the grand total is published and at most ``cap``.
"""

from __future__ import annotations

from collections.abc import Sequence

from casework.statistics.disclosure_model import CellKey, Position, ProtectedTable


def feasible_values(
    tables: Sequence[ProtectedTable], *, radius: int | None = None, cap: int | None = None
) -> dict[tuple[int, Position], set[int]]:
    """Every value each withheld cell takes among assignments consistent with the release."""
    truth: dict[CellKey, int] = {}
    published: set[CellKey] = set()
    for protected in tables:
        for position in protected.table.positions():
            key = protected.table.key(position)
            truth[key] = protected.table.value(position)
            if not protected.is_suppressed(position):
                published.add(key)
    hidden = [key for key in truth if key not in published]
    lines: list[tuple[list[CellKey], CellKey]] = [
        ([protected.table.key(p) for p in line.parts], protected.table.key(line.total))
        for protected in tables
        for line in protected.table.lines
    ]

    def candidates(key: CellKey) -> range:
        lower = 1 if truth[key] > 0 else 0
        if radius is not None:
            return range(max(lower, truth[key] - radius), truth[key] + radius + 1)
        assert cap is not None
        return range(lower, cap + 1)

    # Check each line as soon as its last hidden quantity is assigned.
    position_of = {key: i for i, key in enumerate(hidden)}
    checks: list[list[tuple[list[CellKey], CellKey]]] = [[] for _ in hidden]
    for parts, total in lines:
        involved = [position_of[k] for k in (*parts, total) if k in position_of]
        if involved:
            checks[max(involved)].append((parts, total))
        else:
            assert sum(truth[k] for k in parts) == truth[total]

    seen: dict[CellKey, set[int]] = {key: set() for key in hidden}
    assignment = dict((key, truth[key]) for key in published)

    def search(depth: int) -> None:
        if depth == len(hidden):
            for key in hidden:
                seen[key].add(assignment[key])
            return
        key = hidden[depth]
        for value in candidates(key):
            assignment[key] = value
            if all(sum(assignment[k] for k in p) == assignment[t] for p, t in checks[depth]):
                search(depth + 1)
        del assignment[key]

    search(0)
    return {
        (index, position): seen[protected.table.key(position)]
        if protected.table.key(position) in seen
        else {truth[protected.table.key(position)]}
        for index, protected in enumerate(tables)
        for position in protected.table.positions()
        if protected.is_suppressed(position)
    }
