"""The clauses a guarantee line may add to its limits (issue 18.4-18.6).

- `cap X per PERIOD … then FORMULA`: what the line pays once the cap is
  spent (the fallback). Only a `cap` takes one, at most one per line.
- `counts toward NAME`: the line's payments count in the shared pool NAME
  (declared by some `cap … shared NAME`) without being cut by it.
- `waiting N months: FORMULA` (a line's, or the header's for every line):
  during the first N months of membership the line pays FORMULA.

Per-side limits (`per eye`, `per ear`) are read with the limit itself
(`units.limit`).
"""

from __future__ import annotations

import attrs

from garant.dsl import ast, model
from garant.dsl.checker import units
from garant.dsl.diagnostics import Diagnostics

MAX_WAITING_MONTHS = 120  # ten years: longer is a typo, not a délai d'attente


def budget_then(g: ast.Guarantee) -> ast.Then | None:
    """The `then` written right after the formula, when that formula is a
    budget alone (`100€ per calendar year then TM`): the budget's fallback."""
    return next((then for then, after in g.stray_thens if after == "the formula"), None)


def formula_then_fits(column: tuple[model.Term, ...]) -> bool:
    """A `then` after the formula needs that formula to be one budget: what
    the line pays once the budget is spent replaces the whole formula."""
    return len(column) == 1 and column[0].budget is not None


def check_thens(g: ast.Guarantee, diags: Diagnostics, budget_only: bool = False) -> bool:
    """A `then` stands after a `cap`, or after a formula that is one budget
    (`budget_only`), once per line."""
    ok = True
    for then, after in g.stray_thens:
        if after == "the formula" and budget_only:
            continue
        if after == "the formula":
            diags.error(then.span, "`then` names what the line pays once a limit is spent, but here it follows the formula, which is not one budget",
                        "put it after a `cap` (`300% BRSS, cap 1500€ per calendar year then TM`) or after a budget that is the whole formula "
                        "(`100€ per calendar year then TM`)", code="formula")
            ok = False
            continue
        if after == "a second `waiting`":
            diags.error(then.span, f"line {g.span.line} has two `waiting` clauses", "keep one", code="formula")
        else:
            diags.error(then.span, f"`then` names what the line pays once a limit is spent, but here it follows {after}",
                        "put it after a `cap`, e.g. `300% BRSS, cap 1500€ per calendar year then TM`", code="formula")
        ok = False
    thens = [lim for lim in g.limits if lim.then is not None]
    if budget_only and budget_then(g) is not None and thens:
        diags.error(thens[0].then.span, f"line {g.span.line} has two `then` clauses: a line has one fallback", "keep one", code="formula")
        ok = False
    for lim in thens:
        if lim.kind != "cap":
            diags.error(lim.then.span, f"`then` follows a `cap`, not a `{lim.kind}` limit",
                        "a count has no amount to fall back from; write the fallback line's formula after a `cap`", code="formula")
            ok = False
    if len(thens) > 1:
        diags.error(thens[1].then.span, f"line {g.span.line} has two `then` clauses: a line has one fallback", "keep one", code="formula")
        ok = False
    return ok


def then_terms(lim: ast.Limit, currency: str, owner: str, line_id: str, diags: Diagnostics, terms_of):
    """The checked fallback formula of a `cap … then`: its terms, None
    without a `then`, False on an error."""
    if lim.then is None:
        return None
    terms = _formula(terms_of, lim.then.terms, lim.then.span, currency, owner, f"{line_id}.then", diags, "a `then` formula")
    return False if terms is None else terms


def then_of_budget(g: ast.Guarantee, currency: str, owner: str, line_id: str, diags: Diagnostics, terms_of):
    """The checked fallback of a budget formula (`100€ per calendar year
    then TM`): its terms, None without one, False on an error."""
    then = budget_then(g)
    if then is None:
        return None
    terms = _formula(terms_of, then.terms, then.span, currency, owner, f"{line_id}.then", diags, "a `then` formula")
    return False if terms is None else terms


def with_budget_then(column: tuple[model.Term, ...], then) -> tuple[model.Term, ...]:
    """The budget term of a one-budget formula, carrying its fallback."""
    if not then:
        return column
    return tuple(attrs.evolve(t, budget=with_then(t.budget, then)) if t.budget is not None else t for t in column)


def with_then(m: model.Limit, then) -> model.Limit:
    if not then:
        return m
    text = " + ".join(t.text for t in then)
    return attrs.evolve(m, then=then, text=f"{m.text} then {text}")


def _formula(terms_of, column, span, currency: str, owner: str, line_id: str, diags: Diagnostics, what: str):
    """A clause's formula, checked by `terms_of` (the contract checker's
    own term checks, handed in: that module calls this one)."""
    formula = ast.Formula(False, column, span)
    terms = terms_of(column, formula, currency, owner, line_id, diags)
    if terms is None:
        return None
    for t in terms:
        if t.budget is not None:
            diags.error(t.span, f"{what} cannot hold a budget (`{t.text}`)", "give the budget its own line, or write it as `100% FR, cap …`", code="formula")
            return None
    return terms


def towards(g: ast.Guarantee, line_id: str) -> list[model.Limit]:
    """`counts toward NAME`: a `toward` limit on pool NAME; its period is
    the pool's, filled in by `resolve_towards` once every line is read."""
    return [model.Limit("toward", None, None, None, t.pool, t.span, f"counts toward {t.pool}") for t in g.towards]


def resolve_towards(lines: list[model.Line], diags: Diagnostics) -> list[model.Line]:
    """Each `counts toward NAME` takes the period(s) of the caps shared as
    NAME (one consumption per distinct period); no such cap is an error."""
    periods: dict[str, tuple[str, list[model.Period]]] = {}
    for ln in lines:
        for lim in _all_limits(ln):
            if lim.kind == "amount" and lim.period is not None and lim.pool != ln.id:
                got = periods.setdefault(lim.pool.casefold(), (lim.pool, []))[1]
                if lim.period not in got:
                    got.append(lim.period)
    out = []
    for ln in lines:
        if not any(lim.kind == "toward" for lim in _all_limits(ln)):
            out.append(ln)
            continue
        fixed = _fix(ln.limits, periods, diags)
        if fixed is None:
            continue
        columns = tuple(attrs.evolve(c, limits=_fix(c.limits, periods, None) or ()) for c in ln.columns)
        out.append(attrs.evolve(ln, limits=fixed, columns=columns))
    return out


def _all_limits(ln: model.Line):
    yield from ln.limits
    for c in ln.columns:
        yield from c.limits


def _fix(limits, periods, diags: Diagnostics | None):
    out = []
    for lim in limits:
        if lim.kind != "toward":
            out.append(lim)
            continue
        spelling, found = periods.get(lim.pool.casefold(), (None, None))
        if not found:
            if diags is not None:
                known = sorted(p[0] for p in periods.values())
                hint = f"pools shared by a `cap`: {', '.join(known)}" if known else "declare the pool on a line: `cap 1500€ per calendar year shared " + lim.pool + "`"
                diags.error(lim.span, f"`counts toward {lim.pool}`: no `cap … shared {lim.pool}` declares that pool", hint, code="name")
            return None
        for per in found:
            out.append(attrs.evolve(lim, period=per, pool=spelling))
    return tuple(out)


def waiting(w: ast.Waiting, currency: str, owner: str, diags: Diagnostics, terms_of, product: bool = False) -> model.Waiting | None:
    """`waiting N months: FORMULA` (or `N days`), checked."""
    unit = w.unit.lower()
    if unit not in ("month", "months", "day", "days"):
        diags.error(w.span, f"a waiting period is counted in months or days, not `{w.unit}`", "e.g. `waiting 3 months: not covered`", code="unit")
        return None
    bound = MAX_WAITING_MONTHS if unit.startswith("month") else MAX_WAITING_MONTHS * 31
    n = units.count_value(w.count, diags, "waiting", bound)
    if n is None:
        return None
    if n == 0:
        diags.error(w.count.span, "`waiting 0 …` is no waiting period", "remove the clause", code="unit")
        return None
    terms = _formula(terms_of, w.terms, w.span, currency, owner, "waiting", diags, "a waiting period's formula")
    if terms is None:
        return None
    months, days = (n, 0) if unit.startswith("month") else (0, n)
    text = f"waiting {n} {'month' if months == 1 else 'months' if months else 'day' if n == 1 else 'days'}: " + " + ".join(t.text for t in terms)
    return model.Waiting(months, days, terms, text, w.span, product)
