"""What the vectorised evaluator does for one combination of act and provider values.

A `Recipe` is read off the scalar engine's own plan for the combination
(`Product._plan`: the regime's rule and table entries, the reference rate,
the price checks, the contract's decision, resolved by the checked model's
selectors at compile time): nothing here re-implements how a guarantee
line is chosen. It says which of the plan's steps the vectorised way
takes and, when it cannot take one, why (`unsupported`): the claims of
such a combination go to the scalar engine, with every claim that shares a
limit's pool with them (`evaluate.py`).

Vectorised: regime rates and bases (constants or dated parameters, age bands), the
claim's own base and AMO, the responsable reference rate, price checks and
their ceiling price, one flat deduction per act (participation forfaitaire,
franchise) with its yearly caps, the contract's lines (formulas through
the generated line functions), the responsable ceiling, and per line at
most one yearly limit (a count, `once`, or an amount) of a fixed size.

Scalar: age bands of limits, heavy acts with the claim's AMO,
frames, budgets (`X€ per period`), rolling and daily limits, limits sized
by a parameter, a line with several limits, a pool shared between steps,
the clauses of issue 18 (`then` fallbacks, `counts toward`, waiting
periods, per-side limits).
"""

from __future__ import annotations

from garant.compiler.runtime.steps.regime import TIMES as _TIMES  # the engine's own words for "N times the base"
from garant.compiler.runtime.steps.regime import pays_within, regulated_price
from garant.compiler.runtime.money import fmt_rate
from garant.compiler.runtime.rules import FromAge

CALENDAR = "calendar_year"


class Unsupported(Exception):
    pass


class Recipe:
    __slots__ = ("act", "provider", "node", "parcours_rate", "unsupported", "pools", "not_reimbursed", "rate", "base", "base_source", "ref_rate",
                 "heavy", "deduction", "checks", "lines", "ceiling", "rule", "gap_note", "stages")

    def __init__(self):
        self.unsupported = None  # why not, or None
        self.pools: tuple[str, ...] = ()
        self.not_reimbursed = False
        self.rate = self.base = self.ref_rate = None
        self.parcours_rate = None  # the parcours-de-soins rate of a hors-parcours combination (a status's increase, R160-6)
        self.base_source = None
        self.heavy = False
        self.deduction = None  # (Param, per_unit, is_pf, amount limit or None, count limits, daily amount caps)
        self.checks = ()  # (value, of_base, text of what, where, whether the contract pays within it)
        self.lines = ()  # (Line, count limit or None, amount limit or None)
        self.ceiling = None
        self.rule = None
        self.gap_note = None
        self.stages: dict[str, int] = {}  # pool → "d" (deduction) or line position


def _dated(value, params):
    """An int stays an int; a parameter's name becomes the `Param`."""
    return value if isinstance(value, int) else params[value]


class Banded:
    """A table entry that applies from an age on (on the date of care),
    with its value below that age (`rules.FromAge`, `rules.by_age`)."""

    __slots__ = ("value", "from_age", "below")

    def __init__(self, value, from_age, below):
        self.value = value
        self.from_age = from_age
        self.below = below


def _entry(entry, params):
    """A table entry's value: an int, a `Param`, or a `Banded` of them."""
    if entry.__class__ is FromAge:
        return Banded(_dated(entry.value, params), entry.age, _dated(entry.below, params))
    return _dated(entry[0], params)


def recipe(product, shape) -> Recipe:
    act, provider, _network, node, dims, _dates = shape
    r = Recipe()
    r.act = act
    r.provider = provider
    r.node = node
    plan = product._plans.get((node, dims))
    if plan is None:
        plan = product._plan(node, dims)
    ra, rate_entry, base_entry, ref_entry, decision, checks = plan
    if ra is None:
        r.unsupported = "no regime rule (a rejection)"
        return r
    pools = []
    for p, _per_unit, _is_pf in ra.deduction_params:
        pools.extend(lim.key for lim in p.limits)
    if decision is not None:
        for line_id in decision.lines:
            line = product.lines[line_id]
            pools.extend(lim.key for lim in getattr(line, "limits", ()))
            pools.extend(lim.key for lim in getattr(line, "budgets", ()))
    r.pools = tuple(dict.fromkeys(pools))
    r.parcours_rate = _parcours_rate(product, ra, dims)
    try:
        _fill(product, r, ra, rate_entry, base_entry, ref_entry, decision, checks)
    except Unsupported as why:
        r.unsupported = str(why)
    return r


def _parcours_rate(product, ra, dims):
    """The regime's rate in the parcours de soins for a hors-parcours
    combination (what a status keeping the increase measures it from:
    `steps.status.hors_parcours_increase`), else None."""
    i = product.parcours_idx
    if ra.not_reimbursed or i is None or dims[i] == product.default_parcours:
        return None
    entry = ra.rate_table.get(ra.rate_key(dims[:i] + (product.default_parcours,) + dims[i + 1 :]))
    return None if entry is None else _entry(entry, product.params)


def _fill(product, r: Recipe, ra, rate_entry, base_entry, ref_entry, decision, checks) -> None:
    """What each step of the combination's route needs, or `Unsupported`."""
    params = product.params
    if ra.not_reimbursed:
        r.not_reimbursed = True
    else:
        _regime(r, ra, rate_entry, base_entry, ref_entry, params)
    _deduction(r, ra)
    if any(min_age is not None for *_, min_age in checks):
        raise Unsupported("a price limit by age (the scalar `price_checks` reads the birth date)")
    within = pays_within(product, decision)
    r.checks = tuple(
        (_dated(value, params) if not of_base else value, of_base,
         _TIMES.get(value, f"{fmt_rate(value)} of the base") if of_base else regulated_price(product, value), where,
         within and i == len(checks) - 1)
        for i, (value, of_base, _ref, where, _age) in enumerate(checks)
    )
    if decision is None:
        r.rule = product.gap_rule
        r.gap_note = f"no guarantee line covers `{r.act}`{' with ' + r.provider if r.provider else ''}: the contract pays nothing"
        return
    r.ceiling = decision.ceiling
    r.lines = tuple(_line(r, product.lines[line_id], position) for position, line_id in enumerate(decision.lines))
    r.rule = product.lines[decision.lines[0]].where


def _regime(r: Recipe, ra, rate_entry, base_entry, ref_entry, params) -> None:
    """The regime step (`regime_amo`, `reference_amo`): rate, base, reference rate."""
    if rate_entry is None:
        raise Unsupported("no regime rate (a rejection)")
    r.rate = _entry(rate_entry, params)
    if base_entry is not None:
        r.base = _entry(base_entry, params)
        # the engine's words for where the regime's base comes from (from the age on, below it)
        below = base_entry.below if base_entry.__class__ is FromAge else base_entry[0]
        r.base_source = tuple(v if isinstance(v, str) else "tariff" for v in (base_entry[0], below))
    r.heavy = ra.heavy_param is not None
    if ref_entry is not None:
        r.ref_rate = _entry(ref_entry, params)


def _deduction(r: Recipe, ra) -> None:
    """The deductions step: one deduction, with yearly amount and count
    caps, and daily amount caps (a franchise's, per professional: CSS D160-11)."""
    if len(ra.deduction_params) > 1:
        raise Unsupported("several deductions on one act")
    for p, per_unit, is_pf in ra.deduction_params:
        amount = None
        counts = []
        days = []
        for lim in p.limits:
            if lim.period == "day" and lim.kind == "amount" and not lim.side:
                days.append(lim)
                r.stages[lim.key] = "d"
                continue
            if lim.period != CALENDAR or lim.param is not None or lim.kind not in ("amount", "count"):
                raise Unsupported(f"deduction limit {lim.period} {lim.kind}")
            if lim.kind == "amount":
                if amount is not None:
                    raise Unsupported("two amount limits on a deduction")
                amount = lim
            else:
                counts.append(lim)
            r.stages[lim.key] = "d"
        r.deduction = (p, per_unit, is_pf, amount, tuple(counts), tuple(days))


def _line(r: Recipe, line, position: int) -> tuple:
    """A deciding line's steps: (Line, count limit or None, amount limit or None)."""
    if line.frames:
        raise Unsupported("frame")
    if line.budgets:
        raise Unsupported("budget")
    if line.waiting is not None:
        raise Unsupported("waiting period")
    if line.fallback is not None:
        raise Unsupported("then")
    if line.sided:
        raise Unsupported("per-side limit")
    if any(lim.kind == "toward" for lim in line.limits):
        raise Unsupported("counts toward")
    if line.banded:
        raise Unsupported("age-banded limit")
    if len(line.limits) > 1:
        raise Unsupported("several limits on a line")
    count = amount = None
    for lim in line.limits:
        if lim.period != CALENDAR or lim.param is not None:
            raise Unsupported(f"line limit {lim.period}")
        if lim.kind == "amount":
            amount = lim
        elif lim.kind in ("count", "once"):
            count = lim
        else:
            raise Unsupported(f"line limit {lim.kind}")
        if lim.key in r.stages:
            raise Unsupported("a pool used twice by one claim")
        r.stages[lim.key] = position
    return line, count, amount
