"""R6's frame: in a class B optical equipment, the frame counts for at most
100 € of what is paid in all (CSS R871-2 3°), proved exactly.

The regime states it as a ceiling `on the frame` (stdlib/secu.garant). The
frame's *share* of a claim is what the frame adds to the all-in payment:

    share(L, F) = T(L + F, frame price F) − T(L, no frame)

for every lens price L ≥ 0 and frame price F ≥ 0, T being the all-in
payment (AMO + contract) the evaluator computes — the payment for the same
equipment without its frame is what the lenses alone earn, so whatever is
paid beyond it is paid for the frame. The rule holds on a scenario when
share ≤ the ceiling everywhere.

How: `payment.allin` is built with the frame price as a third atom F, so
that a line with `frame at most X` reads `P − max(F − X, 0)` in its formula
while the room `FR − AMO`, the `cap` ceiling and the AMO keep the whole
price (engine `_frame_price`). Substituting P → L + F, F → F and B → the
base the regime fixes for the equipment (`envelope.substitute`, exact: an
affine change of variables) leaves a piecewise-linear function of (L, F),
which `envelope.prove_nonpositive` decides over L, F ≥ 0 with L in the
price slot and F in the base slot. A counterexample is a claim: price
L + F with `frame_price` F.

What it means for contracts (each proved, not assumed):
* a line paying a flat amount up to 100 € per equipment gives the frame at
  most that amount; a flat amount above 100 € is paid on a frame alone when
  the lenses cost little (the room is the whole price), so it is a
  violation unless something else limits it;
* `100% FR` without `frame at most 100€` is a violation (a frame above
  100 € is paid in full); with it, a line paying at most 100% of the
  counted price holds;
* a `+` refinement reads its own `frame at most`, but what it pays is
  bounded by the whole price's room: a refinement that tops up the frame
  beyond 100 € is reported even if the line it refines limits the frame.

Limitations: the engine can limit the frame only on claims that carry a
`frame_price` — a claim without one is paid on its whole price, which this
proof cannot see (it reads the claim as if its frame were free). And the
proof needs the base fixed by the regime (class B equipment): where the
claim carries the base, it says so in a warning instead of proving.
"""

from __future__ import annotations

from fractions import Fraction

from garant.dsl import model
from garant.dsl.checker.responsable import envelope as E
from garant.dsl.checker.responsable import fixes
from garant.dsl.checker.responsable import payment
from garant.dsl.checker.responsable.findings import HOLDS, VIOLATED, WARNING, Best, Finding, claim_text, describe, euros
from garant.dsl.checker.responsable.floors import in_force
from garant.dsl.checker.responsable.payment import Scenario
from garant.dsl.checker.responsable.scenarios import matches


def frame_share(contract: model.Contract, s: Scenario, formulas, date, base: int) -> tuple[E.Expr, E.Expr]:
    """(all-in with the frame, all-in for the lenses alone) as functions of
    the lens price L (price slot) and the frame price F (base slot)."""
    lens, frame = E.PRICE, E.BASE
    with_frame = payment.allin(contract, s, formulas, date, frame=E.FRAME)
    alone = payment.allin(contract, s, formulas, date)
    fixed = E.const(base)
    return (
        E.substitute(with_frame, E.add(lens, frame), fixed, frame),
        E.substitute(alone, lens, fixed, E.ZERO),
    )


def prove_frame(contract: model.Contract, s: Scenario, formulas, date, limit: int):
    """(status, verdict, all-in with the frame, all-in without) for one
    scenario; the verdict's price is the lens price, its base the frame's."""
    with_frame, alone = frame_share(contract, s, formulas, date, s.base)
    g = E.sub(E.sub(with_frame, alone), E.const(limit))
    verdict = E.prove_nonpositive(g, E.Domain(None))
    return (HOLDS if verdict.holds else VIOLATED), verdict, with_frame, alone


def check_frames(contract: model.Contract, all_scenarios: list[Scenario], levels, date) -> list[Finding]:
    best = Best()
    memo: dict = {}
    regime = contract.regime
    for c, step, rule in in_force(regime.ceilings, date, "ceiling"):
        if not c.on_frame:
            continue
        for s in all_scenarios:
            if s.decision is None or not matches(c.node, c.constraints, regime.nodes[s.node], dict(s.values)):
                continue
            line = contract.line(s.decision.lines[0])
            for level, formulas in levels:
                key = (rule, c.title, line.id, level)
                where = f"level {level}: " if level else ""
                if s.base is None:
                    if best.wants(key, WARNING, s):
                        msg = (f"{rule} ({c.title}): {where}the frame's share of {describe(contract, s)} "
                               "is proved only where the regime fixes the base; here the claim carries it (not proved)")
                        best.add(key, Finding(rule, c.title, step.ref, WARNING, line, level, s, msg))
                    continue
                sig = (id(step), level, s.rate, s.ref_rate, s.base, s.price_limit, s.reimbursed, s.decision)
                if sig not in memo:  # many combinations share every figure
                    memo[sig] = prove_frame(contract, s, formulas, date, step.amount)
                status, verdict, with_frame, alone = memo[sig]
                if not best.wants(key, status, s):
                    continue
                if status == HOLDS:
                    best.add(key, Finding(rule, c.title, step.ref, HOLDS, line, level, s, "holds"))
                    continue
                lens, frame = verdict.price, verdict.base
                paid = E.evaluate(with_frame, lens, frame)
                without = E.evaluate(alone, lens, frame)
                msg = (f"{rule} ({c.title}): {where}{claim_text(contract, s, lens + frame, Fraction(s.base))} with a frame at {euros(frame)} "
                       f"pays {euros(paid)} in all, {euros(without)} without the frame: the frame adds {euros(paid - without)}; "
                       f"at most {euros(Fraction(step.amount))} allowed")
                best.add(key, Finding(rule, c.title, step.ref, status, line, level, s, msg, lens + frame, Fraction(s.base), paid,
                                      without + step.amount, frame, fix=fixes.frame_fix(step.amount)))
    return best.findings()
