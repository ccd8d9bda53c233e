"""The rules one combination of act and provider values gets, named, and
the steps its claims need.

`Product._plan(node, dims)` resolves, once per distinct combination, the
regime's rule and table entries, the responsable reference rate, the price
checks and the contract's decision; a `Route` is that plan with names,
with the product's steps the combination needs (`steps.select`) and, for
each deciding line, the line steps it needs. Routes are cached per product
view: a view at other levels (`Product.at`) starts a cache of its own, as
its `_plans` does.
"""

from __future__ import annotations

import datetime as dt

from garant.compiler.runtime.steps import select


class Route:
    __slots__ = ("ra", "rate_entry", "base_entry", "ref_entry", "decision", "price_checks", "steps", "lines", "rate_fixed", "base_fixed")

    def __init__(self, product, plan: tuple, line_steps: tuple):
        ra, self.rate_entry, self.base_entry, self.ref_entry, decision, self.price_checks = plan
        self.ra = ra  # the regime's rule for the act (`rules.RegimeAct`), or None
        self.decision = decision  # the contract's `rules.Decision`, or None (a gap)
        # ref_entry: the parcours-de-soins rate a responsable contract measures against
        # price_checks: ((value, of_base, ref, where, min_age), …)
        # An act the regime has no rule for gets only the first step, eligibility, which rejects it.
        # (value, source line) of a rate or base the same at every age, or None: read per claim (`Product.by_age`)
        self.rate_fixed = _fixed(product.by_age, self.rate_entry)
        self.base_fixed = _fixed(product.by_age, self.base_entry)
        self.steps = select(product.STEPS, product, self) if ra is not None else product.STEPS[:1]
        self.lines = ()  # ((Line, its line steps), …) in the decision's order
        if decision is not None:
            self.lines = tuple((line, select(line_steps, line, decision)) for line in (product.lines[i] for i in decision.lines))


class _Patient:
    """A claim as `engine._by_age` reads it: a date of care and a birth date."""

    __slots__ = ("date", "birth_date")

    def __init__(self, birth_date):
        self.date = dt.date(2000, 1, 1)
        self.birth_date = birth_date


_ADULT = _Patient(None)  # no birth date: taken as of any age
_UNBORN = _Patient(dt.date(2100, 1, 1))  # below every age band


def _fixed(by_age, entry):
    """An entry's (value, source line) when it is the same at every age,
    else None (it is then read per claim, by `by_age`: `engine._by_age`)."""
    if entry is None:
        return None
    adult = by_age(entry, _ADULT)
    return adult if by_age(entry, _UNBORN) == adult else None


class Routes(dict):
    """(node, dims) → Route, for the product whose `_plans` is `plans`."""

    __slots__ = ("plans",)

    def __init__(self, plans=None):
        super().__init__()
        self.plans = plans

    def build(self, product, node: str, dims: tuple, line_steps: tuple) -> Route:
        plan = product._plans.get((node, dims))
        if plan is None:
            plan = product._plan(node, dims)
        route = self[(node, dims)] = Route(product, plan, line_steps)
        return route
