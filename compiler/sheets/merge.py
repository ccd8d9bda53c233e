"""One guarantee line from its cells, one per level.

A spreadsheet gives a levelled line one cell per level, each the formula
and limits at that level (`150% BRSS, cap 1400€ per calendar year`); the
Garant line gives the formula's columns separated by `|` and, per limit,
its values separated by `|` (`none` at a level without it):

    200% BRSS, cap 800€ per calendar year   |  300% BRSS, cap 1200€ per calendar year
      → 200% BRSS | 300% BRSS, cap 800€ | 1200€ per calendar year

Each cell is read by Garant's own parser (a cell it cannot read is an
error naming the cell), so the split into formula and limits is the
language's, not a guess on commas (`$1,500`, `26,50 €`).
"""

from __future__ import annotations

import attrs

from garant.dsl import ast
from garant.dsl.parser import parse_source
from garant.dsl.source import SourceFile

_PREFIX = 'contract "cell"\n  regime secu\n\nguarantees\n  all: '
_LINE = _PREFIX.count("\n") + 1
_OFFSET = len("  all: ") + 1  # the column of the cell's first character
_SLOT = "\x00"  # where a limit's value sits in its template


class CellError(Exception):
    def __init__(self, ref: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.ref, self.message, self.hint = ref, message, hint


@attrs.frozen
class Cell:
    ref: str  # `'Tableau de garanties'!E12`
    text: str


@attrs.frozen
class Parsed:
    formula: str
    limits: tuple[tuple[str, str | None], ...]  # (template with _SLOT, value) per limit, in order


@attrs.frozen
class Merged:
    text: str  # `formula, limit, limit`
    segments: tuple[tuple[int, int, str], ...]  # (start, end) offsets in text → the cell they come from


def parse_cell(cell: Cell) -> Parsed:
    """The formula and limits of one level's cell."""
    text = cell.text
    tree, diags = parse_source(SourceFile("cell", _PREFIX + text + "\n"))
    if diags:
        d = diags[0]
        at = f" (at `{text[d.span.column - _OFFSET:][:12]}`)" if d.span and d.span.line == _LINE and d.span.column >= _OFFSET else ""
        raise CellError(cell.ref, f"cannot read `{text}`{at}: {d.message}", d.hint)
    g = tree.guarantees[0]
    if g.formula.per_level or any(len(lim.columns) > 1 for lim in g.limits):
        raise CellError(cell.ref, f"`{text}` gives several levels (`|`) in one level's cell", "write each level's formula in its own column")
    # The limits, and a `waiting` clause (the same at every level: a piece
    # without a value), in the order the cell writes them.
    clauses = sorted([*g.limits, *([g.waiting] if g.waiting is not None else [])], key=lambda c: c.span.column)
    starts = [c.span.column - _OFFSET for c in clauses] + [len(text)]
    formula = text[: starts[0]].rstrip().rstrip(",").strip()
    limits = []
    for i, lim in enumerate(clauses):
        begin, end = starts[i], starts[i + 1]
        piece = text[begin:end].rstrip().rstrip(",").rstrip()
        if not isinstance(lim, ast.Limit):
            limits.append((piece, None))
            continue
        q = lim.quantity if lim.quantity is not None else (lim.columns[0] if lim.columns else None)
        if q is None or q.span.line != _LINE:
            limits.append((piece, None))
            continue
        qs, qe = q.span.column - _OFFSET - begin, q.span.end_column - _OFFSET - begin
        limits.append((piece[:qs] + _SLOT + piece[qe:], piece[qs:qe]))
    return Parsed(formula, tuple(limits))


def merge(cells: list[Cell]) -> Merged:
    """One line's formula and limits from its cells, one per level in level order."""
    parsed = [parse_cell(c) for c in cells]
    pieces: list[tuple[str, str]] = []  # (text, ref): what the line is made of, in order
    plus = [p.formula.startswith("+") for p in parsed]
    for cell, p in zip(cells, parsed):
        if p.formula.startswith("+") != plus[0]:
            raise CellError(cell.ref, f"`{cell.text}` {'adds to' if not plus[0] else 'does not add to'} the line it refines (`+`), unlike the first level's cell",
                            "a refinement line (`+…`) is one at every level: write `+` at every level or at none")
    bodies = [p.formula.lstrip("+").strip() for p in parsed]
    sign = "+" if plus[0] else ""
    if len(set(bodies)) == 1:
        pieces.append((sign + bodies[0], cells[0].ref))
    else:
        for i, (cell, body) in enumerate(zip(cells, bodies)):
            pieces.append(((sign if i == 0 else " | ") + body, cell.ref))
    for template, values in _aligned(cells, parsed):
        pieces.append((", ", cells[0].ref))
        present = [v for v in values if v is not _ABSENT]
        first = next(i for i, v in enumerate(values) if v is not _ABSENT)
        if len(present) == len(values) and len(set(present)) == 1:
            pieces.append((template.replace(_SLOT, present[0] or ""), cells[first].ref))
            continue
        if _SLOT not in template:
            missing = next(i for i, v in enumerate(values) if v is _ABSENT)
            shown = template
            raise CellError(cells[missing].ref, f"`{shown}` is in other levels' cells but not in this one",
                            "a limit with no amount (`once per …`) is the same at every level: write it in every level's cell or in none")
        head, tail = template.split(_SLOT)
        pieces.append((head, cells[first].ref))
        for i, v in enumerate(values):
            pieces.append(((" | " if i else "") + ("none" if v is _ABSENT else v), cells[i].ref))
        pieces.append((tail, cells[first].ref))
    text, segments, at = "", [], 0
    for piece, ref in pieces:
        segments.append((at, at + len(piece), ref))
        text += piece
        at += len(piece)
    return Merged(text, tuple(segments))


_ABSENT = object()


def _aligned(cells, parsed):
    """Each limit once, with its value at each level (`_ABSENT` where a
    level's cell does not have it), in the order the cells give them."""
    order: list[tuple[str, int]] = []
    per_level: list[dict] = []
    for p in parsed:
        seen: dict[str, int] = {}
        mine = {}
        for template, value in p.limits:
            n = seen.get(template, 0)
            seen[template] = n + 1
            key = (template, n)
            mine[key] = value
            if key not in order:
                order.append(key)
        per_level.append(mine)
    for key in order:
        yield key[0], [mine.get(key, _ABSENT) for mine in per_level]
