"""`garant eval --format fhir`: FHIR R4 ExplanationOfBenefit resources for
plans, validated with the `fhir.resources` models (its R4B package: R4B
left R4's ExplanationOfBenefit unchanged).

Figures worked by hand from contracts/acme_ppo.garant and spec §4 (per
claim: eligibility, allowed, deductible unless `no deductible`, copay,
coinsurance on the rest):

- c1 specialist visit in network, billed $300, allowed $200: line 19
  `copay $50, no deductible` → copay 50, plan 200 − 50 = 150, member 50.
- c2 inpatient hospital facility in network, billed $3,000, allowed $2,000:
  line 17 `all: coinsurance 20% after deductible`, the $1,000 individual
  deductible untouched → deductible 1,000; coinsurance 20% × (2,000 −
  1,000) = 200; plan 2,000 − 1,000 − 200 = 800; member 1,200.
- c3 over-the-counter drugs, billed $20: line 27 `not covered` → denied,
  plan 0, member 20.
- c4 an act no plan knows: a rejection.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from garant.cli import app

R4B = pytest.importorskip("fhir.resources.R4B.explanationofbenefit")

ROOT = Path(__file__).resolve().parent.parent
PPO = ROOT / "contracts" / "acme_ppo.garant"
ADJ = "http://terminology.hl7.org/CodeSystem/adjudication"
CARIN = "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBAdjudication"

CLAIMS = [
    {"id": "c1", "date": "2025-03-01", "beneficiary": "M1", "family": "F1", "act": "specialist visit", "provider": "in_network", "price": "300.00", "allowed": "200.00"},
    {"id": "c2", "date": "2025-03-02", "beneficiary": "M1", "family": "F1", "act": "inpatient hospital_facility", "provider": "in_network", "price": "3000.00", "allowed": "2000.00"},
    {"id": "c3", "date": "2025-03-03", "beneficiary": "M1", "family": "F1", "act": "over_the_counter", "provider": "in_network", "price": "20.00"},
    {"id": "c4", "date": "2025-03-04", "beneficiary": "M1", "act": "teleportation", "price": "20.00"},
]

runner = CliRunner()


def stderr(result) -> str:
    try:
        return result.stderr
    except (ValueError, AttributeError):
        return result.output


def run_fhir(tmp_path, product=PPO, claims=CLAIMS):
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(claims), encoding="utf-8")
    return runner.invoke(app, ["eval", str(product), "--claim", str(path), "--format", "fhir"])


@pytest.fixture
def lines(tmp_path):
    result = run_fhir(tmp_path)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def amounts(resource: dict) -> dict:
    """category code → Decimal, from the item's adjudications, as parsed
    from the JSON text with exact decimals."""
    out = {}
    for a in resource["item"][0]["adjudication"]:
        coding = a["category"]["coding"][0]
        out[coding["code"]] = (coding["system"], a["amount"]["value"], a["amount"]["currency"])
    return out


def parse(line: str) -> dict:
    return json.loads(line, parse_float=Decimal)


def test_one_valid_resource_per_claim(lines):
    assert len(lines) == 4
    for line in lines:
        eob = R4B.ExplanationOfBenefit.model_validate_json(line)  # raises on anything R4 does not allow
        assert eob.get_resource_type() == "ExplanationOfBenefit"
        assert eob.status == "active" and eob.use == "claim" and eob.created is not None
        assert eob.patient.identifier.value == "M1"
        assert eob.insurer.display == "Acme Health"


def test_codes_are_r4s(lines):
    """The required bindings of R4's ExplanationOfBenefit (status, use,
    outcome) and the claim-type code, which the model library does not check."""
    for line in lines:
        eob = parse(line)
        assert eob["status"] in ("active", "cancelled", "draft", "entered-in-error")
        assert eob["use"] in ("claim", "preauthorization", "predetermination")
        assert eob["outcome"] in ("queued", "complete", "error", "partial")
        assert eob["type"]["coding"][0] == {"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "professional"}


def test_adjudications_of_a_copay_claim(lines):
    eob = parse(lines[0])
    assert eob["identifier"][0]["value"] == "c1"
    assert eob["outcome"] == "complete"
    assert amounts(eob) == {
        "submitted": (ADJ, Decimal("300.00"), "USD"),
        "eligible": (ADJ, Decimal("200.00"), "USD"),
        "deductible": (ADJ, Decimal("0.00"), "USD"),
        "copay": (ADJ, Decimal("50.00"), "USD"),
        "benefit": (ADJ, Decimal("150.00"), "USD"),
        "memberliability": (CARIN, Decimal("50.00"), "USD"),
    }
    assert eob["payment"]["amount"]["value"] == Decimal("150.00")
    assert eob["processNote"][0]["text"].endswith("acme_ppo.garant:19")


def test_adjudications_with_deductible_and_coinsurance(lines):
    eob = parse(lines[1])
    got = amounts(eob)
    assert got["deductible"][1] == Decimal("1000.00")
    assert got["coinsurance"] == (CARIN, Decimal("200.00"), "USD")
    assert got["benefit"][1] == Decimal("800.00")
    assert got["memberliability"][1] == Decimal("1200.00")
    # the totals repeat the one item's figures
    totals = {t["category"]["coding"][0]["code"]: t["amount"]["value"] for t in eob["total"]}
    assert totals["benefit"] == Decimal("800.00") and totals["submitted"] == Decimal("3000.00")


def test_money_is_written_as_exact_decimals(lines):
    # `1000.00`, not `1000.0` or `1e3`: the cents as the décompte has them
    assert '"value":1000.00,"currency":"USD"' in lines[1]
    assert '"value":0.00,"currency":"USD"' in lines[0]


def test_a_denied_claim(lines):
    eob = parse(lines[2])
    assert eob["outcome"] == "complete"
    assert eob["disposition"].startswith("denied: not covered")
    got = amounts(eob)
    assert got["benefit"][1] == Decimal("0.00") and got["memberliability"][1] == Decimal("20.00")
    benefit = next(a for a in eob["item"][0]["adjudication"] if a["category"]["coding"][0]["code"] == "benefit")
    assert "not covered" in benefit["reason"]["text"]


def test_a_rejected_claim_is_an_error_outcome(lines):
    eob = parse(lines[3])
    assert eob["outcome"] == "error"
    assert "teleportation" in eob["disposition"]
    assert "item" not in eob


def test_a_french_contract_is_refused_clearly(tmp_path):
    result = run_fhir(tmp_path, ROOT / "contracts" / "essentiel_2025.garant", [
        {"id": "c1", "date": "2025-01-15", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"}])
    assert result.exit_code == 2
    assert "--format fhir writes FHIR ExplanationOfBenefit resources for managed-care plans" in stderr(result)
    assert "French contract" in stderr(result)
    assert result.stdout == ""


def test_fhir_resources_supports_r4():
    """The library's R4B package is the one the tests validate with; its
    ExplanationOfBenefit has R4's required elements."""
    import fhir.resources

    assert int(fhir.resources.__version__.split(".")[0]) >= 7
    with pytest.raises(Exception):
        R4B.ExplanationOfBenefit.model_validate({"resourceType": "ExplanationOfBenefit", "status": "active"})


def test_the_validation_can_fail(lines):
    """The validator is not blind: a missing required element, an element R4
    does not have, a malformed amount are refused. (It does not check codes
    against their value sets: `test_codes_are_r4s` does.)"""
    for broken in (lines[0].replace('"created":"2025-03-01",', ''),
                   lines[0].replace('"insurance":[{"focal":true,', '"insurancex":[{"focal":true,'),
                   lines[0].replace('"value":300.00', '"value":"three hundred"')):
        with pytest.raises(Exception):
            R4B.ExplanationOfBenefit.model_validate_json(broken)


def test_run_writes_the_same_resources_as_eval(tmp_path, lines):
    """`garant run --format fhir` on the same claims as a CSV file: one
    NDJSON file, the same resources as `eval` (the rejection included)."""
    import csv

    path = tmp_path / "claims.csv"
    fields = ["id", "date", "beneficiary", "family", "act", "provider", "price", "allowed"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fields)
        w.writeheader()
        for c in CLAIMS:
            w.writerow({k: c.get(k, "") for k in fields})
    out = tmp_path / "eob.ndjson"
    result = runner.invoke(app, ["run", str(PPO), str(path), "-o", str(out), "--format", "fhir", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"4 claims in: 3 evaluated, 1 rejected → {out}" in stderr(result)
    got = out.read_text(encoding="utf-8").splitlines()
    for line in got:
        R4B.ExplanationOfBenefit.model_validate_json(line)
    by_id = {parse(line)["identifier"][0]["value"]: parse(line) for line in got}
    assert by_id == {parse(line)["identifier"][0]["value"]: parse(line) for line in lines}


def test_run_fhir_refuses_a_french_contract(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text("id,date,beneficiary,act,provider,price\nc1,2025-01-15,B1,consultation generaliste,secteur1,30.00\n", encoding="utf-8")
    out = tmp_path / "eob.ndjson"
    result = runner.invoke(app, ["run", str(ROOT / "contracts" / "essentiel_2025.garant"), str(path), "-o", str(out), "--format", "fhir", "--no-progress"])
    assert result.exit_code == 2
    assert "this is a French contract" in stderr(result)
    assert not out.exists()
