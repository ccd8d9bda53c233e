"""The evaluator a generated plan module instantiates.

A plan module is tables (the benefit taxonomy, one `Sharing` per benefit
line, the decision table, the plan-wide terms); this module walks each
claim through them (`steps.plan.STEPS`) in the order of MANAGED_CARE.md:

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

from garant.compiler.runtime.accumulators import Accumulator
from garant.compiler.runtime.claims import Claim, ClaimReader
from garant.compiler.runtime.engine import Product
from garant.compiler.runtime.ledger import Ledger
from garant.compiler.runtime.plan_decompte import PlanDecompte
from garant.compiler.runtime.plan_rules import NoSurprises, OutOfNetwork, Referral, Sharing
from garant.compiler.runtime.steps import plan as plan_steps, run
from garant.compiler.runtime.steps.plan import IN, OUT  # noqa: F401 (the network statuses, for readers of plans)
from garant.compiler.runtime.steps.state import PlanState
from garant.core.text import fold


class PlanProduct(Product):
    """A compiled managed-care plan (HMO, PPO, EPO, POS)."""

    kind = "plan"
    # How a claim is evaluated, in order (`runtime.steps`; MANAGED_CARE.md «One claim, in order»).
    STEPS = plan_steps.STEPS
    # Accumulators run per family: a batch may split claims by family, never
    # inside one (a claim without a family is its member's own family).
    partition_field = "family"

    def __init__(self, *, name, insurer, path, source_hash, regime, regime_path, regime_hash, currency, plan_kind, network,
                 effective, year_start, deductible: Accumulator, out_of_pocket_max: Accumulator, pcp_required: bool,
                 referral: Referral | None, out_of_network: OutOfNetwork, emergency_node, status_dimension, dimensions, words,
                 ancestors, titles, benefits: dict[str, Sharing], decision_dims, act_groups, decisions, gap_rule,
                 rx_deductible: Accumulator | None = None, drugs_node: str | None = None, no_surprises: NoSurprises | None = None):
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
        self.rx_deductible = rx_deductible  # prescription drugs' own deductible (care under `drugs_node`)
        self.drugs_node = drugs_node
        self.no_surprises = no_surprises
        dim_names = tuple(d[0] for d in dimensions) + ("network",)
        self.dim_index = {d: i for i, d in enumerate(dim_names)}
        self.status_idx = self.dim_index[status_dimension]
        self.decision_idx = tuple(self.dim_index[d] for d in decision_dims)
        self.reader = ClaimReader(
            words={w: tuple(m._replace(before=dt.date.fromisoformat(m.before) if m.kind == "alias" else None) for m in ms) for w, ms in words.items()},
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
        """The claim through the plan's steps (`STEPS`, see `runtime.steps.plan`)."""
        return run(self.STEPS, self, PlanState(c, ledger))
