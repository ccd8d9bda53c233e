"""Units and currency: every literal is checked for the kind it must be.

The grammar accepts any quantity where one is expected; this module says
"BRSS takes a percentage", "currency: `$20` is in USD but … is in EUR",
"`max` counts items; for an amount write `cap`". Values come out exact:
integer cents for money, integer basis points for percentages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs

from garant.dsl import ast, model
from garant.dsl.diagnostics import Diagnostics
from garant.dsl.names import fold

_MONTHS = {"month", "months"}
_YEARS = {"year", "years"}
_DAYS = {"day", "days"}
# Bounds on the numbers a source may write (issue 14): far above anything
# a contract or a plan needs, and low enough that every product of them
# the evaluators compute (cents × basis points, counts × amounts, dates
# plus windows) stays exact in 64-bit integers and in the calendar.
MAX_AMOUNT = 10_000_000  # in the currency's units: 10 million € or $
MAX_PERCENT = 10_000  # 10,000%: a hundred times the BRSS
MAX_COUNT = 100_000  # sessions, days, items of a limit
MAX_AGE = 150  # years of age in `under`, `from age`, `exempt under`
MAX_MONTHS = 1_200  # a limit's window: 100 years
MAX_NAME = 120  # characters of a product's name or a regime's title (they name folders and pages)


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _too_large(q, diags: Diagnostics, what: str, bound: str) -> None:
    shown = q.text if len(q.text) <= 30 else q.text[:12] + "…" + q.text[-6:]
    diags.error(q.span, f"`{shown}` is too large: {what} is at most {bound}", None, code="unit")


def check_name(name, span, diags: Diagnostics, what: str) -> bool:
    """A product's name or a regime's title is at most MAX_NAME
    characters: it becomes a folder name (at most 255 bytes on most file
    systems) and the title of every page of the product."""
    if name is not None and len(name) > MAX_NAME:
        diags.error(span, f"{what} is {len(name)} characters long: at most {MAX_NAME}", "keep the name short; say more in a comment", code="name")
        return False
    return True


PER_UNIT_WORDS = {"day", "days", "session", "sessions", "séance", "séances", "seance", "seances", "unit", "units",
                  "item", "items", "box", "boxes", "visit", "visits", "trip", "trips"}


def money_cents(q: ast.Quantity, currency: str, owner: str, diags: Diagnostics, what: str = "an amount") -> int | None:
    """`30€` → 3000, checking the kind and the currency."""
    if not isinstance(q, ast.Quantity):  # a name where an amount goes: `frame at most plafond`
        diags.error(q.span, f"expected {what}, got the name `{getattr(q, 'name', '')}`", "write an amount with its currency, e.g. `100€`", code="unit")
        return None
    if q.kind != "money":
        example = "30€" if currency == "EUR" else "$30"
        hint = f"write an amount with its currency, e.g. `{example}`"
        if q.kind == "percent":
            hint = "a percentage is not an amount here; " + hint
        diags.error(q.span, f"expected {what}, got {_kind_word(q)} `{q.text}`", hint, code="unit")
        return None
    if q.currency != currency:
        diags.error(
            q.span,
            f"currency: `{q.text}` is in {q.currency} but {owner} is in {currency}",
            f"write amounts in {currency}" + (" (e.g. `30€`)" if currency == "EUR" else " (e.g. `$30`)"),
            code="currency",
        )
        return None
    if not q.value.is_finite():
        diags.error(q.span, f"`{q.text}` is not an amount", None, code="unit")
        return None
    if abs(q.value) > MAX_AMOUNT:
        _too_large(q, diags, "an amount", f"{_fmt(MAX_AMOUNT)} {currency}")
        return None
    cents = q.value * 100
    if cents != cents.to_integral_value():
        diags.error(q.span, f"`{q.text}` has fractions of a cent", "amounts are exact to the cent", code="unit")
        return None
    return int(cents)


def percent_bp(q: ast.Quantity, diags: Diagnostics, what: str) -> int | None:
    """`70%` → 7000 basis points."""
    if not isinstance(q, ast.Quantity):
        diags.error(q.span, f"{what} takes a percentage, got the name `{getattr(q, 'name', '')}`", "e.g. `70%`", code="unit")
        return None
    if q.kind != "percent":
        hint = f"write `{q.value}%`" if q.kind == "number" else "write a percentage, e.g. `70%`"
        diags.error(q.span, f"{what} takes a percentage, got {_kind_word(q)} `{q.text}`", hint, code="unit")
        return None
    if not q.value.is_finite():
        diags.error(q.span, f"`{q.text}` is not a percentage", None, code="unit")
        return None
    if q.value > MAX_PERCENT:
        _too_large(q, diags, "a percentage", f"{_fmt(MAX_PERCENT)}%")
        return None
    bp = q.value * 100
    if bp != bp.to_integral_value():
        diags.error(q.span, f"`{q.text}` is finer than a hundredth of a percent", None, code="unit")
        return None
    if bp < 0:
        diags.error(q.span, "a percentage cannot be negative", None, code="unit")
        return None
    return int(bp)


def count_value(q: ast.Quantity, diags: Diagnostics, what: str, bound: int = MAX_COUNT) -> int | None:
    """A whole number (a count, an age), at most `bound`."""
    if not isinstance(q, ast.Quantity):  # a name where a number goes: `max nan sessions`
        name = getattr(q, "name", None) or getattr(q, "text", "")
        diags.error(q.span, f"`{what}` takes a whole number, got the name `{name}`", "e.g. `max 3 sessions per calendar year`", code="unit")
        return None
    if q.kind != "number" or not q.value.is_finite() or q.value != q.value.to_integral_value():
        hint = None
        if q.kind == "money":
            hint = f"`{what}` counts items (e.g. `max 3 sessions per calendar year`); for an amount write `cap {q.text} per …`"
        diags.error(q.span, f"`{what}` takes a whole number, got {_kind_word(q)} `{q.text}`", hint, code="unit")
        return None
    if q.value < 0:
        diags.error(q.span, f"`{what}` takes a whole number, not a negative one (`{q.text}`)", None, code="unit")
        return None
    if q.value > bound:
        _too_large(q, diags, f"`{what}`", _fmt(bound))
        return None
    return int(q.value)


def _kind_word(q: ast.Quantity) -> str:
    return {"money": "an amount", "percent": "a percentage", "number": "a number"}[q.kind]


def parse_date(text: str, span, diags: Diagnostics) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        diags.error(span, f"`{text}` is not a valid date", "dates are ISO: 2025-01-01", code="date")
        return None


def period(p: ast.Period, diags: Diagnostics) -> model.Period | None:
    """A limit's period: calendar year, rolling N months, N years, day."""
    if p.kind == "calendar_year":
        return model.Period("calendar_year", 0, "calendar year")
    if p.kind == "plan_year":  # a managed-care plan's limits (checker/plan.py); a contract has no plan year
        diags.error(p.span, "`per plan year` is for managed-care plans", "write `per calendar year` or `per rolling 12 months`", code="unit")
        return None
    unit = (p.unit or "").lower()
    n = 1
    if p.count is not None:
        if not isinstance(p.count, ast.Quantity) or p.count.kind != "number" or not p.count.value.is_finite() \
                or p.count.value != p.count.value.to_integral_value() or p.count.value < 1:
            diags.error(p.count.span, f"a period is counted in whole units, got `{getattr(p.count, 'text', None) or getattr(p.count, 'name', '')}`", None, code="unit")
            return None
        months = p.count.value * (12 if unit in _YEARS else 1)
        if months > MAX_MONTHS:
            _too_large(p.count, diags, "a limit's period", f"{_fmt(MAX_MONTHS)} months ({MAX_MONTHS // 12} years)")
            return None
        n = int(p.count.value)
    if p.kind == "rolling":
        if unit in _MONTHS:
            return model.Period("rolling", n, f"rolling {n} months")
        if unit in _YEARS:
            return model.Period("rolling", 12 * n, f"rolling {12 * n} months")
        diags.error(p.span, f"a rolling period is counted in months or years, not `{p.unit}`", "e.g. `per rolling 24 months`", code="unit")
        return None
    if unit in _YEARS:
        if n == 1:
            return model.Period("calendar_year", 0, "calendar year")
        return model.Period("rolling", 12 * n, f"{n} years")
    if unit in _MONTHS:
        return model.Period("rolling", n, f"{n} months")
    if unit in _DAYS and n == 1:
        return model.Period("day", 0, "day")
    diags.error(p.span, f"`{p.unit}` is not a period a limit can run over", "use `calendar year`, `rolling 24 months`, `2 years` or `day`", code="unit")
    return None


# The word after `per` in a limit → the claim field whose value keeps its
# own count (docs/language.md, Per eye, per tooth, per item).
KEY_FIELDS = {"eye": "side", "eyes": "side", "ear": "side", "ears": "side", "side": "side", "sides": "side",
              "tooth": "tooth", "teeth": "tooth", "item": "item", "items": "item"}


def limit(lim: ast.Limit, currency: str, owner: str, pool: str, diags: Diagnostics, params: dict | None = None, sides: bool = False) -> model.Limit | None:
    if lim.side and not sides:
        diags.error(lim.span, f"`per {lim.side}`: only a contract's guarantee line limits per side, tooth or item",
                    "remove it; a regime's and a plan's limits run per beneficiary", code="unit")
        return None
    if lim.kind == "frame":
        cents = money_cents(lim.quantity, currency, owner, diags, "an amount for `frame at most`")
        if cents is None:
            return None
        return model.Limit("frame", cents, None, None, pool, lim.span, f"frame at most {lim.quantity.text}")
    got = _limit(lim, currency, owner, pool, diags, params)
    if got is not None and lim.side:  # `per eye`, `per tooth`…: each value of the claim's field keeps its own count
        got = attrs.evolve(got, per=KEY_FIELDS[lim.side.lower()])
    if got is None or (lim.age_under is None and lim.age_from is None):
        return got
    under = count_value(lim.age_under, diags, "under", MAX_AGE) if lim.age_under is not None else None
    from_ = count_value(lim.age_from, diags, "from age", MAX_AGE) if lim.age_from is not None else None
    if (lim.age_under is not None and under is None) or (lim.age_from is not None and from_ is None):
        return None
    band = f" under {under}" if under is not None else f" from age {from_}"
    return attrs.evolve(got, age_under=under, age_from=from_, text=got.text + band)


def _limit(lim: ast.Limit, currency: str, owner: str, pool: str, diags: Diagnostics, params: dict | None = None) -> model.Limit | None:
    per = period(lim.period, diags)
    text = _limit_text(lim)
    if lim.kind == "once":
        if per is None:
            return None
        return model.Limit("once", 1, None, per, lim.shared or pool, lim.span, text, shared=lim.shared is not None)
    if lim.kind == "max":
        n = count_value(lim.quantity, diags, "max")
        if lim.unit and lim.unit.lower() not in PER_UNIT_WORDS:
            diags.error(lim.span, f"`{lim.unit}` is not something a limit counts", "count days, sessions, items…", code="unit")
            return None
        if n is None or per is None:
            return None
        return model.Limit("count", n, None, per, lim.shared or pool, lim.span, text)
    # cap
    q = lim.quantity
    if isinstance(q, ast.NameRef):
        param = find_param(params or {}, q.name)
        if param is None:
            from garant.dsl.diagnostics import did_you_mean

            diags.error(q.span, f"unknown parameter `{q.name}`", did_you_mean(q.name, (params or {}).keys()), code="name")
            return None
        if param.unit != "money":
            diags.error(q.span, f"`cap` takes an amount; parameter `{q.name}` is a percentage", None, code="unit")
            return None
        if per is None:
            return None
        return model.Limit("amount", None, param.name, per, lim.shared or pool, lim.span, text)
    if q.kind == "number":
        diags.error(q.span, f"`cap` takes an amount, got a number `{q.text}`", f"for a count write `max {q.text} … per …`; for an amount add its currency", code="unit")
        return None
    cents = money_cents(q, currency, owner, diags, "an amount for `cap`")
    if cents is None or per is None:
        return None
    return model.Limit("amount", cents, None, per, lim.shared or pool, lim.span, text)


def _limit_text(lim: ast.Limit) -> str:
    p = lim.period
    if p.kind == "calendar_year":
        per = "calendar year"
    elif p.kind == "rolling":
        per = f"rolling {p.count.text} {p.unit}"
    elif p.kind == "n_units":
        per = f"{p.count.text} {p.unit}"
    else:
        per = p.unit or ""
    side = f" per {lim.side.lower()}" if lim.side else ""
    if lim.kind == "once":
        return f"once{side} per {per}" + (f" shared {lim.shared}" if lim.shared else "")
    q = lim.quantity
    qtext = q.text if isinstance(q, ast.Quantity) else q.name
    if lim.kind == "max":
        return f"max {qtext}{' ' + lim.unit if lim.unit else ''}{side} per {per}"
    return f"cap {qtext}{side} per {per}" + (f" shared {lim.shared}" if lim.shared else "")


def exact_decimal(cents: int) -> Decimal:
    return Decimal(cents) / 100


def find_param(params: dict, name: str):
    """Parameter lookup, accent- and case-insensitive like every name."""
    found = params.get(name)
    if found is None:
        folded = fold(name)
        found = next((p for k, p in params.items() if fold(k) == folded), None)
    return found
