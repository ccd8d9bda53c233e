"""The checked model of a managed-care plan: what the plan back ends read.

Like `model.Contract`, everything is resolved: money in integer cents,
rates in basis points, benefit words pointing at nodes of the regime's
taxonomy, and the most-specific-line rule (spec §3.1) decided once per
benefit category and network status. Benefit lines are kept as
`model.Line` so that resolution, gaps and overlaps are the contracts' own;
what a line makes the member pay is its `CostSharing`.
"""

from __future__ import annotations

import datetime as dt

import attrs

from garant.dsl import model
from garant.dsl.source import Span

KINDS = ("HMO", "PPO", "EPO", "POS")


@attrs.frozen
class KindRules:
    """What the plan kind implies (MANAGED_CARE.md, "Plan kinds")."""

    out_of_network_covered: bool  # beyond emergencies
    pcp_required: bool
    referral_required: bool


KIND_RULES = {
    "HMO": KindRules(out_of_network_covered=False, pcp_required=True, referral_required=True),
    "EPO": KindRules(out_of_network_covered=False, pcp_required=False, referral_required=False),
    "POS": KindRules(out_of_network_covered=True, pcp_required=True, referral_required=True),
    "PPO": KindRules(out_of_network_covered=True, pcp_required=False, referral_required=False),
}


@attrs.frozen
class CostSharing:
    """What one benefit line (or the `out of network:` line) makes the
    member pay, in the order of evaluation: deductible, copay, coinsurance."""

    covered: bool
    deductible: bool  # the deductible applies (no `no deductible`)
    copay: int  # cents per visit (0: none)
    coinsurance: int  # basis points of what is left after deductible and copay
    text: str  # as written, for traces and docs
    visits: int | None = None  # `max 20 visits per year`: covered visits per member and plan year
    visits_text: str = ""
    visits_span: Span | None = None
    cap: int | None = None  # `max $2,000 per plan year`: cents the plan pays for the benefit per plan year
    cap_family: bool = False  # `… per family per plan year`: the family shares the cap
    cap_text: str = ""
    cap_span: Span | None = None


@attrs.frozen
class Accumulator:
    """A yearly limit, individual and family (embedded): a member stops
    paying at the individual amount, the family at the family amount.
    `None` is no limit."""

    individual: int | None
    family: int | None
    span: Span
    text: str


@attrs.frozen
class Referral:
    """`referral required for specialist except obgyn, emergency, preventive`."""

    nodes: tuple[str, ...]  # care under these nodes needs a referral…
    exceptions: tuple[str, ...]  # …unless it is under one of these
    emergency_exempt: bool  # …or is an emergency
    span: Span
    text: str


@attrs.frozen
class OutOfNetwork:
    covered: bool  # beyond emergencies
    sharing: CostSharing | None  # the out-of-network level (covered plans)
    allowed_percent: int | None  # `allowed 60%`: of the billed price, when the claim gives no allowed amount
    deductible: Accumulator | None  # a separate out-of-network deductible
    out_of_pocket_max: Accumulator | None  # a separate out-of-network maximum
    span: Span | None
    text: str


@attrs.frozen
class NoSurprises:
    """`no surprises act` (42 U.S.C. 300gg-111): emergency care out of
    network is paid at the in-network cost sharing, on the recognized
    amount (the claim's `allowed`, else `allowed_percent` of the billed
    price), counts toward the in-network accumulators, and the provider may
    not balance-bill the member."""

    allowed_percent: int | None  # basis points of the billed price, when the claim gives no allowed amount
    span: Span
    text: str
    # Beyond emergencies (42 U.S.C. 300gg-111(b), 300gg-112): non-emergency
    # care by an out-of-network provider at an in-network facility
    # (`in network facilities`), and out-of-network air ambulances (`air
    # ambulance`), at the in-network cost sharing, likewise.
    facilities: bool = False
    air_ambulance: bool = False
    # Care under these categories is an ancillary service (diagnostic
    # services, radiology and laboratory, 300gg-132(b)(3)): no notice and
    # consent waives the protection.
    ancillary: tuple[str, ...] = ()


@attrs.frozen
class Plan:
    name: str
    insurer: str | None
    path: str
    kind: str
    regime: model.Regime
    currency: str
    network: str | None
    effective: dt.date | None
    year_start: tuple[int, int]  # (month, day) the plan year starts; (1, 1) = calendar year
    deductible: Accumulator
    out_of_pocket_max: Accumulator
    pcp_required: bool
    referral: Referral | None
    out_of_network: OutOfNetwork
    emergency_node: str | None  # care under it is an emergency, whatever the claim says
    status_dim: str  # the regime's dimension with the values in_network, out_of_network
    lines: tuple[model.Line, ...]
    sharing: dict[str, CostSharing]  # line id → its cost sharing
    decision_dims: tuple[str, ...]
    groups: dict[str, int]
    group_members: dict[int, tuple[str, ...]]
    decisions: dict[tuple, model.Decision]
    source_hash: str
    benefits_span: Span
    header_spans: dict[str, Span] = attrs.field(factory=dict)  # header key → where it is written
    rx_deductible: Accumulator | None = None  # `rx deductible …`: prescription drugs' own deductible
    drugs_node: str | None = None  # the taxonomy node the Rx deductible applies under
    no_surprises: NoSurprises | None = None
    grandfathered: str | None = None  # `grandfathered individual` / `grandfathered group` (45 CFR 147.140)

    def line(self, line_id: str) -> model.Line:
        for ln in self.lines:
            if ln.id == line_id:
                return ln
        raise KeyError(line_id)
