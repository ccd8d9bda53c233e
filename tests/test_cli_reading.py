"""What people read on the command line (issue 19): --help, messages,
plurals, progress, warnings, `garant diff` on levels, claim names and dates."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from garant.cli import Evaluator, app, plural
from garant.compiler.runtime.claims import claim_name, date_problem

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "contracts"
ESSENTIEL = CONTRACTS / "essentiel_2025.garant"
SANTE_MIX = CONTRACTS / "sante_mix_proximite.garant"

runner = CliRunner()
COMMANDS = ("check", "build", "eval", "test", "run", "impact", "synth", "docs", "diff", "examples", "version")


def invoke(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "120", **(env or {})})


def _err(result) -> str:
    try:
        return result.stderr
    except (ValueError, AttributeError):
        return result.output


# ------------------------------------------------------------------ --help
@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_no_python_type_names(command):
    text = invoke(command, "--help").output
    assert result_ok(text)
    assert not re.search(r"<(list\[|bool|str|int|path|Path)", text), text
    assert "list[" not in text


def result_ok(text: str) -> bool:
    return "Usage:" in text


@pytest.mark.parametrize("command, option, choices", [
    ("eval", "--format", "[text|json|fhir]"),
    ("run", "--evaluator", "[vector|scalar]"),
    ("run", "--engine", "[local|dask|spark]"),
    ("run", "--format", "[csv|parquet|fhir]"),
    ("synth", "--format", "[csv|parquet]"),
    ("diff", "--format", "[text|markdown]"),
])
def test_help_lists_the_choices(command, option, choices):
    text = invoke(command, "--help", env={"COLUMNS": "200"}).output
    line = next(ln for ln in text.splitlines() if f" {option} " in ln)
    assert choices in line


def test_a_value_outside_the_choices_is_refused_with_them():
    result = invoke("eval", ESSENTIEL, "--claim", ROOT / "examples" / "claims.json", "--format", "xml")
    assert result.exit_code == 2
    assert "'text'" in result.output and "'json'" in result.output


def test_the_evaluator_choices_are_the_batch_units():
    from garant.batch.unit import EVALUATORS

    assert tuple(e.value for e in Evaluator) == tuple(EVALUATORS)


def test_shell_completion_is_offered():
    text = invoke("--help").output
    assert "--install-completion" in text and "--show-completion" in text


# ------------------------------------------------------------ messages
def test_plural():
    assert (plural(0, "claim"), plural(1, "claim"), plural(3, "warning"), plural(1_000_000, "claim")) == (
        "0 claims", "1 claim", "3 warnings", "1,000,000 claims")


def test_check_on_an_empty_folder_says_why(tmp_path):
    result = invoke("check", tmp_path)
    assert result.exit_code == 1
    assert f"{tmp_path}: no .garant file in this folder" in _err(result)
    assert "nothing to check" in _err(result)


def test_check_counts_in_the_singular(tmp_path):
    f = tmp_path / "one.garant"
    f.write_text(ESSENTIEL.read_text(encoding="utf-8"), encoding="utf-8")
    text = _err(invoke("check", f))
    assert "1 file checked" in text and "1 files" not in text


def test_synth_shows_progress_in_claims(tmp_path):
    result = invoke("synth", 5000, "-o", tmp_path / "c.csv")
    assert result.exit_code == 0, result.output
    text = _err(result)
    assert "5,000/5,000 claims" in text and "ETA" in text
    assert "5,000 claims (seed 2025)" in text


def test_synth_of_one_claim_says_one_claim(tmp_path):
    text = _err(invoke("synth", 1, "-o", tmp_path / "c.csv", "--no-progress"))
    assert "1 claim (seed 2025)" in text and "1 claims" not in text


def test_run_counts_claims_with_an_eta(tmp_path):
    invoke("synth", 2000, "-o", tmp_path / "c.csv", "--no-progress")
    result = invoke("run", ESSENTIEL, tmp_path / "c.csv", "-o", tmp_path / "out.csv")
    assert result.exit_code == 0, result.output
    text = _err(result)
    assert "2,000/2,000 claims" in text and "ETA" in text
    assert "2,000 claims in: 2,000 evaluated, 0 rejected (1 partition," in text


def test_csv_given_to_claim_points_to_garant_run(tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text("id,date,beneficiary,act,provider,price\nC1,2025-03-10,B1,consultation generaliste,secteur1,30.00\n", encoding="utf-8")
    result = invoke("eval", ESSENTIEL, "--claim", claims)
    assert result.exit_code == 2
    text = _err(result)
    assert "looks like CSV" in text and "garant run" in text and "invalid JSON" not in text


def test_broken_json_is_still_invalid_json(tmp_path):
    claims = tmp_path / "claims.json"
    claims.write_text('{"id": "C1",,}', encoding="utf-8")
    text = _err(invoke("eval", ESSENTIEL, "--claim", claims))
    assert "invalid JSON" in text and "CSV" not in text


# ---------------------------------------------- one name for a claim
CLAIM = {"date": "2025-03-10", "beneficiary": "B1", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"}


def test_claim_without_id_is_claim_N_in_eval(tmp_path):
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps([{**CLAIM, "id": "A"}, CLAIM]), encoding="utf-8")
    text = invoke("eval", ESSENTIEL, "--claim", claims).output
    assert "claim #2: rejected: missing field `id`" in text
    assert "None" not in text


def test_claim_without_id_is_claim_N_in_run(tmp_path):
    from garant.batch.io import read_table

    claims = tmp_path / "claims.csv"
    claims.write_text("id,date,beneficiary,act,provider,price\nA,2025-03-10,B1,consultation generaliste,secteur1,30.00\n"
                      ",2025-03-10,B1,consultation generaliste,secteur1,30.00\n", encoding="utf-8")
    invoke("run", ESSENTIEL, claims, "-o", tmp_path / "out.csv", "--no-progress")
    rejected = read_table(tmp_path / "out.rejections.csv").to_pylist()
    assert [r["id"] for r in rejected] == ["claim #2"]


def test_claim_name():
    assert (claim_name("C1", 0), claim_name(None, 2), claim_name("  ", 0), claim_name(7, 0)) == ("C1", "claim #3", "claim #1", "7")


# ---------------------------------------------------------------- dates
@pytest.mark.parametrize("text, says", [
    ("2025-02-30", "February 2025 has 28 days"),
    ("2024-02-30", "February 2024 has 29 days"),  # a leap year
    ("2025-04-31", "April 2025 has 30 days"),
    ("2025-13-01", "there is no month 13"),
    ("20250301", "without its dashes: write it YYYY-MM-DD (2025-03-01)"),
    ("2025-W10-1", "a week date (ISO week 10, day 1): write the calendar date, YYYY-MM-DD (2025-03-03)"),  # Monday of week 10 of 2025
    ("10/03/2025", "write 2025-03-10 if it is day/month/year"),
    ("2025-03-10T09:30", "has a time: write the date alone"),
    ("hier", "is not a date: write it YYYY-MM-DD"),
])
def test_a_bad_date_says_what_is_wrong_with_it(text, says):
    assert says in date_problem(text)


@pytest.mark.parametrize("date", ["20250301", "2025-W10-1"])
def test_compact_and_week_dates_are_refused_not_read(tmp_path, date):
    """Python's fromisoformat reads both; a claims system never means them."""
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps({**CLAIM, "id": "D", "date": date}), encoding="utf-8")
    result = invoke("eval", ESSENTIEL, "--claim", claims, "--format", "json")
    (d,) = json.loads(result.stdout)
    assert d["status"] == "rejected" and d["field"] == "date"
    assert "YYYY-MM-DD" in d["reason"]


# --------------------------------------------------------------- warnings
def test_bundled_examples_warnings_fit_a_line_with_their_detail_below(monkeypatch):
    monkeypatch.chdir(ROOT)  # as the README runs it
    result = invoke("check", "stdlib", "contracts")
    assert result.exit_code == 0
    lines = _err(result).splitlines()
    heads = [i for i, ln in enumerate(lines) if ": warning: " in ln]
    assert heads
    for i in heads:
        assert len(lines[i]) <= 120, lines[i]
        assert lines[i + 1].startswith("  ") and not lines[i + 1].startswith("  hint"), lines[i + 1]
    assert "0 errors" in lines[-1] and "no error: the products build" in lines[-1]


def test_essentiel_states_solidaire():
    """The flagship example no longer warns that R9 (solidaire) is not stated."""
    result = invoke("check", ESSENTIEL)
    assert result.exit_code == 0
    assert "R9" not in _err(result)


# -------------------------------------------------------------- diff
def test_diff_shows_every_level_of_a_removed_line(tmp_path):
    old = SANTE_MIX.read_text(encoding="utf-8")
    new = "\n".join(ln for ln in old.splitlines() if "panier_libre" not in ln) + "\n"
    (tmp_path / "old.garant").write_text(old, encoding="utf-8")
    (tmp_path / "new.garant").write_text(new, encoding="utf-8")
    text = invoke("diff", tmp_path / "old.garant", tmp_path / "new.garant", "--format", "markdown").output
    (row,) = [ln for ln in text.splitlines() if ln.startswith("| removed")]
    # The notice's dental prosthesis line, N1 to N6 (contracts/sante_mix_proximite.garant).
    for level, rate in (("N1", "100%"), ("N2", "150%"), ("N3", "200%"), ("N4", "250%"), ("N5", "300%"), ("N6", "350%")):
        assert f"{level}: {rate} BRSS" in row
    # Lines that only moved up are not changes.
    assert "| changed" not in text
    back = invoke("diff", tmp_path / "new.garant", tmp_path / "old.garant", "--format", "markdown").output
    (row,) = [ln for ln in back.splitlines() if ln.startswith("| added")]
    assert "N6: 350% BRSS, cap 1800€" in row
