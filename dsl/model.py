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
    """A limit a beneficiary consumes: a count, an amount or one item."""

    kind: str  # "count" | "amount" | "once"
    amount: int | None  # count, or cents
    param: str | None  # amount taken from a dated parameter instead
    period: Period
    pool: str  # limits with the same pool share what is consumed
    span: Span
    text: str


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


@attrs.frozen
class NetworkBan:
    """Acts whose cover may not depend on a care network."""

    node: str | None
    constraints: tuple[tuple[str, str], ...]
    ref: str | None
    span: Span


@attrs.frozen
class Meaning:
    """What a word of a selector or claim can name."""

    kind: str  # "node" | "value" | "alias" | "network"
    target: str  # node id, dimension value, or network name
    dim: str | None = None
    before: dt.date | None = None


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
class Line:
    """One guarantee line, checked."""

    id: str  # "L12": the source line number
    selector: str
    node: str | None  # None: `all`
    constraints: tuple[tuple[str, str | None], ...]  # (dimension, value); network None = out of network
    terms: tuple[Term, ...]
    additive: bool
    limits: tuple[Limit, ...]
    span: Span
    text: str  # the line as written, for comments and docs

    @property
    def ceiling(self) -> bool:
        return any(t.ceiling for t in self.terms)


@attrs.frozen
class CeilingUse:
    """A resolved responsable ceiling for one decision (`cap` lines)."""

    percent: int
    below_percent: int | None
    below_key: tuple | None
    ref: str | None
    span: Span


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

    def line(self, line_id: str) -> Line:
        for ln in self.lines:
            if ln.id == line_id:
                return ln
        raise KeyError(line_id)
