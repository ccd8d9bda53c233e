"""The rules a generated product module is made of.

A generated module is data: dated parameters, limits, the regime's rule
for each act, one `Line` per guarantee line (wrapping its generated
function), responsable ceilings and the decision table. These are their
types; `engine.Product` walks a claim through them.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from operator import itemgetter
from typing import Callable, NamedTuple

from garant.compiler.runtime.claims import Claim
from garant.compiler.runtime.decompte import ClaimError
from garant.compiler.runtime.ledger import Ledger
from garant.core.levels import Module  # noqa: F401  (generated modules list their modules as `_rules.Module`)

PF = "participation_forfaitaire"


class Param:
    """A dated value: the one in force on a date of care."""

    def __init__(self, name, title, unit, starts, values, sources, refs=(), limits=(), exempt_under=None, exempt_reference="start_of_year"):
        self.name = name
        self.title = title
        self.unit = unit
        self.starts = tuple(dt.date.fromisoformat(s) for s in starts)
        self.values = tuple(values)
        self.sources = tuple(sources)
        self.refs = tuple(refs)
        self.limits = tuple(limits)
        self.exempt_under = exempt_under
        self.exempt_reference = exempt_reference
        self._ordinals = [d.toordinal() for d in self.starts]
        self._by_date: dict[dt.date, int] = {}
        self._exempt: dict[tuple, bool] = {}

    def index_at(self, date: dt.date) -> int:
        i = self._by_date.get(date)
        if i is None:
            i = bisect_right(self._ordinals, date.toordinal()) - 1
            if i < 0:
                raise ClaimError(f"`{self.name}` has no value before {self.starts[0]} (care on {date})", "date")
            self._by_date[date] = i
        return i

    def at(self, date: dt.date) -> int:
        return self.values[self.index_at(date)]

    def exempts(self, claim: Claim) -> bool:
        b = claim.birth_date
        if self.exempt_under is None or b is None:
            return False
        start_of_year = self.exempt_reference == "start_of_year"
        key = (b, claim.date.year if start_of_year else claim.date)
        known = self._exempt.get(key)
        if known is None:
            on = dt.date(claim.date.year, 1, 1) if start_of_year else claim.date
            age = on.year - b.year - ((on.month, on.day) < (b.month, b.day))
            known = self._exempt[key] = age < self.exempt_under
        return known


class Limit:
    """A limit consumed per beneficiary: a count, an amount, or one item."""

    def __init__(self, kind, amount, param=None, period="none", months=0, pool=None, text="", where=None,
                 age_under=None, age_from=None, shared=False, side=False, then=None):
        self.kind = kind  # "count" | "amount" | "once" | "frame" | "toward" (counted in a pool, never cut by it)
        self.side = side  # `per eye` / `per ear`: one count per side of the claim (`Claim.side`)
        self.then = then  # `cap … then FORMULA`: the fallback's generated function
        # `once per rolling … shared NAME`: one renewal window for several
        # lines (an optical equipment: lenses and frame, R7); what the
        # window pays on one day is one item, so the frame and the lenses
        # of that day's equipment, or a line and its `+` refinement, pass.
        self.same_day = shared and kind == "once" and period == "rolling"
        self.age_under = age_under  # the limit binds only below this age (on the date of care)
        self.age_from = age_from  # … or only from this age on
        self.banded = age_under is not None or age_from is not None
        self.amount = amount
        self.param = param
        self.period = period  # "calendar_year" | "rolling" | "day"
        self.months = months
        self.pool = pool
        # A count and an amount on one pool are consumed separately; a
        # `counts toward` line consumes the pool's amount.
        self.key = f"{pool}#{'amount' if kind == 'toward' else kind}"
        self.text = text
        self.where = where

    def applies(self, claim: Claim) -> bool:
        """Whether an age-banded limit binds this claim's patient. Without a
        birth date the patient is taken as an adult: bands `from age N`
        bind, bands `under N` do not."""
        if not self.banded:
            return True
        b = claim.birth_date
        if b is None:
            return self.age_under is None
        d = claim.date
        age = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
        if self.age_under is not None and age >= self.age_under:
            return False
        return self.age_from is None or age >= self.age_from

    def left(self, ledger: Ledger, beneficiary: str, date: dt.date, params: dict) -> int:
        total = self.amount if self.param is None else params[self.param].at(date)
        if self.period == "calendar_year":  # the common case, without the extra call
            used = ledger.buckets.get((beneficiary, self.key, date.year), 0)
        else:
            used = ledger.used(beneficiary, self.key, self.period, self.months, date)
            if self.same_day:
                used -= ledger.used_on(beneficiary, self.key, date)
        return total - used if total > used else 0

    def holder(self, claim: Claim) -> str:
        """Whose consumption the limit reads: the beneficiary's, or for a
        per-side limit the beneficiary's on that side."""
        return claim.beneficiary if not self.side else f"{claim.beneficiary}\x00{claim.side}"

    def consume(self, ledger: Ledger, beneficiary: str, date: dt.date, amount: int, quantity: int) -> None:
        used = amount if self.kind in ("amount", "toward") else (1 if self.kind == "once" else quantity)
        if used <= 0:
            return
        if self.period == "calendar_year":
            buckets = ledger.buckets
            key = (beneficiary, self.key, date.year)
            buckets[key] = buckets.get(key, 0) + used
        elif self.same_day and ledger.used_on(beneficiary, self.key, date):
            return  # the day's item is already counted
        else:
            ledger.consume(beneficiary, self.key, self.period, date, used)


class Dimension(NamedTuple):
    """A provider dimension of the regime (`secteur`, `option`, …)."""

    name: str
    default: str | None  # the value a claim that names none takes
    only_with: tuple[str, str] | None  # (dimension, value) a value of this one implies
    starts: dict  # value → first date of care it exists (ISO)


class Deduction(NamedTuple):
    """A flat amount the regime deducts from its AMO on an act (the
    participation forfaitaire, a franchise), named by its parameter."""

    param: str
    per_unit: bool = False  # due once per unit of the claim's quantity (a box, a trip)


class Meaning(NamedTuple):
    """What a word of the regime's vocabulary names: an act (`node`) or a
    value of a provider dimension (`value`), perhaps only for care before
    a date (a value a reform retired)."""

    kind: str  # "node" | "value" | "alias" (an old name of a value)
    target: str  # the act's id, or the value
    dim: str | None = None  # the value's dimension
    before: str | None = None  # ISO date: the word names this only for care before it


class FromAge(NamedTuple):
    """A table entry that applies from an age on (on the date of care),
    and the entry below that age: `(value, where)` pairs otherwise."""

    value: int | str  # cents, basis points, or a parameter's name
    where: str
    age: int
    below: int | str
    below_where: str


def by_age(entry, birth_date: dt.date | None, date: dt.date) -> tuple:
    """(value, source line) of a table entry for a patient: a `FromAge`
    entry gives way to its value below the age (no birth date: an adult)."""
    if entry.__class__ is not FromAge:
        return entry
    if birth_date is not None:
        age = date.year - birth_date.year - ((date.month, date.day) < (birth_date.month, birth_date.day))
        if age < entry.age:
            return entry.below, entry.below_where
    return entry.value, entry.where


def ancestors(titles: dict) -> dict[str, tuple[str, ...]]:
    """Each act's path from the top, itself included, from its dotted id
    (`a.b.c` sits under `a.b`, under `a`)."""
    paths = {}
    for node in titles:
        parts = node.split(".")
        paths[node] = tuple(".".join(parts[: i + 1]) for i in range(len(parts)))
    return paths


class PriceLimit(NamedTuple):
    """A price the regime regulates for some provider values (a warning
    above it; the 100% Santé ceiling): N% of the base, or an amount."""

    constraints: tuple  # ((dimension, value), …) the claim must have
    value: int | str  # basis points of the base, or cents / a parameter per unit
    of_base: bool
    ref: str | None
    where: str
    min_age: int | None = None  # binds from this age on (age on the date of care)


class RegimeAct:
    """The regime's rule for one act: base and rate by provider, deductions."""

    def __init__(self, title, rule, base_dims=(), base=None, rate_dims=(), rate=None,
                 deductions=(), not_reimbursed=False, price_limits=(), heavy_act=None):
        self.title = title
        self.rule = rule
        self.base_dims = base_dims
        self.base = base  # provider values → (value, source line), or a `FromAge`
        self.rate_dims = rate_dims
        self.rate = rate
        self.deductions = deductions
        self.not_reimbursed = not_reimbursed
        self.price_limits = price_limits  # `PriceLimit`s
        self.heavy_act = heavy_act  # parameter: flat participation on heavy acts (R160-16)

    def bind(self, dim_index: dict[str, int], params: dict) -> None:
        """Precompute what each claim needs: key getters over the claim's
        dimension tuple, tables re-keyed for them, deduction parameters."""
        self.base_key, self.base_table = keyed(self.base or {}, tuple(dim_index[d] for d in self.base_dims))
        self.rate_key, self.rate_table = keyed(self.rate or {}, tuple(dim_index[d] for d in self.rate_dims))
        self.heavy_param = params[self.heavy_act] if self.heavy_act else None
        self.deduction_params = tuple((params[name], per_unit, name == PF) for name, per_unit in self.deductions)
        self.price_checks = tuple(
            (tuple((dim_index[d], v) for d, v in pl.constraints), pl.value, pl.of_base, pl.ref, pl.where, pl.min_age)
            for pl in self.price_limits
        )


def keyed(table: dict, idx: tuple[int, ...]):
    """A fast key function over a claim's dimension tuple, and the table
    re-keyed to match it (scalars for one dimension, `None` for none)."""
    if not idx:
        return (lambda dims: None), ({None: table[()]} if () in table else {})
    if len(idx) == 1:
        return itemgetter(idx[0]), {k[0]: v for k, v in table.items()}
    return itemgetter(*idx), dict(table)


class Waiting(NamedTuple):
    """`waiting N months: FORMULA` (or N days): a délai d'attente counted
    from the member's `membership_date`; during it the line pays `fn`."""

    months: int
    days: int
    fn: Callable
    text: str
    where: str

    def ends(self, membership: dt.date) -> dt.date:
        """The first day of care after the period: the membership date plus
        N months (the same day of the month, the month's last day when it
        has no such day: 31 August + 6 months is 28 or 29 February), or
        plus N days."""
        if self.days:
            return membership + dt.timedelta(days=self.days)
        total = membership.year * 12 + membership.month - 1 + self.months
        year, month = divmod(total, 12)
        last = (dt.date(year + (month == 11), (month + 1) % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.date(year, month + 1, min(membership.day, last))


class Line:
    """One guarantee line: its formula (a generated function) and limits."""

    def __init__(self, id, fn: Callable, where: str, text: str, per_unit: bool = False, limits: tuple = (), budgets: tuple = (), module: str | None = None,
                 waiting: Waiting | None = None):
        self.id = id
        self.waiting = waiting
        self.fn = fn
        self.where = where
        self.text = text
        self.per_unit = per_unit
        self.module = module
        self.frames = tuple(lim for lim in limits if lim.kind == "frame")
        limits = tuple(lim for lim in limits if lim.kind != "frame")
        self.limits = limits
        self.budgets = budgets  # `X€ per period` terms: each pays from what remains of it
        self.count_limits = tuple(lim for lim in limits if lim.kind not in ("amount", "toward"))
        self.amount_limits = tuple(lim for lim in limits if lim.kind == "amount")
        # `cap … then`, or a budget's `X per period then` (the one budget of the formula)
        self.fallback = next((lim for lim in (*self.amount_limits, *budgets) if lim.then is not None), None)
        self.sided = any(lim.side for lim in limits)  # a claim on it names its `side`
        self.banded = any(lim.banded for lim in limits)
        # What a payment consumes: one entry per pool and period storage.
        # An age band and its complement (`cap 100€ per calendar year under
        # 16, cap 200€ per calendar year from age 16`) are two limits on one
        # pool; consuming through both would count a payment twice.
        consumed, seen = [], set()
        for lim in limits:
            storage = (lim.key, lim.period)
            if storage not in seen:
                seen.add(storage)
                consumed.append(lim)
        self.consumed = tuple(consumed)


class Levels:
    """A guarantee line whose formula or limits differ by level: one `Line`
    per level of its module; `at(level)` is the line at that level."""

    def __init__(self, id, module: str, by_level: dict):
        self.id = id
        self.module = module
        self.by_level = by_level
        self.where = next(iter(by_level.values())).where

    def at(self, level: str) -> Line:
        return self.by_level[level]


class Ceiling:
    """The contrat responsable ceilings on a `cap` line: all-in at most
    `percent` of the base (R3 on non-OPTAM fees; None: no such ceiling)
    and at most `amount` cents per item, Sécu incluse (R8; None: none)."""

    def __init__(self, percent, below_percent, below_key, ref, where, amount=None, amount_where=None):
        self.percent = percent
        self.below_percent = below_percent
        self.below_key = below_key
        self.ref = ref
        self.where = where
        self.amount = amount
        self.amount_where = amount_where


class Decision:
    def __init__(self, lines: tuple[str, ...], ceiling: Ceiling | None = None):
        self.lines = lines
        self.ceiling = ceiling


class Rule:
    """One guarantee line as the resolution reads it (spec §3.1): the act it
    names (None: `all`) and the provider values it requires."""

    __slots__ = ("line", "act", "when", "adds", "module", "cap")

    def __init__(self, line: str, act: str | None, when: dict | None = None, *, adds: bool = False,
                 module: str | None = None, cap: bool = False):
        self.line = line
        self.act = act
        self.when = tuple((when or {}).items())
        self.adds = adds  # a `+` line: adds to the winner, one per module
        self.module = module
        self.cap = cap  # a `cap` line: bounded by the regime's ceiling on its claims


class CeilingRule:
    """A responsable ceiling (in % of the base, or an all-in `amount` in
    cents per item) on the acts and provider values it names, at the step
    in force on the contract's effective date."""

    __slots__ = ("act", "when", "percent", "below_percent", "below", "ref", "where", "amount")

    def __init__(self, act: str | None, when: dict | None, percent: int | None, below_percent: int | None = None,
                 below: tuple[str, str] | None = None, ref: str | None = None, where: str | None = None,
                 amount: int | None = None):
        self.act = act
        self.when = tuple((when or {}).items())
        self.percent = percent
        self.amount = amount
        self.below_percent = below_percent
        self.below = below  # (dimension, value) of the line the ceiling is measured against
        self.ref = ref
        self.where = where


class Status:
    """A beneficiary status (a claim's `exemption`: ALD, maternité…) or a
    local scheme (a claim's `scheme`: Alsace-Moselle), as the regime
    declares it (`status` / `scheme` blocks): the rate it gives on acts
    (the most specific act wins; None: every reimbursed act), the amounts
    not due (`exempt`), the amounts reduced, and whether the hors-parcours
    increase is still borne. Each entry keeps its source line and ref."""

    def __init__(self, kind, name, title, where, rates=None, exempt=None, reduced=None, increase=None):
        self.kind = kind
        self.name = name
        self.title = title
        self.where = where
        self.rates = {node: (value, at, ref) for node, value, at, ref in rates or ()}
        self.exempt = {param: (at, ref) for param, at, ref in exempt or ()}
        self.reduced = {param: (repl, at, ref) for param, repl, at, ref in reduced or ()}
        self.increase = increase  # (source line, ref) or None

    def rate_for(self, ancestors: tuple) -> tuple | None:
        """(value, source line, ref) of the status's rate for an act (its
        path from the top), the deepest act named winning; or None."""
        for node in reversed(ancestors):
            got = self.rates.get(node)
            if got is not None:
                return got
        return self.rates.get(None)
