"""The evaluator's shape: small functions, and one list of steps kept by both evaluators.

Every function of the runtime (`compiler/runtime`) and of the vectorised
evaluator (`batch/vector`) stays under 60 lines and a cyclomatic
complexity of 15 (measured with `mccabe`, flake8's own); every step a
product runs has a docstring naming its rule, and a vector counterpart or
a stated reason why it has none (`batch/vector/steps`).
"""

from __future__ import annotations

import ast
import inspect
import sys
from pathlib import Path

import mccabe
import pytest

from garant.batch.vector import steps as vector
from garant.compiler.runtime.engine import Product
from garant.compiler.runtime.plan_engine import PlanProduct
from garant.compiler.runtime.steps import lines as line_steps
from garant.compiler.runtime.steps import select, when

ROOT = Path(__file__).resolve().parent.parent
MEASURED = ("compiler/runtime", "batch/vector")
MAX_LINES = 60
MAX_COMPLEXITY = 15


def functions(folder: str):
    """(place, lines, cyclomatic complexity) of every function under `folder`, nested ones included."""
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        visitor = mccabe.PathGraphingAstVisitor()
        visitor.preorder(tree, visitor)
        complexity = {graph.lineno: graph.complexity() for graph in visitor.graphs.values()}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                where = f"{path.relative_to(ROOT)}:{node.lineno} {node.name}"
                yield where, node.end_lineno - node.lineno + 1, complexity.get(node.lineno, 1)


def test_the_measure_sees_long_and_branchy_functions(tmp_path, monkeypatch):
    branches = "\n".join(f"    if x == {i}:\n        return {i}" for i in range(20))
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text(f"def branchy(x):\n{branches}\n    return -1\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    [(where, length, complexity)] = list(functions("pkg"))
    assert where == "pkg/m.py:1 branchy" and length == 42 and complexity == 21


@pytest.mark.parametrize("folder", MEASURED)
def test_no_function_is_over_60_lines_or_complexity_15(folder):
    measured = list(functions(folder))
    assert len(measured) > 20  # the folder was read
    too_big = [f"{where}: {length} lines, complexity {cc}" for where, length, cc in measured if length > MAX_LINES or cc > MAX_COMPLEXITY]
    assert not too_big, "split these into named steps or helpers:\n" + "\n".join(too_big)


def _names(steps) -> list[str]:
    return [step.__name__ for step in steps]


def test_the_contract_and_plan_step_lists():
    assert _names(Product.STEPS) == ["eligibility", "not_reimbursed", "regime_amo", "statement_rate", "stay_heavy_act", "session_heavy_act",
                                     "reference_amo", "beneficiary_status", "invoice_acts", "deductions", "statement_deductions", "stay_days", "price_checks",
                                     "gap", "contract_lines", "decompte"]
    assert _names(Product.LINE_STEPS) == ["line_keyed", "line_quantity", "line_formula", "line_waiting", "line_ceiling", "line_room",
                                          "line_budgets", "line_amount_limits", "line_fallback", "line_consume"]
    assert _names(PlanProduct.STEPS) == ["network_status", "eligibility", "benefit_line", "visits_left", "cap_left", "denial",
                                         "allowed_amount", "visit_limit", "accumulators", "deductible", "copay", "coinsurance",
                                         "out_of_pocket_max", "benefit_cap", "accumulate", "explanation"]


@pytest.mark.parametrize("step", [*Product.STEPS, *Product.LINE_STEPS, *PlanProduct.STEPS], ids=lambda s: f"{s.__module__}.{s.__name__}")
def test_every_step_says_which_rule_it_applies(step):
    doc = inspect.getdoc(step) or ""
    assert any(source in doc for source in ("SECU.md", "MANAGED_CARE.md", "RESPONSABLE.md", "Spec §", "CSS ")), doc
    assert list(inspect.signature(step).parameters) == ["product", "s"]


def test_every_contract_step_runs_over_arrays_or_says_why_not():
    scalar = _names(Product.STEPS)
    assert set(vector.VECTOR) == set(scalar), "a contract step without its vector function (batch/vector/steps)"
    lines = set(_names(Product.LINE_STEPS))
    told = set(vector.LINE_VECTOR) | set(vector.SCALAR_ONLY) | set(vector.IMPLICIT)
    assert lines == told, f"line steps without a vector function or a reason: {sorted(lines - told)}; unknown: {sorted(told - lines)}"
    assert not set(vector.LINE_VECTOR) & (set(vector.SCALAR_ONLY) | set(vector.IMPLICIT))
    assert all(len(why) > 40 for why in (*vector.SCALAR_ONLY.values(), *vector.IMPLICIT.values(), vector.PLAN_SCALAR_ONLY))
    for name, fn in [*vector.VECTOR.items(), *vector.LINE_VECTOR.items()]:
        assert inspect.getdoc(fn), f"vector `{name}` has no docstring"


def test_the_vector_run_takes_the_scalar_order(monkeypatch):
    called = []
    for name in vector.VECTOR:
        monkeypatch.setitem(vector.VECTOR, name, lambda v, by_combo, name=name: called.append(name))

    class V:
        product = Product

    vector.run(V, [])
    assert called == [n for n in _names(Product.STEPS) if n != "decompte"]


def test_a_route_runs_only_the_steps_it_needs():
    @when(lambda product, route: route == "priced")
    def only_priced(product, s):
        """Spec §0."""

    def always(product, s):
        """Spec §0."""

    assert select((always, only_priced), None, "priced") == (always, only_priced)
    assert select((always, only_priced), None, "gap") == (always,)


def test_every_line_pays_its_formula_within_the_room():
    unconditional = [s.__name__ for s in line_steps.LINE_STEPS if getattr(s, "needed", None) is None]
    assert unconditional == ["line_formula", "line_room"]
