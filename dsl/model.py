"""The checked model: what the back ends read.

Everything here is resolved and typed: names point at declared things,
money is integer cents, percentages are integer basis points (70% → 7000),
dates are `datetime.date`, and the contract's resolution rule (spec §3.1)
has been decided once for every act group and provider combination. The
back ends (Python generator, docs) never look at the AST.
"""

from __future__ import annotations

import datetime as dt

import attrs

from garant.dsl.source import Span


# ---------------------------------------------------------------- regime
@attrs.frozen
class Node:
    """One node of the act taxonomy; `id` is its dotted path."""

    id: str
    name: str
    title: str
    parent: str | None
    ancestors: tuple[str, ...]  # from the root down to this node, included
    children: tuple[str, ...]
    aliases: tuple[str, ...]
    span: Span

    @property
    def depth(self) -> int:
        return len(self.ancestors)


@attrs.frozen
class Dim:
    name: str
    values: tuple[str, ...]
    default: str | None
    only_with: tuple[str, str] | None  # (dimension, value) this one requires
    aliases: tuple[tuple[str, str, dt.date], ...]  # (alias, target, before)
    starts: dict[str, dt.date]
    span: Span


@attrs.frozen
class Period:
    kind: str  # "calendar_year" | "rolling" | "day"
    months: int = 0
    text: str = ""


@attrs.frozen
class Limit:
    """A limit a beneficiary consumes: a count, an amount or one item; or
    (`frame`) the most an optical equipment's frame counts for."""

    kind: str  # "count" | "amount" | "once" | "frame"
    amount: int | None  # count, or cents
    param: str | None  # amount taken from a dated parameter instead
    period: Period | None
    pool: str  # limits with the same pool share what is consumed
    span: Span
    text: str
    age_under: int | None = None  # applies only below this age (on the date of care)
    age_from: int | None = None  # applies only from this age on
    shared: bool = False  # `once … shared NAME`: one window for several lines; what is delivered the same day is one item
    # `per eye` / `per ear` / `per tooth` / `per item`: consumed per value of
    # this claim field (`side`: left|right, `tooth`: FDI number, `item`: an
    # id), one running sum per beneficiary and value (docs/language.md).
    per: str | None = None
    # `cap … then FORMULA`: what the line pays once the cap is spent (spec
    # page, Limits: the part of a crossing claim beyond the cap pays it).
    then: "tuple[Term, ...] | None" = None


@attrs.frozen
class Param:
    name: str
    title: str
    unit: str  # "money" | "percent"
    starts: tuple[dt.date, ...]
    values: tuple[int, ...]
    refs: tuple[str, ...]
    spans: tuple[Span, ...]
    limits: tuple[Limit, ...]
    exempt_under: int | None
    exempt_reference: str
    span: Span


@attrs.frozen
class ValueRef:
    """A constant (cents or basis points) or a dated parameter."""

    unit: str
    const: int | None
    param: str | None
    text: str
    span: Span
    min_age: int | None = None  # applies from this age on (age on the date of care)
    fallback: "ValueRef | None" = None  # what applies below `min_age`


@attrs.frozen
class Table:
    """A value chosen by provider: resolved for every combination of `dims`."""

    dims: tuple[str, ...]
    entries: dict[tuple, ValueRef]
    span: Span


@attrs.frozen
class PriceLimit:
    value: ValueRef
    of_base: bool  # `200% BRSS`: a multiple of the base, else an amount
    ref: str | None
    span: Span
    min_age: int | None = None  # binds from this age on; below it, no limit


@attrs.frozen
class RegimeAct:
    """The regime's rule for one taxonomy node, inheritance applied."""

    node: str
    base: Table | None
    rate: Table | None
    deductions: tuple[tuple[str, bool], ...]  # (parameter, per unit)
    not_reimbursed: bool
    price_limits: tuple[tuple[tuple[tuple[str, str], ...], PriceLimit], ...]
    span: Span | None
    heavy_act: str | None = None  # flat participation on heavy acts, instead of the rate


@attrs.frozen
class CeilingStep:
    start: dt.date
    percent: int | None  # all-in ceiling in basis points of the base, or None for an amount
    below_percent: int | None
    below_value: tuple[str, str] | None  # (dimension, value) of the reference line
    ref: str | None
    span: Span
    amount: int | None = None  # all-in ceiling in cents (R8: 1,700€ per hearing aid)


@attrs.frozen
class Ceiling:
    title: str
    node: str | None
    constraints: tuple[tuple[str, str], ...]
    steps: tuple[CeilingStep, ...]
    span: Span
    rule: str | None = None  # the contrat responsable rule it encodes ("R3")
    first_euros: bool = False  # binds only on the first euros above it, by an amount not stated (R4)
    on_frame: bool = False  # bounds what the frame adds to the all-in payment of an equipment (R6), not the whole


@attrs.frozen
class FloorStep:
    """What a responsable contract must pay at least, all-in (AMO included),
    from `start`: `min(FR, value)` where value is N% of the base, an amount
    (constant or dated parameter), or the act's regulated price (`price
    limit`: the whole bill when the regime declares none)."""

    start: dt.date
    kind: str  # "percent" | "amount" | "price_limit"
    value: ValueRef | None
    ref: str | None
    span: Span


@attrs.frozen
class FloorException:
    node: str | None
    constraints: tuple[tuple[str, str], ...]
    ref: str | None
    span: Span


@attrs.frozen
class Floor:
    title: str
    rule: str | None
    node: str | None
    constraints: tuple[tuple[str, str], ...]
    steps: tuple[FloorStep, ...]
    exceptions: tuple[FloorException, ...]
    span: Span
    above_tm_only: bool = False  # binds only where the contract pays more than the ticket modérateur (R6)


@attrs.frozen
class RenewalStep:
    """From `start`, at most one equipment per period: `limits` are
    `once` limits, each for an age band (R7)."""

    start: dt.date
    limits: tuple[Limit, ...]
    ref: str | None
    span: Span


@attrs.frozen
class Renewal:
    title: str
    rule: str | None
    node: str | None
    constraints: tuple[tuple[str, str], ...]
    steps: tuple[RenewalStep, ...]
    exceptions: tuple[FloorException, ...]
    span: Span
    required: bool = True  # False (`not required`): the floors allow the limit, lines need not state it


@attrs.frozen
class NetworkBan:
    """Acts whose cover may not depend on a care network."""

    node: str | None
    constraints: tuple[tuple[str, str], ...]
    ref: str | None
    span: Span


@attrs.frozen
class RuleDecl:
    """A contrat responsable rule (R1 … R12) as the regime declares it: its
    title, the first contract date it applies to, what a contract must
    state (`contract states solidaire`), whether it bans refunding the
    regime's deductions, and what the checker cannot prove (and why)."""

    name: str
    title: str
    start: dt.date | None
    ref: str | None
    states: tuple[tuple[str, bool], ...]  # (word, only a warning if missing)
    no_refund: bool
    not_checked: tuple[str, ...]
    span: Span


@attrs.frozen
class Meaning:
    """What a word of a selector or claim can name."""

    kind: str  # "node" | "value" | "alias" | "network"
    target: str  # node id, dimension value, or network name
    dim: str | None = None
    before: dt.date | None = None


@attrs.frozen
class Status:
    """A beneficiary status (`status ald`, a claim's `exemption`) or a local
    scheme (`scheme alsace_moselle`, a claim's `scheme`): the rate it gives
    on some acts, the amounts not due or reduced, and whether the
    hors-parcours increase is still borne. Every clause keeps its `ref`."""

    kind: str  # "status" | "scheme"
    name: str
    title: str
    rates: tuple  # ((node id or None for every act, ValueRef, ref), …)
    exempt: tuple  # ((parameter, ref, span), …): not due
    reduced: tuple  # ((parameter, replacement parameter, ref, span), …)
    increase: tuple  # (ref, span) when the hors-parcours increase is still borne, else ()
    span: Span


@attrs.frozen
class Regime:
    name: str
    title: str
    currency: str
    path: str
    dims: tuple[Dim, ...]
    nodes: dict[str, Node]
    params: dict[str, Param]
    acts: dict[str, RegimeAct]
    networks: tuple[str, ...]
    ceilings: tuple[Ceiling, ...]
    vocabulary: dict[str, tuple[Meaning, ...]]
    source_hash: str
    floors: tuple[Floor, ...] = ()
    network_bans: tuple[NetworkBan, ...] = ()
    renewals: tuple[Renewal, ...] = ()
    rules: tuple[RuleDecl, ...] = ()
    statuses: tuple[Status, ...] = ()  # beneficiary statuses and local schemes

    def dim(self, name: str) -> Dim:
        for d in self.dims:
            if d.name == name:
                return d
        raise KeyError(name)


# -------------------------------------------------------------- contract
@attrs.frozen
class Term:
    kind: str
    value: int | None  # basis points or cents
    per_unit: bool
    ceiling: bool
    text: str
    span: Span
    budget: "Limit | None" = None  # `X€ per calendar year` inside a formula


@attrs.frozen
class Waiting:
    """`waiting N months: FORMULA`: during the first N months (or days) from
    the member's `membership_date` the line pays `terms` instead."""

    months: int
    days: int
    terms: tuple[Term, ...]
    text: str  # `waiting 6 months: 100% BRSS`
    span: Span
    product: bool = False  # stated in the header, for every line without its own


@attrs.frozen
class Column:
    """A guarantee line at one level of its module."""

    level: str
    terms: tuple[Term, ...]
    limits: tuple[Limit, ...]
    text: str  # the formula and limits at this level, e.g. `150% BRSS, cap 1400€ per calendar year`


@attrs.frozen
class Module:
    """A block of lines sold at its own level (spec §3.4)."""

    name: str
    title: str
    levels: tuple[str, ...]
    optional: bool  # a "renfort": adds to the lines it names, when subscribed
    follows: str | None  # takes the level of that module
    span: Span


@attrs.frozen
class Line:
    """One guarantee line, checked.

    In a product with levels, a line whose formula or limits differ by
    level has one `Column` per level of its module; `terms` and `limits`
    are then those of the first level. `at(level)` gives the line as it
    reads at one level.
    """

    id: str  # "L12": the source line number
    selector: str
    node: str | None  # None: `all`
    constraints: tuple[tuple[str, str | None], ...]  # (dimension, value); network None = out of network
    terms: tuple[Term, ...]
    additive: bool
    limits: tuple[Limit, ...]
    span: Span
    text: str  # the line as written, for comments and docs
    module: str = "guarantees"
    columns: tuple[Column, ...] = ()
    waiting: Waiting | None = None

    @property
    def ceiling(self) -> bool:
        return any(t.ceiling for c in (self.columns or (self,)) for t in c.terms)

    def column(self, level: str) -> Column | None:
        return next((c for c in self.columns if c.level == level), None)

    def at(self, level: str) -> "Line":
        """This line at one level: a plain single-level line."""
        col = self.column(level)
        if col is None:
            return self
        return attrs.evolve(self, terms=col.terms, limits=col.limits, columns=(), text=f"{self.selector}: {col.text}")


@attrs.frozen
class CeilingUse:
    """The responsable ceilings a `cap` line meets, for one decision: the
    first in `% BRSS` (percent, below…, ref, span; percent None when only
    an amount binds) and the lowest all-in amount per item (R8: 1,700€ per
    hearing aid, Sécu incluse; R6 per equipment), with its own source."""

    percent: int | None
    below_percent: int | None
    below_key: tuple | None
    ref: str | None
    span: Span
    amount: int | None = None  # cents, all-in (Sécu incluse), per item
    amount_ref: str | None = None
    amount_span: Span | None = None


def amount_ceiling_met(c: "Ceiling", lines, nodes) -> bool:
    """Whether an all-in amount ceiling (R8, R6) can bound a `cap` line:
    it has an amount step and a `cap` line's act is the ceiling's, above
    it or below it. (`on the frame` bounds the frame's share, which the
    line's `frame at most` states: the compliance proof checks it.)"""
    if c.on_frame or not any(s.amount is not None for s in c.steps):
        return False
    for ln in lines:
        if not ln.ceiling:
            continue
        if c.node is None or ln.node is None or ln.node in nodes[c.node].ancestors or c.node in nodes[ln.node].ancestors:
            return True
    return False


@attrs.frozen
class Decision:
    lines: tuple[str, ...]  # the winning line, then an additive refinement
    ceiling: CeilingUse | None


@attrs.frozen
class Contract:
    name: str
    insurer: str | None
    path: str
    regime: Regime
    effective: dt.date | None
    responsable: bool
    currency: str
    networks: tuple[str, ...]
    lines: tuple[Line, ...]
    decision_dims: tuple[str, ...]
    groups: dict[str, int]  # node id → act group
    group_members: dict[int, tuple[str, ...]]
    decisions: dict[tuple, Decision]
    source_hash: str
    guarantees_span: Span | None = None
    levels: tuple[str, ...] = ()  # the product's levels; () for a one-level product
    modules: tuple[Module, ...] = ()  # () for a product without levels
    states: frozenset[str] = frozenset()  # what the header states: `solidaire`, `tiers_payant`, `annual_statement`
    responsable_span: Span | None = None  # the `responsable` header line
    waiting: Waiting | None = None  # the header's `waiting N months: FORMULA`, for every line without its own

    def line(self, line_id: str) -> Line:
        for ln in self.lines:
            if ln.id == line_id:
                return ln
        raise KeyError(line_id)

    @property
    def levelled(self) -> bool:
        return bool(self.modules)

    def module(self, name: str) -> Module:
        return next(m for m in self.modules if m.name == name)

    def at_levels(self, choice: dict[str, str | None]) -> "Contract":
        """The product as sold at one choice of levels (module → level, or
        None for an optional module left out; see `runtime.levels.choose`):
        a one-level contract whose lines read as at those levels. What the
        compliance rules and the documents judge, level by level."""
        if not self.modules:
            return self
        kept = {ln.id: ln.at(choice[ln.module]) for ln in self.lines if choice.get(ln.module) is not None}
        decisions = {}
        staying: dict[tuple, tuple] = {}  # a decision's lines → those kept (many decisions share their lines)
        for key, d in self.decisions.items():
            ids = staying.get(d.lines)
            if ids is None:
                ids = staying[d.lines] = tuple(i for i in d.lines if i in kept)
            if ids and not kept[ids[0]].additive:
                decisions[key] = d if ids == d.lines else attrs.evolve(d, lines=ids)
        return attrs.evolve(self, lines=tuple(kept.values()), decisions=decisions, levels=(), modules=())

    def level_views(self) -> list[tuple[str, "Contract"]]:
        """One view per level, every module (optional ones included) at that
        level: `[("N1", contract at N1), …]`; `[("", self)]` without levels."""
        if not self.modules:
            return [("", self)]
        from garant.core.levels import choose

        specs = self.module_specs()
        views = []
        for i, level in enumerate(self.levels):
            # An optional module with levels of its own is left out.
            left_out = [f"{m.name}=none" for m in self.modules if m.optional and m.follows is None and level not in m.levels]
            views.append((level, self.at_levels(choose([level, *self._required_specs(i, level), *left_out], specs))))
        return views

    def _required_specs(self, i: int, level: str) -> list[str]:
        """A required module with levels of its own, at the one of the same
        rank as the product's level `level` (the i-th)."""
        return [f"{m.name}={m.levels[min(i, len(m.levels) - 1)]}" for m in self.modules
                if not m.optional and m.follows is None and level not in m.levels]

    def compliance_views(self) -> list[tuple[str, "Contract"]]:
        """Every combination a member can hold: each level, with each
        optional module left out or taken (at each of its own levels). A
        responsable contract must comply whichever is chosen: the floors
        without the options, the ceilings with them. The label names what
        differs from `level_views` (`cadres, surcomplementaire=option2`,
        `N3, renfort_famille=none`)."""
        if not self.modules:
            return [("", self)]
        import itertools

        from garant.core.levels import choose

        specs = self.module_specs()
        views = []
        for i, level in enumerate(self.levels):
            required = self._required_specs(i, level)
            choices = []
            for m in self.modules:
                if not m.optional:
                    continue
                if m.follows is not None or level in m.levels:  # taken at this level unless left out
                    choices.append([(None, None), (f"{m.name}=none", f"{m.name}=none")])
                else:  # left out unless chosen at one of its own levels
                    choices.append([(f"{m.name}=none", None)] + [(f"{m.name}={lv}", f"{m.name}={lv}") for lv in m.levels])
            for combo in itertools.product(*choices):
                chosen = [spec for spec, _ in combo if spec]
                label = ", ".join([level] + [shown for _, shown in combo if shown])
                views.append((label, self.at_levels(choose([level, *required, *chosen], specs))))
        return views

    def module_specs(self) -> tuple:
        """The modules as `runtime.levels.choose` reads them."""
        return tuple((m.name, m.levels, m.optional, m.follows) for m in self.modules)
