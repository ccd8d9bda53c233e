"""`garant run` and `eval` on hostile and odd claims files (issue 14,
items 3, 4, 5 and 9; issue 16 item 5: `--encoding`).

Each bad value is a rejection of its row (the others evaluated) or a
one-line error before anything is written; never a traceback, never a
row lost; outputs appear whole or not at all.
"""

from __future__ import annotations

import csv
import decimal
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from garant import cli
from garant.cli import app

ROOT = Path(__file__).resolve().parent.parent
ESSENTIEL = ROOT / "contracts" / "essentiel_2025.garant"
HEADER = "id,date,beneficiary,act,price,base\n"
GOOD = "c1,2025-03-01,B,pharmacie,10.00,10.00\n"


def run(tmp_path, claims: Path, *extra, product=ESSENTIEL, out="out.csv", evaluator="vector"):
    result = CliRunner().invoke(app, ["run", str(product), str(claims), "-o", str(tmp_path / out), "--no-progress", "--evaluator", evaluator, *map(str, extra)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def rows(path: Path) -> list[dict]:
    if path.suffix == ".parquet":
        return pq.read_table(path).to_pylist()
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def outcome(tmp_path, out="out.csv") -> tuple[dict, dict]:
    """{id: décompte row}, {id: rejection row}"""
    out = tmp_path / out
    rejections = out.with_name(f"{out.stem}.rejections{out.suffix}")
    return {r["id"]: r for r in rows(out)}, {r["id"]: r for r in rows(rejections)}


EVALUATORS = pytest.mark.parametrize("evaluator", ["vector", "scalar"])


# ---------------------------------------------------------------- item 3
@EVALUATORS
def test_a_price_beyond_int64_is_a_rejection_of_its_row(tmp_path, evaluator):
    """18 and 20 digits: the first reached the output writer and killed
    the run with OverflowError (int64); `eval` took both."""
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + GOOD + "c2,2025-03-01,B,pharmacie,999999999999999999.99,10.00\nc3,2025-03-01,B,pharmacie,99999999999999999999,10.00\n", encoding="utf-8")
    result = run(tmp_path, claims, evaluator=evaluator)
    assert result.exit_code == 0, result.output
    done, rejected = outcome(tmp_path)
    assert set(done) == {"c1"} and set(rejected) == {"c2", "c3"}
    assert all("too large for an amount (at most 10 000 000 000.00)" in r["reason"] for r in rejected.values())


@EVALUATORS
def test_three_decimals_exact_are_taken_fractions_of_a_cent_refused(tmp_path, evaluator):
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + "c1,2025-03-01,B,pharmacie,17.320,10.000\nc2,2025-03-01,B,pharmacie,17.325,10.00\n", encoding="utf-8")
    result = run(tmp_path, claims, evaluator=evaluator)
    assert result.exit_code == 0, result.output
    done, rejected = outcome(tmp_path)
    assert done["c1"]["price"] == "17.32" and done["c1"]["base"] == "10.00"
    assert "`17.325` has fractions of a cent" in rejected["c2"]["reason"]


@EVALUATORS
def test_parquet_decimal_10_3(tmp_path, evaluator):
    claims = tmp_path / "c.parquet"
    pq.write_table(pa.table({"id": ["c1", "c2"], "date": ["2025-03-01"] * 2, "beneficiary": ["B", "B"], "act": ["pharmacie"] * 2,
                             "price": pa.array([decimal.Decimal("17.320"), decimal.Decimal("17.325")], pa.decimal128(10, 3)),
                             "base": pa.array([decimal.Decimal("10.000")] * 2, pa.decimal128(10, 3))}), claims)
    result = run(tmp_path, claims, evaluator=evaluator)
    assert result.exit_code == 0, result.output
    done, rejected = outcome(tmp_path)
    assert done["c1"]["price"] == "17.32" and set(rejected) == {"c2"}
    assert "fractions of a cent" in rejected["c2"]["reason"]


@EVALUATORS
def test_a_malformed_line_that_is_not_utf8_is_one_rejection(tmp_path, evaluator):
    """Before: UnicodeDecodeError inside pyarrow's handler, a traceback, exit 2."""
    claims = tmp_path / "c.csv"
    claims.write_bytes(HEADER.encode() + GOOD.encode() + b"c2,2025-03-01,B\xe9,pharmacie,10.00,10.00,extra\n" + b"c3,2025-03-02,B,pharmacie,10.00,10.00\n")
    result = run(tmp_path, claims, evaluator=evaluator)
    assert result.exit_code == 0, result.output
    done, rejected = outcome(tmp_path)
    assert set(done) == {"c1", "c3"} and set(rejected) == {"c2"}
    assert "malformed CSV line: 7 fields where the header has 6: c2,2025-03-01,B\ufffd,pharmacie" in rejected["c2"]["reason"]


def _parquet(path: Path, **columns):
    base = {"id": ["c1", "c2"], "date": ["2025-03-01"] * 2, "beneficiary": ["B", "B"], "act": ["pharmacie"] * 2, "price": ["10.00", "12.00"], "base": ["10.00"] * 2}
    base.update(columns)
    pq.write_table(pa.table(base), path)
    return path


@EVALUATORS
@pytest.mark.parametrize("column,values,rejected_ids", [
    ("extra", pa.array([[1, 2], [3]]), set()),  # a list column no claim field uses: carried as text
    ("extra", pa.array([{"a": 1}, {"a": 2}]), set()),
    ("extra", pa.array([b"ok", b"\xff\xfe"], pa.binary()), {"c2"}),  # binary, not UTF-8: that row
    ("beneficiary", pa.array([b"B", b"\xff"], pa.binary()), {"c2"}),
    ("act", pa.array([["pharmacie"], ["x"]]), {"c1", "c2"}),  # a list where a word goes: unknown act
])
def test_parquet_columns_of_nested_or_binary_types(tmp_path, evaluator, column, values, rejected_ids):
    """Before: ArrowNotImplementedError (cast to string) killed the run,
    leaving 0-row Parquet files."""
    claims = _parquet(tmp_path / "c.parquet", **{column: values})
    result = run(tmp_path, claims, evaluator=evaluator, out="out.parquet")
    assert result.exit_code == 0, result.output
    done, rejected = outcome(tmp_path, "out.parquet")
    assert set(rejected) == rejected_ids and set(done) == {"c1", "c2"} - rejected_ids
    for r in rejected.values():
        assert "not UTF-8" in r["reason"] or "unknown act word" in r["reason"], r


def test_json_numbers_are_read_exactly(tmp_path):
    """26.50000000000000001 is 26.50 as a float: a fraction of a cent read
    as a float would be rounded silently; read as written, it is refused."""
    claims = tmp_path / "c.json"
    claims.write_text('[{"id": "a", "date": "2025-03-01", "beneficiary": "B", "act": "pharmacie", "price": 26.50000000000000001, "base": 10},'
                      ' {"id": "b", "date": "2025-03-01", "beneficiary": "B", "act": "pharmacie", "price": 1234567.89, "base": 10, "quantity": 2.0}]', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(ESSENTIEL), "--claim", str(claims), "--format", "json"])
    assert result.exit_code == 0, result.output
    got = {d["id"]: d for d in json.loads(result.stdout)}
    assert got["a"]["status"] == "rejected" and "fractions of a cent" in got["a"]["reason"]
    assert got["b"]["status"] == "evaluated" and got["b"]["price"] == "1234567.89"


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '[{"id": 1' + "0" * 5000 + "}]"])
def test_json_claims_too_deep_or_too_long_are_one_line_errors(tmp_path, text):
    claims = tmp_path / "c.json"
    claims.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(ESSENTIEL), "--claim", str(claims)])
    assert result.exit_code == 2, result.output
    assert "error: invalid claims" in result.output


# ------------------------------------------------- issue 16 item 5: --encoding
def _latin(tmp_path, encoding="cp1252") -> Path:
    claims = tmp_path / "fr.csv"
    claims.write_bytes("id;date;beneficiary;act;price;base\nc1;2025-03-01;Hélène;pharmacie;10,00;10,00\nc2;2025-03-02;Zoë;pharmacie;12,50;10,00\n".encode(encoding))
    return claims


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "iso-8859-15"])
def test_a_french_export_with_its_encoding(tmp_path, encoding):
    result = run(tmp_path, _latin(tmp_path, encoding), "--encoding", encoding)
    assert result.exit_code == 0, result.output
    done, rejected = outcome(tmp_path)
    assert not rejected and done["c1"]["beneficiary"] == "Hélène" and done["c2"]["price"] == "12.50"


def test_a_french_export_without_its_encoding_is_refused_row_by_row_saying_how(tmp_path):
    result = run(tmp_path, _latin(tmp_path))
    assert result.exit_code == 0, result.output
    done, rejected = outcome(tmp_path)
    assert not done and set(rejected) == {"c1", "c2"}
    assert all("is not UTF-8 text" in r["reason"] and "--encoding cp1252" in r["reason"] for r in rejected.values())


def test_a_header_in_another_encoding_names_the_option(tmp_path):
    claims = tmp_path / "h.csv"
    claims.write_bytes("id;date;bénéficiaire;act;price\n".encode("cp1252"))
    result = run(tmp_path, claims)
    assert result.exit_code == 2
    assert "the header is not utf-8 text" in result.output and "--encoding cp1252" in result.output


def test_an_unknown_encoding_is_a_one_line_error(tmp_path):
    result = run(tmp_path, _latin(tmp_path), "--encoding", "klingon")
    assert result.exit_code == 2 and "--encoding: unknown encoding `klingon`" in result.output
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- item 9
def test_a_header_only_csv_without_a_final_newline(tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER.rstrip("\n"), encoding="utf-8")
    result = run(tmp_path, claims)
    assert result.exit_code == 0, result.output
    assert "0 claims in: 0 evaluated, 0 rejected" in result.output
    assert rows(tmp_path / "out.csv") == []


def test_a_workdir_that_does_not_exist(tmp_path):
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + GOOD, encoding="utf-8")
    result = run(tmp_path, claims, "--workdir", tmp_path / "nowhere")
    assert result.exit_code == 2
    assert f"error: --workdir {tmp_path / 'nowhere'}: no such folder" in result.output
    assert not (tmp_path / "out.csv").exists()


# ---------------------------------------------------------------- item 4
BOUNDS = """contract "Bornes"
  regime secu
  effective 2025-01-01

guarantees
  all: TM
  pharmacie: 10000% BRSS
  hospitalisation chambre_particuliere: 10000000€ per day, max 100000 days per rolling 1200 months
  medecine_douce osteopathie: 10000000€ per session, cap 10000000€ per rolling 1200 months
  optique monture: 10000000€, once per rolling 1200 months
"""


def test_the_vector_evaluator_at_the_bounds_check_accepts(tmp_path):
    """The largest figures `check` and the claim reader accept, through
    both evaluators: the same décomptes, no internal error (int64 holds
    cents × basis points at the bounds: 10¹² × 10⁶)."""
    product = tmp_path / "bornes.garant"
    product.write_text(BOUNDS, encoding="utf-8")
    top = "9999999999.99"
    lines = [HEADER.rstrip("\n") + ",quantity"]
    for i, (date, act, q) in enumerate([
        ("1850-01-01", "pharmacie", 1), ("2199-12-31", "pharmacie", 10000), ("1850-01-01", "hospitalisation chambre_particuliere", 10000),
        ("2199-12-31", "hospitalisation chambre_particuliere", 10000), ("1850-01-01", "medecine_douce osteopathie", 1),
        ("2199-12-31", "medecine_douce osteopathie", 1), ("1900-06-01", "optique monture", 1), ("2199-12-31", "optique monture", 1),
    ]):
        lines.append(f"c{i},{date},B,{act},{top},{top},{q}")
    claims = tmp_path / "c.csv"
    claims.write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = {}
    for evaluator in ("vector", "scalar"):
        result = run(tmp_path, claims, product=product, out=f"{evaluator}.csv", evaluator=evaluator)
        assert result.exit_code == 0, result.output
        got[evaluator] = outcome(tmp_path, f"{evaluator}.csv")
        assert not any("internal error" in r["reason"] for r in got[evaluator][1].values()), got[evaluator][1]
    assert got["vector"] == got["scalar"]
    done = got["scalar"][0]
    # pharmacie 10000% BRSS on a base of 9 999 999 999.99: at most the
    # price less the Sécu's share (what a complementary pays)
    assert len(done) == 8, got["scalar"][1]


def test_claim_dates_out_of_range_are_rejected_not_internal(tmp_path):
    """A rolling window from a claim dated in year 1 went before the
    calendar: AssertionError, an internal error rejection."""
    claims = tmp_path / "c.json"
    claims.write_text(json.dumps([
        {"id": "a", "date": "0001-01-01", "beneficiary": "B", "act": "optique monture", "price": "100.00", "base": "0.10"},
        {"id": "b", "date": "0001-06-01", "beneficiary": "B", "act": "optique monture", "price": "100.00", "base": "0.10"},
        {"id": "c", "date": "9999-12-31", "beneficiary": "C", "act": "optique monture", "price": "100.00", "base": "0.10"},
    ]), encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(ESSENTIEL), "--claim", str(claims), "--format", "json"])
    assert result.exit_code == 0, result.output
    for d in json.loads(result.stdout):
        assert d["status"] == "rejected" and "out of the range of dates Garant evaluates (1850-01-01 to 2199-12-31)" in d["reason"], d


# ---------------------------------------------------------------- item 5
def _claims(tmp_path, n=50) -> Path:
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + "".join(f"c{i},2025-03-01,B{i},pharmacie,10.00,10.00\n" for i in range(n)), encoding="utf-8")
    return claims


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_outputs_are_replaced_whole_or_not_at_all(tmp_path, monkeypatch, suffix):
    """A failure while writing (here a full disk on the second table)
    leaves the previous outputs as they were, and no half file."""
    from garant.batch import io as bio

    claims = _claims(tmp_path)
    out = f"out.{suffix}"
    assert run(tmp_path, claims, out=out).exit_code == 0
    before = {p.name: p.read_bytes() for p in tmp_path.glob("out*")}
    assert len(before) == 2

    calls = {"n": 0}
    original = bio.TableWriter.write

    def full_disk(self, table):
        calls["n"] += 1
        if calls["n"] >= 2:
            raise OSError(28, "No space left on device", str(self.temporary))
        original(self, table)

    monkeypatch.setattr(bio.TableWriter, "write", full_disk)
    result = run(tmp_path, claims, out=out)
    assert result.exit_code == 2, result.output
    assert "No space left on device; nothing was written (any previous output is unchanged)" in result.output
    after = {p.name: p.read_bytes() for p in tmp_path.glob("out*")}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if "garant-tmp" in p.name or p.name.endswith(".lock")]


def test_a_run_interrupted_leaves_no_output_and_says_so(tmp_path, monkeypatch, capsys):
    from garant.batch import io as bio

    claims = _claims(tmp_path)

    def interrupted(self, table):
        raise KeyboardInterrupt

    monkeypatch.setattr(bio.TableWriter, "write", interrupted)
    with pytest.raises(SystemExit) as done:
        cli.main(["run", str(ESSENTIEL), str(claims), "-o", str(tmp_path / "out.csv"), "--no-progress"])
    assert done.value.code == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1].startswith("garant: interrupted:") and "Traceback" not in err
    assert not list(tmp_path.glob("out*")) and not list(tmp_path.glob(".out*"))


def test_two_runs_into_one_output_do_not_replace_each_other(tmp_path):
    from garant.batch.io import OutputBusy, exclusive

    claims = _claims(tmp_path)
    with exclusive(tmp_path / "out.csv"):  # another run, writing now
        result = run(tmp_path, claims)
        assert result.exit_code == 2
        assert "another run is writing this output now" in result.output
        assert not (tmp_path / "out.csv").exists()
        with pytest.raises(OutputBusy):
            with exclusive(tmp_path / "out.csv"):
                pass
    assert run(tmp_path, claims).exit_code == 0  # the lock went with its holder


def test_a_process_killed_while_writing_leaves_the_previous_file(tmp_path):
    """kill -9 in the middle of a run: the output is the previous one
    (the rows went to a temporary name)."""
    import signal
    import subprocess
    import sys
    import time

    claims = _claims(tmp_path, 200_000)
    out = tmp_path / "out.csv"
    out.write_text("previous\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "garant.cli", "run", str(ESSENTIEL), str(claims), "-o", str(out), "--no-progress", "--evaluator", "scalar",
                             "--rows-per-partition", "5000"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and not list(tmp_path.glob(".out.csv.*.garant-tmp")):
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert out.read_text(encoding="utf-8") == "previous\n"
