"""`garant examples PLAN`: the SBC coverage examples under a plan.

The checks use plans whose result a person can compute from HHS's totals
alone (one deductible and one coinsurance rate for every category), so the
project's own split of each total into service lines cannot hide an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from garant.compiler.docs import sbc
from garant.compiler.driver import load_product_text
from garant.cli import app

ROOT = Path(__file__).resolve().parent.parent

FLAT = """plan "Flat 20%"
  kind PPO
  currency USD
  deductible $1,000 individual, $2,000 family
  out_of_pocket_max {oop} individual, $12,000 family
  out of network: coinsurance 40%

benefits
  all: coinsurance 20% after deductible
{extra}"""


def results(oop: str = "$6,000", extra: str = "") -> dict[str, sbc.ExampleResult]:
    product = load_product_text(FLAT.format(oop=oop, extra=extra), "flat.garant")
    return {r.example.id: r for r in sbc.run(product)}


def figures(r: sbc.ExampleResult) -> tuple:
    return (r.deductible, r.copay, r.coinsurance, r.excluded, r.member_total)


def test_bundled_examples_add_up_to_the_hhs_totals():
    got = {e.id: e.total for e in sbc.bundled()}
    assert got == {"peg": 1_270_000, "joe": 560_000, "mia": 280_000}
    for e in sbc.bundled():
        assert sum(s.allowed * len(s.days) for s in e.services) == e.total


def test_one_deductible_one_coinsurance():
    r = results()
    # Peg: $1,000 deductible, then 20% of the other $11,700 = $2,340; total $3,340.
    assert figures(r["peg"]) == (100_000, 0, 234_000, 0, 334_000)
    assert r["peg"].plan_paid == 1_270_000 - 334_000
    # Joe: $1,000, then 20% of $4,600 = $920; total $1,920.
    assert figures(r["joe"]) == (100_000, 0, 92_000, 0, 192_000)
    # Mia: $1,000, then 20% of $1,800 = $360; total $1,360.
    assert figures(r["mia"]) == (100_000, 0, 36_000, 0, 136_000)


def test_out_of_pocket_limit_caps_an_example():
    r = results(oop="$2,500")
    # Peg would owe $3,340: the $2,500 limit stops her coinsurance at $1,500.
    assert figures(r["peg"]) == (100_000, 0, 150_000, 0, 250_000)
    # Joe ($1,920) and Mia ($1,360) stay under the limit.
    assert figures(r["joe"])[-1] == 192_000
    assert figures(r["mia"])[-1] == 136_000


def test_exclusions_are_limits_or_exclusions():
    r = results(extra="  over_the_counter: not covered\n")
    # Peg: $60 of over-the-counter vitamins excluded; $1,000 + 20% × $11,640 = $3,328, + $60 = $3,388.
    assert figures(r["peg"]) == (100_000, 0, 232_800, 6_000, 338_800)
    # Joe: $20 excluded; $1,000 + 20% × $4,580 = $1,916, + $20 = $1,936.
    assert figures(r["joe"]) == (100_000, 0, 91_600, 2_000, 193_600)


def test_fresh_accumulators_and_self_only_coverage():
    """Each example starts from nothing: running them twice gives the same figures."""
    product = load_product_text(FLAT.format(oop="$6,000", extra=""), "flat.garant")
    first = [figures(r) for r in sbc.run(product)]
    assert [figures(r) for r in sbc.run(product)] == first


def test_a_contract_is_refused():
    product = load_product_text('contract "X"\n  regime secu\n\nguarantees\n  all: TM\n', "x.garant")
    with pytest.raises(ValueError, match="not a plan"):
        sbc.run(product)


def test_cli_examples_prints_the_breakdown():
    result = CliRunner().invoke(app, ["examples", str(ROOT / "contracts" / "acme_ppo.garant")])
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("Peg is having a baby", "$12,700", "$5,600", "$2,800", "Deductibles", "Copayments", "Coinsurance", "Limits or exclusions", "own breakdown"):
        assert text in out, text


def test_cli_examples_on_a_contract_fails_cleanly():
    result = CliRunner().invoke(app, ["examples", str(ROOT / "contracts" / "essentiel_2025.garant")])
    assert result.exit_code == 1
    assert "not a plan" in result.output and "Traceback" not in result.output
