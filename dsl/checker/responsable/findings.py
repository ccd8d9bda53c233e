"""One compliance finding per rule and guarantee line, and how a bound is
proved on a scenario.

A rule family (floors, ceilings) states, for a scenario, a *bound* — an
envelope in price and base — that the contract's all-in payment must stay
above (floor) or below (ceiling). `prove_bound` decides it exactly with
`envelope.prove_nonpositive` and returns a `Finding` whose message carries
the counterexample claim in euros. Findings are what both `garant check`
(as diagnostics) and the documentation's compliance report read.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import attrs

from garant.dsl import model
from garant.dsl.checker.regime import vocabulary
from garant.dsl.checker.responsable import envelope as E
from garant.dsl.checker.responsable import payment
from garant.dsl.checker.responsable.payment import Scenario

VIOLATED = "violated"  # proved wrong: an error
DEPENDS_ON_BASE = "depends_on_base"  # wrong for some bases the regime does not state (claim's base)
UNCONFIRMED = "depends_on_unconfirmed"  # wrong or right depending on an amount the sources do not confirm (a warning)
WARNING = "warning"  # not a breach of the responsable rules, but worth saying (R9 missing)
HOLDS = "holds"
# Verdicts of a rule as a whole (compliance report), besides the above.
NOT_APPLICABLE = "not_applicable"  # no act or line of the contract falls under it
NOT_CHECKED = "not_checked"  # the checker cannot prove it (the report says why)


@attrs.frozen
class Finding:
    rule: str  # "R3"
    title: str
    ref: str | None
    status: str
    line: model.Line | None  # the deciding line; None for a gap
    level: str | None
    scenario: Scenario | None
    message: str
    price: Fraction | None = None
    base: Fraction | None = None
    paid: Fraction | None = None  # all-in at the counterexample
    bound: Fraction | None = None  # the floor or ceiling there
    frame: Fraction | None = None  # the frame price of the counterexample (R6's frame share)
    fix: str | None = None  # what to write, in the contract's words (fixes.py)


def line_formulas(contract: model.Contract, level: str | None = None) -> list[tuple[str | None, dict[str, tuple[model.Term, ...]]]]:
    """The formulas to check: line id → terms, for a one-level contract or
    one level's view of a product (`Contract.level_views`)."""
    return [(level, {ln.id: ln.terms for ln in contract.lines})]


def euros(cents: Fraction) -> str:
    """Cents (exact) → `46.00€`, rounded half up like the evaluator."""
    c = int((cents * 2 + 1) // 2) if cents >= 0 else -int((-cents * 2 + 1) // 2)
    return f"{c // 100}.{c % 100:02d}€" if c >= 0 else f"-{(-c) // 100}.{(-c) % 100:02d}€"


def percent_of(amount: Fraction, base: Fraction) -> str:
    if base <= 0:
        return ""
    value = amount * 100 / base
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return f"{text}% BRSS"


_VOCABULARIES: dict = {}


def describe(contract: model.Contract, s: Scenario) -> str:
    """`consultation generaliste secteur2 non_optam in network kalivia`."""
    regime = contract.regime
    if id(regime) not in _VOCABULARIES:
        _VOCABULARIES.clear()
        _VOCABULARIES[id(regime)] = (regime, vocabulary(regime))
    words = [_VOCABULARIES[id(regime)][1].path_text(s.node)]
    defaults = {d.name: d.default for d in regime.dims}
    for dim, value in s.values:
        if value is None or value == defaults.get(dim):
            continue
        words.append(f"in network {value}" if dim == "network" else value)
    return " ".join(words)


def claim_text(contract: model.Contract, s: Scenario, price: Fraction, base: Fraction) -> str:
    if not s.reimbursed:
        base_text = "not reimbursed by the regime"
    elif s.base is None:
        base_text = f"a base of {euros(base)} sent by the claim: the regime states none"
    else:
        base_text = f"base {euros(base)}"
    return f"{describe(contract, s)} at {euros(price)} ({base_text})"


_ROUND_BASES = (2500, 1000, 5000, 10000, 100, 50000, 100000, 500000)


def prove_bound(contract: model.Contract, s: Scenario, formulas, date: dt.date, bound: E.Expr, kind: str, uncapped: frozenset[str] = frozenset(),
                spent: frozenset[str] = frozenset()):
    """Prove `all-in ≥ bound` (kind "floor") or `all-in ≤ bound` ("ceiling")
    on the scenario. Returns (status, verdict, all-in envelope); the
    status and verdict once per distinct function and base (`exact`). A
    claim crossing a `cap … then F` is taken at the least it can pay for a
    floor, the most for a ceiling (`payment.after_cap`)."""
    allin = payment.allin(contract, s, formulas, date, None, uncapped, kind, spent)
    g = E.sub(bound, allin) if kind == "floor" else E.sub(allin, bound)
    return E.exact.remembered(("bound", E.exact.key(g), s.base), lambda: _decide(g, s.base)) + (allin,)


def _decide(g: E.Expr, base: int | None) -> tuple[str, E.Verdict]:
    verdict = E.prove_nonpositive(g, E.Domain(None if base is None else Fraction(base)))
    if not verdict.holds and base is None:
        # Any base shows it; say it with a base a reader recognises.
        for cents in _ROUND_BASES:
            at = E.prove_nonpositive(g, E.Domain(Fraction(cents)))
            if not at.holds:
                verdict = at
                break
    if verdict.holds:
        status = HOLDS
    elif base is not None or E.violated_at_every_base(g):
        status = VIOLATED
    else:
        status = DEPENDS_ON_BASE
    return status, verdict


def counterexample(verdict: E.Verdict, allin: E.Expr, bound: E.Expr) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """(price, base, all-in paid, floor or ceiling) at the verdict's claim."""
    p, b = verdict.price, verdict.base
    return p, b, E.evaluate(allin, p, b), E.evaluate(bound, p, b)


_STATUS_RANK = {VIOLATED: 0, DEPENDS_ON_BASE: 1, UNCONFIRMED: 2, WARNING: 3, HOLDS: 4}


def rank(status: str, s: Scenario | None) -> tuple:
    """Which finding speaks for a line: a proved violation first, then one
    on a base the regime fixes, then an act claims name (a leaf)."""
    return (_STATUS_RANK[status], s is None or s.base is None, s is None or s.leaf is False)


class Best:
    """The finding kept per (rule, title, line, level); lets a checker skip
    writing the message of one that would not be kept."""

    def __init__(self):
        self.kept: dict[tuple, tuple] = {}

    def wants(self, key: tuple, status: str, s: Scenario | None) -> bool:
        return key not in self.kept or rank(status, s) < self.kept[key][0]

    def add(self, key: tuple, f: Finding) -> None:
        if self.wants(key, f.status, f.scenario):
            self.kept[key] = (rank(f.status, f.scenario), f)

    def findings(self) -> list[Finding]:
        return [f for _, f in self.kept.values()]


def worst(findings: list[Finding]) -> list[Finding]:
    """One finding per (rule, title, line, level)."""
    best = Best()
    for f in findings:
        best.add((f.rule, f.title, f.line.id if f.line else None, f.level), f)
    return best.findings()
