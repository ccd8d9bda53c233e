"""`garant diff OLD NEW`: guarantee lines, standard examples' reste à
charge, new compliance errors, `path@gitrev`, exit codes.

tests/review/old.garant → new_ok.garant raises the OPTAM line from 150 % to
200 % BRSS, the private room from 50 € to 60 € a day, and adds osteopathy.
Hand-computed effects on the standard examples (EXAMPLES.md figures):
- S5, specialist OPTAM at 54 €, base 31.50 €, Sécu 22.05 − 2 = 20.05 €:
  150 % → 47.25 − 22.05 = 25.20 € paid, rac 8.75 €; 200 % → 63 ≥ 54, so
  54 − 22.05 = 31.95 € paid, rac 2.00 €: −6.75 €.
- H2, private room at 67 €: rac 17.00 € → 7.00 €: −10.00 €.
- S4, paediatrician OPTAM at 50 €, base 35 €: 150 % = 52.50 ≥ 50 already,
  rac 0 before and after: unchanged.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from typer.testing import CliRunner

from garant.cli import app
from garant.compiler.review import render
from garant.compiler.driver import compare_versions as compare
from garant.compiler.review.diff import DiffError, read_side, side

HERE = Path(__file__).resolve().parent / "review"
OLD, NEW_OK, NEW_BROKEN = (str(HERE / n) for n in ("old.garant", "new_ok.garant", "new_broken.garant"))
runner = CliRunner()


def test_lines_added_removed_changed():
    d = compare(side(OLD), side(NEW_OK))
    got = {(c.kind, c.selector, c.old, c.new) for c in d.lines}
    assert got == {
        ("changed", "consultation secteur2 optam", "150% BRSS cap", "200% BRSS cap"),
        ("changed", "hospitalisation chambre_particuliere", "50€ per day", "60€ per day"),
        ("added", "medecine_douce osteopathie", None, "30€ per session"),
    }
    back = compare(side(NEW_OK), side(OLD))
    assert ("removed", "medecine_douce osteopathie") in {(c.kind, c.selector) for c in back.lines}


def test_examples_reste_a_charge_before_after():
    d = compare(side(OLD), side(NEW_OK))
    by_id = {e.id: e for e in d.examples}
    assert (by_id["S5"].old_rac, by_id["S5"].new_rac, by_id["S5"].delta) == (875, 200, -675)
    assert (by_id["H2"].old_rac, by_id["H2"].new_rac, by_id["H2"].delta) == (1700, 700, -1000)
    assert by_id["S4"].delta == 0
    assert not d.breaks_compliance


def test_new_error_breaks_compliance():
    d = compare(side(OLD), side(NEW_BROKEN))
    assert d.breaks_compliance
    assert [e.code for e in d.new_errors] == ["overlap"]
    assert any("not compared" in n for n in d.notes)
    fixed = compare(side(NEW_BROKEN), side(OLD))
    assert not fixed.breaks_compliance and [e.code for e in fixed.fixed_errors] == ["overlap"]


def test_markdown_for_a_pull_request():
    text = render.markdown(compare(side(OLD), side(NEW_OK)))
    assert "No new compliance error." in text
    assert "| changed | <code>consultation secteur2 optam</code> | <code>150% BRSS cap</code> (line 10) | <code>200% BRSS cap</code> (line 11) |" in text
    assert "**−6,75\u00a0€**" in text and "**−10,00\u00a0€**" in text


def test_cli_exit_codes_and_formats():
    ok = runner.invoke(app, ["diff", OLD, NEW_OK, "--format", "markdown"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("### `garant diff`: Revue")
    broken = runner.invoke(app, ["diff", OLD, NEW_BROKEN])
    assert broken.exit_code == 1
    assert "compliance broken" in broken.output
    missing = runner.invoke(app, ["diff", OLD, str(HERE / "nope.garant")])
    assert missing.exit_code == 2


def _git(cwd, *args):
    subprocess.run(["git", "-c", "user.email=t@example.org", "-c", "user.name=t", "-c", "commit.gpgsign=false", *args], cwd=cwd, check=True, capture_output=True)


def test_path_at_gitrev(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "contracts").mkdir(parents=True)
    target = repo / "contracts" / "revue.garant"
    shutil.copy(OLD, target)
    _git(repo, "init", "-q")
    _git(repo, "add", "contracts/revue.garant")
    _git(repo, "commit", "-q", "-m", "old")
    shutil.copy(NEW_OK, target)
    monkeypatch.chdir(repo)
    assert read_side("contracts/revue.garant@HEAD").text == Path(OLD).read_text(encoding="utf-8")
    d = compare(side("contracts/revue.garant@HEAD"), side("contracts/revue.garant"))
    assert {e.id: e.delta for e in d.examples}["H2"] == -1000
    result = runner.invoke(app, ["diff", "contracts/revue.garant@HEAD", "contracts/revue.garant"])
    assert result.exit_code == 0, result.output
    try:
        read_side("contracts/revue.garant@no-such-rev")
    except DiffError as err:
        assert "no-such-rev" in str(err)
    else:
        raise AssertionError("an unknown revision must be an error")


def test_against_a_revision_for_hooks(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy(OLD, repo / "a.garant")
    _git(repo, "init", "-q")
    _git(repo, "add", "a.garant")
    _git(repo, "commit", "-q", "-m", "old")
    shutil.copy(NEW_BROKEN, repo / "a.garant")
    shutil.copy(NEW_OK, repo / "b.garant")  # not committed: nothing to compare
    monkeypatch.chdir(repo)
    result = runner.invoke(app, ["diff", "--against", "HEAD", "a.garant", "b.garant"])
    assert result.exit_code == 1
    assert "compliance broken" in result.output


def test_plan_diff_lines_and_coverage_examples(tmp_path):
    """contracts/acme_hmo.garant with the specialist copay raised from $50 to
    $60: Peg (having a baby, examples/sbc/peg_baby.yaml) has 10 prenatal
    visits and 1 anaesthesia visit under `specialist visit`, far from the
    out-of-pocket maximum: she pays 11 × $10 = $110 more; Joe and Mia see
    no specialist."""
    hmo = Path(__file__).resolve().parent.parent / "contracts" / "acme_hmo.garant"
    changed = tmp_path / "acme_hmo.garant"
    changed.write_text(hmo.read_text(encoding="utf-8").replace("specialist visit: copay $50", "specialist visit: copay $60"), encoding="utf-8")
    d = compare(side(str(hmo)), side(str(changed)))
    assert [(c.kind, c.selector, c.old, c.new) for c in d.lines] == [("changed", "specialist visit", "copay $50, no deductible", "copay $60, no deductible")]
    assert {e.id: e.delta for e in d.examples} == {"peg": 11000, "joe": 0, "mia": 0}
    assert "+$110.00" in render.markdown(d)


def test_multi_level_diff_names_the_level(tmp_path):
    """APRIL Santé Mix Proximité with the N2 private room raised from 40 € to
    45 € a day: the sheet's H2 (one night at 67 €) left 27 € at N2; 22 € now."""
    source = Path(__file__).resolve().parent.parent / "contracts" / "sante_mix_proximite.garant"
    text = source.read_text(encoding="utf-8")
    old_line = "hospitalisation chambre_particuliere: not covered | 40€ | 55€"
    assert old_line in text
    changed = tmp_path / "sante_mix.garant"
    changed.write_text(text.replace(old_line, "hospitalisation chambre_particuliere: not covered | 45€ | 55€"), encoding="utf-8")
    d = compare(side(str(source)), side(str(changed)))
    assert [(c.kind, c.level, c.old, c.new) for c in d.lines] == [("changed", "N2", "40€ per day", "45€ per day")]
    moved = [(e.id, e.level, e.old_rac, e.new_rac) for e in d.examples if e.delta]
    assert moved == [("H2", "N2", 2700, 2200)]
