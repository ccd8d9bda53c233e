"""The evaluator a generated plan module instantiates.

A plan module is tables (the benefit taxonomy, one `Sharing` per benefit
line, the decision table, the plan-wide terms); this module walks each
claim through them in the order of MANAGED_CARE.md:

    eligibility (network, referral, and their exceptions: emergency, obgyn,
    preventive) → allowed amount (balance billing is the member's and counts
    toward nothing) → deductible (unless `no deductible`) → copay →
    coinsurance → out-of-pocket maximum (capping mid-claim) → the plan pays
    the rest

recording every step with the source line that decided it. Claims run in
date order of care with the year's accumulators carried from one to the
next, per member and per family (`accumulators`); results come back in
input order, and a claim that cannot be read comes back as a `Rejection`.
The claim loop is the contracts' own (`engine.Product`); only the steps
of one claim differ.
"""

from __future__ import annotations

import datetime as dt

from garant.compiler.runtime.accumulators import Accumulator, plan_year
from garant.compiler.runtime.claims import Claim, ClaimReader
from garant.compiler.runtime.decompte import ClaimError
from garant.compiler.runtime.engine import Product
from garant.compiler.runtime.ledger import Ledger
from garant.compiler.runtime.money import fmt, fmt_rate, pct
from garant.compiler.runtime.plan_decompte import PlanDecompte
from garant.compiler.runtime.plan_rules import OutOfNetwork, Referral, Sharing
from garant.core.text import fold

IN, OUT = "in_network", "out_of_network"


class PlanProduct(Product):
    """A compiled managed-care plan (HMO, PPO, EPO, POS)."""

    kind = "plan"
    # Accumulators run per family: a batch may split claims by family, never
    # inside one (a claim without a family is its member's own family).
    partition_field = "family"

    def __init__(self, *, name, insurer, path, source_hash, regime, regime_path, regime_hash, currency, plan_kind, network,
                 effective, year_start, deductible: Accumulator, out_of_pocket_max: Accumulator, pcp_required: bool,
                 referral: Referral | None, out_of_network: OutOfNetwork, emergency_node, status_dimension, dimensions, words,
                 ancestors, titles, benefits: dict[str, Sharing], decision_dims, act_groups, decisions, gap_rule):
        self.name = name
        self.insurer = insurer
        self.path = path
        self.source_hash = source_hash
        self.regime = regime
        self.regime_path = regime_path
        self.regime_hash = regime_hash
        self.currency = currency
        self.plan_kind = plan_kind
        self.network = network
        self.effective = dt.date.fromisoformat(effective) if effective else None
        self.year_start = tuple(year_start)
        self.deductible = deductible
        self.out_of_pocket_max = out_of_pocket_max
        self.pcp_required = pcp_required
        self.referral = referral
        self.out_of_network = out_of_network
        self.emergency_node = emergency_node
        self.titles = titles
        self.ancestors = ancestors
        self.benefits = benefits
        self.act_groups = act_groups
        self.decisions = decisions
        self.gap_rule = gap_rule
        dim_names = tuple(d[0] for d in dimensions) + ("network",)
        self.dim_index = {d: i for i, d in enumerate(dim_names)}
        self.status_idx = self.dim_index[status_dimension]
        self.decision_idx = tuple(self.dim_index[d] for d in decision_dims)
        self.reader = ClaimReader(
            words={w: tuple((m[0], m[1], m[2], dt.date.fromisoformat(m[3]) if m[0] == "alias" else None) for m in ms) for w, ms in words.items()},
            ancestors=ancestors,
            dims=dim_names,
            dim_defaults={},
            only_with={},
            starts={},
            networks={fold(network): network} if network else {},
        )

    def sharing_for(self, node: str, status: str = IN) -> Sharing | None:
        """The benefit line a category gets at a network status (for
        summaries such as the SBC's), or None when no line covers it."""
        group = self.act_groups.get(node)
        if group is None:
            return None
        values = [None] * len(self.dim_index)
        values[self.status_idx] = status
        line_id = self.decisions.get((group,) + tuple(values[j] for j in self.decision_idx))
        return None if line_id is None else self.benefits[line_id]

    # ------------------------------------------------------- the steps
    def _evaluate(self, c: Claim, ledger: Ledger) -> PlanDecompte:
        dims = c.dims
        status = dims[self.status_idx]
        if status is None:
            if self.network is not None and c.network == self.network:
                status = IN
            else:
                also = f" (or `network: {self.network}` for the plan's network)" if self.network else ""
                raise ClaimError(f"`provider`: say whether the provider is `in_network` or `out_of_network`{also}", "provider")
        node = c.node
        ancestors = self.ancestors[node]
        emergency = c.emergency or (self.emergency_node is not None and self.emergency_node in ancestors)
        warnings = list(c.warnings) if c.warnings else []
        trace: list[tuple] = []
        add = trace.append
        if self.effective is not None and c.date < self.effective:
            warnings.append(f"care on {c.date} is before the plan's effective date {self.effective}")
        add((None, "network", None, status))

        # 1. Eligibility: the network, then the referral.
        oon = self.out_of_network
        level = status  # the level of benefits the claim is paid at
        denied = rule = None
        if status == OUT:
            if emergency:
                level = IN
                add((oon.where, "emergency_level", None))
            elif not oon.covered:
                denied = f"out of network: an {self.plan_kind} covers out-of-network care only in an emergency"
                rule = oon.where or self.gap_rule
        ref = self.referral
        if denied is None and ref is not None and level == IN and not ref.nodes.isdisjoint(ancestors):
            excepted = next((a for a in ancestors if a in ref.exceptions), None)
            if excepted is not None:
                add((ref.where, "referral_exempt", None, self.titles[excepted]))
            elif emergency and ref.emergency_exempt:
                add((ref.where, "referral_exempt", None, "emergency"))
            elif c.referral:
                add((ref.where, "referral_given", None))
            elif self.plan_kind == "POS" and oon.covered and status == IN:
                level = OUT
                add((ref.where, "referral_missing_level", None))
            else:
                denied = "referral: care from a specialist needs a referral from the primary care physician"
                rule = ref.where

        # 2. The benefit line of the act at that level, and its visit limit.
        member, family = c.beneficiary, c.family or c.beneficiary
        year = plan_year(c.date, self.year_start)
        quantity = paid_visits = c.quantity
        visits_key = None
        sharing = None
        if denied is None:
            i = self.status_idx
            keyed = dims[:i] + (level,) + dims[i + 1 :]
            group = self.act_groups.get(node)
            line_id = None if group is None else self.decisions.get((group,) + tuple(keyed[j] for j in self.decision_idx))
            if line_id is None:
                denied = f"not covered: no benefit line of the plan covers `{c.act}`"
                rule = self.gap_rule
            else:
                line = self.benefits[line_id]
                rule = line.where
                add((line.where, "benefit", None, line.text))
                sharing = line
                if not line.covered:
                    denied = f"not covered: {line.text}"
                elif level == OUT and not line.out_of_network:
                    sharing = oon.sharing
                    rule = oon.where
                    add((oon.where, "out_of_network_terms", None, oon.text))
                if denied is None and line.visits is not None:
                    visits_key = ("member", member, line.visits_pool, year)
                    used = ledger.buckets.get(visits_key, 0)
                    left = line.visits - used if line.visits > used else 0
                    if left == 0:
                        denied = f"limit reached: {line.visits_text}"
                        rule = line.visits_where
                    else:
                        add((line.visits_where, "visits_left", None, line.visits_text, left))
                        paid_visits = left if left < quantity else quantity
        if denied is not None:
            add((rule, "denied", None, denied))
            return PlanDecompte(c.id, c.beneficiary, c.family, c.date, c.act, c.provider, c.price, 0, 0, 0, 0, 0, denied, rule, warnings, trace)

        # 3. The allowed amount; what the provider bills above it.
        price = c.price
        if status == IN:
            allowed, source = (c.allowed, "negotiated amount on the claim") if c.allowed is not None else (price, "the billed price: the claim gives no negotiated amount")
        elif c.allowed is not None:
            allowed, source = c.allowed, "the plan's allowed amount on the claim"
        elif oon.allowed_percent is not None:
            allowed, source = pct(price, oon.allowed_percent), f"{fmt_rate(oon.allowed_percent)} of the billed price"
        else:
            allowed, source = price, "the billed price: the claim gives no allowed amount"
            warnings.append("out of network with no allowed amount on the claim: the billed price is allowed")
        if allowed > price:
            warnings.append(f"allowed amount {fmt(allowed)} is above the billed price {fmt(price)}: the billed price is allowed")
            allowed = price
        add((oon.where if status == OUT and c.allowed is None and oon.allowed_percent is not None else None, "allowed", allowed, source))
        balance = 0
        if price > allowed:
            if status == IN:
                add((None, "discount", price - allowed))
            else:
                balance = price - allowed
                add((None, "balance_bill", balance))

        over_limit = 0
        if paid_visits < quantity:  # the visits beyond the limit are not covered: the member's, toward nothing
            over_limit = allowed - (allowed * paid_visits * 2 + quantity) // (2 * quantity)
            add((line.visits_where, "over_limit", over_limit, line.visits_text, paid_visits, quantity))
            warnings.append(f"limit {line.visits_text}: {paid_visits} of {quantity} covered [{line.visits_where}]")

        # 4. Deductible, copay, coinsurance.
        separate = level == OUT
        ded_acc = oon.deductible if separate and oon.deductible is not None else self.deductible
        oop_acc = oon.out_of_pocket_max if separate and oon.out_of_pocket_max is not None else self.out_of_pocket_max
        rest = allowed - over_limit
        deductible = 0
        if not sharing.deductible:
            add((sharing.where, "no_deductible", None))
        elif ded_acc.limited:
            room = ded_acc.room(ledger, member, family, year)
            deductible = rest if rest < room else room
            add((ded_acc.where, "deductible", deductible, room))
        rest -= deductible
        copay = 0
        if sharing.copay:
            copay = sharing.copay * paid_visits
            copay = rest if copay > rest else copay
            add((sharing.where, "copay", copay, sharing.copay, paid_visits))
        rest -= copay
        coinsurance = 0
        if sharing.coinsurance:
            coinsurance = pct(rest, sharing.coinsurance)
            add((sharing.where, "coinsurance", coinsurance, sharing.coinsurance, rest))

        # 5. The out-of-pocket maximum, reached mid-claim if need be.
        if oop_acc.limited:
            room = oop_acc.room(ledger, member, family, year)
            share = deductible + copay + coinsurance
            if share > room:
                if room == 0:
                    add((oop_acc.where, "oop_met", None))
                deductible = deductible if deductible < room else room
                copay = copay if copay < room - deductible else room - deductible
                coinsurance = coinsurance if coinsurance < room - deductible - copay else room - deductible - copay
                if room > 0:
                    add((oop_acc.where, "oop_cap", deductible + copay + coinsurance, room))
            oop_acc.consume(ledger, member, family, year, deductible + copay + coinsurance)
        ded_acc.consume(ledger, member, family, year, deductible)
        if visits_key is not None:
            ledger.buckets[visits_key] = ledger.buckets.get(visits_key, 0) + paid_visits
        return PlanDecompte(c.id, c.beneficiary, c.family, c.date, c.act, c.provider, price, allowed, deductible, copay, coinsurance, balance, None, rule, warnings, trace, over_limit)
