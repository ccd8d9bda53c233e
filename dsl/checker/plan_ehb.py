"""Dollar caps on essential health benefits (docs/plans.md, Dollar caps and
essential health benefits).

PHS Act §2711 (42 U.S.C. 300gg-11) and 45 CFR 147.126(a): a group health
plan or an issuer of group or individual coverage may set no lifetime and
no annual limit on the dollar amount of essential health benefits;
147.126(b)(1): dollar limits on specific benefits that are *not* essential
health benefits stay allowed; 147.126(c): the essential health benefits are
those of ACA §1302(b) (42 U.S.C. 18022(b)(1), ten categories, made concrete
by the state's benchmark plan, 45 CFR 156.100-156.115). Grandfathered
coverage (45 CFR 147.140, ACA §1251): a grandfathered *group* plan is bound
by §2711 for lifetime and annual limits alike; grandfathered *individual*
coverage only for lifetime limits (ACA §1251(a)(4)(A)(iii), (B)(i)). A
plan's dollar caps here run per plan year: annual limits.

The plan states the two exceptions in its own words: `grandfathered
individual` in its header, `, not essential` at the end of a benefit line
its state's benchmark leaves out. Visit limits (`max 20 visits per year`)
are not dollar limits and are never refused.
"""

from __future__ import annotations

from garant.dsl import ast, model
from garant.dsl.diagnostics import Diagnostics
from garant.dsl.plan_model import CostSharing

# The regime `managed_care`'s top categories (stdlib/managed_care.garant) →
# the essential health benefit category of 42 U.S.C. 18022(b)(1) they fall in.
EHB_CATEGORIES = {
    "primary_care": "ambulatory patient services",
    "specialist": "ambulatory patient services",
    "urgent_care": "ambulatory patient services",
    "outpatient_surgery": "ambulatory patient services",
    "imaging": "ambulatory patient services",
    "emergency": "emergency services",
    "inpatient": "hospitalization",
    "pregnancy": "maternity and newborn care",
    "mental_health": "mental health and substance use disorder services",
    "drugs": "prescription drugs",
    "recovery": "rehabilitative and habilitative services and devices",
    "diagnostic": "laboratory services",
    "preventive": "preventive and wellness services and chronic disease management",
    "children_care": "pediatric services, including oral and vision care",
}
# Categories under an essential one that are not essential health benefits
# themselves: drugs bought without a prescription are no prescription drugs.
NOT_ESSENTIAL = frozenset({"over_the_counter"})

GRANDFATHERED = ("individual", "group")


def grandfathered(header: ast.Header | None, diags: Diagnostics) -> str | None:
    """`grandfathered individual` or `grandfathered group` (45 CFR
    147.140): the market the grandfathered coverage is sold in decides
    whether it may keep annual dollar limits."""
    if header is None:
        return None
    word = str(header.value).lower()
    if word not in GRANDFATHERED:
        diags.error(header.span, f"`grandfathered {header.value}`: say which market the grandfathered coverage is in",
                    "write `grandfathered individual` or `grandfathered group` (45 CFR 147.140)", code="plan")
        return None
    return word


def essential_category(regime: model.Regime, node_id: str) -> str | None:
    """The essential health benefit category of a taxonomy node, or None
    (not one, or a regime whose categories Garant does not know)."""
    nodes = regime.nodes
    names = [nodes[a].name for a in nodes[node_id].ancestors]
    if NOT_ESSENTIAL.intersection(names):
        return None
    return EHB_CATEGORIES.get(names[0])


def check_dollar_cap(b: ast.Benefit, line: model.Line, cost: CostSharing, regime: model.Regime, grandfathered_in: str | None,
                     diags: Diagnostics) -> None:
    """A dollar cap (`max $2,000 per plan year`) on an essential health
    benefit is an error unless the plan is grandfathered individual
    coverage or the line says `not essential`; the fix is said in the
    plan's words."""
    if cost.cap is None or b.not_essential is not None or grandfathered_in == "individual" or line.node is None:
        return
    category = essential_category(regime, line.node)
    if category is None:
        return
    bound = (" (grandfathered group plans are bound too: ACA §1251(a)(4))" if grandfathered_in == "group" else "")
    diags.error(cost.cap_span, f"line {b.span.line}: `{cost.cap_text}` caps `{line.selector}`, an essential health benefit ({category})",
                f"a plan may set no annual dollar limit on an essential health benefit (PHS Act §2711, 45 CFR 147.126){bound}: "
                f"drop `, {cost.cap_text}` (a visit limit such as `max 20 visits per plan year` is allowed); if the state's "
                f"benchmark plan leaves `{line.selector}` out, end the line with `, not essential`; grandfathered individual "
                "coverage says `grandfathered individual` in its header", code="ehb")
