"""The abstract syntax tree: what the author wrote, with where they wrote it.

Plain attrs classes, one per construct of the language. Nothing here is
resolved yet (names are strings, units unchecked); the checker turns an AST
into the checked model (`garant.dsl.model`).
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from garant.dsl.source import Span


# ----------------------------------------------------------------- literals
@attrs.frozen
class Quantity:
    """A literal: `30€`, `$1,500`, `70%`, `3`. `value` is exact."""

    kind: str  # "money" | "percent" | "number"
    value: Decimal
    text: str
    span: Span
    currency: str | None = None  # "EUR" / "USD" for money


@attrs.frozen
class NameRef:
    name: str
    span: Span


Value = Quantity | NameRef


# ---------------------------------------------------------------- selectors
@attrs.frozen
class SelWord:
    kind: str  # "name" | "in_network" | "out_of_network"
    name: str | None
    span: Span


@attrs.frozen
class Selector:
    words: tuple[SelWord, ...]
    span: Span

    @property
    def text(self) -> str:
        parts = []
        for w in self.words:
            if w.kind == "name":
                parts.append(w.name)
            elif w.kind == "in_network":
                parts.append(f"in network {w.name}")
            else:
                parts.append("out of network")
        return " ".join(parts)


# ----------------------------------------------------------------- periods
@attrs.frozen
class Period:
    """`calendar year`, `rolling 24 months`, `2 years`, `day`, `session`."""

    kind: str  # "calendar_year" | "rolling" | "n_units" | "one_unit"
    count: Quantity | None
    unit: str | None
    span: Span


# ---------------------------------------------------------------- formulas
@attrs.frozen
class Term:
    """One formula term; `kind` names the row of spec §3.2 it implements."""

    kind: str  # pct_brss | ticket_moderateur | pct_fr | amount | amount_per | secu_incluse | cent_pour_cent_sante | not_covered
    quantity: Quantity | None
    span: Span
    period: Period | None = None
    cap: bool = False


@attrs.frozen
class Formula:
    """`terms` is the formula of the first (or only) column; a line written
    per level (`100% | 125% BRSS`) has one column per level in `columns`."""

    additive: bool
    terms: tuple[Term, ...]
    span: Span
    columns: tuple[tuple[Term, ...], ...] = ()

    @property
    def per_level(self) -> bool:
        return len(self.columns) > 1


@attrs.frozen
class Limit:
    kind: str  # "max" | "cap" | "once" | "frame"
    quantity: "Quantity | NameRef | None"
    unit: str | None
    period: Period | None
    span: Span
    shared: str | None = None
    # One value per level (`cap none | 1400€ | 1500€ per calendar year`);
    # None in a column: no limit at that level.
    columns: tuple = ()
    age_under: Quantity | None = None  # the limit applies below this age
    age_from: Quantity | None = None  # the limit applies from this age on
    side: str | None = None  # `per eye` / `per ear` / `per side`: the word written
    then: "Then | None" = None  # `then FORMULA`: what the line pays once the limit is spent


@attrs.frozen
class Then:
    """`then FORMULA` after a limit: the fallback once it is spent."""

    terms: tuple[Term, ...]
    span: Span


@attrs.frozen
class Waiting:
    """`waiting N months: FORMULA`: a délai d'attente from the membership date."""

    count: Quantity
    unit: str
    terms: tuple[Term, ...]
    span: Span


@attrs.frozen
class Toward:
    """`counts toward NAME`: payments count in a shared pool, never cut by it."""

    pool: str
    span: Span


# ---------------------------------------------------------------- contract
@attrs.frozen
class Guarantee:
    selector: Selector
    formula: Formula
    limits: tuple[Limit, ...]
    span: Span
    module: str | None = None  # None: the `guarantees` block
    waiting: Waiting | None = None
    towards: tuple[Toward, ...] = ()
    # A `then` that follows no limit (the formula, a `waiting`, a
    # `counts toward`): kept for the checker's error, with what it follows.
    stray_thens: tuple[tuple[Then, str], ...] = ()


@attrs.frozen
class Module:
    """`module NAME "title"`: a block of lines with its own level."""

    name: str
    title: str | None
    optional: bool
    levels: tuple[tuple[str, Span], ...] | None  # None: the product's levels
    follows: tuple[str, Span] | None  # `level of OTHER`: takes that module's level
    guarantees: tuple[Guarantee, ...]
    span: Span


@attrs.frozen
class Header:
    key: str  # insurer | regime | effective | responsable | currency | network
    value: object
    span: Span
    extra: str | None = None


@attrs.frozen
class ContractFile:
    name: str
    headers: tuple[Header, ...]
    guarantees: tuple[Guarantee, ...]  # every line of every block, in source order
    guarantees_span: Span
    span: Span
    path: str
    modules: tuple[Module, ...] = ()  # the `module` blocks, in source order


# ------------------------------------------------------------------ regime
@attrs.frozen
class AliasClause:
    alias: str
    target: str
    before: str  # ISO date
    span: Span


@attrs.frozen
class ValueFrom:
    value: str
    start: str
    span: Span


@attrs.frozen
class Dimension:
    name: str
    values: tuple[tuple[str, Span], ...]
    aliases: tuple[AliasClause, ...]
    starts: tuple[ValueFrom, ...]
    span: Span
    default: str | None = None
    only_with: str | None = None
    default_span: Span | None = None
    only_with_span: Span | None = None


@attrs.frozen
class ActNode:
    name: str
    title: str | None
    children: tuple["ActNode", ...]
    span: Span
    aliases: tuple[str, ...] = ()


@attrs.frozen
class DatedValue:
    start: str
    value: Quantity
    ref: str | None
    span: Span


@attrs.frozen
class Exempt:
    age: Quantity
    reference: str  # "start_of_year" | "date_of_care"
    span: Span


@attrs.frozen
class Parameter:
    name: str
    title: str | None
    values: tuple[DatedValue, ...]
    limits: tuple[Limit, ...]
    exemptions: tuple[Exempt, ...]
    span: Span


@attrs.frozen
class TableEntry:
    selector: Selector | None
    value: Value
    span: Span
    min_age: Quantity | None = None  # the entry applies from this age on


@attrs.frozen
class Applies:
    parameter: str
    per_unit: str | None
    span: Span
    heavy_acts: bool = False  # `NAME applies for heavy acts`


@attrs.frozen
class PriceLimit:
    selector: Selector | None
    value: Quantity
    of_base: bool
    ref: str | None
    span: Span
    min_age: Quantity | None = None  # binds from this age on (age on the date of care)


@attrs.frozen
class ActRule:
    words: tuple[tuple[str, Span], ...]
    base: tuple[TableEntry, ...]
    base_span: Span | None
    rates: tuple[TableEntry, ...]
    applies: tuple[Applies, ...]
    not_reimbursed: Span | None
    price_limits: tuple[PriceLimit, ...]
    span: Span
    base_from_claim: Span | None = None
    no_deductions: Span | None = None  # bears none of the parent's deductions


@attrs.frozen
class CeilingValue:
    start: str
    percent: Quantity  # a percentage of the base (`of_base`) or an amount
    below_percent: Quantity | None
    below_value: str | None
    ref: str | None
    span: Span
    of_base: bool = True


@attrs.frozen
class Ceiling:
    selector: Selector
    title: str | None
    values: tuple[CeilingValue, ...]
    span: Span
    rule: str | None = None  # the contrat responsable rule it encodes (`rule R3`)
    first_euros: bool = False  # binds only on the first euros above it (R4: dépassements autorisés)
    on_frame: bool = False  # bounds the frame's share of an optical equipment (R6), not the whole


@attrs.frozen
class FloorValue:
    """`from DATE: 100% BRSS` / `forfait_journalier` / `price limit`."""

    start: str
    value: Value | None  # None: the act's regulated price (`price limit`)
    of_base: bool
    ref: str | None
    span: Span


@attrs.frozen
class FloorException:
    selector: Selector
    ref: str | None
    span: Span


@attrs.frozen
class Floor:
    selector: Selector
    title: str | None
    rule: str | None
    values: tuple[FloorValue, ...]
    exceptions: tuple[FloorException, ...]
    span: Span
    above_tm_only: bool = False  # binds only when the contract pays above the ticket modérateur (R6)


@attrs.frozen
class RenewalValue:
    """`from DATE: once per rolling 24 months from age 16, … ref "…"`."""

    start: str
    limits: tuple[Limit, ...]
    ref: str | None
    span: Span


@attrs.frozen
class Renewal:
    """How often a responsable contract may pay an equipment (R7)."""

    selector: Selector
    title: str | None
    rule: str | None
    values: tuple[RenewalValue, ...]
    exceptions: tuple[FloorException, ...]
    span: Span
    required: bool = True  # `not required`: a limit contracts may state, not one they must


@attrs.frozen
class NoNetwork:
    """`no network honoraires_medicaux ref "…"`: acts whose cover may not
    depend on a care network."""

    selector: Selector
    ref: str | None
    span: Span


@attrs.frozen
class RuleDecl:
    """`rule R9 "title"` and its clauses: a contrat responsable rule the
    compliance report lists, with what it asks beyond floors and ceilings."""

    name: str
    title: str
    start: str | None  # `from DATE` (ISO), the first contract date it applies to
    ref: str | None
    states: tuple[tuple[str, bool, Span], ...]  # (word the contract states, only a warning if missing, span)
    no_refund: bool  # `no refund of deductions`
    not_checked: tuple[str, ...]  # what the checker cannot prove, and why
    span: Span


@attrs.frozen
class Networks:
    names: tuple[tuple[str, Span], ...]
    span: Span


@attrs.frozen
class StatusRate:
    """`rate [act words:] value [ref]` inside a status or scheme."""

    words: tuple  # ((word, span), …), empty for every reimbursed act
    value: object  # Quantity or NameRef
    ref: str | None
    span: Span


@attrs.frozen
class StatusDecl:
    """A beneficiary status (`status ald`) or a local scheme (`scheme
    alsace_moselle`): rates on acts, amounts not due or reduced, whether
    the hors-parcours increase is still borne."""

    kind: str  # "status" | "scheme"
    name: str
    title: str | None
    rates: tuple[StatusRate, ...]
    exempt: tuple  # ((parameter names with spans), ref, span), …
    reduced: tuple  # ((parameter, span), (replacement, span), ref, span), …
    increase: tuple  # (ref, span) or ()
    span: Span


@attrs.frozen
class RegimeFile:
    name: str
    title: str | None
    headers: tuple[Header, ...]
    dimensions: tuple[Dimension, ...]
    acts: tuple[ActNode, ...]
    parameters: tuple[Parameter, ...]
    act_rules: tuple[ActRule, ...]
    networks: tuple[Networks, ...]
    ceilings: tuple[Ceiling, ...]
    span: Span
    path: str
    floors: tuple[Floor, ...] = ()
    no_networks: tuple[NoNetwork, ...] = ()
    renewals: tuple[Renewal, ...] = ()
    rules: tuple[RuleDecl, ...] = ()
    statuses: tuple[StatusDecl, ...] = ()


# -------------------------------------------------------------------- plan
@attrs.frozen
class CostShare:
    """One term of a plan's benefit line or of its `out of network:` line:
    `copay $20`, `coinsurance 20%`, `$0`, `no deductible`, `not covered`…"""

    kind: str  # copay | coinsurance | flat_copay | no_deductible | after_deductible | not_covered | not_covered_unless_emergency | allowed
    quantity: Quantity | None
    span: Span
    after_deductible: bool = False  # `coinsurance 20% after deductible`


@attrs.frozen
class Benefit:
    selector: Selector
    terms: tuple[CostShare, ...]
    span: Span
    limits: tuple[Limit, ...] = ()  # `max 20 visits per year`
    not_essential: "Span | None" = None  # `, not essential`: no essential health benefit (a dollar cap may fall on it)


@attrs.frozen
class PlanFile:
    """A managed-care plan. Plan-wide terms are `Header`s: `kind`, `network`,
    `year`, `deductible` / `out_of_pocket_max` (a tuple of (amount, word,
    span) pairs), `pcp`, `referral` ((for words, except words)),
    `out_of_network` (a tuple of `CostShare`)…"""

    name: str
    headers: tuple[Header, ...]
    benefits: tuple[Benefit, ...]
    benefits_span: Span
    span: Span
    path: str

    @property
    def guarantees_span(self) -> Span:
        """Where gaps are reported (the resolution shared with contracts)."""
        return self.benefits_span


SourceTree = RegimeFile | ContractFile | PlanFile
