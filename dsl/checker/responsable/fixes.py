"""What to write to fix a compliance error, in the contract's own words
(issue 18.8): a line to add, a formula to write, a limit to remove or to
add. Each rule family builds its finding's `fix` with these, so that an
error says both what is wrong (a claim in euros) and what to change.
"""

from __future__ import annotations

from fractions import Fraction

from garant.dsl import model


def money(cents: Fraction) -> str:
    """Cents → the contract's own notation: `1700€`, `12.50€`."""
    c = int((cents * 2 + 1) // 2)
    return f"{c // 100}€" if c % 100 == 0 else f"{c // 100}.{c % 100:02d}€"


def floor_formula(step: model.FloorStep, above_tm_only: bool) -> str:
    """The simplest formula that meets a floor: `TM` for the ticket
    modérateur, `100% FR` for the forfait journalier, `100% santé` for a
    regulated price, `X€ Sécu incluse` for R6's class B floor."""
    if step.kind == "percent":
        return "TM"
    if step.kind == "amount":
        return f"{step.value.text} Sécu incluse" if above_tm_only else "100% FR"
    return "100% santé"


def floor_fix(line: model.Line | None, act: str, formula: str) -> str:
    if line is None:
        return f"add `{act}: {formula}`"
    return f"write `{line.selector}: {formula}` (or a formula that pays at least as much)"


def limit_fix(lim: model.Limit) -> str:
    return f"remove `{lim.text}` from this line: the floor is owed on every claim, not only until the limit is spent"


def narrower(line: model.Line, values, defaults: dict) -> bool:
    """Whether the claims at stake have a condition (a dimension's value,
    e.g. `hors_parcours`) the line does not name: the line covers more."""
    return any(v is not None and v != defaults.get(d) and (d, v) not in line.constraints for d, v in values if d != "network")


def ceiling_fix(line: model.Line, step: model.CeilingStep, bound_words: str, act: str, more: bool) -> str:
    """Lower the line, or (when the line covers more than the claims at
    stake, e.g. `consultation` for a hors-parcours visit) add a line for
    those claims only; a percentage ceiling can also be applied by `cap`."""
    formula = f"{bound_words} Sécu incluse" if step.percent is None else bound_words
    text = f"add `{act}: {formula}` for these claims" if more else f"write at most `{line.selector}: {formula}`"
    if step.percent is not None:
        text += ", or add `cap` after the line's formula so the regime's ceiling clamps it"
    return text


def frame_fix(amount: int) -> str:
    return f"add `frame at most {money(Fraction(amount))}` to this line"


def renewal_fix(step: model.RenewalStep) -> str:
    return "add `" + ", ".join(lim.text for lim in step.limits) + "` to this line (with `shared NAME` on every optics line)"


def deduction_fix(line: model.Line) -> str:
    return f"pay at most what the in-parcours AMO leaves, e.g. `{line.selector}: TM`"
