"""The responsable proofs made fast stay the same proofs.

1. Remembering (`exact.remembered`, keyed by a tree's data) changes no
   finding: every bundled contract's findings, and every compliance
   report, are compared with remembering on and off.
2. The integer prover (`envelope.prove_nonpositive` on `exact.Compiled`)
   gives the very verdict — holds or not, counterexample, excess, points
   examined, unbounded — of the `fractions.Fraction` prover it replaced,
   kept below as it was (`_old_prove_nonpositive`): on random envelopes
   (hypothesis) and on every function the checks prove for a bundled
   contract.
3. Data ids: trees built apart with equal data share an id; trees that
   differ anywhere do not.

Speed itself is measured by bench/bench_compile.py, not here.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path
from typing import Iterable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garant.dsl.checker.responsable import compliance_report, envelope as E, exact, responsable_findings
from garant.dsl.checker.responsable.envelope import Aff, Domain, Expr, Op, Scale, Verdict, scale
from garant.dsl.pipeline import compile_paths

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted(str(p) for p in (ROOT / "contracts").glob("*.garant") if "\ncontract " in "\n" + p.read_text(encoding="utf-8"))  # not the US plans


def _findings(contract) -> list[tuple]:
    return [
        (f.rule, f.title, f.status, f.line.id if f.line else None, f.level, f.price, f.base, f.paid, f.bound, f.frame, f.message)
        for f in responsable_findings(contract)
    ]


def _report(contract) -> list[tuple]:
    return [(r.rule, r.status, r.lines, tuple(f.message for f in r.findings), r.reasons, r.starts) for r in compliance_report(contract)]


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: Path(p).stem)
def test_findings_are_the_same_with_and_without_remembering(path):
    units, problems = compile_paths([path])
    assert not problems
    contract = units[0].contract
    remembered = (_findings(contract), _report(contract))
    with exact.memo_disabled():
        assert not exact.memo_enabled()
        afresh = (_findings(contract), _report(contract))
    assert afresh == remembered
    if contract.responsable:
        assert any(f[2] == "holds" for f in remembered[0])  # something was proved


# ----------------------------------------------- the prover it replaced
def _old_pieces(e: Expr, memo: dict) -> frozenset:
    key = id(e)
    if key in memo:
        return memo[key][0]
    if isinstance(e, Aff):
        out = frozenset([e])
    elif isinstance(e, Scale):
        out = frozenset(scale(e.k, p) for p in _old_pieces(e.arg, memo))
    elif e.kind == "add":
        out = frozenset(
            Aff(sum(a.p for a in combo), sum(a.b for a in combo), sum(a.c for a in combo), sum(a.f for a in combo))
            for combo in itertools.product(*(_old_pieces(a, memo) for a in e.args))
        )
    else:
        out = frozenset().union(*(_old_pieces(a, memo) for a in e.args))
    memo[key] = (out, e)
    return out


def _old_lines(e: Expr) -> set[Aff]:
    memo: dict = {}
    lines: set[Aff] = set()

    def walk(x):
        if isinstance(x, Aff):
            return
        if isinstance(x, Scale):
            walk(x.arg)
            return
        for a in x.args:
            walk(a)
        if x.kind in ("min", "max"):
            per_child = [_old_pieces(a, memo) for a in x.args]
            pairs = set()
            for i, j in itertools.combinations(range(len(per_child)), 2):
                pairs.update(itertools.product(per_child[i], per_child[j]))
            for u, v in pairs:
                dp, db = u.p - v.p, u.b - v.b
                if dp != 0 or db != 0:
                    lead = dp if dp != 0 else db
                    lines.add(Aff(dp / lead, db / lead, (u.c - v.c) / lead))

    walk(e)
    return lines


def _old_eval(e: Expr, price: Fraction, base: Fraction) -> Fraction:
    if isinstance(e, Aff):
        return e.p * price + e.b * base + e.c
    if isinstance(e, Scale):
        return e.k * _old_eval(e.arg, price, base)
    values = [_old_eval(a, price, base) for a in e.args]
    return {"min": min, "max": max}.get(e.kind, sum)(values)


def _old_homogeneous(e: Expr) -> Expr:
    if isinstance(e, Aff):
        return Aff(e.p, e.b, Fraction(0), e.f)
    if isinstance(e, Scale):
        return Scale(e.k, _old_homogeneous(e.arg))
    return Op(e.kind, tuple(_old_homogeneous(a) for a in e.args))


def _old_vertices(lines: Iterable[Aff], domain: Domain) -> set:
    out = set()
    if domain.base is not None:
        b = domain.base
        out.add((Fraction(0), b))
        for ln in lines:
            if ln.p != 0:
                p = -(ln.b * b + ln.c) / ln.p
                if p >= 0:
                    out.add((p, b))
        return out
    boundary = [Aff(Fraction(1), Fraction(0), Fraction(0)), Aff(Fraction(0), Fraction(1), Fraction(0))]
    all_lines = list(dict.fromkeys(list(lines) + boundary))
    for u, v in itertools.combinations(all_lines, 2):
        det = u.p * v.b - u.b * v.p
        if det == 0:
            continue
        p = (-u.c * v.b + u.b * v.c) / det
        b = (-u.p * v.c + u.c * v.p) / det
        if p >= 0 and b >= 0:
            out.add((p, b))
    return out


def _old_directions(lines: Iterable[Aff], domain: Domain) -> set:
    if domain.base is not None:
        return {(Fraction(1), Fraction(0))}
    out = {(Fraction(1), Fraction(0)), (Fraction(0), Fraction(1))}
    for ln in lines:
        for dp, db in ((ln.b, -ln.p), (-ln.b, ln.p)):
            if dp >= 0 and db >= 0 and (dp, db) != (0, 0):
                out.add((dp, db))
    return out


def _old_prove_nonpositive(g: Expr, domain: Domain) -> Verdict:
    """envelope.prove_nonpositive before issue 20 (in Fractions), as it was."""
    lines = _old_lines(g)
    vertices = _old_vertices(lines, domain)
    directions = _old_directions(lines, domain)
    worst = None
    for p, b in vertices:
        value = _old_eval(g, p, b)
        if value > 0 and (worst is None or (-value, p + b, p) < (-worst[0], worst[1] + worst[2], worst[1])):
            worst = (value, p, b)
    examined = len(vertices) + len(directions)
    if worst is not None:
        return Verdict(False, worst[1], worst[2], worst[0], examined)
    slope = _old_homogeneous(g)
    for dp, db in sorted(directions):
        if _old_eval(slope, dp, db) > 0:
            p0, b0 = min(vertices)
            t = Fraction(100)
            for _ in range(200):
                value = _old_eval(g, p0 + t * dp, b0 + t * db)
                if value > 0:
                    return Verdict(False, p0 + t * dp, b0 + t * db, value, examined, True)
                t *= 2
    return Verdict(True, points=examined)


# ----------------------------------------------- random envelopes
_rates = st.sampled_from([Fraction(0), Fraction(1), Fraction(-1), Fraction(7, 10), Fraction(3, 5), Fraction(2), Fraction(-3, 2), Fraction(1, 3), Fraction(9, 4)])
_cents = st.integers(-5000, 5000).map(Fraction) | st.sampled_from([Fraction(2101, 3), Fraction(-7, 4), Fraction(0)])
_atoms = st.builds(lambda p, b, c: Aff(p, b, c), _rates, _rates, _cents)


def _trees(children):
    return st.one_of(
        st.tuples(children, children).map(lambda t: E.emin(*t)),
        st.tuples(children, children, children).map(lambda t: E.emax(*t)),
        st.tuples(children, children).map(lambda t: E.add(*t)),
        st.tuples(_rates, children).map(lambda t: E.scale(t[0], t[1])),
        st.tuples(_rates, children).map(lambda t: Scale(t[0], t[1])),  # a Scale of an atom too
        children.map(E.pos),
    )


envelopes = st.recursive(_atoms, _trees, max_leaves=7)
bases = st.one_of(st.none(), st.integers(0, 20000).map(Fraction), st.sampled_from([Fraction(2300), Fraction(3150), Fraction(1, 3)]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(envelopes, bases)
def test_the_integer_prover_gives_the_verdicts_of_the_fraction_one(g, base):
    domain = Domain(base)
    with exact.memo_disabled():
        new = E.prove_nonpositive(g, domain)
    assert new == _old_prove_nonpositive(g, domain)
    assert E.prove_nonpositive(g, domain) == new  # and remembered, the same
    if not new.holds:
        assert E.evaluate(g, new.price, new.base) == _old_eval(g, new.price, new.base) == new.excess > 0


def test_a_shared_subtree_is_evaluated_as_itself():
    """A DAG (one node under several parents) and its tree copy agree."""
    shared = E.pos(E.sub(E.PRICE, E.scale(Fraction(7, 10), E.emin(E.PRICE, E.BASE))))
    dag = E.sub(E.add(shared, shared), E.scale(2, shared))
    assert E.prove_nonpositive(dag, Domain(None)) == _old_prove_nonpositive(dag, Domain(None))
    assert E.prove_nonpositive(dag, Domain(None)).holds  # 2·x − 2·x


def test_every_bundled_proof_agrees_with_the_fraction_prover(monkeypatch):
    """Every function the checks of the essentiel contract prove, proved
    again by the prover it replaced."""
    seen: dict[tuple, tuple] = {}
    real = E.prove_nonpositive

    def recording(g, domain, lines=None):
        verdict = real(g, domain)
        seen.setdefault((exact.key(g), domain.base), (g, domain, verdict))
        return verdict

    monkeypatch.setattr(E, "prove_nonpositive", recording)
    units, _ = compile_paths([str(ROOT / "contracts" / "essentiel_2025.garant")])
    with exact.memo_disabled():
        responsable_findings(units[0].contract)
    assert len(seen) > 50
    for g, domain, verdict in seen.values():
        assert _old_prove_nonpositive(g, domain) == verdict


# ----------------------------------------------- data ids
def test_equal_data_share_an_id_and_different_data_do_not():
    def build(rate, c):
        return E.emin(E.add(E.scale(Fraction(rate, 10000), E.BASE), E.const(c)), E.pos(E.sub(E.PRICE, E.const(c))))

    a, b = build(7000, 100), build(7000, 100)
    assert a is not b and exact.key(a) == exact.key(b)
    assert exact.key(build(7000, 101)) != exact.key(a)
    assert exact.key(build(6000, 100)) != exact.key(a)
    assert exact.key(E.emax(*a.args)) != exact.key(a)  # same children, other kind
    assert exact.key(Scale(Fraction(1), a)) != exact.key(a)


# ----------------------------------------------- one build proves each contract once
def test_a_build_proves_each_contract_once_and_outside_it_afresh(monkeypatch):
    """`garant build` checks a contract and then documents it: within
    `remembering()` (entered by `driver.one_build`) the second call reads
    the first call's findings; outside it, each call proves again."""
    from garant.compiler import driver
    from garant.dsl.checker import responsable

    units, _ = compile_paths([str(ROOT / "contracts" / "essentiel_2025.garant")])
    contract = units[0].contract
    calls = []
    real = responsable._prove
    monkeypatch.setattr(responsable, "_prove", lambda c: calls.append(c) or real(c))
    with driver.one_build():
        first = responsable.responsable_findings(contract)
        again = responsable.responsable_findings(contract)
    assert first == again and len(calls) == 1
    responsable.responsable_findings(contract)
    assert len(calls) == 2
