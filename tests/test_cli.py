"""The command line (spec §6), through typer's CliRunner on `garant.cli.app`."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

from typer.testing import CliRunner

from garant.cli import app

ROOT = Path(__file__).resolve().parent.parent
STDLIB = ROOT / "stdlib"
CONTRACTS = ROOT / "contracts"
ESSENTIEL = CONTRACTS / "essentiel_2025.garant"
GOLDEN = ROOT / "tests" / "golden"

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def stderr(result) -> str:
    try:
        return result.stderr
    except (ValueError, AttributeError):  # older click: mixed into output
        return result.output


def stdout(result) -> str:
    try:
        return result.stdout
    except (ValueError, AttributeError):
        return result.output


# ---------------------------------------------------------------------- check
def test_check_stdlib_and_contracts_exit_0():
    result = invoke("check", STDLIB, CONTRACTS)
    assert result.exit_code == 0, stderr(result)
    assert "0 errors" in stderr(result)
    n = len(list(STDLIB.glob("*.garant"))) + len(list(CONTRACTS.glob("*.garant")))
    assert f"{n} files checked" in stderr(result)


def test_check_one_file():
    result = invoke("check", ESSENTIEL)
    assert result.exit_code == 0, stderr(result)
    assert "1 file checked" in stderr(result)


BROKEN = 'contract "Broken"\n  regime secu\n  effective 2025-01-01\n\nguarantees\n  all: TM\n  consultation optm: 200% BRSS\n'


def test_check_broken_file_exits_1_with_located_message(tmp_path):
    path = tmp_path / "broken.garant"
    path.write_text(BROKEN, encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 1
    err = stderr(result)
    lines = err.splitlines()
    first = next(i for i, line in enumerate(lines) if ": error: " in line)
    assert re.match(rf"^{re.escape(str(path))}:7:16: error: .*optm", lines[first]), lines[first]
    assert lines[first + 1] == "    consultation optm: 200% BRSS"  # the source line (two spaces of margin)
    assert lines[first + 2] == "  " + " " * 15 + "^^^^"  # a caret under `optm`
    assert any("hint:" in line and "optam" in line for line in lines)
    assert "1 error" in err


def test_check_syntax_error_exits_1(tmp_path):
    path = tmp_path / "syntax.garant"
    path.write_text('contract "S"\n  regime secu\n\nguarantees\n  consultation 100% BRSS\n', encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(path))}:5:\d+: error: ", stderr(result))


def test_check_broken_file_among_good_ones_exits_1(tmp_path):
    path = tmp_path / "broken.garant"
    path.write_text(BROKEN, encoding="utf-8")
    result = invoke("check", CONTRACTS, path)
    assert result.exit_code == 1


def test_check_missing_file_exits_1(tmp_path):
    result = invoke("check", tmp_path / "nope.garant")
    assert result.exit_code == 1
    assert "nope.garant" in stderr(result)


def test_check_warnings_do_not_fail(tmp_path):
    path = tmp_path / "gappy.garant"
    path.write_text('contract "G"\n  regime secu\n  effective 2025-01-01\n\nguarantees\n  consultation: 100% BRSS\n', encoding="utf-8")
    result = invoke("check", path)
    assert result.exit_code == 0
    assert ": warning: " in stderr(result) and "gap" in stderr(result)


# ---------------------------------------------------------------------- build
def _import(path: Path, name: str):
    """A built module, its folder on the path (it imports its regime's module, beside it)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
        sys.path.remove(str(path.parent))
    return module


def test_build_writes_importable_modules(tmp_path):
    out = tmp_path / "out"
    result = invoke("build", CONTRACTS, "-o", out)
    assert result.exit_code == 0, stderr(result)
    written = sorted(p.name for p in out.glob("*.py"))
    regimes = [n for n in written if n.startswith("garant_regime_")]  # one module per regime, imported by its products
    assert sorted(set(written) - set(regimes)) == sorted(f"{p.stem}.py" for p in CONTRACTS.glob("*.garant"))
    assert sorted(n.rsplit("_", 1)[0] for n in regimes) == ["garant_regime_managed_care", "garant_regime_secu"]
    ess = _import(out / "essentiel_2025.py", "garant_cli_test_essentiel_2025")
    assert ess.PRODUCT.name == "Essentiel 2025"
    claims = [
        {"id": "c1", "date": "2025-03-10", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur2 optam", "price": "50.00"},
        {"id": "c2", "date": "2025-03-11", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"},
    ]
    d1, d2 = [r.to_dict() for r in ess.evaluate(claims)]
    # OPTAM: base 30, AMO 21, PF 2; 200% BRSS cap → min(50, 60) − 21 = 29
    assert (d1["base"], d1["amo"], d1["participation_forfaitaire"], d1["amo_net"], d1["amc"], d1["rac"]) == ("30.00", "21.00", "2.00", "19.00", "29.00", "2.00")
    assert (d2["amc"], d2["rac"]) == ("9.00", "2.00")
    confort = _import(out / "confort_plus.py", "garant_cli_test_confort_plus")
    (d,) = [r.to_dict() for r in confort.evaluate([claims[0]])]
    # Confort Plus: secteur2 optam 300% BRSS → min(50, 90) − 21 = 29
    assert d["amc"] == "29.00"


def test_build_also_writes_the_documentation(tmp_path):
    # spec §6: `build` generates the modules *and* the documentation
    out = tmp_path / "out"
    result = invoke("build", CONTRACTS / "essentiel_2025.garant", "-o", out)
    assert result.exit_code == 0, stderr(result)
    pages = sorted(p.relative_to(out / "docs").as_posix() for p in (out / "docs").rglob("*.md"))
    assert any("essentiel" in p for p in pages), pages
    tableau = "\n".join(p.read_text(encoding="utf-8") for p in (out / "docs").rglob("*.md") if "essentiel" in p.as_posix())
    assert "Essentiel 2025" in tableau and "reste à charge" in tableau.lower()
    skipped = tmp_path / "nodocs"
    assert invoke("build", CONTRACTS / "essentiel_2025.garant", "-o", skipped, "--no-docs").exit_code == 0
    assert not (skipped / "docs").exists()


def test_build_refuses_a_broken_file(tmp_path):
    path = tmp_path / "broken.garant"
    path.write_text(BROKEN, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("build", path, "-o", out)
    assert result.exit_code == 1
    assert not out.exists() or not list(out.glob("*.py"))


# ----------------------------------------------------------------------- eval
CLAIMS = [
    {"id": "c01", "date": "2025-01-15", "beneficiary": "B1", "birth_date": "1980-04-02", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"},
    {"id": "bad", "date": "2025-01-16", "beneficiary": "B1", "act": "consultation generalist", "provider": "secteur1", "price": "30.00"},
    {"id": "c03", "date": "2025-01-17", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur2 non_optam", "price": "50.00"},
    {"id": "neg", "date": "2025-01-18", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": "-30.00"},
]


def _eval_json(tmp_path, claims, product=ESSENTIEL):
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(claims), encoding="utf-8")
    result = invoke("eval", product, "--claim", path, "--format", "json")
    assert result.exit_code == 0, stderr(result)
    return json.loads(stdout(result))


def test_eval_json_output(tmp_path):
    data = _eval_json(tmp_path, CLAIMS)
    assert isinstance(data, list) and len(data) == 4
    assert [d["id"] for d in data] == ["c01", "bad", "c03", "neg"]
    c01, bad, c03, neg = data
    assert c01["status"] == "evaluated"
    assert (c01["price"], c01["base"], c01["amo_rate"], c01["amo"], c01["participation_forfaitaire"], c01["franchise"], c01["amo_net"], c01["amc"], c01["rac"]) == (
        "30.00", "30.00", "70%", "21.00", "2.00", "0.00", "19.00", "9.00", "2.00")
    assert c01["rule"] == f"{ESSENTIEL}:11"
    # non-OPTAM, 180% BRSS cap: base 23, AMO 16.10, min(50, 41.40) − 16.10 = 25.30
    assert (c03["base"], c03["amo"], c03["amo_net"], c03["amc"], c03["rac"]) == ("23.00", "16.10", "14.10", "25.30", "10.60")
    assert bad["status"] == "rejected" and "generalist" in bad["reason"] and "did you mean" in bad["reason"]
    assert neg["status"] == "rejected" and "negative" in neg["reason"]
    for d in (c01, c03):
        for key in ("price", "base", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac"):
            assert isinstance(d[key], str) and re.fullmatch(r"\d+\.\d\d", d[key]), (key, d[key])
        assert re.fullmatch(r"\d+(\.\d+)?%", d["amo_rate"])
        assert isinstance(d["warnings"], list) and isinstance(d["trace"], list)


def test_eval_json_one_claim_object(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(CLAIMS[0]), encoding="utf-8")
    result = invoke("eval", ESSENTIEL, "--claim", path, "--format", "json")
    assert result.exit_code == 0, stderr(result)
    data = json.loads(stdout(result))
    assert isinstance(data, list) and len(data) == 1 and data[0]["amc"] == "9.00"


def test_eval_example_claims(tmp_path):
    data = json.loads((ROOT / "examples" / "claims.json").read_text(encoding="utf-8"))
    out = _eval_json(tmp_path, data)
    assert [d["id"] for d in out] == [c["id"] for c in data]
    by_id = {d["id"]: d for d in out}
    # c05: hors parcours, 30% × 30 = 9; a responsable contract measures
    # against the in-parcours AMO: 100% BRSS → 30 − 21 = 9
    assert (by_id["c05"]["amo"], by_id["c05"]["amo_net"], by_id["c05"]["amc"], by_id["c05"]["rac"]) == ("9.00", "7.00", "9.00", "14.00")
    # c04: a child, no PF
    assert by_id["c04"]["participation_forfaitaire"] == "0.00"
    # c10/c11: osteopathy 30€ per session, max 3 a year: 2 sessions, then 1
    assert (by_id["c10"]["amc"], by_id["c11"]["amc"]) == ("60.00", "30.00")
    assert by_id["c12"]["status"] == "rejected" and by_id["c13"]["status"] == "rejected"


def test_eval_rejects_a_non_finite_price_and_evaluates_the_others(tmp_path):
    path = tmp_path / "claims.json"
    good = json.dumps(CLAIMS[0])
    path.write_text(f'[{good}, {{"id": "huge", "date": "2025-01-20", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": 1e999}}]', encoding="utf-8")
    result = invoke("eval", ESSENTIEL, "--claim", path, "--format", "json")
    assert result.exit_code == 0, (result.exception, stderr(result))
    c01, huge = json.loads(stdout(result))
    assert c01["status"] == "evaluated" and c01["amc"] == "9.00"
    assert huge["status"] == "rejected" and huge["id"] == "huge" and "price" in huge["reason"]


def test_eval_invalid_json_reports_file_line_col(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"id": "c1",\n   "price": 30.00,,\n  }\n]\n', encoding="utf-8")
    result = invoke("eval", ESSENTIEL, "--claim", path, "--format", "json")
    assert result.exit_code != 0
    assert re.search(rf"{re.escape(str(path))}:3:\d+: error: ", stderr(result)), stderr(result)
    assert stdout(result).strip() == ""


def test_eval_claims_file_that_is_not_a_list(tmp_path):
    path = tmp_path / "n.json"
    path.write_text("42\n", encoding="utf-8")
    result = invoke("eval", ESSENTIEL, "--claim", path, "--format", "json")
    assert result.exit_code != 0
    assert str(path) in stderr(result)


def test_eval_broken_product(tmp_path):
    product = tmp_path / "broken.garant"
    product.write_text(BROKEN, encoding="utf-8")
    claims = tmp_path / "c.json"
    claims.write_text(json.dumps(CLAIMS[:1]), encoding="utf-8")
    result = invoke("eval", product, "--claim", claims, "--format", "json")
    assert result.exit_code == 1
    assert f"{product}:7:16: error: " in stderr(result)


def test_eval_text_format(tmp_path):
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(CLAIMS), encoding="utf-8")
    result = invoke("eval", ESSENTIEL, "--claim", path)
    assert result.exit_code == 0, stderr(result)
    out = stdout(result)
    assert "c01" in out and "19.00" in out and "rejected" in out


# ----------------------------------------------------------------------- test
def test_golden_tests_run():
    result = invoke("test", GOLDEN)
    out = stdout(result)
    lines = [line for line in out.splitlines() if line.startswith(("PASS", "FAIL", "PENDING"))]
    assert lines, out
    import yaml

    ids = [case["id"] for f in sorted(GOLDEN.glob("*.yaml")) for case in (yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("cases", [])]
    assert len(lines) == len(ids)
    for case_id in ids:
        assert any(line.endswith(f":: {case_id}") for line in lines), case_id
    failed = sum(1 for line in lines if line.startswith("FAIL"))
    summary = re.search(r"(\d+) passed, (\d+) pending, (\d+) failed", out)
    n_pending = sum(1 for line in lines if line.startswith("PENDING"))
    assert summary and (int(summary.group(1)), int(summary.group(2)), int(summary.group(3))) == (len(ids) - failed - n_pending, n_pending, failed)
    # Cases listed under `pending:` are reported as such and do not fail the run.
    assert sum(1 for line in lines if line.startswith("PENDING")) == len({k for f in GOLDEN.glob("*.yaml") for k in ((yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("pending") or {})})
    assert result.exit_code == (1 if failed else 0)
    pending = {k for f in GOLDEN.glob("*.yaml") for k in ((yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("pending") or {})}
    # every case that is not marked pending passes
    for line in lines:
        if line.startswith("FAIL"):
            assert line.rsplit(":: ", 1)[1] in pending, line


GOLDEN_OK = """products:
  p: "contract \\"P\\"\\n  regime secu\\n  effective 2025-01-01\\n\\nguarantees\\n  all: TM\\n  consultation: 100% BRSS\\n"
cases:
- id: gp-secteur1
  product: p
  claims:
  - {id: c1, date: 2025-03-10, beneficiary: B1, act: consultation generaliste, provider: secteur1, price: "30.00"}
  expect:
  - {base: "30.00", amo: "21.00", participation_forfaitaire: "2.00", amo_net: "19.00", amc: "9.00", rac: "2.00"}
- id: check-fails
  check: "contract \\"Q\\"\\n  regime secu\\n\\nguarantees\\n  consultation optm: TM\\n"
  expect_check: {ok: false, error_mentions: [optm]}
"""


def test_golden_file_passing(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(GOLDEN_OK, encoding="utf-8")
    result = invoke("test", path)
    assert result.exit_code == 0, stdout(result)
    assert "PASS" in stdout(result) and "gp-secteur1" in stdout(result) and "check-fails" in stdout(result)
    assert "2 passed, 0 pending, 0 failed" in stdout(result)


def test_golden_file_failing(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text(GOLDEN_OK.replace('amc: "9.00"', 'amc: "9.01"'), encoding="utf-8")
    result = invoke("test", path)
    assert result.exit_code == 1
    out = stdout(result)
    assert "FAIL" in out and "gp-secteur1" in out
    assert "amc" in out and "9.00" in out and "9.01" in out
    assert "1 passed, 0 pending, 1 failed" in out


def test_golden_update_rewrites_only_the_figures_and_keeps_comments(tmp_path):
    path = tmp_path / "g.yaml"
    stale = GOLDEN_OK.replace('amc: "9.00"', 'amc: "9.01"').replace("- id: gp-secteur1", "# arithmetic: 30 − 21 = 9\n- id: gp-secteur1")
    path.write_text(stale, encoding="utf-8")
    result = invoke("test", "--update", path)
    assert result.exit_code == 0, stdout(result)
    text = path.read_text(encoding="utf-8")
    assert "# arithmetic: 30 − 21 = 9" in text  # hand-written comments survive
    assert 'amc: "9.00"' in text and "9.01" not in text
    assert text == stale.replace('amc: "9.01"', 'amc: "9.00"')  # nothing else moved
    assert invoke("test", path).exit_code == 0


def test_eval_with_a_regime_of_ones_own(tmp_path):
    regime = tmp_path / "mini.garant"
    regime.write_text(
        'regime mini "Un régime minimal"\n  currency EUR\n\nacts\n  soin "Soin"\n\n'
        'parameter tarif "Tarif"\n  from 2020-01-01: 20€  ref "Arrêté fictif"\n\n'
        "act soin\n  base tarif\n  rate 50%\n",
        encoding="utf-8",
    )
    contract = tmp_path / "c.garant"
    contract.write_text('contract "Sur mini"\n  insurer "x"\n  regime mini\n\nguarantees\n  all: 100% BRSS\n', encoding="utf-8")
    claims = tmp_path / "a.json"
    claims.write_text('{"id": "a", "date": "2025-02-01", "beneficiary": "B", "act": "soin", "price": "25"}', encoding="utf-8")
    without = invoke("eval", str(contract), "--claim", str(claims))
    assert without.exit_code == 1
    result = invoke("eval", str(contract), "--claim", str(claims), "--regime", str(regime), "--format", "json")
    assert result.exit_code == 0, result.output
    (r,) = json.loads(stdout(result))
    # base 20, AMO 50% = 10, 100% BRSS pays 10, rac 25 − 10 − 10 = 5
    assert (r["base"], r["amo"], r["amc"], r["rac"]) == ("20.00", "10.00", "10.00", "5.00")


# ------------------------------------------------------------------ levels
SANTE_MIX = CONTRACTS / "sante_mix_proximite.garant"
ORTHO = {"id": "D4", "date": "2025-06-02", "beneficiary": "AD4", "birth_date": "2013-03-01", "act": "dentaire orthodontie", "price": "707.00", "base": "193.50"}


def _eval_levels(tmp_path, *levels):
    path = tmp_path / "c.json"
    path.write_text(json.dumps(ORTHO), encoding="utf-8")
    args = ["eval", SANTE_MIX, "--claim", path, "--format", "json"]
    for level in levels:
        args += ["--level", level]
    return invoke(*args)


def test_eval_level_for_every_module(tmp_path):
    # Published example D4 (APRIL, 03/2025): orthodontics under 16, 100% of the
    # 193.50 base by the Sécu; at N3 the Renfort Famille adds 400€ → AMC 400.
    result = _eval_levels(tmp_path, "N3")
    assert result.exit_code == 0, stderr(result)
    (d,) = json.loads(stdout(result))
    assert (d["amo"], d["amc"], d["rac"]) == ("193.50", "400.00", "113.50")


def test_eval_level_per_module_and_optional_module_left_out(tmp_path):
    # N6 on Frais de santé, renfort left out: 100% BRSS pays nothing above the Sécu's 100%.
    result = _eval_levels(tmp_path, "hospitalisation=N1", "frais_de_sante=N6", "renfort_famille=none")
    assert result.exit_code == 0, stderr(result)
    assert json.loads(stdout(result))[0]["amc"] == "0.00"
    # the renfort follows Frais de santé: at N5 it adds 600€, within the 513.50 left
    result = _eval_levels(tmp_path, "hospitalisation=N1", "frais_de_sante=n5")
    assert json.loads(stdout(result))[0]["amc"] == "513.50"


def test_eval_levels_errors_say_what_to_write(tmp_path):
    result = _eval_levels(tmp_path)
    assert result.exit_code == 2
    assert "choose a level" in stderr(result) and "`N6`" in stderr(result)
    result = _eval_levels(tmp_path, "N7")
    assert result.exit_code == 2 and "no level `N7`" in stderr(result)
    result = _eval_levels(tmp_path, "hospitalisation=N2")
    assert result.exit_code == 2 and "frais_de_sante=LEVEL" in stderr(result)
    result = _eval_levels(tmp_path, "frais_de_sante=none")
    assert result.exit_code == 2 and "not optional" in stderr(result)
    result = invoke("eval", ESSENTIEL, "--claim", tmp_path / "c.json", "--level", "N1")
    assert result.exit_code == 2 and "declares no levels" in stderr(result)


def test_golden_summary_counts_figures_per_level():
    result = invoke("test", GOLDEN / "sante_mix.yaml")
    assert result.exit_code == 0, stdout(result)
    # 26 published examples × 6 levels × (amc, rac)
    assert "given level by level: 312 of 312" in stdout(result)


def test_run_claims_file_at_a_level(tmp_path):
    claims = tmp_path / "mix.csv"
    claims.write_text(
        "id,date,beneficiary,birth_date,act,provider,price,base\n"
        "D4,2025-06-02,AD4,2013-03-01,dentaire orthodontie,,707.00,193.50\n"
        "S5,2025-06-02,AS5,1975-03-01,consultation specialiste,secteur2 optam,54.00,31.50\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    result = invoke("run", SANTE_MIX, claims, "-o", out, "--level", "N2", "--no-progress")
    assert result.exit_code == 0, stderr(result)
    import csv

    rows = {r["id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    # published examples D4 and S5 at N2: 300.00 (renfort) and 17.33
    assert (rows["D4"]["amc"], rows["S5"]["amc"]) == ("300.00", "17.33")
    result = invoke("run", SANTE_MIX, claims, "-o", out, "--no-progress")
    assert result.exit_code == 2 and "choose a level" in stderr(result)
