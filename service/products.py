"""The bundled products (`contracts/*.garant` shipped with Garant) and what
the service shows of a compiled product: its levels and modules, its
tableau de garanties (the same rows as the generated documentation) and
its worked examples (the standard reimbursement examples for a contract,
the SBC coverage examples for a plan)."""

from __future__ import annotations

from pathlib import Path

import garant
from garant.compiler.runtime.money import fmt

CONTRACTS = Path(garant.__file__).resolve().parent / "contracts"


def bundled_names() -> list[str]:
    """The bundled product names (file stems), sorted."""
    if not CONTRACTS.is_dir():
        return []
    return sorted(p.stem for p in CONTRACTS.glob("*.garant"))


def bundled_source(name: str) -> tuple[str, str] | None:
    """(path shown in rules, text) of the bundled product `name`, or None.
    Only names from the listing are read: a request never names a path."""
    if name not in bundled_names():
        return None
    return f"contracts/{name}.garant", (CONTRACTS / f"{name}.garant").read_text(encoding="utf-8")


def summary(compiled) -> dict:
    """Name, kind, insurer and levels of a compiled product."""
    product = compiled.product
    unit = compiled.unit
    model = unit.product
    out = {
        "name": model.name,
        "kind": product.kind,
        "insurer": getattr(model, "insurer", None),
        "path": compiled.name,
        "levels": list(getattr(product, "levels", ()) or ()),
        "modules": [
            {"name": m.name, "levels": list(m.levels), "optional": bool(m.optional), "follows": m.follows} for m in getattr(product, "modules", ()) or ()
        ],
    }
    if product.kind == "plan":
        out["plan_kind"] = product.plan_kind
    return out


def details(compiled) -> dict:
    """`summary` with the tableau and the examples."""
    out = summary(compiled)
    if compiled.product.kind == "plan":
        out["tableau"] = _plan_tableau(compiled.unit.plan)
        out["examples"] = _plan_examples(compiled.product)
    else:
        out["tableau"] = _contract_tableau(compiled)
        out["examples"] = _contract_examples(compiled)
    return out


def _level_names(contract) -> list:
    from garant.compiler.docs.levels import levels_of

    return list(levels_of(contract))


def _contract_tableau(compiled) -> dict:
    from garant.compiler.docs import tableau

    contract = compiled.unit.contract
    levels = _level_names(contract)
    sections = tableau.sections(contract, {lv: compiled.product for lv in levels}, None)
    return {
        "levels": [lv for lv in levels if lv is not None],
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "rows": [
                    {
                        "line": r.line.span.line,
                        "act": r.act,
                        "provider": r.provider,
                        "module": r.module,
                        "formulas": list(r.formulas),
                        "explanations": [e.text if e is not None else None for e in r.explanations],
                    }
                    for r in s.rows
                ],
            }
            for s in sections
        ],
    }


def _contract_examples(compiled) -> list[dict]:
    from garant.compiler.docs import examples as standard

    contract = compiled.unit.contract
    example_list = standard.load()
    levels = _level_names(contract)
    per_level = {lv: standard.compute(compiled.product, example_list, lv) for lv in levels}
    rows = []
    for i, example in enumerate(example_list.examples):
        results = []
        for lv in levels:
            c = per_level[lv][i]
            results.append({
                "level": lv,
                "computed": c.computed,
                "reason": c.reason,
                "price": fmt(c.price),
                **({"base": fmt(c.base), "amo_net": fmt(c.secu), "amc": fmt(c.amc), "rac": fmt(c.rac), "rule": c.rule} if c.computed else {}),
            })
        rows.append({"id": example.id, "heading": example.heading, "title": example.title, "results": results})
    return rows


def _plan_tableau(plan) -> dict:
    from garant.compiler.docs import plan as plan_pages

    return {
        "terms": [{"term": k, "value": v} for k, v in plan_pages.terms(plan)],
        "benefits": [
            {"line": b.line, "selector": b.selector, "written": b.written, "member_pays": b.meaning}
            for b in plan_pages.benefits(plan)
        ],
    }


def _plan_examples(product) -> list[dict] | dict:
    from garant.compiler.docs import sbc

    try:
        results = sbc.run(product)
    except ValueError as e:
        return {"error": str(e)}
    return [
        {
            "title": r.example.title,
            "total_cost": fmt(r.total_cost),
            "deductible": fmt(r.deductible),
            "copay": fmt(r.copay),
            "coinsurance": fmt(r.coinsurance),
            "excluded": fmt(r.excluded),
            "member_total": fmt(r.member_total),
            "plan_paid": fmt(r.plan_paid),
        }
        for r in results
    ]
