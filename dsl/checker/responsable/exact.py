"""An envelope as integer operations on a common denominator, remembered
by its data: what makes the proofs of `envelope` fast and still exact.

The proofs evaluate a piecewise-linear tree at hundreds of rational
points. In `fractions.Fraction` every `+` and `×` normalises by a gcd;
here every node `i` of the tree gets a positive integer *multiplier*
`m_i` (the lcm of the denominators beneath it) and a point `(P, B)` is
written `(X/D, Y/D)` with integers `X, Y` and `D > 0`, so that

    node value × m_i × D    is an integer,

computed with integer `+`, `×`, `min` and `max` only (a positive factor
never changes a `min`, a `max` or a sign). The value itself is that
integer over `m_i·D`, turned into a `Fraction` only where a verdict needs
one (a counterexample). With `D = 0` the same operations give the
recession slope along a direction `(X, Y)` (the constants drop out).

The breakpoint lines (`envelope.breakpoint_lines`) are kept as primitive
integer triples `(a, b, c)` — `a·P + b·B + c = 0`, gcd 1, leading
coefficient positive — one per geometric line, and the vertices as
reduced homogeneous triples `(X, Y, D)`: one per point.

Remembering: a check proves the same function many times (the same
formula on many act and provider combinations, levels with the same
terms, an optional module that changes nothing here). `key` gives every
tree an id that depends on its data only — two trees built separately
with equal atoms and equal shapes get the same id — so a compiled form
and a verdict are computed once per distinct function. `memo_disabled()`
turns that off (the tests prove the findings do not change).
"""

from __future__ import annotations

import contextlib
import itertools
import operator
from fractions import Fraction
from math import gcd, lcm
from typing import Iterator

AFF, SCALE, ADD, MIN, MAX = range(5)
_KINDS = {"add": ADD, "min": MIN, "max": MAX}

_enabled = True


@contextlib.contextmanager
def memo_disabled() -> Iterator[None]:
    """Every proof computed afresh while inside (tests compare findings)."""
    global _enabled
    before = _enabled
    _enabled = False
    try:
        yield
    finally:
        _enabled = before


def memo_enabled() -> bool:
    return _enabled


# ------------------------------------------------------------ data ids
_IDS: dict[tuple, int] = {}
_KNOWN: dict[int, tuple[object, int]] = {}  # id(node) → (the node, kept alive so its id is not reused; its data id)
_COUNTER = itertools.count(1)
_LIMIT = 200_000  # entries kept before a table is emptied (data ids are never reused)


def key(e) -> int:
    """An id equal for trees with equal data (hash-consing): each node's
    id is looked up from its kind, its numbers and its children's ids, so
    a lookup costs one visit per node object never seen before, however
    deep the sharing (a node seen before answers at once)."""
    if len(_IDS) > _LIMIT or len(_KNOWN) > _LIMIT:
        _IDS.clear()
        _KNOWN.clear()
    ids, known = _IDS, _KNOWN

    def visit(x) -> int:
        got = known.get(id(x))
        if got is not None:
            return got[1]
        kind = type(x).__name__
        if kind == "Aff":
            data = (AFF, x.p.numerator, x.p.denominator, x.b.numerator, x.b.denominator, x.c.numerator, x.c.denominator,
                    x.f.numerator, x.f.denominator)
        elif kind == "Scale":
            data = (SCALE, x.k.numerator, x.k.denominator, visit(x.arg))
        else:
            data = (_KINDS[x.kind], tuple([visit(a) for a in x.args]))
        out = ids.get(data)
        if out is None:
            out = ids[data] = next(_COUNTER)
        known[id(x)] = (x, out)
        return out

    return visit(e)


_REMEMBERED: dict[tuple, object] = {}


def remembered(k: tuple, compute):
    """`compute()`, once per `k` (a tuple of data ids and plain values)
    while remembering is enabled."""
    if not _enabled:
        return compute()
    if k in _REMEMBERED:
        return _REMEMBERED[k]
    if len(_REMEMBERED) > _LIMIT:
        _REMEMBERED.clear()
    out = _REMEMBERED[k] = compute()
    return out


# ------------------------------------------------------------ compiling
class Compiled:
    """One tree as integer operations (see the module's docstring).

    `ops[i]` is `(AFF, a, b, c)`, `(SCALE, factor, j)` or
    `(ADD|MIN|MAX, ((j, factor), ...))`: node i's integer is computed from
    earlier nodes' integers times integer factors; the last node is the
    root, whose multiplier is `root`."""

    __slots__ = ("ops", "mult", "root", "_lines", "_free_vertices")

    def __init__(self, e):
        self.ops: list[tuple] = []
        self.mult: list[int] = []
        index: dict[int, int] = {}
        keep = []  # the objects whose id() index holds stay alive meanwhile

        def visit(x) -> int:
            got = index.get(id(x))
            if got is not None:
                return got
            kind = type(x).__name__
            if kind == "Aff":
                if x.f:
                    raise ValueError("a frame price in an envelope: `substitute` it before evaluating")
                m = lcm(x.p.denominator, x.b.denominator, x.c.denominator)
                op = (AFF, x.p.numerator * (m // x.p.denominator), x.b.numerator * (m // x.b.denominator), x.c.numerator * (m // x.c.denominator))
            elif kind == "Scale":
                j = visit(x.arg)
                n, d = x.k.numerator, x.k.denominator
                if n == 0:
                    m, factor = 1, 0
                else:
                    whole = d * self.mult[j]
                    g = gcd(n, whole)
                    m, factor = whole // g, n // g
                op = (SCALE, factor, j)
            else:
                children = [visit(a) for a in x.args]
                m = lcm(*(self.mult[j] for j in children))
                op = (_KINDS[x.kind], tuple((j, m // self.mult[j]) for j in children))
            keep.append(x)
            self.ops.append(op)
            self.mult.append(m)
            index[id(x)] = len(self.ops) - 1
            return index[id(x)]

        visit(e)
        self.root = self.mult[-1]
        self._lines: frozenset | None = None
        self._free_vertices: frozenset | None = None

    # ------------------------------------------------------ evaluation
    def run(self, xs: list[int], ys: list[int], ds: list[int]) -> list[int]:
        """The root's integers at the points (xs[k]/ds[k], ys[k]/ds[k]),
        all at once: one pass over the operations, each over every point."""
        values: list[list[int]] = []
        push = values.append
        for op in self.ops:
            kind = op[0]
            if kind == AFF:
                _, a, b, c = op
                if b == 0:
                    push([a * x + c * d for x, d in zip(xs, ds)] if a else [c * d for d in ds])
                elif a == 0:
                    push([b * y + c * d for y, d in zip(ys, ds)])
                else:
                    push([a * x + b * y + c * d for x, y, d in zip(xs, ys, ds)])
            elif kind == SCALE:
                f = op[1]
                push([f * v for v in values[op[2]]])
            else:
                cols = [values[j] if f == 1 else [f * v for v in values[j]] for j, f in op[1]]
                if len(cols) == 1:
                    push(cols[0])
                elif kind == ADD:
                    push(list(map(operator.add, *cols)) if len(cols) == 2 else [sum(t) for t in zip(*cols)])
                elif kind == MIN:
                    push(list(map(min, *cols)))
                else:
                    push(list(map(max, *cols)))
        return values[-1]

    def value(self, price: Fraction, base: Fraction) -> Fraction:
        x, y, d = homogeneous_point(price, base)
        return Fraction(self.run([x], [y], [d])[0], self.root * d)

    # ------------------------------------------------------ geometry
    def lines(self) -> frozenset[tuple[int, int, int]]:
        """The breakpoint lines (primitive `(a, b, c)`): where pieces of two
        different children of a min/max meet (between its children's own
        breakpoints each child is one of its pieces)."""
        if self._lines is None:
            self._lines = frozenset(self._find_lines())
        return self._lines

    def _find_lines(self) -> set[tuple[int, int, int]]:
        pieces: list[frozenset] = []
        lines: set[tuple[int, int, int]] = set()
        for op in self.ops:
            kind = op[0]
            if kind == AFF:
                pieces.append(frozenset([op[1:]]))
                continue
            if kind == SCALE:
                f = op[1]
                pieces.append(frozenset((f * a, f * b, f * c) for a, b, c in pieces[op[2]]))
                continue
            per_child = [pieces[j] if f == 1 else frozenset((f * a, f * b, f * c) for a, b, c in pieces[j]) for j, f in op[1]]
            if kind == ADD:  # every sum of one piece of each child
                total = per_child[0]
                for child in per_child[1:]:
                    total = frozenset((a0 + b0, a1 + b1, a2 + b2) for a0, a1, a2 in total for b0, b1, b2 in child)
                pieces.append(total)
                continue
            pieces.append(frozenset().union(*per_child))
            pairs = set()
            for i, j in itertools.combinations(range(len(per_child)), 2):
                pairs.update(itertools.product(per_child[i], per_child[j]))
            for u, v in pairs:
                da, db = u[0] - v[0], u[1] - v[1]
                if da or db:
                    lines.add(primitive(da, db, u[2] - v[2]))
        return lines

    def vertices(self, base: Fraction | None) -> frozenset[tuple[int, int, int]]:
        """The arrangement's vertices in the domain (P ≥ 0, and B = base or
        B ≥ 0), as reduced `(X, Y, D)`."""
        if base is not None:
            return fixed_base_vertices(self.lines(), base)
        if self._free_vertices is None:
            self._free_vertices = free_base_vertices(self.lines())
        return self._free_vertices


def primitive(a: int, b: int, c: int) -> tuple[int, int, int]:
    """One triple per line: divided by its gcd, leading coefficient > 0."""
    g = gcd(a, b, c)
    if (a if a else b) < 0:
        g = -g
    return a // g, b // g, c // g


def reduced(x: int, y: int, d: int) -> tuple[int, int, int]:
    """One triple per point: D > 0 and gcd(X, Y, D) = 1."""
    g = gcd(x, y, d)
    if d < 0:
        g = -g
    return x // g, y // g, d // g


def homogeneous_point(price: Fraction, base: Fraction) -> tuple[int, int, int]:
    d = lcm(price.denominator, base.denominator)
    return price.numerator * (d // price.denominator), base.numerator * (d // base.denominator), d


def as_fractions(point: tuple[int, int, int]) -> tuple[Fraction, Fraction]:
    x, y, d = point
    return Fraction(x, d), Fraction(y, d)


def fixed_base_vertices(lines, base: Fraction) -> frozenset[tuple[int, int, int]]:
    """(0, base) and every line's crossing of B = base at a price ≥ 0."""
    bn, bd = base.numerator, base.denominator
    out = {reduced(0, bn, bd)}
    for a, b, c in lines:
        if a:
            # a·P + b·base + c = 0  ⇒  P = −(b·bn + c·bd) / (a·bd)
            x, d = -(b * bn + c * bd), a * bd
            if d < 0:
                x, d = -x, -d
            if x >= 0:
                out.add(reduced(x, bn * (d // bd), d))
    return frozenset(out)


def free_base_vertices(lines) -> frozenset[tuple[int, int, int]]:
    """Every crossing of two lines (the axes P = 0 and B = 0 among them)
    with P ≥ 0 and B ≥ 0."""
    every = list(set(lines) | {(1, 0, 0), (0, 1, 0)})
    out = set()
    for (ua, ub, uc), (va, vb, vc) in itertools.combinations(every, 2):
        det = ua * vb - ub * va
        if det == 0:
            continue
        x = -uc * vb + ub * vc
        y = -ua * vc + uc * va
        if det < 0:
            x, y, det = -x, -y, -det
        if x >= 0 and y >= 0:
            out.add(reduced(x, y, det))
    return frozenset(out)


def free_base_directions(lines) -> list[tuple[Fraction, Fraction]]:
    """The directions along which a cell of the arrangement can be
    unbounded in P, B ≥ 0: the axes' and every line's, written as
    `envelope` always wrote them (a line scaled to leading coefficient 1:
    `(−b/a, 1)` for `a ≠ 0`), so that they sort the same way."""
    out = {(Fraction(1), Fraction(0)), (Fraction(0), Fraction(1))}
    for a, b, _ in lines:
        if a and -b >= 0:  # a > 0 (leading coefficient)
            out.add((Fraction(-b, a), Fraction(1)))
    return sorted(out)
