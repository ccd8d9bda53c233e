"""Beneficiary statuses and local schemes end to end: the regime's `status`
/ `scheme` blocks checked, `garant eval` and `garant run` reading the
claim fields `exemption` and `scheme`, the décompte and its columns
carrying them. The figures themselves are the golden cases of
`tests/golden/exemptions.yaml`, worked by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from garant.cli import app
from garant.dsl.pipeline import compile_text

ROOT = Path(__file__).resolve().parent.parent
ESSENTIEL = ROOT / "contracts" / "essentiel_2025.garant"
runner = CliRunner()

SMALL = """regime small "Small"
  currency EUR

acts
  soins "Soins"
  sejour "Séjour"

parameter pf "PF"
  from 2020-01-01: 2€  ref "x"

parameter pct "Taux"
  from 2020-01-01: 90%  ref "x"

act soins
  rate 70%
  pf applies

act sejour
  not reimbursed
"""


def _errors(text: str) -> list[str]:
    unit = compile_text(SMALL + text, "small.garant")
    return [d.message for d in unit.diagnostics if d.is_error]


def test_a_status_block_checks_its_names_and_sources():
    assert _errors('status ald "ALD"\n  rate 100%  ref "L160-14"\n  exempt from pf  ref "L160-15"\n') == []
    assert any("no `ref`" in e for e in _errors('status ald "ALD"\n  rate 100%\n'))
    assert any("unknown parameter `franchise`" in e for e in _errors('status c2s "C2S"\n  exempt from franchise  ref "L160-15"\n'))
    assert any("a percentage" in e for e in _errors('status c2s "C2S"\n  exempt from pct  ref "L160-15"\n'))
    assert any("declared twice" in e for e in _errors('status a "A"\n  rate 100% ref "x"\nstatus a "B"\n  rate 100% ref "x"\n'))
    assert any("regime's own scheme" in e for e in _errors('scheme general "G"\n  rate 100% ref "x"\n'))
    assert any("unknown word `dentaire`" in e for e in _errors('scheme am "AM"\n  rate dentaire: pct ref "x"\n'))


def test_a_status_rate_may_be_a_dated_parameter():
    unit = compile_text(SMALL + 'scheme am "AM"\n  rate soins: pct  ref "D325-7"\n', "small.garant")
    assert unit.ok, [d.message for d in unit.diagnostics]
    (st,) = unit.regime.statuses
    assert (st.kind, st.name, st.rates[0][0], st.rates[0][1].param) == ("scheme", "am", "soins", "pct")


def test_eval_prints_the_exemption_and_its_reference(tmp_path):
    claims = tmp_path / "c.json"
    claims.write_text(json.dumps([
        {"id": "a", "date": "2025-03-10", "beneficiary": "B", "act": "consultation generaliste", "provider": "secteur1",
         "price": "30.00", "exemption": "Maternité"},
    ]), encoding="utf-8")
    result = runner.invoke(app, ["eval", str(ESSENTIEL), "--claim", str(claims), "--format", "json"])
    assert result.exit_code == 0, result.output
    (d,) = json.loads(result.stdout)
    # CSS L160-9: 100% × 30.00, no PF (hand-worked: tests/golden/exemptions.yaml)
    assert (d["exemption"], d["amo"], d["participation_forfaitaire"]) == ("maternite", "30.00", "0.00")
    steps = [s["step"] for s in d["trace"]]
    assert "exemption `maternite`: Maternité (du 6e mois de grossesse au 12e jour après l'accouchement)" in steps
    assert any("not due (CSS L160-9" in s for s in steps)


def test_run_reads_and_writes_the_status_columns(tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_text(
        "id,date,beneficiary,act,provider,price,exemption,scheme\n"
        "a,2025-03-10,B1,consultation generaliste,secteur1,30.00,ald,\n"
        "b,2025-03-10,B2,consultation generaliste,secteur1,30.00,,alsace_moselle\n"
        "c,2025-03-10,B3,consultation generaliste,secteur1,30.00,,\n"
        "d,2025-03-10,B4,consultation generaliste,secteur1,30.00,diabete,\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(app, ["run", str(ESSENTIEL), str(claims), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    # ALD 100% × 30.00; Alsace-Moselle 90% × 30.00 = 27.00; general 70% = 21.00
    assert (rows["a"]["exemption"], rows["a"]["amo"]) == ("ald", "30.00")
    assert (rows["b"]["scheme"], rows["b"]["amo"]) == ("alsace_moselle", "27.00")
    assert (rows["c"]["exemption"], rows["c"]["scheme"], rows["c"]["amo"]) == ("", "", "21.00")
    assert "d" not in rows
    rejected = list(csv.DictReader(next(tmp_path.glob("out*rejec*")).open(encoding="utf-8")))
    assert rejected[0]["field"] == "exemption" and "unknown value `diabete`" in rejected[0]["reason"]
