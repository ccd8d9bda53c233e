"""Trace steps: recorded as compact tuples, rendered when someone reads them.

Evaluating a year of claims must not pay for formatting sentences nobody
reads; a step is stored as `(rule, code, amount, *args)` and turned into a
sentence by `render` only when a décompte is printed or serialised. The
wording of every step lives here, in one table.
"""

from __future__ import annotations

from garant.compiler.runtime.money import fmt, fmt_rate


def _times(quantity) -> str:
    return f" × {quantity}" if quantity and quantity > 1 else ""


LABELS = {
    "base": lambda source, date, quantity: f"base de remboursement: {source} on {date}{_times(quantity)}",
    "base_claim": lambda: "base de remboursement, as sent on the claim",
    "not_reimbursed": lambda title: f"{title}: not reimbursed by the regime",
    "amo": lambda rate, counted: f"AMO = {fmt_rate(rate)} × {fmt(counted)}",
    "amo_claim": lambda: "AMO, as sent on the claim",
    "stay_days": lambda title, parts: f"{title}: per day of the stay, discharge day included (CSS L174-4) = {parts}",
    "stay_long": lambda admission: f"stay from {admission}: 100% from the 31st consecutive day (CSS R160-16 V 3°)",
    "invoice_acts": lambda quantity, who, acts: f"feuille de soins: {quantity} act(s) by {who}, {acts} bearing a participation forfaitaire (at most 4 a day, CSS D160-8)",
    "statement": lambda field: f"{field}, as sent in the Sécu's statement",
    "amo_ref": lambda parcours, default: f"{parcours}: the contract (responsable) measures against the {default} AMO, never refunding the increase",
    "exempt": lambda title, age: f"{title}: exempt (under {age})",
    "deduction_cap": lambda title, text: f"{title}: {text} reached",
    "deduction": lambda title, ref: f"{title} ({ref})" if ref else title,
    "gap": lambda: "no guarantee line covers this act: the contract pays nothing",
    "keyed": lambda field, value, text: f"{field} {value}: {text} counts this {field} on its own",
    "limit_count": lambda text, remaining: f"limit {text}: {remaining} left",
    "line": lambda text: f"contract: {text}",
    "ceiling": lambda allin: f"responsable ceiling: all-in at most {fmt(allin)}",
    "room": lambda: "within what the regime leaves (price − AMO)",
    "limit_amount": lambda text, remaining: f"limit {text}: {fmt(remaining)} left",
    "budget": lambda text, remaining: f"budget {text}: {fmt(remaining)} left",
    "waiting": lambda text, member, ends: f"waiting period applies: {text} (member since {member}; the line's own cover from {ends})",
    "fallback": lambda text, whole, within, asked: f"limit {text}: {fmt(within)} of {fmt(asked)} within the cap; the rest of the claim "
                                                   f"({fmt(asked - within)}/{fmt(asked)}) pays the fallback {fmt(whole)} in that share",
    "rac": lambda: "reste à charge = price − AMO net − AMC",
    "frame": lambda text, frame, counted: f"{text}: the frame ({fmt(frame)}) counts for at most that; price counted {fmt(counted)}",
    "heavy_act": lambda flat, title: f"heavy act: AMO = base − {title} {fmt(flat)}, instead of the proportional participation",
    "status": lambda kind, name, title: f"{'exemption' if kind == 'status' else 'scheme'} `{name}`: {title}",
    "status_rate": lambda title, rate, counted, ref: f"{title}: AMO = {fmt_rate(rate)} × {fmt(counted)} ({ref})",
    "status_increase": lambda title, points, ref: f"{title}: hors parcours, the increase of {fmt_rate(points)} is still borne ({ref})",
    "status_exempt": lambda title, what, ref: f"{title}: {what} not due ({ref})",
    "not_due": lambda title, what, ref: f"{title}: {what} not due, taken on by the regime ({ref})",
    "reduced": lambda title, what, ref: f"{title}: {what} at the reduced amount ({ref})",
    "heavy_act_session": lambda share, flat, title: f"heavy act in a session (its acts added up, CSS R160-16 I): AMO = base − "
                                                    f"{fmt(share)} of the session's {title} {fmt(flat)}",
    "heavy_act_stay": lambda title: f"heavy act: AMO = 100% of the base ({title} borne once, by the stay)",
    "stay_heavy": lambda title, admission: f"stay from {admission} with a heavy act: AMO = 100% of the base, {title} "
                                           f"borne once by the stay (CSS R160-16 I 2°)",
}


def render(step: tuple) -> tuple[str | None, str, int | None]:
    """`(rule, code, amount, *args)` → (rule, sentence, amount)."""
    rule, code, amount, *args = step
    return rule, LABELS[code](*args), amount


WARNINGS = {
    "before_effective": lambda date, effective: f"care on {date} is before the contract's effective date {effective}",
}


def render_warning(note) -> str:
    """A warning is a sentence, or `(code, *args)` for the frequent ones."""
    if isinstance(note, str):
        return note
    code, *args = note
    return WARNINGS[code](*args)
