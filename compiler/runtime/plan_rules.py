"""The rules a generated plan module is made of: benefit lines (cost
sharing as data), the referral rule and the out-of-network terms. The
yearly limits are `accumulators.Accumulator`; `plan_engine.PlanProduct`
walks a claim through them."""

from __future__ import annotations


class Sharing:
    """What a benefit line (or the `out of network:` line) makes the member
    pay: the deductible (unless `no deductible`), a copay per visit, then
    coinsurance on the rest."""

    __slots__ = ("covered", "deductible", "copay", "coinsurance", "where", "text", "out_of_network", "visits", "visits_where", "visits_text", "visits_pool",
                 "cap", "cap_family", "cap_where", "cap_text", "cap_pool", "emergency")

    def __init__(self, covered: bool, deductible: bool, copay: int, coinsurance: int, where: str | None, text: str, out_of_network: bool = False,
                 visits: int | None = None, visits_where: str | None = None, visits_text: str = "", cap: int | None = None, cap_family: bool = False,
                 cap_where: str | None = None, cap_text: str = "", emergency: bool = False):
        self.covered = covered
        self.deductible = deductible
        self.copay = copay  # cents per visit
        self.coinsurance = coinsurance  # basis points
        self.where = where
        self.text = text
        self.out_of_network = out_of_network  # the line names `out_of_network` itself
        self.visits = visits  # covered visits per member and plan year (None: no limit)
        self.visits_where = visits_where
        self.visits_text = visits_text
        self.visits_pool = f"visits {where}"
        self.cap = cap  # cents the plan pays for this benefit per plan year (None: no cap)
        self.cap_family = cap_family  # the family shares the cap (else each member has their own)
        self.cap_where = cap_where
        self.cap_text = cap_text
        self.cap_pool = f"cap {where}"
        self.emergency = emergency  # the line is the plan's own for emergency care (under `emergency`)


class Referral:
    """Care under `nodes` needs a referral, unless under `exceptions` or an emergency (when exempt)."""

    __slots__ = ("nodes", "exceptions", "emergency_exempt", "where", "text")

    def __init__(self, nodes, exceptions, emergency_exempt: bool, where: str, text: str):
        self.nodes = frozenset(nodes)
        self.exceptions = frozenset(exceptions)
        self.emergency_exempt = emergency_exempt
        self.where = where
        self.text = text


class OutOfNetwork:
    """The plan's `out of network:` terms. `covered` False: only emergencies
    are covered out of network (at the in-network level)."""

    __slots__ = ("covered", "sharing", "allowed_percent", "deductible", "out_of_pocket_max", "where", "text")

    def __init__(self, covered: bool, sharing: Sharing | None, allowed_percent: int | None, deductible, out_of_pocket_max, where: str | None, text: str):
        self.covered = covered
        self.sharing = sharing
        self.allowed_percent = allowed_percent
        self.deductible = deductible  # a separate Accumulator, or None: the in-network one
        self.out_of_pocket_max = out_of_pocket_max
        self.where = where
        self.text = text


class NoSurprises:
    """`no surprises act` (42 U.S.C. 300gg-111): an emergency out of network
    is paid at the in-network cost sharing on the recognized amount (the
    claim's `allowed`, else `allowed_percent` of the billed price), counts
    toward the in-network accumulators, and is never balance-billed."""

    __slots__ = ("allowed_percent", "where", "text", "facilities", "air_ambulance", "ancillary")

    def __init__(self, allowed_percent: int | None, where: str, text: str, facilities: bool = False, air_ambulance: bool = False,
                 ancillary: tuple = ()):
        self.allowed_percent = allowed_percent  # basis points of the billed price
        self.where = where
        self.text = text
        # Beyond emergencies (42 U.S.C. 300gg-111(b), 300gg-112): care by an
        # out-of-network provider at an in-network facility, air ambulances.
        self.facilities = facilities
        self.air_ambulance = air_ambulance
        self.ancillary = frozenset(ancillary)  # categories no notice and consent waives (diagnostic services)
