"""The reconciliation of `garant run` with the Sécu's statement (issue 17.2,
`batch/reconcile.py`): counts worked by hand on a small file."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from garant.cli import app

ROOT = Path(__file__).resolve().parent.parent
ESSENTIEL = str(ROOT / "contracts" / "essentiel_2025.garant")

# Care in March 2025: G = 30€ (convention médicale 2024-2029, from
# 2024-12-22), 70% → AMO 21€ (CSS R160-5 3°); biology 60% (R160-5 5°).
CLAIMS = """id,date,beneficiary,act,provider,price,base,amo,amo_rate,participation_forfaitaire
a1,2025-03-10,B1,consultation generaliste,secteur1,30,30,21,,
a2,2025-03-10,B2,consultation generaliste,secteur1,30,,20,,
a3,2025-03-11,B3,consultation generaliste,secteur1,30,,,30%,
a4,2025-03-11,B4,biologie,,60,60,,,
a5,2025-03-11,B5,biologie,,60,50,31,,
a6,2025-03-12,B6,consultation generaliste,secteur1,30,23,,,2
a7,2025-03-12,B7,consultation generaliste,secteur1,30,,,,
"""
# given / differs, by hand:
# a1 base 30 = G, amo 21 = 70% × 30: given base amo, no difference.
# a2 amo 20 ≠ 21: differs amo.
# a3 amo_rate 30% ≠ 70%: differs amo_rate.
# a4 base 60 (the regime has no biology tariff: nothing to compare).
# a5 base 50; amo 31 ≠ 60% × 50 = 30: differs amo.
# a6 base 23 ≠ 30: differs base; PF 2 = Garant's 2 (PF 2€ from 2024-05-15).
# a7 carries nothing.
EXPECTED = [
    ["family", "field", "given", "differs"],
    ["all", "base", "4", "1"],
    ["all", "amo_rate", "1", "1"],
    ["all", "amo", "3", "2"],
    ["all", "participation_forfaitaire", "1", "0"],
    ["soins_courants biologie", "base", "2", "0"],
    ["soins_courants biologie", "amo", "1", "1"],
    ["soins_courants honoraires_medicaux", "base", "2", "1"],
    ["soins_courants honoraires_medicaux", "amo_rate", "1", "1"],
    ["soins_courants honoraires_medicaux", "amo", "2", "1"],
    ["soins_courants honoraires_medicaux", "participation_forfaitaire", "1", "0"],
]


def _run(tmp_path, *extra):
    claims = tmp_path / "claims.csv"
    claims.write_text(CLAIMS, encoding="utf-8")
    return CliRunner().invoke(app, ["run", ESSENTIEL, str(claims), "-o", str(tmp_path / "out.csv"), "--no-progress", *extra])


def test_reconciliation_csv(tmp_path):
    result = _run(tmp_path, "--reconcile", str(tmp_path / "rec.csv"))
    assert result.exit_code == 0, result.output
    with open(tmp_path / "rec.csv", newline="", encoding="utf-8") as f:
        assert list(csv.reader(f)) == EXPECTED
    assert "4 of 6 claims differ" in result.output  # a2, a3, a5, a6 of the six carrying a figure
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert (rows["a1"]["given"], rows["a1"]["differs"]) == ("base amo", "")
    assert (rows["a6"]["given"], rows["a6"]["differs"]) == ("base participation_forfaitaire", "base")
    assert (rows["a7"]["given"], rows["a7"]["differs"]) == ("", "")


def test_both_evaluators_reconcile_alike(tmp_path):
    for evaluator in ("scalar", "vector"):
        result = _run(tmp_path, "--evaluator", evaluator, "--reconcile", str(tmp_path / f"{evaluator}.csv"))
        assert result.exit_code == 0, result.output
    assert (tmp_path / "scalar.csv").read_text() == (tmp_path / "vector.csv").read_text()


def test_no_statement_no_table(tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text(CLAIMS.splitlines()[0] + "\n" + CLAIMS.splitlines()[-1] + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", ESSENTIEL, str(claims), "-o", str(tmp_path / "out.csv"), "--no-progress",
                                      "--reconcile", str(tmp_path / "rec.csv")])
    assert result.exit_code == 0, result.output
    assert "Reconciliation" not in result.output
    assert (tmp_path / "rec.csv").read_text(encoding="utf-8").splitlines() == ["family,field,given,differs"]


def test_reconcile_refused_for_a_dataset(tmp_path):
    result = _run(tmp_path, "--reconcile", str(tmp_path / "rec.csv"), "--engine", "dask")
    assert result.exit_code == 2
    assert "--reconcile" in result.output and not (tmp_path / "rec.csv").exists()
