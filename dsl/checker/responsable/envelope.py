"""Piecewise-linear envelopes in price and base, and exact proofs over them.

Every formula of spec §3.2 — and a whole decision: the winning line, its
`+` refinement, the `cap` ceiling, the room `FR − AMO` — is built from
affine functions of the price `P` and the base `B` (the AMO is
`rate × min(P, B)`) with `min`, `max`, sums and constant multiples. Such a
function `g` is *piecewise linear*: it is affine on every cell of the
arrangement of the finitely many lines where two of its pieces are equal.

So "g ≤ 0 on the whole domain" (P ≥ 0; B fixed to the regime's base, or
any B ≥ 0 when the claim carries it) is decided exactly by a finite check:

* its recession function (the same tree with every constant dropped) is
  ≤ 0 along every direction in which a cell can be unbounded — the
  domain's own rays and the directions of the arrangement's lines;
* g ≤ 0 at every vertex of the arrangement (intersections of two lines,
  the domain's corners): a linear function bounded above on a pointed
  cell reaches its maximum at one of the cell's vertices.

Evaluation is exact — integers on a common denominator (`exact`), turned
into fractions only for a counterexample — so `prove_nonpositive` is a
proof, not a sample; when it fails it returns a counterexample point (the
worst vertex, or a point far enough along a rising ray). A function is
compiled and proved once per domain, however many times the checks build
it: `exact` remembers both by the tree's data.
"""

from __future__ import annotations

from fractions import Fraction
from math import lcm

import attrs

from garant.dsl.checker.responsable import exact

Number = Fraction


@attrs.frozen(cache_hash=True)
class Aff:
    """p·P + b·B + c (cents), and f·F where F is an equipment's frame price
    (`frames`): F never reaches a proof — `substitute` maps it onto the
    two variables first."""

    p: Fraction
    b: Fraction
    c: Fraction
    f: Fraction = Fraction(0)


@attrs.frozen(cache_hash=True)
class Op:
    kind: str  # "min" | "max" | "add"
    args: tuple


@attrs.frozen(cache_hash=True)
class Scale:
    k: Fraction
    arg: object


Expr = Aff | Op | Scale

ZERO = Aff(Fraction(0), Fraction(0), Fraction(0))
PRICE = Aff(Fraction(1), Fraction(0), Fraction(0))
BASE = Aff(Fraction(0), Fraction(1), Fraction(0))
FRAME = Aff(Fraction(0), Fraction(0), Fraction(0), Fraction(1))


def const(c) -> Aff:
    return Aff(Fraction(0), Fraction(0), Fraction(c))


def add(*args: Expr) -> Expr:
    affs = [a for a in args if isinstance(a, Aff)]
    rest = [a for a in args if not isinstance(a, Aff)]
    if len(affs) == 1:
        rest.append(affs[0])
    elif affs:
        s = Aff(sum((a.p for a in affs), Fraction(0)), sum((a.b for a in affs), Fraction(0)), sum((a.c for a in affs), Fraction(0)),
                sum((a.f for a in affs), Fraction(0)))
        rest.append(s)
    return rest[0] if len(rest) == 1 else Op("add", tuple(rest))


def sub(a: Expr, b: Expr) -> Expr:
    return add(a, scale(-1, b))


def scale(k, e: Expr) -> Expr:
    k = Fraction(k)
    if isinstance(e, Aff):
        return Aff(k * e.p, k * e.b, k * e.c, k * e.f)
    return Scale(k, e)


def _flat(kind: str, args) -> Expr:
    """min/max with nested ones of the same kind flattened, duplicates
    dropped, and affine arguments differing only by a constant merged."""
    out: list = []
    for a in args:
        out.extend(a.args if isinstance(a, Op) and a.kind == kind else (a,))
    pick = min if kind == "min" else max
    best: dict = {}
    rest: list = []
    for a in out:
        if isinstance(a, Aff):
            key = (a.p.numerator, a.p.denominator, a.b.numerator, a.b.denominator, a.f.numerator, a.f.denominator)  # Fraction hashes are slow
            best[key] = a if key not in best else pick(best[key], a, key=lambda x: x.c)
        elif a not in rest:
            rest.append(a)
    merged = list(best.values()) + rest
    return merged[0] if len(merged) == 1 else Op(kind, tuple(merged))


def emin(*args: Expr) -> Expr:
    return _flat("min", args)


def emax(*args: Expr) -> Expr:
    return _flat("max", args)


def pos(e: Expr) -> Expr:
    """max(e, 0): what "floored at 0" means in every formula."""
    return emax(e, ZERO)


def substitute(e: Expr, price: Aff, base: Aff, frame: Aff) -> Expr:
    """`e` with P, B and F replaced by affine functions of (P, B).

    Exact: every node of a tree is a sum, constant multiple, min or max of
    affine atoms, and all four commute with an affine change of variables
    — so each atom p·P + b·B + f·F + c is simply rewritten, and the tree
    then computes e(price(P, B), base(P, B), frame(P, B)) everywhere.
    Shared subtrees stay shared; once per distinct tree and mapping."""
    k = ("substitute", exact.key(e), exact.key(price), exact.key(base), exact.key(frame))
    return exact.remembered(k, lambda: _substitute(e, price, base, frame))


def _substitute(e: Expr, price: Aff, base: Aff, frame: Aff) -> Expr:
    memo: dict[int, Expr] = {}

    def walk(x: Expr) -> Expr:
        if id(x) in memo:
            return memo[id(x)]
        if isinstance(x, Aff):
            out = add(scale(x.p, price), scale(x.b, base), scale(x.f, frame), const(x.c))
        elif isinstance(x, Scale):
            out = scale(x.k, walk(x.arg))
        elif x.kind == "add":
            out = add(*(walk(a) for a in x.args))
        else:
            out = _flat(x.kind, [walk(a) for a in x.args])
        memo[id(x)] = out
        return out

    return walk(e)


# ------------------------------------------------------------- evaluation
def compiled(e: Expr) -> exact.Compiled:
    """`e` as integer operations (`exact`), once per distinct function."""
    return exact.remembered(("compiled", exact.key(e)), lambda: exact.Compiled(e))


def evaluate(e: Expr, price: Fraction, base: Fraction) -> Fraction:
    return compiled(e).value(Fraction(price), Fraction(base))


def homogeneous(e: Expr) -> Expr:
    """The same tree with every constant dropped: its value at a direction
    d is the recession slope lim g(x + t·d)/t of the original."""
    if isinstance(e, Aff):
        return Aff(e.p, e.b, Fraction(0), e.f)
    if isinstance(e, Scale):
        return Scale(e.k, homogeneous(e.arg))
    return Op(e.kind, tuple(homogeneous(a) for a in e.args))


class Program:
    """`e` compiled once, evaluated at many points: `Program(e)(P, B)`."""

    def __init__(self, e: Expr):
        self._compiled = compiled(e)

    def __call__(self, price: Fraction, base: Fraction) -> Fraction:
        return self._compiled.value(Fraction(price), Fraction(base))


def breakpoint_lines(e: Expr) -> set[Aff]:
    """The lines (affine = 0) across which some min/max of `e` switches,
    each scaled to a leading coefficient of 1."""
    out = set()
    for a, b, c in compiled(e).lines():
        lead = a if a else b
        out.add(Aff(Fraction(a, lead), Fraction(b, lead), Fraction(c, lead)))
    return out


# ----------------------------------------------------------------- proofs
@attrs.frozen
class Domain:
    """P ≥ 0 and B = `base` (cents), or B ≥ 0 when `base` is None."""

    base: Fraction | None

    def contains(self, price: Fraction, base: Fraction) -> bool:
        return price >= 0 and (base == self.base if self.base is not None else base >= 0)


@attrs.frozen
class Verdict:
    holds: bool
    price: Fraction | None = None  # a counterexample when it does not hold
    base: Fraction | None = None
    excess: Fraction | None = None  # g at the counterexample (> 0)
    points: int = 0  # vertices and directions examined
    unbounded: bool = False  # g grows without bound along some ray


def _vertices(g: Expr, domain: Domain) -> list[tuple[Fraction, Fraction]]:
    return [exact.as_fractions(v) for v in compiled(g).vertices(domain.base)]


def prove_nonpositive(g: Expr, domain: Domain, lines: set[Aff] | None = None) -> Verdict:
    """Decide `g(P, B) ≤ 0` for every point of the domain, exactly.

    The counterexample given is the vertex where g is largest, the
    smallest claim (price + base) among equals: the one a reader checks.
    (`lines`, the breakpoint lines of g, is accepted for older callers:
    they are always those of g.) Once per distinct g and domain."""
    base = None if domain.base is None else Fraction(domain.base)
    return exact.remembered(("prove", exact.key(g), base), lambda: _prove(compiled(g), base))


def _prove(run: exact.Compiled, base: Fraction | None) -> Verdict:
    vertices = list(run.vertices(base))
    directions = [(Fraction(1), Fraction(0))] if base is not None else exact.free_base_directions(run.lines())
    examined = len(vertices) + len(directions)
    values = run.run([v[0] for v in vertices], [v[1] for v in vertices], [v[2] for v in vertices])
    worst = None
    for (x, y, d), value in zip(vertices, values):
        if value > 0:
            p, b = Fraction(x, d), Fraction(y, d)
            g = Fraction(value, run.root * d)
            if worst is None or (-g, p + b, p) < (-worst[0], worst[1] + worst[2], worst[1]):
                worst = (g, p, b)
    if worst is not None:
        return Verdict(False, worst[1], worst[2], worst[0], examined)
    # Recession slopes: the same integers with D = 0 (constants drop out).
    scale = [lcm(dp.denominator, db.denominator) for dp, db in directions]
    slopes = run.run([int(dp * k) for (dp, _), k in zip(directions, scale)], [int(db * k) for (_, db), k in zip(directions, scale)],
                     [0] * len(directions))
    for (dp, db), slope in zip(directions, slopes):
        if slope > 0:
            # Rising without bound: walk out along the ray until it shows.
            p0, b0 = min(exact.as_fractions(v) for v in vertices)
            t = Fraction(100)
            for _ in range(200):
                value = run.value(p0 + t * dp, b0 + t * db)
                if value > 0:
                    return Verdict(False, p0 + t * dp, b0 + t * db, value, examined, True)
                t *= 2
    return Verdict(True, points=examined)


def vertex_bases(g: Expr) -> list[Fraction]:
    """The base coordinates of the arrangement's vertices (free base)."""
    return sorted({b for _, b in _vertices(g, Domain(None))})


def violated_at_every_base(g: Expr) -> bool:
    """Whether `g ≤ 0` fails whatever the base (a free base only).

    Used to grade a finding, not to prove it: the bases tried are the
    vertices' base coordinates, the midpoints between them and points
    beyond the last one; the violation itself is always proved exactly.
    """
    bases = sorted({b for _, b in _vertices(g, Domain(None)) if b > 0}) or [Fraction(1)]
    bases = bases[:24]
    probes = set(bases)
    probes.update((a + b) / 2 for a, b in zip([Fraction(0)] + bases, bases))
    probes.update({bases[-1] + 1, bases[-1] * 2 + 100, bases[-1] * 10 + 10000})
    return all(not prove_nonpositive(g, Domain(b)).holds for b in sorted(probes))


def first_euros_above(g: Expr, level: Expr, base: Fraction, step: Fraction) -> Fraction | None:
    """Whether `g ≤ 0` fails on the very first euros of price above
    `level(base)` (at base `base`): a price there, or None.

    g is affine on [L, L + ε] when ε stops short of the next breakpoint,
    so "g > 0 just above L, however close" is exactly g(L) ≥ 0 and
    g(L + ε) > 0: two evaluations decide it. Used where a bound binds on an
    amount the sources do not fix (R4's dépassements autorisés): failing
    here fails for any such amount."""
    run = Program(g)
    at = evaluate(level, Fraction(0), base)
    later = sorted(p for p, _ in _vertices(g, Domain(base)) if p > at)
    eps = min([step] + [(v - at) / 2 for v in later[:1]])
    if run(at, base) >= 0 and run(at + eps, base) > 0:
        return at + eps
    return None


def first_positive(g: Expr, base: Fraction, beyond: Fraction) -> tuple[Fraction, Fraction] | None:
    """Along the price at base `base`: (the price from which g > 0, a
    vertex or far point where g > 0), or None when g ≤ 0 up to `beyond`
    (a point known to be past every breakpoint, or where g > 0)."""
    run = Program(g)
    points = sorted({p for p, _ in _vertices(g, Domain(base))} | {beyond})
    previous = None
    for q in points:
        value = run(q, base)
        if value > 0:
            if previous is None:
                return q, q
            u, gu = previous
            return u + (-gu) * (q - u) / (value - gu), q
        previous = (q, value)
    return None
