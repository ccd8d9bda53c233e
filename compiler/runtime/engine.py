"""The evaluator a generated product module instantiates.

A generated module is tables (parameters, the regime's rule for each act,
the contract's decision table) and one small function per guarantee line;
this module walks a claim through them in the order of SECU.md:

    base → rate → AMO gross → participation forfaitaire, franchises → AMO net
    → the deciding guarantee line(s) → ceilings, limits → AMC → reste à charge

and records each step, with the source line that decided it, in the trace.
Claims are taken in date order per beneficiary (limits consume in that
order) and returned in input order; a claim the regime cannot price comes
back as a `Rejection`, never as an exception.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from garant.compiler.runtime.claims import Claim, ClaimReader
from garant.compiler.runtime.rules import Ceiling, Decision, Levels, keyed
from garant.compiler.runtime.decompte import ClaimError, Decompte, Rejection
from garant.compiler.runtime.ledger import Ledger
from garant.compiler.runtime.money import fmt, fmt_rate, pct
from garant.core.text import fold

_UNBOUNDED = 10**15  # cents: a price above any guarantee, to read a line's level
_TIMES = {10000: "the base", 20000: "twice the base", 30000: "three times the base", 40000: "four times the base"}


def _by_age(entry: tuple, c: Claim) -> tuple:
    """(value, source line) of a table entry for this claim's patient: an
    entry that applies from an age on gives way to its fallback below it."""
    if len(entry) == 2:
        return entry
    b = c.birth_date
    if b is not None:
        d = c.date
        age = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
        if age < entry[2]:
            return entry[3], entry[4]
    return entry[0], entry[1]


def _value(v, params: dict, date: dt.date) -> int:
    return v if isinstance(v, int) else params[v].at(date)


class Product:
    """A compiled French complementary contract over its regime."""

    kind = "contract"
    # A product without levels (and a plan, which has none) needs no choice.
    levels: tuple = ()
    modules: tuple = ()
    choice: dict | None = None

    def __init__(self, *, name, insurer, path, source_hash, regime, regime_path, regime_hash, currency, responsable,
                 effective, parameters, dimensions, words, ancestors, titles, regime_acts, lines, decision_dims,
                 act_groups, decisions, gap_rule, levels=(), modules=()):
        self.name = name
        self.insurer = insurer
        self.path = path
        self.source_hash = source_hash
        self.regime = regime
        self.regime_path = regime_path
        self.regime_hash = regime_hash
        self.currency = currency
        self.responsable = responsable
        self.effective = dt.date.fromisoformat(effective) if effective else None
        self.params = parameters
        self.titles = titles
        self.regime_acts = regime_acts
        self.lines = lines
        self.decisions = decisions
        self.act_groups = act_groups
        self.gap_rule = gap_rule
        self.levels = tuple(levels)
        self.modules = tuple(modules)  # (name, levels, optional, follows)
        self.choice: dict | None = None  # module → level, once chosen (`at`)
        dim_names = tuple(d[0] for d in dimensions) + ("network",)
        self.dim_index = {d: i for i, d in enumerate(dim_names)}
        self.decision_idx = tuple(self.dim_index[d] for d in decision_dims)
        self.decision_dims = decision_dims
        networks_used = {key[1 + decision_dims.index("network")] for key in decisions} - {None} if "network" in decision_dims else set()
        self.parcours_idx = self.dim_index.get("parcours")
        self.default_parcours = next((d[1] for d in dimensions if d[0] == "parcours"), None)
        for ra in regime_acts.values():
            ra.bind(self.dim_index, parameters)
        self.decision_key, _ = keyed({}, self.decision_idx)
        self._index_decisions()
        words = {
            w: tuple((m[0], m[1], m[2], dt.date.fromisoformat(m[3]) if m[0] == "alias" else None) for m in ms)
            for w, ms in words.items()
        }
        self.reader = ClaimReader(
            words=words,
            ancestors=ancestors,
            dims=dim_names,
            dim_defaults={d[0]: d[1] for d in dimensions if d[1]},
            only_with={d[0]: d[2] for d in dimensions if d[2]},
            starts={v: dt.date.fromisoformat(s) for d in dimensions for v, s in d[3].items()},
            networks={fold(n): n for n in networks_used},
        )

    def _index_decisions(self) -> None:
        self._plans: dict[tuple, tuple] = {}
        self.by_group: dict[int, dict] = {}
        for key, decision in self.decisions.items():
            rest = key[1:]
            sub = None if not rest else (rest[0] if len(rest) == 1 else rest)
            self.by_group.setdefault(key[0], {})[sub] = decision

    # --------------------------------------------------------- levels
    def at(self, *specs) -> "Product":
        """The product at a choice of levels (spec §3.4): `at("N3")`,
        `at("hospitalisation=N2", "frais_de_sante=N4")`, or a dict
        {module: level}; see `runtime.levels.choose`. Returns an evaluator
        of its own (the compiled tables are shared, not copied)."""
        import copy

        from garant.core.levels import LevelError, choose

        if not self.modules:
            raise LevelError(f"{self.path} declares no levels")
        if self.choice is not None:
            raise LevelError("the levels are already chosen")
        if len(specs) == 1 and isinstance(specs[0], (list, tuple, dict)):
            specs = specs[0]
        choice = choose(specs, self.modules)
        chosen = tuple(choice.items())
        views = self.__dict__.setdefault("_views", {})
        if chosen in views:  # a view holds no state of a run: one per choice
            return views[chosen]
        view = copy.copy(self)
        view._views = {}
        view.choice = choice
        lines = {}
        for line_id, line in self.lines.items():
            level = choice.get(line.module)
            if level is not None:
                lines[line_id] = line.at(level) if isinstance(line, Levels) else line
        view.lines = lines
        decisions = {}
        for key, d in self.decisions.items():
            ids = tuple(i for i in d.lines if i in lines)
            if ids:
                decisions[key] = d if ids == d.lines else Decision(ids, d.ceiling)
        view.decisions = decisions
        view._index_decisions()
        views[chosen] = view
        return view

    @property
    def needs_level(self) -> bool:
        """A product with levels whose levels are not chosen yet (see `at`)."""
        return bool(self.modules) and self.choice is None

    def _require_levels(self) -> None:
        if self.modules and self.choice is None:
            from garant.core.levels import LevelError, choose

            choose([], self.modules)  # raises, saying which levels there are
            raise LevelError("choose a level")

    # ------------------------------------------------------------ API
    def evaluate(self, claims: Iterable[dict], ledger: Ledger | None = None, level=None) -> list[Decompte | Rejection]:
        """Evaluate claims as `garant eval` does: results in input order,
        limits consumed per beneficiary in date order of care. A product
        with levels is evaluated at a choice of levels: `level="N3"` (or
        any form `at` takes), or on the product returned by `at`."""
        import gc

        if level is not None:
            return self.at(level).evaluate(claims, ledger)
        self._require_levels()

        ledger = ledger if ledger is not None else Ledger()
        enabled = gc.isenabled()
        gc.disable()  # reading claims creates no reference cycles either
        try:
            read = self.reader.read
            results = [read(raw, index) for index, raw in enumerate(claims)]
            parsed = [got for got in results if got.__class__ is Claim]
            parsed.sort(key=lambda c: (c.date, c.index))
            for claim, result in zip(parsed, self.evaluate_sorted(parsed, ledger)):
                results[claim.index] = result
            return results
        finally:
            if enabled:
                gc.enable()

    def evaluate_sorted(self, claims: list[Claim], ledger: Ledger) -> list[Decompte | Rejection]:
        """Evaluate validated claims already in date order of care.

        The cyclic garbage collector is paused meanwhile: evaluation creates
        no reference cycles, and with a year of décomptes alive its full
        passes would otherwise take ~40% of the time.
        """
        import gc

        self._require_levels()
        enabled = gc.isenabled()
        gc.disable()
        try:
            evaluate = self.evaluate_claim
            return [evaluate(claim, ledger) for claim in claims]
        finally:
            if enabled:
                gc.enable()

    def evaluate_claim(self, claim: Claim, ledger: Ledger) -> Decompte | Rejection:
        try:
            return self._evaluate(claim, ledger)
        except ClaimError as err:
            return Rejection(claim.id, err.reason, err.field, claim.index)
        except Exception as err:  # a defect of Garant itself: keep the claim, say so
            return Rejection(claim.id, f"internal error while evaluating this claim ({type(err).__name__}: {err}); please report it", None, claim.index, internal=True)

    # ------------------------------------------------------- the steps
    def _plan(self, node: str, dims: tuple) -> tuple:
        """Everything that depends only on the act and the provider values,
        resolved once per distinct combination (a year of claims has a few
        hundred): the regime's rule and table entries, the reference rate
        of a responsable contract, the price checks, the contract's decision."""
        ra = self.regime_acts.get(node)
        if ra is None:
            plan = (None, None, None, None, None, ())
        else:
            rate_entry = ra.rate_table.get(ra.rate_key(dims)) if not ra.not_reimbursed else None
            base_entry = ra.base_table.get(ra.base_key(dims)) if ra.base_table and not ra.not_reimbursed else None
            ref_entry = None
            if self.responsable and self.parcours_idx is not None and not ra.not_reimbursed and dims[self.parcours_idx] != self.default_parcours:
                i = self.parcours_idx
                ref_entry = ra.rate_table.get(ra.rate_key(dims[:i] + (self.default_parcours,) + dims[i + 1 :]))
            group = self.by_group.get(self.act_groups.get(node))
            decision = None if group is None else group.get(self.decision_key(dims))
            checks = tuple(
                (value, of_base, ref, where)
                for constraints, value, of_base, ref, where in ra.price_checks
                if all(dims[i] == v for i, v in constraints)
            )
            plan = (ra, rate_entry, base_entry, ref_entry, decision, checks)
        self._plans[(node, dims)] = plan
        return plan

    def _evaluate(self, c: Claim, ledger: Ledger) -> Decompte:
        dims = c.dims
        plan = self._plans.get((c.node, dims))
        if plan is None:
            plan = self._plan(c.node, dims)
        ra, rate_entry, base_entry, ref_entry, decision, price_checks = plan
        if ra is None:
            raise ClaimError(f"the regime has no rule for `{c.act}`", "act")
        date = c.date
        price = c.price
        quantity = c.quantity
        params = self.params
        warnings = list(c.warnings) if c.warnings else []  # the décompte's own list
        beneficiary = c.beneficiary
        trace: list[tuple] = []
        add = trace.append
        if self.effective is not None and date < self.effective:
            warnings.append(("before_effective", date, self.effective))

        # 1. Regime: base, rate, gross AMO.
        if ra.not_reimbursed:
            base = c.base if c.base is not None else 0
            rate = 0
            amo = 0
            add((ra.rule, "not_reimbursed", None, ra.title))
        else:
            if rate_entry is None:
                raise ClaimError(f"the regime has no rate for `{c.act}` with {self._describe(ra.rate_dims, dims)}", "provider")
            rate_v, rate_rule = _by_age(rate_entry, c) if len(rate_entry) > 2 else rate_entry
            rate = rate_v if rate_v.__class__ is int else params[rate_v].at(date)
            regime_base = base_v = None
            if base_entry is not None:
                base_v, base_rule = _by_age(base_entry, c) if len(base_entry) > 2 else base_entry
                if base_v.__class__ is int:
                    regime_base = base_v * quantity
                elif c.base is None:
                    regime_base = params[base_v].at(date) * quantity
                else:  # the claim's base decides; the regime's is only a check
                    try:
                        regime_base = params[base_v].at(date) * quantity
                    except ClaimError:
                        regime_base = None
            if c.base is not None:
                base = c.base
                add((None, "base_claim", base))
                if regime_base is not None and regime_base != base:
                    source = base_v if isinstance(base_v, str) else "tariff"
                    warnings.append(f"the claim's base {fmt(base)} differs from the regime's {fmt(regime_base)} ({source} on {date})")
            elif regime_base is not None:
                base = regime_base
                add((base_rule, "base", base, base_v if isinstance(base_v, str) else "tariff", date, quantity))
            else:
                needs = f" with {self._describe(ra.base_dims, dims)}" if ra.base_dims else ""
                raise ClaimError(f"the regime has no base for `{c.act}`{needs}: send the claim's `base`", "base")
            if base > price:
                counted = price
                warnings.append(f"price {fmt(price)} is below the base {fmt(base)}: the regime reimburses on the price")
            else:
                counted = base
            amo = (counted * rate + 5000) // 10000
            add((rate_rule, "amo", amo, rate, counted))
            if c.amo is not None and c.amo != amo and ra.heavy_param is not None and self._heavy_act(ra.heavy_param, c.amo, counted, date, add):
                amo = c.amo
                if amo == counted:
                    rate = 10000  # the stay bears the flat participation: this item is paid in full
            elif c.amo is not None and c.amo != amo:
                warnings.append(f"the claim's AMO {fmt(c.amo)} differs from {fmt_rate(rate)} × {fmt(counted)} = {fmt(amo)}; the claim's is used")
                amo = c.amo
                add((None, "amo_claim", amo))
        if amo > price:
            raise ClaimError(f"AMO {fmt(amo)} exceeds the price {fmt(price)}", "amo")

        # 2. What the contract measures its formulas against: for a
        # responsable contract, the AMO the patient would have had in the
        # parcours de soins (the hors-parcours increase is never refunded).
        amo_ref = amo
        if ref_entry is not None:
            ref_rate_v, ref_rule = _by_age(ref_entry, c)
            ref_rate = ref_rate_v if ref_rate_v.__class__ is int else params[ref_rate_v].at(date)
            ref_amo = pct(counted, ref_rate)
            if ref_amo > amo_ref:
                amo_ref = ref_amo
                add((ref_rule, "amo_ref", amo_ref, dims[self.parcours_idx], self.default_parcours))

        # 3. Flat deductions, within their yearly caps.
        pf = franchise = 0
        left = amo
        buckets = ledger.buckets
        year = date.year
        for p, per_unit, is_pf in ra.deduction_params:
            if p.exempt_under is not None and p.exempts(c):
                add((None, "exempt", None, p.title, p.exempt_under))
                continue
            units = quantity if per_unit else 1
            i = p.index_at(date)
            unit_amount = p.values[i]
            take = unit_amount * units
            if take > left:
                take = left
            for lim in p.limits:
                if lim.period == "calendar_year" and lim.param is None:  # the common case, inline
                    used = buckets.get((beneficiary, lim.key, year), 0)
                    room = lim.amount - used if lim.amount > used else 0
                else:
                    room = lim.left(ledger, beneficiary, date, params)
                if lim.kind != "amount":
                    room *= unit_amount
                if take > room:
                    take = room
                    add((lim.where, "deduction_cap", None, p.title, lim.text))
            if take:
                for lim in p.limits:
                    if lim.period == "calendar_year":
                        key = (beneficiary, lim.key, year)
                        buckets[key] = buckets.get(key, 0) + (take if lim.kind == "amount" else units)
                    else:
                        lim.consume(ledger, beneficiary, date, take, units)
                left -= take
                if is_pf:
                    pf += take
                else:
                    franchise += take
            add((p.sources[i], "deduction", take, p.title, p.refs[i] if p.refs else ""))
        amo_net = amo - pf - franchise

        # 4. Price alerts (warnings) and the 100% Santé ceiling.
        ceiling_price = None
        for value, of_base, _ref, where in price_checks:
            limit = pct(base, value) if of_base else _value(value, params, date) * quantity
            ceiling_price = limit
            if price > limit:
                what = _TIMES.get(value, f"{fmt_rate(value)} of the base") if of_base else "the regulated price"
                warnings.append(f"price {fmt(price)} is above {what} ({fmt(limit)}) for {c.provider or c.act} [{where}]")

        # 5. The contract. Its room is what the AMO it is measured against
        # leaves: a responsable contract never refunds the hors-parcours
        # increase (CSS L871-1), not even through a sum of terms or a budget.
        room = price - amo_ref
        amc = 0
        rule = self.gap_rule
        if decision is None:
            warnings.append(f"no guarantee line covers `{c.act}`{' with ' + c.provider if c.provider else ''}: the contract pays nothing")
            add((self.gap_rule, "gap", 0))
        else:
            lines = self.lines
            rule = lines[decision.lines[0]].where
            first = True
            ceiling_room = None
            for line_id in decision.lines:
                line = lines[line_id]
                paid_quantity = quantity
                for lim in line.count_limits:
                    if line.banded and not lim.applies(c):
                        continue
                    remaining = lim.left(ledger, beneficiary, date, params)
                    allowed = remaining if lim.kind == "count" else (quantity if remaining > 0 else 0)
                    if allowed < paid_quantity:
                        paid_quantity = allowed
                        add((lim.where, "limit_count", None, lim.text, remaining))
                        if allowed <= 0:
                            warnings.append(f"limit reached: {lim.text} [{lim.where}]")
                        else:
                            warnings.append(f"limit {lim.text}: {allowed} of {quantity} paid [{lim.where}]")
                if paid_quantity <= 0:
                    part = 0
                else:
                    line_price = price
                    if line.frames and c.frame_price is not None:
                        line_price = self._frame_price(line, c, price, add)
                    part = line.fn(line_price, base, amo_ref, paid_quantity if line.per_unit else quantity, ceiling_price)
                    if paid_quantity < quantity and not line.per_unit:
                        part = (part * paid_quantity * 2 + quantity) // (2 * quantity)
                add((line.where, "line", part, line.text))
                if decision.ceiling is not None:
                    # The ceiling bounds the whole cover, refinements included.
                    if first:
                        ceiling_room = self._ceiling_limit(decision.ceiling, price, base, amo_ref, quantity, ceiling_price)
                    if part > ceiling_room - amc:
                        part = ceiling_room - amc if ceiling_room > amc else 0
                        add((decision.ceiling.where, "ceiling", part, ceiling_room + amo_ref))
                first = False
                if part > room - amc:
                    part = room - amc if room > amc else 0
                    add((line.where, "room", part))
                from_budgets = []
                if paid_quantity > 0:
                    for lim in line.budgets:
                        remaining = lim.left(ledger, beneficiary, date, params)
                        available = room - amc - part
                        extra = remaining if remaining < available else (available if available > 0 else 0)
                        add((lim.where, "budget", extra, lim.text, remaining))
                        total = lim.amount if lim.param is None else params[lim.param].at(date)
                        if remaining < total and remaining < available:
                            warnings.append(f"limit of the budget {lim.text}: {fmt(remaining)} was left [{lim.where}]")
                        from_budgets.append([lim, extra])
                        part += extra
                for lim in line.amount_limits:
                    if line.banded and not lim.applies(c):
                        continue
                    remaining = lim.left(ledger, beneficiary, date, params)
                    if part > remaining:
                        cut = part - remaining
                        part = remaining
                        warnings.append(f"limit {lim.text}: {fmt(remaining)} was left [{lim.where}]")
                        add((lim.where, "limit_amount", part, lim.text, remaining))
                        for used in reversed(from_budgets):  # what a cap cuts is not taken from a budget
                            back = used[1] if used[1] < cut else cut
                            used[1] -= back
                            cut -= back
                if part > 0:
                    for lim in line.consumed:
                        lim.consume(ledger, beneficiary, date, part, paid_quantity)
                    for lim, used in from_budgets:
                        lim.consume(ledger, beneficiary, date, used, paid_quantity)
                amc += part
        return Decompte(c.id, beneficiary, date, c.act, c.provider, price, base, rate, amo, pf, franchise, amo_net, amc, rule, warnings, trace)

    @staticmethod
    def _heavy_act(param, claim_amo: int, counted: int, date, add) -> bool:
        """A claim's AMO that reads as a heavy act (CSS R160-16): the base
        less the flat participation, or the whole base when the stay bears
        it. Such an AMO is the regime's own, not a discrepancy."""
        try:
            i = param.index_at(date)
        except ClaimError:
            return False
        flat = param.values[i]
        if claim_amo == counted - flat:
            add((param.sources[i], "heavy_act", claim_amo, flat, param.title))
            return True
        if claim_amo == counted:
            add((param.sources[i], "heavy_act_stay", claim_amo, param.title))
            return True
        return False

    @staticmethod
    def _frame_price(line, c: Claim, price: int, add) -> int:
        """`frame at most X`: the frame of an optical equipment counts for at
        most X of its price; what it costs above X is left to the patient."""
        for lim in line.frames:
            if c.frame_price > lim.amount:
                counted = price - (c.frame_price - lim.amount)
                add((lim.where, "frame", counted, lim.text, c.frame_price, counted))
                return counted
        return price

    def _ceiling_limit(self, ceiling: Ceiling, price, base, amo_ref, quantity, ceiling_price) -> int:
        """What the contract may pay under a responsable ceiling: all-in at
        most N% of the BR and, when the ceiling says so, `below_percent` of
        the BR under the reference line's level (R3)."""
        above = pct(base, ceiling.percent) - base
        if ceiling.below_percent is not None:
            reference = 0
            below = self.decisions.get(ceiling.below_key) if ceiling.below_key else None
            if below is not None:
                # The reference is the guarantee's level, not what one bill
                # happens to leave: measure it on an unbounded price.
                ref_line = self.lines[below.lines[0]]
                reference = ref_line.fn(_UNBOUNDED, base, amo_ref, quantity, ceiling_price)
            ref_above = amo_ref + reference - base
            ref_above = ref_above if ref_above > 0 else 0
            second = ref_above - pct(base, ceiling.below_percent)
            above = above if above < second else second
        allin = base + (above if above > 0 else 0)
        return allin - amo_ref if allin > amo_ref else 0

    def _describe(self, names, dims) -> str:
        shown = [f"{n} {dims[self.dim_index[n]] or '(none)'}" for n in names]
        return ", ".join(shown) or "no provider"
