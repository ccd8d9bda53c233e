"""The batch claim reader (`batch/columns.py`) against the claim reader it
stands in for (`ClaimReader.read`, `garant eval`'s): on synthetic claims
with one field spoiled in many records, as text (CSV) and as typed Parquet
columns, every record must come out as the same `Claim` (every field) or
the same `Rejection` (id, reason, field, row)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from garant.compiler.driver import load_product
from garant.batch.columns import read_columns
from garant.batch.synth import generate
from garant.compiler.runtime.claims import Claim

ROOT = Path(__file__).resolve().parent.parent

# (field, spoiled values): what the reader refuses, warns about, or reads another way.
SPOILERS = [
    ("id", [None, "", "   ", " X1 "]),
    ("date", [None, "", "2025-13-45", "10/03/2025", " 2025-03-10 ", "2016-06-01"]),
    ("beneficiary", [None, "", "  "]),
    ("birth_date", ["2030-01-01", "garbage", "", "2025-01-01"]),
    ("price", [None, "", "-3", "abc", "12.345", "1e3", "30,50", "7"]),
    ("base", ["", "-1", "x", "0.001", "23.00"]),
    ("amo", ["5", "-5", "x"]),
    ("frame_price", ["1.00", "99999.00", "x"]),
    ("quantity", ["0", "-1", "2.5", "abc", "3", "10001", " 4 "]),
    ("emergency", ["yes", "no", "maybe", "1"]),
    ("referral", ["true", "0", "perhaps"]),
    ("act", [None, "", "radiesthesie", "consultation pharmacie", "  consultation   generaliste ", "CONSULTATION GENERALISTE", "audiologie"]),
    ("provider", ["secteur2", "secteur3", "optam", "secteur1 non_optam", "secteur2 cas", "secteur2 optam_co", "consultation", " secteur1 "]),
    ("network", ["kalivia", "KALIVIA", "unknown_net", " santeclair "]),
    ("parcours", ["hors_parcours", "acces_direct", "nowhere", "dans_parcours"]),
    ("secteur", ["secteur2", "secteur9", "secteur1"]),
    ("family", ["F1", ""]),
]
FIELDS = sorted({"id", "date", "beneficiary", "birth_date", "act", "provider", "parcours", "network", "price", "quantity", "base"} | {f for f, _ in SPOILERS})


@pytest.fixture(scope="module")
def product():
    return load_product(ROOT / "contracts" / "essentiel_2025.garant")


def _spoiled(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    records = []
    for k, claim in enumerate(generate(n, seed)):
        r = {f: claim.get(f) for f in FIELDS}
        r["quantity"] = None if r["quantity"] is None else str(r["quantity"])
        if k % 3 == 0:
            field, values = rng.choice(SPOILERS)
            r[field] = rng.choice(values)
        if k % 17 == 0:  # old dates: an alias still stands, a value not yet
            r["date"] = rng.choice(["2016-12-31", "2015-02-01", "2017-01-01"])
            r["provider"] = rng.choice(["secteur2 cas", "secteur2 optam", "secteur2 optam_co", "secteur1"])
        records.append(r)
    return records


def _same(got, want) -> str | None:
    if type(got) is not type(want):
        return f"{type(got).__name__} ≠ {type(want).__name__}: {getattr(want, 'reason', '')}"
    slots = Claim.__slots__ if isinstance(want, Claim) else ("id", "reason", "field", "index")
    for name in slots:
        a, b = getattr(got, name, "<unset>"), getattr(want, name, "<unset>")
        if a != b or type(a) is not type(b):
            return f"{name}: {a!r} ≠ {b!r}"
    return None


def _check(product, table: pa.Table, records: list[dict]) -> None:
    rows = list(range(1, table.num_rows + 1))
    got = read_columns(product.reader, table, rows)
    assert got is not None
    problems = []
    for i, raw in enumerate(records):
        problem = _same(got[i], product.reader.read(raw, rows[i]))
        if problem:
            problems.append(f"record {i} {raw}: {problem}")
    assert not problems, "\n".join(problems[:10])


def test_text_columns_read_as_the_reader_reads(product):
    records = _spoiled(3000, 11)
    table = pa.table({f: pa.array([r[f] for r in records], pa.string()) for f in FIELDS})
    _check(product, table, records)


def test_typed_columns_read_as_the_reader_reads(product):
    """Parquet keeps types: dates, integer quantities, decimal prices, booleans."""
    records = []
    for r in _spoiled(1500, 12):
        for name in ("date", "birth_date"):
            try:
                r[name] = dt.date.fromisoformat(r[name]) if r[name] else None
            except ValueError:
                r[name] = None
        try:
            r["quantity"] = int(r["quantity"]) if r["quantity"] not in (None, "") else None
        except ValueError:
            r["quantity"] = -7
        try:
            r["price"] = Decimal(r["price"]).quantize(Decimal("0.01")) if r["price"] else None
        except ArithmeticError:
            r["price"] = Decimal("-1.00")
        r["emergency"] = None if r["emergency"] is None else r["emergency"] in ("yes", "1", "true")
        records.append(r)
    types = {"date": pa.date32(), "birth_date": pa.date32(), "quantity": pa.int64(), "price": pa.decimal128(12, 2), "emergency": pa.bool_()}
    table = pa.table({f: pa.array([r[f] for r in records], types.get(f, pa.string())) for f in FIELDS})
    _check(product, table, records)


def test_missing_columns_are_absent_fields(product):
    records = [{k: v for k, v in r.items() if k in ("id", "date", "beneficiary", "act", "price")} for r in _spoiled(500, 13)]
    table = pa.table({f: pa.array([r[f] for r in records], pa.string()) for f in ("id", "date", "beneficiary", "act", "price")})
    _check(product, table, records)
