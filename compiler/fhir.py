"""A plan's explanations of benefits as FHIR R4 ExplanationOfBenefit resources.

`garant eval --format fhir` writes one resource per claim, one per line
(NDJSON, FHIR's bulk-data format, `application/fhir+ndjson`), in claim
order. Each décompte's figures become adjudications of its one item, and
the claim's totals, under the categories of FHIR's adjudication code system
(http://terminology.hl7.org/CodeSystem/adjudication):

    submitted   the billed price              eligible   the allowed amount
    deductible  the deductible                copay      the copay
    benefit     what the plan pays

and, where the claim has coinsurance (a non-zero amount), `coinsurance`,
with the member's whole share as `memberliability`, both from the CARIN
Blue Button adjudication code system (the base system has no code for
them). Money is `{"value": 19.5, "currency": "USD"}` with the value written
as the exact decimal of its integer cents (`19.50`: never a binary float).

A claim that could not be evaluated (a rejection) is still a resource:
`outcome: error`, its reason as the disposition, no item; a denied claim is
`outcome: complete` with a zero benefit and the denial as the item's
adjudication reason. French contracts have no FHIR form here
(`FhirError`): FHIR's ExplanationOfBenefit is what US payers exchange.

Written from the décompte dictionaries (`to_dict()`, spec §5), so that any
output of décomptes in that shape can be converted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
CARIN_ADJUDICATION = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
CLAIM_ID = "urn:garant:claim-id"
MEMBER_ID = "urn:garant:member-id"
_AMOUNT = re.compile(r"-?\d+\.\d{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class FhirError(Exception):
    """What cannot be written as FHIR, said for people."""


def check_product(product, path) -> None:
    if getattr(product, "kind", "contract") != "plan":
        raise FhirError(f"{path}: --format fhir writes FHIR ExplanationOfBenefit resources for managed-care plans "
                        f"(`plan` files, in USD); this is a French contract: use --format json or text")


def resources(product, claims: list, decomptes: list[dict]) -> list[dict]:
    """One ExplanationOfBenefit per décompte (claims and décomptes in the same order)."""
    check_product(product, getattr(product, "path", "product"))
    out = []
    for i, d in enumerate(decomptes):
        claim = claims[i] if i < len(claims) and isinstance(claims[i], dict) else {}
        out.append(explanation_of_benefit(product, claim, d))
    return out


def explanation_of_benefit(product, claim: dict, d: dict) -> dict:
    currency = getattr(product, "currency", "USD") or "USD"
    money = lambda field: {"value": _decimal(d, field), "currency": currency}  # noqa: E731
    date = d.get("date") or _text(claim.get("date")) or None
    member = d.get("beneficiary") or _text(claim.get("beneficiary"))
    eob = {
        "resourceType": "ExplanationOfBenefit",
        "identifier": [{"system": CLAIM_ID, "value": str(d.get("id"))}],
        "status": "active",
        "type": {"coding": [{"system": CLAIM_TYPE, "code": "professional"}]},
        "use": "claim",
        "patient": {"identifier": {"system": MEMBER_ID, "value": member}} if member else {"display": "member not stated on the claim"},
        # the date of care: the same claims give the same resources (a rejected
        # claim without a valid date: today)
        "created": date if date and _DATE.fullmatch(date) else dt.date.today().isoformat(),
        "insurer": {"display": getattr(product, "insurer", None) or product.name},
        "provider": {"display": _provider(d.get("provider") or _text(claim.get("provider")))},
        "insurance": [{"focal": True, "coverage": {"display": f"{product.name} ({getattr(product, 'plan_kind', 'plan')})"}}],
    }
    if d.get("status") == "rejected":
        eob["outcome"] = "error"
        eob["disposition"] = f"not evaluated: {d.get('reason')}" + (f" (field `{d['field']}`)" if d.get("field") else "")
        return eob
    if date and _DATE.fullmatch(date):
        eob["billablePeriod"] = {"start": date, "end": date}
    eob["outcome"] = "complete"
    eob["disposition"] = f"denied: {d['denied']}" if d.get("denied") else "processed"
    adjudication = [
        _adjudication(ADJUDICATION, "submitted", money("price")),
        _adjudication(ADJUDICATION, "eligible", money("allowed")),
        _adjudication(ADJUDICATION, "deductible", money("deductible")),
        _adjudication(ADJUDICATION, "copay", money("copay")),
    ]
    if _decimal(d, "coinsurance") != 0:
        adjudication.append(_adjudication(CARIN_ADJUDICATION, "coinsurance", money("coinsurance")))
    benefit = _adjudication(ADJUDICATION, "benefit", money("plan_paid"))
    if d.get("denied"):
        benefit["reason"] = {"text": d["denied"]}
    adjudication.append(benefit)
    adjudication.append(_adjudication(CARIN_ADJUDICATION, "memberliability", money("member_paid")))
    item = {"sequence": 1, "productOrService": {"text": d.get("act") or ""}, "adjudication": adjudication}
    if date and _DATE.fullmatch(date):
        item["servicedDate"] = date
    eob["item"] = [item]
    eob["total"] = [{"category": a["category"], "amount": a["amount"]} for a in adjudication]
    eob["payment"] = {"amount": money("plan_paid")}
    notes = list(d.get("warnings") or [])
    if d.get("rule"):
        notes.insert(0, f"decided by {d['rule']}")
    if notes:
        eob["processNote"] = [{"number": n, "type": "display", "text": text} for n, text in enumerate(notes, start=1)]
    return eob


def _adjudication(system: str, code: str, amount: dict) -> dict:
    return {"category": {"coding": [{"system": system, "code": code}]}, "amount": amount}


def _decimal(d: dict, field: str) -> Decimal:
    """An amount of the décompte, exactly: the décompte writes integer cents as `"19.50"`."""
    text = d.get(field)
    if not isinstance(text, str) or not _AMOUNT.fullmatch(text):
        raise FhirError(f"claim {d.get('id')}: `{field}` is {text!r}, not an amount with two decimals")
    return Decimal(text)


def _provider(words: str | None) -> str:
    return words.replace("_", " ") if words else "provider not stated on the claim"


def _text(value) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def dumps(resource) -> str:
    """Compact JSON with amounts as exact decimal numbers (`19.50`)."""
    if isinstance(resource, Decimal):
        return str(resource)
    if isinstance(resource, dict):
        return "{" + ",".join(json.dumps(k) + ":" + dumps(v) for k, v in resource.items()) + "}"
    if isinstance(resource, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in resource) + "]"
    return json.dumps(resource, ensure_ascii=False)


def ndjson(resources_: list[dict]) -> str:
    return "".join(dumps(r) + "\n" for r in resources_)


# ----------------------------------------------------------- garant run
_WARNING_SEPARATOR = " | "  # how batch/output.py joins a décompte's warnings in a column


def write_run(product, decomptes_parquet, rejections_parquet, out, batch_rows: int = 10_000) -> tuple[int, int]:
    """`garant run --format fhir`: the décomptes and rejections a run wrote
    (Parquet, batch/output.py's columns, amounts as decimal strings) as one
    NDJSON file of ExplanationOfBenefit resources, the décomptes in the
    décomptes file's order, then the rejections (`outcome: error`). Streams
    by record batches; returns (resources from décomptes, from rejections)."""
    import pyarrow.parquet as pq

    check_product(product, getattr(product, "path", "product"))
    counts = [0, 0]
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        for n, path in enumerate((decomptes_parquet, rejections_parquet)):
            for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
                for row in batch.to_pylist():
                    if n == 0:
                        d = dict(row, status="evaluated")
                        d["warnings"] = [w for w in (row.get("warnings") or "").split(_WARNING_SEPARATOR) if w]
                        claim = {}
                    else:
                        d = {"id": row.get("id"), "status": "rejected", "reason": row.get("reason"), "field": row.get("field")}
                        claim = row
                    fh.write(dumps(explanation_of_benefit(product, claim, d)) + "\n")
                    counts[n] += 1
    return counts[0], counts[1]
