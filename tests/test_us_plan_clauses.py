"""US plan clauses (issue 18.7): the prescription drug deductible, dollar
caps per benefit, and the `no surprises act` option, as `garant check`
reports them (located, with a caret) and as the trace words them. The
figures themselves are worked by hand in tests/golden/plans.yaml."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from garant.cli import app
from garant.compiler.driver import load_product_text
from garant.compiler.python.generate import generate_product
from garant.dsl.pipeline import compile_text

runner = CliRunner()

HEADER = """plan "Clauses"
  kind PPO
  currency USD
  deductible $500 individual, $1,000 family
  out_of_pocket_max $2,000 individual, $4,000 family
{extra}  out of network: coinsurance 40%

benefits
  all: coinsurance 20% after deductible
  preventive: $0, no deductible
  emergency_room: copay $250, no deductible
{lines}"""


def _plan(extra: str = "", lines: str = "") -> str:
    return HEADER.format(extra=extra, lines=lines)


def _check(tmp_path, text: str) -> str:
    path = tmp_path / "clauses.garant"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["check", str(path)])
    return result.output.replace(str(path), "clauses.garant")


def test_no_surprises_refuses_a_dearer_emergency_line_with_a_caret(tmp_path):
    text = _plan("  no surprises act\n", "  emergency_room out_of_network: copay $400, no deductible\n")
    out = _check(tmp_path, text)
    assert (
        "clauses.garant:13:3: error: line 13 charges emergency care out of network more than line 12 (`emergency_room`): its copay $400 is above $250\n"
        "    emergency_room out_of_network: copay $400, no deductible\n"
        "    ^\n"
        "  hint: the No Surprises Act (line 6) allows no greater cost sharing than in network: drop the line, or charge what line 12 (`emergency_room`) charges\n"
    ) in out, out


def test_without_the_option_a_dearer_emergency_line_is_a_warning(tmp_path):
    out = _check(tmp_path, _plan("", "  emergency_room out_of_network: coinsurance 30%, no deductible\n"))
    assert "clauses.garant:12:3: warning: line 12 charges emergency care out of network more than line 11 (`emergency_room`): its coinsurance 30% is above 0%" in out, out
    assert "add `no surprises act` to the header" in out and "0 errors" in out


def test_under_the_option_an_emergency_line_that_charges_no_more_is_never_applied(tmp_path):
    out = _check(tmp_path, _plan("  no surprises act\n", "  emergency_room out_of_network: copay $100, no deductible\n"))
    assert "clauses.garant:13:3: warning: line 13 is never applied: under `no surprises act` emergency care out of network is paid by line 12" in out, out


def test_no_surprises_allowed_share_is_bounded(tmp_path):
    out = _check(tmp_path, _plan("  no surprises act: allowed 120%\n"))
    assert "clauses.garant:6:29: error: `allowed 120%`: the recognized amount is a share of the billed price" in out, out
    assert "                            ^^^^" in out


def _col(line: str, part: str) -> int:
    return line.index(part) + 1


def test_a_family_limit_is_a_dollar_cap(tmp_path):
    line = "  physical_therapy: copay $40, max 20 per family per plan year"
    out = _check(tmp_path, _plan("", line + "\n"))
    assert f"clauses.garant:12:{_col(line, '20 per')}: error: a family limit is a dollar cap, got `20`" in out, out


def test_one_dollar_cap_per_line_and_plan_year_periods(tmp_path):
    line = "  physical_therapy: copay $40, max $500 per plan year, max $900 per plan year"
    out = _check(tmp_path, _plan("", line + "\n"))
    assert f"clauses.garant:12:{_col(line, 'max $900')}: error: one dollar cap per benefit line" in out, out
    line = "  physical_therapy: copay $40, max $500 per 2 years"
    out = _check(tmp_path, _plan("", line + "\n"))
    assert f"clauses.garant:12:{_col(line, '2 years')}: error: a plan's limits run per plan year" in out, out
    line = "  physical_therapy: copay $40, max $500 per calendar year"
    out = _check(tmp_path, _plan("  year starting 2025-07-01\n", line + "\n"))
    assert f"clauses.garant:13:{_col(line, 'calendar year')}: error: this plan's year is not the calendar year" in out, out


def test_a_contract_has_no_plan_year():
    unit = compile_text('contract "C"\n  regime secu\n\nguarantees\n  dentaire: 100% BRSS, cap 500€ per plan year\n', "c.garant")
    errors = [d for d in unit.diagnostics if d.is_error]
    assert [e.message for e in errors] == ["`per plan year` is for managed-care plans"]
    assert (errors[0].span.line, errors[0].span.column) == (5, 37)


def test_rx_deductible_above_the_maximum_is_located(tmp_path):
    out = _check(tmp_path, _plan("  rx deductible $2,500 individual\n"))
    assert "clauses.garant:6:3: error: the individual out-of-pocket maximum ($2,000) is below the individual prescription drug deductible ($2,500)" in out, out


def test_the_trace_names_each_clause(tmp_path):
    # `grandfathered individual`: a dollar cap on physical therapy (an
    # essential health benefit) is allowed only there (plan_ehb.py).
    text = _plan("  rx deductible $100 individual\n  no surprises act: allowed 80%\n  grandfathered individual\n", "  brand_drugs: coinsurance 30%\n  physical_therapy: coinsurance 20%, no deductible, max $100 per family per plan year\n")
    product = load_product_text(text, "clauses.garant")
    claims = [
        {"id": "rx", "date": "2025-01-02", "beneficiary": "A", "act": "brand_drugs", "provider": "in_network", "price": "150.00"},
        {"id": "er", "date": "2025-01-03", "beneficiary": "A", "act": "emergency_room", "provider": "out_of_network", "price": "1000.00", "emergency": True},
        {"id": "pt", "date": "2025-01-04", "beneficiary": "A", "act": "physical_therapy", "provider": "in_network", "price": "200.00"},
    ]
    rx, er, pt = ("\n".join(f"{st.label} = {st.amount / 100:.2f}  [{st.rule}]" if st.amount is not None else st.label for st in d.steps)
                  for d in product.evaluate(claims))
    assert "prescription drug deductible ($100.00 left before this claim) = 100.00  [clauses.garant:6]" in rx
    assert "allowed amount (recognized amount: 80% of the billed price) = 800.00  [clauses.garant:7]" in er
    assert "No Surprises Act: the provider may not balance-bill (billed − allowed); the member owes none of it = 200.00  [clauses.garant:7]" in er
    assert "limit max $100 per family per plan year: the plan pays the $100.00 left; the rest of the allowed amount is the member's = 60.00  [clauses.garant:16]" in pt


def test_the_generated_module_states_the_clauses():
    text = _plan("  rx deductible $100 individual\n  no surprises act: allowed 80%\n  grandfathered individual\n", "  physical_therapy: copay $40, max $1,000 per plan year\n")
    unit = compile_text(text, "clauses.garant")
    assert not [d for d in unit.diagnostics if d.is_error], unit.diagnostics
    code = generate_product(unit.product)
    assert "# clauses.garant:6  prescription drug deductible $100 individual (care under `drugs`)" in code
    assert "RX_DEDUCTIBLE = _acc.Accumulator(\n    'rx_deductible'" in code and "drugs_node='drugs'" in code
    assert "NO_SURPRISES = _pr.NoSurprises(8000, 'clauses.garant:7'" in code
    assert "cap=100000" in code and "cap_text='max $1,000 per plan year'" in code


def test_eval_json_carries_the_over_limit_of_a_dollar_cap(tmp_path):
    path = tmp_path / "plan.garant"
    path.write_text(_plan("  grandfathered individual\n", "  physical_therapy: coinsurance 20%, no deductible, max $100 per plan year\n"), encoding="utf-8")
    claim = tmp_path / "c.json"
    claim.write_text(json.dumps({"id": "c", "date": "2025-01-02", "beneficiary": "A", "act": "physical_therapy", "provider": "in_network", "price": "200.00"}), encoding="utf-8")
    result = runner.invoke(app, ["eval", str(path), "--claim", str(claim), "--format", "json"])
    got = json.loads(result.stdout)[0]
    # 20% × 200 = 40; the plan's 160 is cut to the 100 of the cap: 60 over it. member 40 + 60 = 100.
    assert (got["coinsurance"], got["over_limit"], got["plan_paid"], got["member_paid"]) == ("40.00", "60.00", "100.00", "100.00")


def test_a_dollar_cap_on_an_essential_health_benefit_is_located_with_its_fix(tmp_path):
    """PHS Act §2711, 45 CFR 147.126 (dsl/checker/plan_ehb.py): the error
    stands on the cap, and the hint names the fixes in the plan's words."""
    line = "  physical_therapy: copay $40, max $500 per plan year"
    out = _check(tmp_path, _plan("", line + "\n"))
    col = _col(line, "max $500")
    assert (f"clauses.garant:12:{col}: error: line 12: `max $500 per plan year` caps `physical_therapy`, an essential health benefit "
            "(rehabilitative and habilitative services and devices)") in out, out
    assert "drop `, max $500 per plan year`" in out and "end the line with `, not essential`" in out and "`grandfathered individual`" in out, out
    for fix in ("  grandfathered individual\n", ""):
        fixed = line + (", not essential" if not fix else "")
        out = _check(tmp_path, _plan(fix, fixed + "\n"))
        assert "0 errors" in out, out


def test_a_visit_limit_on_an_essential_health_benefit_is_no_dollar_limit(tmp_path):
    out = _check(tmp_path, _plan("", "  physical_therapy: copay $40, max 20 visits per plan year\n"))
    assert "0 errors" in out, out


def test_the_no_surprises_options_reach_the_generated_module():
    text = _plan("  no surprises act: allowed 80%, in network facilities, air ambulance\n")
    unit = compile_text(text, "clauses.garant")
    assert not [d for d in unit.diagnostics if d.is_error], unit.diagnostics
    nsa = unit.product.no_surprises
    assert (nsa.allowed_percent, nsa.facilities, nsa.air_ambulance) == (8000, True, True)
    assert nsa.ancillary == ("diagnostic", "imaging")
    code = generate_product(unit.product)
    call = code[code.index("NO_SURPRISES = "):].split("\n)\n", 1)[0]
    assert "facilities=True," in call and "air_ambulance=True," in call and "ancillary=('diagnostic', 'imaging')," in call, call
