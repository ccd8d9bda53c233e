"""Packaging habits: the golden-test pytest plugin as a separate contracts
repository uses it, the version, the licence."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from garant import __version__
from garant.cli import app

pytest_plugins = ("pytester",)

ROOT = Path(__file__).resolve().parent.parent

# A contracts repository of its own: one contract, one golden file. The
# figures are the bundled golden case `osteopathy-session-limit`'s
# (tests/golden/essentiel_2025.yaml, from spec §3.2: osteopathy is not
# reimbursed by the regime; `30€ per session, max 3 sessions per calendar
# year`: 2 sessions at 120€ → 60€; 2 more → 1 session left → 30€).
CONTRACT = """\
contract "Maison"
  insurer "Mutuelle Maison"
  regime secu
  effective 2025-01-01

guarantees
  all: TM
  medecine_douce osteopathie: 30€ per session, max 3 sessions per calendar year
"""

GOLDEN = """\
cases:
  - id: osteo-limit
    source: "tests/golden/essentiel_2025.yaml osteopathy-session-limit"
    path: ../contracts/maison.garant
    claims:
      - {id: c1, date: 2025-09-15, beneficiary: B1, act: medecine_douce osteopathie, price: "120.00", quantity: 2}
      - {id: c2, date: 2025-10-15, beneficiary: B1, act: medecine_douce osteopathie, price: "120.00", quantity: 2}
    expect:
      - {amo: "0.00", amc: "60.00", rac: "60.00"}
      - {amc: "30.00", rac: "90.00"}
  - id: osteo-wrong
    source: "deliberately wrong: the limit leaves 30€, not 60€"
    path: ../contracts/maison.garant
    claims:
      - {id: c1, date: 2025-09-15, beneficiary: B1, act: medecine_douce osteopathie, price: "120.00", quantity: 2}
      - {id: c2, date: 2025-10-15, beneficiary: B1, act: medecine_douce osteopathie, price: "120.00", quantity: 2}
    expect:
      - {amc: "60.00"}
      - {amc: "60.00"}
"""


@pytest.fixture
def contracts_repo(pytester):
    pytester.mkdir("contracts")
    (pytester.path / "contracts" / "maison.garant").write_text(CONTRACT, encoding="utf-8")
    pytester.mkdir("golden")
    (pytester.path / "golden" / "maison.yaml").write_text(GOLDEN, encoding="utf-8")
    return pytester


def test_plugin_runs_a_separate_repositorys_golden_files(contracts_repo):
    """In a subprocess, as `pytest` in that repository: the plugin comes
    from the installed package's entry point, not from this conftest."""
    result = contracts_repo.runpytest_subprocess("-p", "no:randomly", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*maison.yaml::osteo-limit PASSED*", "*maison.yaml::osteo-wrong FAILED*"])
    # the failure names the claim and the figure
    result.stdout.fnmatch_lines(["*claim 2: amc = '30.00', expected '60.00'*"])


def test_plugin_ignores_yaml_that_is_not_golden(pytester):
    pytester.mkdir("golden")
    (pytester.path / "golden" / "settings.yaml").write_text("colour: blue\n", encoding="utf-8")
    (pytester.path / "other.yaml").write_text("cases: []\n", encoding="utf-8")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_plugin_folder_names_are_configurable(contracts_repo):
    (contracts_repo.path / "golden").rename(contracts_repo.path / "expected")
    contracts_repo.makeini("[pytest]\ngarant_golden_dirs = expected\n")
    result = contracts_repo.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=1)


def test_plugin_can_be_disabled(contracts_repo):
    result = contracts_repo.runpytest_subprocess("-p", "no:randomly", "-p", "no:garant")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_plugin_is_registered_by_the_package():
    eps = importlib.metadata.entry_points(group="pytest11")
    assert any(ep.name == "garant" and ep.value == "garant.compiler.pytest_golden" for ep in eps)


def test_version_option():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"garant {__version__}"
    # one version: the package's metadata (pyproject.toml) and the module agree
    assert importlib.metadata.version("garant") == __version__


def test_licence_matches_pyproject():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert 'license = {text = "Apache-2.0"}' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
