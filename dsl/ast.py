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
    additive: bool
    terms: tuple[Term, ...]
    span: Span


@attrs.frozen
class Limit:
    kind: str  # "max" | "cap" | "once"
    quantity: "Quantity | NameRef | None"
    unit: str | None
    period: Period
    span: Span
    shared: str | None = None


# ---------------------------------------------------------------- contract
@attrs.frozen
class Guarantee:
    selector: Selector
    formula: Formula
    limits: tuple[Limit, ...]
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
    guarantees: tuple[Guarantee, ...]
    guarantees_span: Span
    span: Span
    path: str


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


@attrs.frozen
class PriceLimit:
    selector: Selector | None
    value: Quantity
    of_base: bool
    ref: str | None
    span: Span


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


@attrs.frozen
class NoNetwork:
    """`no network honoraires_medicaux ref "…"`: acts whose cover may not
    depend on a care network."""

    selector: Selector
    ref: str | None
    span: Span


@attrs.frozen
class Networks:
    names: tuple[tuple[str, Span], ...]
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


SourceTree = RegimeFile | ContractFile
