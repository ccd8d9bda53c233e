"""The published JSON Schemas (draft 2020-12) of the evaluator's interface:
a claim and a décompte (spec §5, docs/decompte.md), served at
`/schema/claim.json` and `/schema/decompte.json` and written by
`garant schema -o DIR`.

They are written by hand from the specification, not derived from the
service's request models, so that they say what the formats *are*
(amounts are decimal strings, a rejection names its reason) and a test
can hold the evaluator's real output against them.
"""

from __future__ import annotations

import json
from pathlib import Path

BASE = "https://garant.example/schema/"
AMOUNT = {"type": "string", "pattern": r"^-?\d+\.\d{2}$", "description": "an amount in euros or dollars, two decimals, as a string"}
AMOUNT_IN = {
    "description": "an amount: a decimal string (`\"50.00\"`, `\"50\"`) or a number",
    "anyOf": [{"type": "string", "pattern": r"^\s*\d+([.,]\d{1,2})?\s*$"}, {"type": "number", "minimum": 0}],
}
DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
GIVEN = ("base", "amo_rate", "amo", "participation_forfaitaire", "franchise")  # the Sécu's statement (docs/decompte.md)
ID = {"description": "the claim line's id, kept on the décompte", "type": ["string", "integer"]}


def claim_schema() -> dict:
    """A claim (spec §5): a flat record; JSON objects, CSV and Parquet rows
    use the same field names."""
    words = {"type": "string", "minLength": 1}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE + "claim.json",
        "title": "Garant claim",
        "description": "One claim line, as `garant eval --claim` and `POST /eval` take it (LANGUAGE.md §5).",
        "type": "object",
        "required": ["date", "beneficiary", "act", "price"],
        "properties": {
            "id": ID,
            "date": {**DATE, "description": "date of care (selects parameters and limit periods)"},
            "beneficiary": {"type": ["string", "integer"], "description": "member id: limits and accumulators run per member"},
            "family": {"type": ["string", "integer"], "description": "family/policy id (plan family accumulators)"},
            "birth_date": {**DATE, "description": "for age conditions"},
            "act": {**words, "description": "selector words of the act, e.g. `consultation generaliste`"},
            "provider": {**words, "description": "selector words of the provider, e.g. `secteur2 optam`"},
            "parcours": {"type": "string", "description": "default `dans_parcours`"},
            "network": {"type": "string", "description": "the network the provider belongs to"},
            "price": {**AMOUNT_IN, "description": "amount billed (frais réels)"},
            "quantity": {"type": "integer", "minimum": 1, "maximum": 10000, "description": "days, sessions, boxes; default 1"},
            "base": {**AMOUNT_IN, "description": "the base de remboursement as sent by the regime"},
            "amo": {**AMOUNT_IN, "description": "the regime's reimbursement as sent"},
            "amo_rate": {"type": "string", "description": "the regime's rate as sent, e.g. `70%`"},
            "participation_forfaitaire": AMOUNT_IN,
            "franchise": AMOUNT_IN,
            "emergency": {"type": "boolean"},
            "referral": {"type": "boolean"},
            "exemption": {"enum": ["ald", "maternite", "atmp", "invalidite", "c2s", "ame"]},
            "admission": DATE,
            "discharge": DATE,
            "invoice": {"type": ["string", "integer"]},
            "professional": {"type": ["string", "integer"]},
            "coefficient": {"type": ["number", "string"], "description": "the act's coefficient, e.g. `60`; from 60 a heavy act (CSS R160-16)"},
            "scheme": {"type": "string", "description": "a local regime, e.g. `alsace_moselle`"},
            "membership_date": {**DATE, "description": "the member's membership date: a waiting period counts from it"},
            "side": {"type": "string", "description": "`left` or `right` (also `gauche`, `droite`): the eye or ear a per-side limit counts"},
            "allowed": {**AMOUNT_IN, "description": "allowed amount (plans)"},
            "frame_price": {**AMOUNT_IN, "description": "optics: the frame's share of an equipment's price"},
        },
        "additionalProperties": True,
    }


def decompte_schema() -> dict:
    """A décompte or a rejection, as `garant eval --format json` and
    `POST /eval` write them (docs/decompte.md)."""
    step = {
        "type": "object",
        "required": ["step"],
        "properties": {"step": {"type": "string"}, "amount": AMOUNT, "rule": {"type": "string", "description": "file:line"}},
        "additionalProperties": False,
    }
    common = {
        "id": ID,
        "status": {"const": "evaluated"},
        "beneficiary": {"type": ["string", "integer"]},
        "family": {"type": ["string", "integer"]},
        "date": DATE,
        "act": {"type": "string"},
        "provider": {"type": "string"},
        "price": AMOUNT,
        "rule": {"type": ["string", "null"], "description": "the source line that decided, as file:line"},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "trace": {"type": "array", "items": {"$ref": "#/$defs/step"}},
    }
    contract = {
        "title": "décompte of a complementary contract",
        "type": "object",
        "required": ["id", "status", "beneficiary", "date", "act", "price", "base", "amo_rate", "amo",
                     "participation_forfaitaire", "franchise", "amo_net", "amc", "rac", "rule", "warnings", "trace"],
        "properties": {
            **common,
            **{k: AMOUNT for k in ("base", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac")},
            "amo_rate": {"type": "string", "pattern": r"^\d+(\.\d+)?%$"},
            "given": {"type": "array", "items": {"enum": list(GIVEN)}, "description": "the Sécu's figures the claim carried (authoritative)"},
            "differs": {"type": "array", "items": {"enum": list(GIVEN)}, "description": "those that differ from Garant's own regime computation"},
        },
        "additionalProperties": False,
    }
    plan = {
        "title": "explanation of benefits of a managed-care plan",
        "type": "object",
        "required": ["id", "status", "beneficiary", "date", "act", "price", "allowed", "deductible", "copay",
                     "coinsurance", "plan_paid", "member_paid", "denied", "rule", "warnings", "trace"],
        "properties": {
            **common,
            **{k: AMOUNT for k in ("allowed", "deductible", "copay", "coinsurance", "plan_paid", "member_paid", "balance_billed", "over_limit")},
            "denied": {"type": ["string", "null"], "description": "why the plan pays nothing, or null"},
        },
        "additionalProperties": False,
    }
    rejection = {
        "title": "rejection: a claim that could not be evaluated",
        "type": "object",
        "required": ["id", "status", "reason"],
        "properties": {
            "id": {"type": ["string", "integer", "null"]},
            "status": {"const": "rejected"},
            "reason": {"type": "string", "minLength": 1},
            "field": {"type": "string"},
            "index": {"type": "integer", "minimum": 0},
        },
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE + "decompte.json",
        "title": "Garant décompte",
        "description": "One result per claim, in input order: a décompte (contract), an explanation of benefits (plan), or a rejection.",
        "oneOf": [{"$ref": "#/$defs/contract"}, {"$ref": "#/$defs/plan"}, {"$ref": "#/$defs/rejection"}],
        "$defs": {"step": step, "contract": contract, "plan": plan, "rejection": rejection},
    }


SCHEMAS = {"claim.json": claim_schema, "decompte.json": decompte_schema}


def write(directory: Path) -> list[Path]:
    """Write every schema into `directory` (created); returns the files."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in SCHEMAS.items():
        target = directory / name
        target.write_text(json.dumps(make(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written
