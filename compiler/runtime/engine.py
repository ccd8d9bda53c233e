"""The evaluator a generated product module instantiates.

A generated module is tables (parameters, the regime's rule for each act,
the contract's decision table) and one small function per guarantee line;
this module walks a claim through them, one named step at a time
(`Product.STEPS`, the functions of `runtime.steps`), in the order of SECU.md:

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
from garant.compiler.runtime.resolution import Resolver
from garant.compiler.runtime.rules import Ceiling, Levels, by_age
from garant.compiler.runtime.decompte import ClaimError, Decompte, Rejection
from garant.compiler.runtime.ledger import Ledger
from garant.compiler.runtime.steps import deductions, invoices, lines, regime, run, statement, status, stays
from garant.compiler.runtime.steps.route import Routes
from garant.compiler.runtime.steps.state import ContractState
from garant.core.text import fold


def _by_age(entry, c: Claim) -> tuple:
    """(value, source line) of a table entry for this claim's patient: a
    `rules.FromAge` entry gives way to its value below the age."""
    return by_age(entry, c.birth_date, c.date)


class Product:
    """A compiled French complementary contract over its regime."""

    kind = "contract"
    # How a claim is evaluated, in order (`runtime.steps`; SECU.md order of operations).
    # A combination of act and provider values runs those it needs (`steps.route`).
    STEPS = (regime.eligibility, regime.not_reimbursed, regime.regime_amo, statement.statement_rate, stays.stay_heavy_act,
             invoices.session_heavy_act, regime.reference_amo, status.beneficiary_status, invoices.invoice_acts, deductions.deductions,
             statement.statement_deductions, stays.stay_days, regime.price_checks, lines.gap, lines.contract_lines, lines.decompte)
    LINE_STEPS = lines.LINE_STEPS  # what each deciding guarantee line runs
    by_age = staticmethod(_by_age)  # how a table entry applies by age, for the steps
    _routes = Routes()  # (node, dims) → steps.route.Route, per product view
    # A product without levels (and a plan, which has none) needs no choice.
    levels: tuple = ()
    modules: tuple = ()
    choice: dict | None = None

    def __init__(self, *, name, insurer, path, source_hash, regime, regime_path, regime_hash, currency, responsable,
                 effective, parameters, dimensions, words, ancestors, titles, regime_acts, lines, decision_dims,
                 rules, gap_rule, ceilings=(), levels=(), modules=(), statuses=None, schemes=None):
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
        self.ancestors = ancestors
        self.regime_acts = regime_acts
        self.lines = lines
        self.rules = rules
        self.ceilings = ceilings
        self.gap_rule = gap_rule
        self.statuses = statuses or {}  # a claim's `exemption` → `rules.Status`
        self.schemes = schemes or {}  # a claim's `scheme` (other than general) → `rules.Status`
        self.levels = tuple(levels)
        self.modules = tuple(modules)  # (name, levels, optional, follows)
        self.choice: dict | None = None  # module → level, once chosen (`at`)
        dim_names = tuple(d[0] for d in dimensions) + ("network",)
        self.dim_index = {d: i for i, d in enumerate(dim_names)}
        self.only_with = {d[0]: d[2] for d in dimensions if d[2]}
        self.decision_dims = decision_dims
        networks_used = {v for r in rules for d, v in r.when if d == "network"} - {None}
        self.parcours_idx = self.dim_index.get("parcours")
        self.default_parcours = next((d[1] for d in dimensions if d[0] == "parcours"), None)
        for ra in regime_acts.values():
            ra.bind(self.dim_index, parameters)  # the regime module's acts: the same binding for every product
        self._index_decisions()
        words = {
            w: tuple(m._replace(before=dt.date.fromisoformat(m.before) if m.kind == "alias" else None) for m in ms)
            for w, ms in words.items()
        }
        self.reader = ClaimReader(
            words=words,
            ancestors=ancestors,
            dims=dim_names,
            dim_defaults={d[0]: d[1] for d in dimensions if d[1]},
            only_with=self.only_with,
            starts={v: dt.date.fromisoformat(s) for d in dimensions for v, s in d[3].items()},
            networks={fold(n): n for n in networks_used},
            statuses=tuple(self.statuses),
            schemes=tuple(self.schemes),
        )

    def _index_decisions(self, available: frozenset | None = None) -> None:
        """The resolver of the deciding lines (spec §3.1) over the lines
        `available` at a choice of levels, and an empty plan cache."""
        self._plans: dict[tuple, tuple] = {}
        self.decisions = Resolver(self.rules, self.ceilings, self.ancestors, self.dim_index, self.decision_dims,
                                  self.only_with, available)

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
        view._index_decisions(frozenset(lines))
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
            stays.mark_heavy_stays(self, claims, ledger)  # a stay's heavy act reaches its lines dated before it (R160-16 I 2°)
            evaluate = self.evaluate_claim
            if any(c.sheet is not None for c in claims):  # a feuille de soins' sessions, added up first
                invoices.session_tariffs(self, claims, ledger)
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
            decision = self.decisions.decide(node, dims)
            checks = tuple(
                (value, of_base, ref, where, min_age)
                for constraints, value, of_base, ref, where, min_age in ra.price_checks
                if all(dims[i] == v for i, v in constraints)
            )
            plan = (ra, rate_entry, base_entry, ref_entry, decision, checks)
        self._plans[(node, dims)] = plan
        return plan

    def _evaluate(self, c: Claim, ledger: Ledger) -> Decompte:
        """The claim through the steps its act and provider need (`STEPS`, see `runtime.steps`)."""
        route = self.route_of(c)
        return run(route.steps, self, ContractState(c, ledger, route))

    def route_of(self, c: Claim):
        """The claim's combination's `Route` (its rules and steps)."""
        routes = self._routes
        if routes.plans is not self._plans:  # a new product, or a view at other levels
            routes = self._routes = Routes(self._plans)
        return routes.get((c.node, c.dims)) or routes.build(self, c.node, c.dims, self.LINE_STEPS)
