"""The vectorised evaluator gives the scalar engine's décomptes on claims
that exercise the regime figures of issue 17.5 (G + MEG under 6, emergency
transport, dental acts by physicians, heavy imaging), the 100 % Santé
price ceilings of 17.6 (class A frame, class I hearing aid by age) and the
euro ceilings a `cap` line meets (18.1: R8, R6). Same comparison as
tests/test_batch_vector.py: every column of every row."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from garant.batch.unit import evaluate_partition
from garant.batch.vector import VectorStats
from garant.compiler.driver import load_product

ROOT = Path(__file__).resolve().parent.parent
ESSENTIEL = ROOT / "contracts" / "essentiel_2025.garant"

CAPS = """contract "Plafonds en euros"
  insurer "Test"
  regime secu
  effective 2025-01-01

guarantees
  all: TM
  aides_auditives classe_2: 200% BRSS cap
  optique equipement classe_b: 300% BRSS cap
"""


def _table(records: list[dict]) -> pa.Table:
    names = list(dict.fromkeys(k for r in records for k in r))
    return pa.table({n: pa.array([None if r.get(n) is None else str(r[n]) for r in records], pa.string()) for n in names})


def _compare(product, records: list[dict]) -> tuple[VectorStats, dict]:
    table = _table(records)
    want_d, want_r = evaluate_partition(product, table, evaluator="scalar")
    stats = VectorStats()
    got_d, got_r = evaluate_partition(product, table, evaluator="vector", stats=stats)
    def rows(t):
        return sorted(t.to_pylist(), key=lambda r: r["row"])
    assert rows(want_d) == rows(got_d)
    assert rows(want_r) == rows(got_r)
    assert want_d.num_rows + want_r.num_rows == table.num_rows
    return stats, {r["id"]: r for r in want_d.to_pylist()}


def _claims() -> list[dict]:
    out = []
    k = 0
    for year in (2018, 2022, 2024, 2025):
        for ben, birth in (("K", f"{year - 3}-05-01"), ("A", "1980-01-10"), ("N", None)):
            k += 1
            common = {"beneficiary": ben, "birth_date": birth}
            out += [
                {"id": f"g{k}", "date": f"{year}-03-01", "act": "consultation generaliste", "provider": "secteur1", "price": "40.00", **common},
                {"id": f"o{k}", "date": f"{year}-03-02", "act": "consultation generaliste", "provider": "secteur2 optam", "price": "45.00", **common},
                {"id": f"t{k}", "date": f"{year}-03-03", "act": "transport urgence_pre_hospitaliere", "price": "250.00", "base": "250.00", **common},
                {"id": f"p{k}", "date": f"{year}-03-04", "act": "transport", "price": "90.00", "base": "90.00", "quantity": "2", **common},
                {"id": f"d{k}", "date": f"{year}-03-05", "act": "dentaire actes_medecins", "price": "120.00", "base": "100.00", **common},
                {"id": f"i{k}", "date": f"{year}-03-06", "act": "imagerie", "price": "160.00", "base": "150.00", **common},
                {"id": f"m{k}", "date": f"{year}-03-07", "act": "optique monture classe_a", "price": "45.00", "base": "9.00", **common},
                {"id": f"h{k}", "date": f"{year}-03-08", "act": "aides_auditives classe_1", "price": "1200.00", "base": "400.00", **common},
                {"id": f"c{k}", "date": f"{year}-03-09", "act": "aides_auditives classe_2", "price": "3000.00", "base": "1500.00", **common},
                {"id": f"e{k}", "date": f"{year}-03-10", "act": "optique equipement", "provider": "classe_b verres_simples", "price": "700.00", "base": "200.00", **common},
            ]
    return out


def test_new_figures_vector_equals_scalar_on_the_bundled_contract():
    stats, got = _compare(load_product(ESSENTIEL), _claims())
    assert stats.vector > 0.5 * (stats.vector + stats.scalar), "most claims must take the vectorised way"
    # hand-checked anchors (tests/golden/regime_figures.yaml, ceilings.yaml)
    assert got["g10"]["base"] == "35.00"  # K, aged 3 in 2025: G + MEG
    assert got["m5"]["amc"] == "24.60" and "the 15.00 above it is the patient's" in got["m5"]["warnings"]


def test_euro_ceilings_vector_equals_scalar(tmp_path):
    src = tmp_path / "caps.garant"
    src.write_text(CAPS, encoding="utf-8")
    stats, got = _compare(load_product(src), _claims())
    assert stats.vector > 0
    # R8: AMO 900, 200% BRSS would pay 2100; all-in 1700 → 800 (golden r8-clamps-a-percent-cap-line)
    assert got["c11"]["amc"] == "800.00"
    # R6 grille a: AMO 120, formula 480, all-in 420 → 300 (golden r6-euro-ceiling-clamps-a-cap-line)
    assert got["e11"]["amc"] == "300.00"
