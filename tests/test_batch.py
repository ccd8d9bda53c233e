"""Batch path (`garant run`, `garant impact`, `garant synth`): every claim
accounted for, the same décomptes as `garant eval`, bounded partitions."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from garant.compiler.driver import load_product, load_product_text
from garant.batch.impact import impact, markdown_report
from garant.batch.io import read_table
from garant.batch.oracle import differences
from garant.batch.output import money_column
from garant.batch.partition import bucket_ids
from garant.batch.run import run
from garant.batch.synth import COLUMNS, generate, write_claims
from garant.batch.unit import evaluate_partition
from garant.cli import app
from garant.compiler.runtime.money import fmt

ROOT = Path(__file__).resolve().parent.parent
ESSENTIEL = ROOT / "contracts" / "essentiel_2025.garant"


@pytest.fixture(scope="module")
def product():
    return load_product(ESSENTIEL)


def _write_csv(path: Path, header: list[str], rows: list[list[str]], extra_lines: list[str] = ()) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            w.writerow(r)
        for line in extra_lines:
            f.write(line + "\r\n")


HEADER = ["id", "date", "beneficiary", "act", "provider", "price", "quantity", "base"]
GOOD = ["G1", "2025-03-10", "B1", "consultation generaliste", "secteur1", "30.00", "", ""]
BAD_ROWS = [
    GOOD,
    ["", "2025-03-11", "B1", "consultation generaliste", "secteur1", "30.00", "", ""],  # row 2: no id
    ["P1", "2025-03-12", "B1", "consultation generaliste", "secteur1", "", "", ""],  # no price
    ["N1", "2025-03-12", "B2", "consultation generaliste", "secteur1", "-30.00", "", ""],  # negative price
    ["U1", "2025-03-12", "B2", "radiesthesie", "", "30.00", "", ""],  # unknown act
    ["D1", "2025-13-45", "B2", "consultation generaliste", "secteur1", "30.00", "", ""],  # malformed date
    ["G1", "2025-04-10", "B1", "consultation generaliste", "secteur1", "30.00", "", ""],  # row 7: duplicate of G1 (same beneficiary)
    ["G1", "2025-04-10", "B3", "consultation generaliste", "secteur1", "30.00", "", ""],  # same id, another beneficiary: a claim
    ["Q1", "2025-04-10", "B3", "consultation generaliste", "secteur1", "30.00", "0", ""],  # quantity 0
    ["NB", "2025-04-10", "", "consultation generaliste", "secteur1", "30.00", "", ""],  # no beneficiary
]
BROKEN_LINE = "X9,2025-01-01,B4,consultation generaliste,secteur1,30.00,,,too,many"


@pytest.mark.parametrize("rows_per_partition", [50_000, 1])
def test_every_row_comes_out_once(tmp_path, product, rows_per_partition):
    claims = tmp_path / "claims.csv"
    _write_csv(claims, HEADER, BAD_ROWS, [BROKEN_LINE])
    report = run(product, claims, tmp_path / "out.csv", rows_per_partition=rows_per_partition)
    assert (report.input, report.evaluated, report.rejected) == (11, 2, 9)
    if rows_per_partition == 1:
        assert report.partitions > 1
    dec = read_table(tmp_path / "out.csv").to_pylist()
    rej = read_table(tmp_path / "out.rejections.csv").to_pylist()
    assert sorted((d["id"], d["beneficiary"]) for d in dec) == [("G1", "B1"), ("G1", "B3")]
    assert [d["row"] for d in sorted(dec, key=lambda d: d["beneficiary"])] == ["1", "8"]
    reasons = {r["id"]: (r["row"], r["field"], r["reason"]) for r in rej}
    assert reasons["claim #2"][:2] == ("2", "id")
    assert reasons["P1"][1] == "price" and "missing" in reasons["P1"][2]
    assert reasons["N1"][1] == "price" and "negative" in reasons["N1"][2]
    assert reasons["U1"][1] == "act" and "radiesthesie" in reasons["U1"][2]
    assert reasons["D1"][1] == "date" and "not a date" in reasons["D1"][2]
    assert reasons["G1"][:2] == ("7", "id") and "duplicate" in reasons["G1"][2] and "row 1" in reasons["G1"][2]
    assert reasons["Q1"][1] == "quantity"
    assert reasons["NB"][1] == "beneficiary"
    assert reasons["X9"][0] is None and "malformed CSV line" in reasons["X9"][2]
    # the rejections file keeps the claim's own fields
    n1 = next(r for r in rej if r["id"] == "N1")
    assert (n1["price"], n1["act"], n1["beneficiary"]) == ("-30.00", "consultation generaliste", "B2")
    x9 = next(r for r in rej if r["id"] == "X9")
    assert x9["beneficiary"] == "B4"


def test_good_claim_amounts(tmp_path, product):
    """GP, secteur 1, 2025-03-10, 30€ on the 30€ base: AMO 70% = 21.00,
    participation forfaitaire 2.00 → AMO net 19.00; `all: TM` pays the
    ticket modérateur 9.00; the patient keeps the 2.00 PF
    (shared/domain/SECU.md, spec §3.2)."""
    claims = tmp_path / "claims.csv"
    _write_csv(claims, HEADER, [GOOD])
    run(product, claims, tmp_path / "out.csv")
    (d,) = read_table(tmp_path / "out.csv").to_pylist()
    assert (d["price"], d["base"], d["amo_rate"], d["amo"], d["participation_forfaitaire"], d["amo_net"], d["amc"], d["rac"]) == (
        "30.00", "30.00", "70%", "21.00", "2.00", "19.00", "9.00", "2.00")


@pytest.mark.parametrize("fmt_, rows_per_partition", [("csv", 400), ("parquet", 300), ("csv", 50_000)])
def test_same_decomptes_as_eval(tmp_path, product, fmt_, rows_per_partition):
    """The batch path (partitions spilled to disk, columns formatted by
    Arrow) against `Product.evaluate`, the per-claim oracle."""
    n = 3000
    path = tmp_path / f"claims.{fmt_}"
    write_claims(path, n, seed=11)
    report = run(product, path, tmp_path / f"out.{fmt_}", rows_per_partition=rows_per_partition)
    assert report.input == n == report.evaluated + report.rejected
    bad, shown = differences(product, generate(n, seed=11), read_table(tmp_path / f"out.{fmt_}"),
                             read_table(tmp_path / f"out.rejections.{fmt_}"))
    assert bad == 0, shown


def test_file_order_does_not_matter(tmp_path, product):
    rows = generate(1500, seed=5)
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    for name, data in (("a.csv", rows), ("b.csv", shuffled)):
        _write_csv(tmp_path / name, list(COLUMNS), [[("" if c.get(k) is None else str(c.get(k))) for k in COLUMNS] for c in data])
        run(product, tmp_path / name, tmp_path / f"out-{name}", rows_per_partition=200)
    a = {d["id"]: {k: v for k, v in d.items() if k != "row"} for d in read_table(tmp_path / "out-a.csv").to_pylist()}
    b = {d["id"]: {k: v for k, v in d.items() if k != "row"} for d in read_table(tmp_path / "out-b.csv").to_pylist()}
    assert len(a) == 1500 and a == b


def test_typed_parquet_columns(tmp_path, product):
    """Parquet claims may carry real dates, decimals and integers."""
    import datetime as dt
    from decimal import Decimal

    table = pa.table({
        "id": pa.array([101, 102], pa.int64()),
        "date": pa.array([dt.date(2025, 3, 10), dt.date(2025, 3, 11)], pa.date32()),
        "beneficiary": ["B1", "B1"],
        "act": ["consultation generaliste", "consultation generaliste"],
        "provider": ["secteur1", "secteur1"],
        "price": pa.array([Decimal("30.00"), Decimal("-1.00")], pa.decimal128(9, 2)),
        "quantity": pa.array([1, None], pa.int32()),
    })
    pq.write_table(table, tmp_path / "typed.parquet")
    report = run(product, tmp_path / "typed.parquet", tmp_path / "out.parquet")
    assert (report.evaluated, report.rejected) == (1, 1)
    (d,) = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert (d["id"], d["date"], d["amc"], d["rac"]) == ("101", "2025-03-10", "9.00", "2.00")
    (r,) = pq.read_table(tmp_path / "out.rejections.parquet").to_pylist()
    assert (r["id"], r["row"], r["field"], r["price"]) == ("102", 2, "price", "-1.00")


def test_partition_is_self_contained(product):
    """A partition evaluated alone gives what it gives inside a whole run:
    the unit of work shares no state."""
    rows = generate(2000, seed=3)
    table = pa.Table.from_pylist([{k: c.get(k) for k in COLUMNS} for c in rows])
    whole, _ = evaluate_partition(product, table)
    mine = {f"B{i:06d}" for i in range(0, 100, 3)}
    part = table.filter(pa.compute.is_in(table.column("beneficiary"), pa.array(sorted(mine))))
    alone, _ = evaluate_partition(ESSENTIEL, part)
    expected = [d for d in whole.to_pylist() if d["beneficiary"] in mine]
    got = alone.to_pylist()
    assert len(got) == len(expected) > 0
    strip = lambda d: {k: v for k, v in d.items() if k != "row"}  # noqa: E731
    assert [strip(d) for d in got] == [strip(d) for d in expected]


def test_money_column_matches_fmt():
    values = [0, 1, 9, 10, 99, 100, 105, 2650, 123456789, -1, -250, None, 10**15]
    assert money_column(values).to_pylist() == [fmt(v) for v in values]


def test_bucket_is_stable_and_keeps_a_key_together():
    keys = pa.array(["B1", "B2", None, "B1", "B3"])
    ids = bucket_ids(keys, 7).to_pylist()
    assert ids[0] == ids[3] and ids[2] == 0
    assert ids == bucket_ids(pa.array(["B1", "B2", None, "B1", "B3"]), 7).to_pylist()


def test_bucket_is_zlib_crc32_of_the_key_text():
    """The vectorised CRC-32 gives zlib's own value for every key: short,
    empty, non-ASCII, longer than the vectorised loop takes, in a slice
    (an offset into the buffers), and as large_string."""
    import zlib

    from garant.batch.partition import crc32_column

    rnd = random.Random(7)
    keys = [f"B{rnd.randint(1, 10**6)}" for _ in range(3000)] + ["", "é€x", "a" * 100, "Z" * 65, " B1 "]
    want = [zlib.crc32(k.encode("utf-8")) for k in keys]
    assert crc32_column(pa.array(keys)).tolist() == want
    assert crc32_column(pa.array(keys).slice(11, 2000)).tolist() == want[11:2011]
    assert crc32_column(pa.array(keys, pa.large_string())).tolist() == want
    with_null = pa.array(keys + [None])
    assert bucket_ids(with_null, 13).to_pylist() == [w % 13 for w in want] + [0]


def test_repeated_ids_within_a_beneficiary_only():
    """An id is repeated when another record of the same beneficiary has
    it; the same id under two beneficiaries is two claims."""
    import numpy as np

    from garant.batch.vector.columns import repeated_ids

    ids = pa.array(["c1", "c2", "c1", "c3", "c3", "c4"])
    ben = np.array([0, 0, 0, 1, 2, 1], np.int64)
    assert repeated_ids(ids, ben).tolist() == [True, False, True, False, False, False]
    assert repeated_ids(pa.array(["a", "b"]), np.array([0, 0], np.int64)).tolist() == [False, False]


def test_vector_partition_size_follows_the_memory_budget():
    """A budget for 2M claims at 1 KB each gives partitions of 2M claims (a
    file of a million is one pass); a small budget never goes below the
    250,000 claims a partition's fixed cost calls for."""
    from garant.batch.partition import VECTOR_ROWS_PER_PARTITION, vector_rows_per_partition

    assert vector_rows_per_partition(2_000_000 * 1_000) == 2_000_000
    assert vector_rows_per_partition(10 << 20) == VECTOR_ROWS_PER_PARTITION == 250_000


OLD = """contract "Old"
  insurer "Test"
  regime secu
  effective 2025-01-01

guarantees
  medecine_douce osteopathie: 30€ per session, max 3 sessions per calendar year
"""


def test_impact_by_hand(tmp_path):
    """Osteopathy is not reimbursed by the regime (AMO 0): four 60€ sessions
    in 2025, three paid. Old: 3 × 30€ = 90€ paid, RAC 240 − 90 = 150€.
    New: 3 × 40€ = 120€, RAC 120€. Δ paid +30€, Δ RAC −30€."""
    old = load_product_text(OLD, "old.garant")
    new = load_product_text(OLD.replace('"Old"', '"New"').replace("30€", "40€"), "new.garant")
    rows = [[f"O{i}", f"2025-0{i}-01", "B1", "medecine_douce osteopathie", "", "60.00", "", ""] for i in range(1, 5)]
    rows.append(["U1", "2025-05-01", "B1", "radiesthesie", "", "60.00", "", ""])
    _write_csv(tmp_path / "c.csv", HEADER, rows)
    report = impact(old, new, tmp_path / "c.csv")
    (line,) = report.sorted_lines()
    assert (line.title, line.provider, line.claims) == ("Ostéopathie", "—", 4)
    assert (line.old_paid, line.new_paid, line.paid_change) == (9000, 12000, 3000)
    assert (line.old_rac, line.new_rac, line.rac_change) == (15000, 12000, -3000)
    assert (report.input, report.rejected_both) == (5, 1)
    md = markdown_report(report)
    assert "| Ostéopathie | — | 4 | 90.00 | 120.00 | +30.00 | 150.00 | 120.00 | -30.00 |" in md


def test_cli_synth_run_impact(tmp_path):
    runner = CliRunner()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert runner.invoke(app, ["synth", "200", "--seed", "4", "-o", str(a)]).exit_code == 0
    assert runner.invoke(app, ["synth", "200", "--seed", "4", "-o", str(b)]).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    runner.invoke(app, ["synth", "200", "--seed", "5", "-o", str(b)])
    assert a.read_bytes() != b.read_bytes()
    res = runner.invoke(app, ["run", str(ESSENTIEL), str(a), "-o", str(tmp_path / "o.parquet"), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "200 claims in: 200 evaluated, 0 rejected" in res.output
    assert pq.read_table(tmp_path / "o.parquet").num_rows == 200
    res = runner.invoke(app, ["run", str(ESSENTIEL), str(tmp_path / "none.csv"), "-o", str(tmp_path / "o.csv"), "--no-progress"])
    assert res.exit_code == 2 and "no such file" in res.output
    md = tmp_path / "impact.md"
    res = runner.invoke(app, ["impact", str(ESSENTIEL), str(ROOT / "contracts" / "confort_plus.garant"), str(a), "-o", str(md), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "Honoraires médicaux" in md.read_text(encoding="utf-8")


PPO_FAMILY = yaml.safe_load((Path(__file__).parent / "golden" / "plans.yaml").read_text(encoding="utf-8"))["products"]["ppo_family"]


def test_plan_partitions_by_family(tmp_path):
    """tests/golden/plans.yaml `plans-family-accumulators` (MANAGED_CARE.md §6,
    worked by hand there): three members of family F1 share the family
    deductible and maximum, so they must sit in one partition even when the
    run splits the file as finely as it can; other families and a member
    with no family (their own family) run beside them."""
    plan = load_product_text(PPO_FAMILY, "ppo.garant")
    f1 = [
        ("c1", "2025-01-10", "A", "inpatient", "1500.00"), ("c2", "2025-02-10", "B", "inpatient", "800.00"),
        ("c3", "2025-03-10", "C", "imaging", "500.00"), ("c4", "2025-04-10", "C", "generic_drugs", "50.00"),
        ("c5", "2025-05-10", "A", "inpatient", "20000.00"), ("c6", "2025-06-10", "B", "inpatient", "10000.00"),
        ("c7", "2025-07-10", "C", "diagnostic lab", "100.00"), ("c8", "2026-01-05", "C", "diagnostic lab", "100.00"),
    ]
    rows = [[cid, date, ben, "F1", act, "in_network", price] for cid, date, ben, act, price in reversed(f1)]
    rows += [[f"d{i}", f"2025-0{i}-01", f"D{i % 2}", "F2", "inpatient", "in_network", "900.00"] for i in range(1, 8)]
    rows += [[f"s{i}", f"2025-0{i}-02", "S", "", "inpatient", "in_network", "2500.00"] for i in range(1, 4)]
    header = ["id", "date", "beneficiary", "family", "act", "provider", "price"]
    _write_csv(tmp_path / "plan.csv", header, rows)
    report = run(plan, tmp_path / "plan.csv", tmp_path / "out.csv", rows_per_partition=1)
    assert report.partitions > 1 and (report.input, report.evaluated) == (18, 18)
    dec = read_table(tmp_path / "out.csv")
    member = {d["id"]: d["member_paid"] for d in dec.to_pylist()}
    assert [member[f"c{i}"] for i in range(1, 9)] == ["1100.00", "800.00", "260.00", "10.00", "1900.00", "930.00", "0.00", "100.00"]
    claims = [dict(zip(header, r)) for r in rows]
    for c in claims:
        if not c["family"]:
            del c["family"]
    bad, shown = differences(plan, claims, dec, read_table(tmp_path / "out.rejections.csv"))
    assert bad == 0, shown


def test_jobs_give_the_same_files(tmp_path):
    """Partitions evaluated in two worker processes (each compiles the
    product from its path): the same décomptes, in the same order."""
    write_claims(tmp_path / "c.csv", 1200, seed=9)
    one = run(str(ESSENTIEL), tmp_path / "c.csv", tmp_path / "one.csv", rows_per_partition=300)
    two = run(str(ESSENTIEL), tmp_path / "c.csv", tmp_path / "two.csv", rows_per_partition=300, jobs=2)
    assert one.partitions == two.partitions > 1 and two.evaluated == 1200
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_latin1_row_and_semicolons(tmp_path, product):
    """A French export: `;` between fields, decimal commas, and one line
    in Latin-1 among UTF-8 ones — that line is rejected, naming its field;
    the others are evaluated (the GP claim of test_good_claim_amounts)."""
    lines = [
        "id;date;beneficiary;act;provider;price".encode(),
        "A1;2025-03-10;B1;consultation généraliste;secteur1;30,00".encode("utf-8"),
        "A2;2025-03-11;B2;consultation généraliste;secteur1;30,00".encode("latin-1"),
    ]
    (tmp_path / "fr.csv").write_bytes(b"\r\n".join(lines) + b"\r\n")
    report = run(product, tmp_path / "fr.csv", tmp_path / "out.csv")
    assert (report.input, report.evaluated, report.rejected) == (3 - 1, 1, 1)
    (d,) = read_table(tmp_path / "out.csv").to_pylist()
    assert (d["id"], d["amc"], d["rac"]) == ("A1", "9.00", "2.00")
    (r,) = read_table(tmp_path / "out.rejections.csv").to_pylist()
    assert (r["id"], r["row"], r["field"]) == ("A2", "2", "act") and "UTF-8" in r["reason"]
    assert r["act"] == "consultation g\ufffdn\ufffdraliste"


def test_trace_column_on_request(tmp_path, product):
    claims = tmp_path / "claims.csv"
    _write_csv(claims, HEADER, [GOOD])
    run(product, claims, tmp_path / "plain.csv")
    run(product, claims, tmp_path / "traced.csv", trace=True)
    assert "trace" not in read_table(tmp_path / "plain.csv").schema.names
    (d,) = read_table(tmp_path / "traced.csv").to_pylist()
    text = product.evaluate([{k: v for k, v in zip(HEADER, GOOD) if v}])[0].trace_text()
    assert d["trace"] == text and "21.00" in text and len(text.splitlines()) > 3


def test_impact_of_a_plan_change(tmp_path):
    """The family case of test_plan_partitions_by_family under the golden
    PPO, then under the same plan with generic drugs at a $5 copay: only
    c4 changes (copay 10 → 5: the plan pays 45 instead of 40)."""
    old = load_product_text(PPO_FAMILY, "old.garant")
    new = load_product_text(PPO_FAMILY.replace("copay $10", "copay $5"), "new.garant")
    header = ["id", "date", "beneficiary", "family", "act", "provider", "price"]
    rows = [["c3", "2025-03-10", "C", "F1", "imaging", "in_network", "500.00"],
            ["c1", "2025-01-10", "A", "F1", "inpatient", "in_network", "1500.00"],
            ["c2", "2025-02-10", "B", "F1", "inpatient", "in_network", "800.00"],
            ["c4", "2025-04-10", "C", "F1", "generic_drugs", "in_network", "50.00"]]
    _write_csv(tmp_path / "p.csv", header, rows)
    report = impact(old, new, tmp_path / "p.csv")
    total = report.total
    assert (total.claims, total.paid_change, total.rac_change) == (4, 500, -500)
    changed = [line for line in report.sorted_lines() if line.paid_change]
    assert len(changed) == 1 and (changed[0].old_paid, changed[0].new_paid) == (4000, 4500)
    assert "| benefit | network | claims | plan paid (old)" in markdown_report(report)


def test_a_lost_claim_stops_the_run(tmp_path, product, monkeypatch):
    """The end-of-run check can fail: a partition that loses a décompte
    (simulated) makes the run raise instead of reporting success."""
    import garant.batch.run as batch_run
    from garant.batch.unit import evaluate_partition as real

    def lossy(*args, **kwargs):
        decomptes, rejections = real(*args, **kwargs)
        return decomptes.slice(1), rejections

    monkeypatch.setattr(batch_run, "evaluate_partition", lossy)
    write_claims(tmp_path / "c.csv", 50, seed=1)
    with pytest.raises(batch_run.CountMismatch, match="50 claims in, 49 evaluated"):
        run(product, tmp_path / "c.csv", tmp_path / "out.csv")


def test_text_hash_equal_texts_equal_hashes_wherever_they_lie():
    """`_text_hash` reads eight bytes at a time past each value's end and
    masks what is not its own: the same text hashes alike wherever it sits
    in the buffer and whatever follows it (the case a lost mask would
    break: a short id followed by different bytes), across word
    boundaries, sliced arrays, empty values and the 64-byte cut."""
    import numpy as np
    import pyarrow as pa
    from garant.batch.vector.columns import _text_hash

    rng = np.random.default_rng(3)
    texts = ["".join(chr(rng.integers(97, 123)) for _ in range(k)) for k in range(0, 72)]
    neighbours = ["", "x", "yyyyyyyy", "zzzzzzzzzzzzzzzzz"]
    for i, t in enumerate(texts):
        arr = pa.array([neighbours[i % 4], t, neighbours[(i + 1) % 4], t, "é" + t])
        h = _text_hash(arr)
        assert h[1] == h[3], repr(t)
        sliced = _text_hash(arr.slice(1, 3))
        assert sliced[0] == h[1] and sliced[2] == h[3]
    hashes = _text_hash(pa.array(texts + ["a" * 64 + "b", "a" * 64 + "c"]))
    assert len(set(hashes[:72].tolist())) == 72  # distinct short texts: distinct hashes here
    assert hashes[72] == hashes[73]  # cut at 64 bytes: `repeated_ids` compares the texts themselves


def test_texts_at_equals_arrow_take():
    """`output.texts_at` (one text repeated, else Arrow's take) gives the
    same array as the take it stands in for: one text (empty, accented)
    on every row, several texts, and a null among the texts."""
    import numpy as np
    import pyarrow as pa
    from garant.batch.io import arrow_of
    from garant.batch.output import texts_at

    n = 70_000
    for texts, codes in [
        (pa.array(["70%", "100%"]), np.zeros(n, np.int64)),
        (pa.array(["x", ""]), np.ones(n, np.int64)),
        (pa.array(["consultation spécialiste"]), np.zeros(n, np.int64)),
        (pa.array(["a", "bb", "ccc"]), np.arange(n) % 3),
        (pa.array(["a", None]), np.ones(n, np.int64)),
    ]:
        got = texts_at(texts, codes)
        got.validate(full=True)
        assert got.equals(texts.take(arrow_of(codes)))


@pytest.mark.parametrize("content,encoding", [
    (b"id,date,beneficiary,act,provider,price\nc1,2025-01-02,B1,consultation generaliste,secteur1,30.00\n", None),
    (b'id,date,beneficiary,act,provider,price\nc1,2025-01-02,"B1\nB2",consultation generaliste,secteur1,"30,00"\nc2,2025-01-03,B1,x,y,1\n', None),
    (b"id,date,beneficiary,act,provider,price\nc1,2025-01-02,B1\nc2,2025-01-03,B1,x,y,1,extra\nc3,2025-01-04,B1,x,y,2\n", None),
    ("\ufeffid,date,beneficiary,act,provider,price\nc1,2025-01-02,Bé,consultation,secteur1,30\n".encode("utf-8"), None),
    (b"id,date,beneficiary,act,provider,price\nc1,2025-01-02,B\xe9,consultation,secteur1,30\nc2,2025-01-02,B\xff\xfe,x,y,1\n", None),
    (b"id,date,beneficiary,act,provider,price\nc1,2025-01-02,B\xe9,consultation,secteur1,30\n", "cp1252"),
    (b"id;date;beneficiary;act;provider;price\r\nc1;2025-01-02;B1;x;y;1\r\n", None),
])
def test_a_file_read_whole_equals_the_file_read_block_by_block(tmp_path, content, encoding):
    """`ClaimsFile.batches(whole=True)` (one partition: Arrow parses the
    file on every core, from memory when it is ASCII, without fields
    spanning lines when it has no quote mark; a malformed line sends it
    back to the block-by-block reader) gives the records, the unreadable
    fields and the malformed lines, in order, that the block-by-block
    reader gives."""
    import pyarrow as pa
    from garant.batch.io import ClaimsFile

    path = tmp_path / "claims.csv"
    path.write_bytes(content)
    whole, blocks = ClaimsFile(path, encoding=encoding), ClaimsFile(path, encoding=encoding)
    got = pa.Table.from_batches(list(whole.batches(whole=True)))
    want = pa.Table.from_batches(list(blocks.batches()))
    assert got.equals(want), (got.to_pylist(), want.to_pylist())
    assert whole.malformed == blocks.malformed
