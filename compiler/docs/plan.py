"""The page of a managed-care plan: its terms, its benefit lines (cost
sharing as written, with their source lines) and the SBC coverage examples
computed through the plan's generated evaluator (`garant examples`)."""

from __future__ import annotations

import attrs

from garant.compiler.docs import sbc
from garant.dsl import plan_model


def usd(cents: int | None) -> str:
    """`$1,500`, `$12.50`; `none` for no amount."""
    if cents is None:
        return "none"
    return f"${cents // 100:,}" + (f".{cents % 100:02d}" if cents % 100 else "")


def sharing_text(s: plan_model.CostSharing | None, say_deductible: bool = True) -> str:
    """What a benefit makes the member pay, in words (`$20 copay, no
    deductible`); `say_deductible` also says when the deductible applies."""
    if s is None or not s.covered:
        return "not covered"
    parts = []
    if s.copay:
        parts.append(f"{usd(s.copay)} copay")
    if s.coinsurance:
        parts.append(f"{s.coinsurance / 100:g}% coinsurance")
    text = ", then ".join(parts) or "no charge"
    if not s.deductible:
        text += ", no deductible"
    elif say_deductible:
        text += " after the deductible"
    if s.cap is not None:
        text += f"; the plan pays at most {usd(s.cap)} a plan year" + (" for the family" if s.cap_family else "")
    return text


def accumulator_text(a: plan_model.Accumulator | None) -> str:
    if a is None:
        return "none"
    return f"{usd(a.individual)} individual, {usd(a.family)} family"


@attrs.frozen
class BenefitRow:
    selector: str
    written: str
    meaning: str
    line: int


def terms(plan: plan_model.Plan) -> list[tuple[str, str]]:
    oon = plan.out_of_network
    rows = [
        ("Kind", plan.kind),
        ("Network", plan.network or "—"),
        ("Deductible", accumulator_text(plan.deductible)),
        ("Out-of-pocket maximum", accumulator_text(plan.out_of_pocket_max)),
        ("Primary care physician", "required" if plan.pcp_required else "not required"),
        ("Referrals", plan.referral.text if plan.referral else "not required"),
        ("Out of network", oon.text or ("covered" if oon.covered else "not covered unless emergency")),
    ]
    if plan.rx_deductible is not None:
        rows.insert(3, ("Prescription drug deductible", accumulator_text(plan.rx_deductible) + " (counts toward the out-of-pocket maximum)"))
    if plan.no_surprises is not None:
        rows.append(("Emergencies out of network", "No Surprises Act: in-network cost sharing, no balance billing"))
        beyond = [what for what, said in (("out-of-network providers at in-network facilities", plan.no_surprises.facilities),
                                          ("air ambulances", plan.no_surprises.air_ambulance)) if said]
        if beyond:
            rows.append(("No Surprises Act, beyond emergencies", " and ".join(beyond) + ": in-network cost sharing, no balance billing"))
    if plan.grandfathered is not None:
        rows.append(("Grandfathered", f"{plan.grandfathered} coverage (45 CFR 147.140)"))
    return rows


def benefits(plan: plan_model.Plan) -> list[BenefitRow]:
    out = []
    for ln in plan.lines:
        written = ln.text.split(":", 1)[1].strip() if ":" in ln.text else ln.text
        out.append(BenefitRow(ln.selector, written.split("#", 1)[0].strip(), sharing_text(plan.sharing.get(ln.id)), ln.span.line))
    return out


def coverage_examples(product) -> tuple[list, str | None]:
    """The SBC examples through the plan, or why they cannot be computed."""
    try:
        return sbc.run(product), None
    except ValueError as err:
        return [], str(err)
