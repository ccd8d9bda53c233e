"""Every golden case, through both evaluators: the hand-worked claims of
`tests/golden/*.yaml` (the seeds, the published contracts, limits, the
regime's rules…) evaluated by the scalar engine and by the vectorised one
(`evaluate_partition(..., evaluator=…)`), décompte and rejection tables
identical, column by column. The golden runner checks the scalar figures
against the documents; this checks the vector way gives the same ones, so
a rule added to one evaluator only is seen on the first case that uses it.
Plans (managed care) are evaluated by the scalar engine only."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from garant.batch.unit import evaluate_partition
from garant.compiler.driver import at_levels
from garant.compiler.golden import _claims, _Products, load_file

GOLDEN = Path(__file__).resolve().parent / "golden"


def _cases():
    for path in sorted(GOLDEN.glob("*.yaml")):
        data = load_file(path)
        for case in data.get("cases", []):
            if "claims" in case:
                yield pytest.param(path, case, id=f"{path.stem}:{case.get('id')}")


def _table(records: list[dict]) -> pa.Table:
    names = list(dict.fromkeys(k for r in records for k in r))
    return pa.table({n: pa.array([None if r.get(n) is None else str(r[n]) for r in records], pa.string()) for n in names})


def _same(product, claims: list[dict], where: str) -> None:
    table = _table(_claims(claims))
    want = evaluate_partition(product, table, evaluator="scalar")
    got = evaluate_partition(product, table, evaluator="vector")
    for kind, a, b in zip(("décomptes", "rejections"), want, got):
        assert a.schema == b.schema, f"{where}: {kind} schemas differ"
        for name in a.schema.names:
            x, y = a.column(name).to_pylist(), b.column(name).to_pylist()
            assert x == y, f"{where}: {kind} column {name}: {x} (scalar) ≠ {y} (vector)"


_PRODUCTS: dict = {}


@pytest.mark.parametrize("path,case", list(_cases()))
def test_vector_evaluator_gives_the_golden_cases_scalar_figures(path, case):
    products = _PRODUCTS.setdefault(path, _Products(load_file(path), path.parent))
    product = products.get(case)
    if getattr(product, "kind", "") == "plan":
        pytest.skip("plans are evaluated by the scalar engine only")
    if "levels" in case:
        for level in case["levels"]:
            _same(at_levels(product, str(level).replace(",", " ").split()), case["claims"], f"level {level}")
    else:
        _same(product, case["claims"], "no level")
