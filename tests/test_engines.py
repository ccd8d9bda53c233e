"""`garant run --engine dask|spark`: the same décomptes as the local path,
every input row exactly once, and no complete-looking output from a run
that did not finish (issue 8).

The local path is the reference: it is checked against `garant eval`
claim by claim in test_batch.py. Here both engines must give décomptes
identical to it, column by column, on claims that reach the contract's
yearly limits and PF caps, and on a plan whose family deductible and
out-of-pocket maximum cross members (whose figures for family F1 are the
hand-worked ones of tests/golden/plans.yaml `plans-family-accumulators`,
MANAGED_CARE.md §6).

One Dask `LocalCluster` (2 worker processes) and one Spark `local[2]`
session serve the whole module; the data are a few thousand claims.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa
import pytest
import yaml
from typer.testing import CliRunner

from garant.batch.dataset import MANIFEST, DatasetError, DatasetWriter, open_dataset
from garant.batch.engines import EngineUnavailable, dask_engine
from garant.batch.engines.driver import run_on_engine
from garant.batch.engines.local import run_local_dataset
from garant.batch.io import read_table
from garant.batch.synth import COLUMNS, write_claims
from garant.cli import app

ROOT = Path(__file__).resolve().parent.parent
ESSENTIEL = ROOT / "contracts" / "essentiel_2025.garant"
CONTRACT = (str(ESSENTIEL), (), ())

# The plan of tests/golden/plans.yaml `plans-family-accumulators` (MANAGED_CARE.md §6).
PPO_FAMILY = yaml.safe_load((Path(__file__).parent / "golden" / "plans.yaml").read_text(encoding="utf-8"))["products"]["ppo_family"]
# Family F1 of that case, hand-worked there: member paid c1…c8.
F1 = [("c1", "2025-01-10", "A", "inpatient", "1500.00"), ("c2", "2025-02-10", "B", "inpatient", "800.00"),
      ("c3", "2025-03-10", "C", "imaging", "500.00"), ("c4", "2025-04-10", "C", "generic_drugs", "50.00"),
      ("c5", "2025-05-10", "A", "inpatient", "20000.00"), ("c6", "2025-06-10", "B", "inpatient", "10000.00"),
      ("c7", "2025-07-10", "C", "diagnostic lab", "100.00"), ("c8", "2026-01-05", "C", "diagnostic lab", "100.00")]
F1_MEMBER_PAID = ["1100.00", "800.00", "260.00", "10.00", "1900.00", "930.00", "0.00", "100.00"]

# Bad records, each rejected with a reason (test_batch.py BAD_ROWS), and a
# line with too many fields (a malformed CSV line, rejected at reading).
BAD = [
    {"id": "", "date": "2025-03-11", "beneficiary": "B000001", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"},
    {"id": "X-neg", "date": "2025-03-12", "beneficiary": "B000002", "act": "consultation generaliste", "provider": "secteur1", "price": "-30.00"},
    {"id": "X-act", "date": "2025-03-12", "beneficiary": "B000002", "act": "radiesthesie", "price": "30.00"},
    {"id": "X-date", "date": "2025-13-45", "beneficiary": "B000003", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"},
    {"id": "X-nob", "date": "2025-04-10", "beneficiary": "", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"},
]
MALFORMED = "X-broken,2025-01-01,B000004,consultation generaliste,secteur1,,,,30.00,,,too,many"


@pytest.fixture(scope="module")
def contract_claims(tmp_path_factory) -> Path:
    """2,000 synthetic claims of 12 beneficiaries over 2024-2025 (so the
    yearly caps are reached), the bad records spread among them, a
    duplicate id, and one malformed line."""
    folder = tmp_path_factory.mktemp("contract")
    path = folder / "claims.csv"
    write_claims(path, 2000, seed=11, beneficiaries=12)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rng = random.Random(4)
    for bad in BAD + [dict(rows[17])]:  # rows[17] again: a duplicate id of the same beneficiary
        rows.insert(rng.randrange(len(rows)), {c: bad.get(c, "") for c in COLUMNS})
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, COLUMNS)
        w.writeheader()
        w.writerows(rows[:1000])
        f.write(MALFORMED + "\r\n")
        w.writerows(rows[1000:])
    return path


@pytest.fixture(scope="module")
def plan_claims(tmp_path_factory) -> tuple[Path, Path]:
    """The golden family F1 (in reverse date order) and 40 synthetic
    families of 1-4 members, some members with no family (their own)."""
    folder = tmp_path_factory.mktemp("plan")
    plan = folder / "ppo.garant"
    plan.write_text(PPO_FAMILY, encoding="utf-8")
    rows = [[cid, date, ben, "F1", act, "in_network", price] for cid, date, ben, act, price in reversed(F1)]
    rng = random.Random(8)
    acts = [("inpatient", 400, 9000), ("imaging", 100, 900), ("generic_drugs", 5, 60), ("diagnostic lab", 20, 300)]
    n = 0
    for fam in range(40):
        for member in range(rng.randint(1, 4)):
            family = "" if rng.random() < 0.1 else f"F{fam + 2}"
            for _ in range(rng.randint(3, 12)):
                n += 1
                act, lo, hi = rng.choice(acts)
                date = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                network = "in_network" if rng.random() < 0.85 else "out_of_network"
                rows.append([f"p{n}", date, f"M{fam}-{member}", family, act, network, f"{rng.randint(lo, hi)}.{rng.randint(0, 99):02d}"])
    rng.shuffle(rows)
    path = folder / "plan.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "date", "beneficiary", "family", "act", "provider", "price"])
        w.writerows(rows)
    return plan, path


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    import logging

    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                                       silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def spark():
    from garant.batch.engines.spark_engine import session

    s = session("local[2]")
    s.conf.set("spark.sql.shuffle.partitions", "4")
    yield s
    s.stop()


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([("row", "ascending"), ("id", "ascending")])


def _input_ids(path: Path) -> list[str]:
    """The id of every record and malformed line of a CSV, as the outputs
    name them (a record without id: `claim #N`)."""
    ids, row = [], 0
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        for fields in reader:
            if len(fields) != len(header):
                ids.append(fields[0])
                continue
            row += 1
            ids.append(fields[0] or f"claim #{row}")
    return ids


def assert_exactly_once(dataset, claims: Path) -> None:
    """count in = evaluated + rejected; every well-formed record's row
    once; the ids out are the ids in (as multisets)."""
    dec, rej = dataset.decomptes(), dataset.rejections()
    ids = _input_ids(claims)
    counts = dataset.counts
    assert counts["in"] == len(ids) == counts["evaluated"] + counts["rejected"]
    assert (dec.num_rows, rej.num_rows) == (counts["evaluated"], counts["rejected"])
    rows = sorted(r for r in dec.column("row").to_pylist() + rej.column("row").to_pylist() if r is not None)
    malformed = sum(1 for r in rej.column("row").to_pylist() if r is None)
    assert rows == list(range(1, len(ids) - malformed + 1))
    assert sorted(dec.column("id").to_pylist() + rej.column("id").to_pylist()) == sorted(ids)


def _pf_cap_reached(decomptes: pa.Table) -> int:
    """(beneficiary, year)s whose participations forfaitaires reach the 50 € yearly cap."""
    totals: dict = {}
    for d in decomptes.select(["beneficiary", "date", "participation_forfaitaire"]).to_pylist():
        key = (d["beneficiary"], d["date"][:4])
        totals[key] = totals.get(key, 0) + round(float(d["participation_forfaitaire"]) * 100)
    return sum(1 for v in totals.values() if v == 5000)


@pytest.fixture(scope="module")
def local_contract(contract_claims, tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "out"
    run_local_dataset(CONTRACT, contract_claims, out, rows_per_partition=400)
    return open_dataset(out)


@pytest.fixture(scope="module")
def local_plan(plan_claims, tmp_path_factory):
    plan, claims = plan_claims
    out = tmp_path_factory.mktemp("local") / "plan"
    run_local_dataset((str(plan), (), ()), claims, out, rows_per_partition=100)
    return open_dataset(out)


def test_local_reference_exercises_the_caps(local_contract, local_plan, contract_claims, plan_claims):
    """The reference data reach what partitioning could break: PF yearly
    caps and the contract's yearly limits; F1's hand-worked figures."""
    dec = local_contract.decomptes()
    assert _pf_cap_reached(dec) >= 3
    assert any("limit reached: max 3 sessions per calendar year" in (w or "") for w in dec.column("warnings").to_pylist())
    assert_exactly_once(local_contract, contract_claims)
    assert local_contract.counts["rejected"] == len(BAD) + 2  # + the duplicate id, + the malformed line
    paid = {d["id"]: d["member_paid"] for d in local_plan.decomptes().to_pylist()}
    assert [paid[f"c{i}"] for i in range(1, 9)] == F1_MEMBER_PAID
    assert_exactly_once(local_plan, plan_claims[1])


@pytest.mark.parametrize("kind,shuffle", [("contract", "p2p"), ("plan", "p2p"), ("contract", "tasks"), ("plan", None)])
def test_dask_gives_the_local_decomptes(kind, shuffle, dask_client, tmp_path, contract_claims, plan_claims, local_contract, local_plan):
    """With the peer-to-peer shuffle, the task-based one (dask_engine.SHUFFLE
    says why both exist), and the default, which takes the task-based one
    for a run of few buckets (the manifest names the one used)."""
    product, claims, local, rows = (CONTRACT, contract_claims, local_contract, 400) if kind == "contract" \
        else ((str(plan_claims[0]), (), ()), plan_claims[1], local_plan, 100)
    options = {} if shuffle is None else {"shuffle": shuffle}
    report = run_on_engine(product, claims, tmp_path / "out", "dask", rows_per_partition=rows, client=dask_client, **options)
    got = open_dataset(tmp_path / "out")
    assert report.partitions > 2 and got.manifest["engine"]["name"] == "dask"
    assert got.manifest["engine"]["shuffle"] == (shuffle or "tasks") and report.partitions <= dask_engine.TASKS_UP_TO
    assert _sorted(got.decomptes()).equals(_sorted(local.decomptes()))
    assert _sorted(got.rejections()).equals(_sorted(local.rejections()))
    assert_exactly_once(got, claims)


@pytest.mark.parametrize("kind", ["contract", "plan"])
def test_spark_gives_the_local_decomptes(kind, spark, tmp_path, contract_claims, plan_claims, local_contract, local_plan):
    product, claims, local, rows = (CONTRACT, contract_claims, local_contract, 400) if kind == "contract" \
        else ((str(plan_claims[0]), (), ()), plan_claims[1], local_plan, 100)
    report = run_on_engine(product, claims, tmp_path / "out", "spark", rows_per_partition=rows, spark=spark)
    got = open_dataset(tmp_path / "out")
    assert report.partitions > 2 and got.manifest["engine"] == {"name": "spark", "master": "local[2]"}
    assert _sorted(got.decomptes()).equals(_sorted(local.decomptes()))
    assert _sorted(got.rejections()).equals(_sorted(local.rejections()))
    assert_exactly_once(got, claims)


def _spark_submit() -> Path:
    """The `spark-submit` of the installed PySpark (its wheel ships one);
    a missing Java runtime fails here, by name: `.ci/run` installs one."""
    from pyspark.find_spark_home import _find_spark_home

    from garant.batch.engines.spark_engine import _java

    if _java() is None:
        pytest.fail("no Java runtime (17 or later) on PATH nor in JAVA_HOME: spark-submit cannot run; "
                    "install one (apt-get install openjdk-17-jre-headless), as .ci/run does")
    script = Path(_find_spark_home()) / "bin" / "spark-submit"
    assert script.is_file(), f"{script}: the PySpark wheel's spark-submit is missing"
    return script


def test_spark_submit_runs_garant(tmp_path, contract_claims, local_contract):
    """The documented cluster command, on `local[2]`: spark-submit runs
    garant/__main__.py with `garant run` arguments, in its own
    JVM and session (not the module's); the committed dataset holds the
    local path's décomptes and rejections, every claim exactly once."""
    import garant.__main__ as entry

    out = tmp_path / "out"
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}
    env.pop("PYSPARK_GATEWAY_PORT", None)
    res = subprocess.run(
        [str(_spark_submit()), "--master", "local[2]", "--conf", "spark.ui.enabled=false", entry.__file__,
         "run", str(ESSENTIEL), str(contract_claims), "-o", str(out), "--engine", "spark", "--rows-per-partition", "400"],
        env=env, capture_output=True, text=True, timeout=240,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    got = open_dataset(out)
    assert got.manifest["engine"] == {"name": "spark", "master": "local[2]"}  # spark-submit's master, not a default
    assert got.manifest["buckets"] > 2
    assert _sorted(got.decomptes()).equals(_sorted(local_contract.decomptes()))
    assert _sorted(got.rejections()).equals(_sorted(local_contract.rejections()))
    assert_exactly_once(got, contract_claims)


def test_parquet_input_is_read_by_the_engines(dask_client, spark, tmp_path):
    """A Parquet input is read where it is, chunk by chunk (rows numbered
    from the files' metadata): the same décomptes as the local path."""
    write_claims(tmp_path / "c.parquet", 1500, seed=5, beneficiaries=30)
    run_local_dataset(CONTRACT, tmp_path / "c.parquet", tmp_path / "local")
    local = _sorted(open_dataset(tmp_path / "local").decomptes())
    run_on_engine(CONTRACT, tmp_path / "c.parquet", tmp_path / "dask", "dask", rows_per_partition=500, client=dask_client)
    run_on_engine(CONTRACT, tmp_path / "c.parquet", tmp_path / "spark", "spark", rows_per_partition=500, spark=spark)
    for engine in ("dask", "spark"):
        assert _sorted(open_dataset(tmp_path / engine).decomptes()).equals(local), engine


def test_a_product_with_levels_reaches_the_workers(dask_client, tmp_path):
    """Workers load the generated module at the driver's levels (shipped as
    text with the levels, not as a path to compile again)."""
    product = (str(ROOT / "contracts" / "collectif_entreprise.garant"), (), ("socle=cadres", "surcomplementaire=option1"))
    write_claims(tmp_path / "c.parquet", 600, seed=3, beneficiaries=20)
    run_local_dataset(product, tmp_path / "c.parquet", tmp_path / "local")
    report = run_on_engine(product, tmp_path / "c.parquet", tmp_path / "dask", "dask", rows_per_partition=200, client=dask_client)
    got, local = open_dataset(tmp_path / "dask"), open_dataset(tmp_path / "local")
    assert report.evaluated == 600 and got.manifest["product"]["levels"] == list(product[2])
    assert _sorted(got.decomptes()).equals(_sorted(local.decomptes()))


def test_a_failing_task_leaves_no_dataset(dask_client, tmp_path, contract_claims):
    with pytest.raises(ZeroDivisionError):
        run_on_engine(CONTRACT, contract_claims, tmp_path / "out", "dask", rows_per_partition=400, client=dask_client,
                      before_task=functools.partial(divmod, 1, 0))
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.*"))


def test_a_worker_killed_mid_run(dask_client, tmp_path, contract_claims):
    """A worker process is killed (SIGKILL) while it evaluates a
    partition: the run either completes with every claim exactly once and
    a manifest, or raises, leaving nothing that looks complete."""
    pids = dask_client.run(os.getpid)
    out = tmp_path / "out"
    outcome: dict = {}

    def run():
        try:
            outcome["report"] = run_on_engine(CONTRACT, contract_claims, out, "dask", rows_per_partition=250, client=dask_client,
                                              before_task=functools.partial(time.sleep, 0.8))
        except Exception as err:  # noqa: BLE001 - the outcome under test
            outcome["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and thread.is_alive():
        for address, keys in dask_client.processing().items():
            if any("_evaluate" in str(k) for k in keys):  # an evaluating task is on this worker (and sleeping 0.8 s)
                time.sleep(0.2)
                os.kill(pids[address], signal.SIGKILL)
                killed = address
                break
        time.sleep(0.02)
    thread.join(300)
    assert killed is not None, "no evaluating task was seen: nothing was killed"
    assert not thread.is_alive()
    if "report" in outcome:
        dataset = open_dataset(out)
        assert_exactly_once(dataset, contract_claims)
    else:
        assert not (out / MANIFEST).exists()
        with pytest.raises(DatasetError):
            open_dataset(out)
    assert not list(tmp_path.glob(".out.tmp-*"))  # the temporary folder is gone either way
    dask_client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker for the next tests


def test_dataset_without_manifest_is_refused(tmp_path, contract_claims, local_contract):
    """A folder a run left before its manifest (the moment between the
    rename and the manifest) is not read; nor is a folder that is not
    a dataset, nor one whose part no longer matches the manifest."""
    with pytest.raises(DatasetError, match="did not finish"):
        writer = DatasetWriter(tmp_path / "half")
        writer.temp.rename(tmp_path / "half")
        open_dataset(tmp_path / "half")
    with pytest.raises(DatasetError, match="not a Garant dataset"):
        open_dataset(tmp_path)
    manifest = json.loads((local_contract.path / MANIFEST).read_text())
    manifest["files"]["decomptes"][0]["rows"] += 1
    (tmp_path / "changed").mkdir()
    for kind in ("decomptes", "rejections", MANIFEST):
        src = local_contract.path / kind
        (tmp_path / "changed" / kind).symlink_to(src, target_is_directory=src.is_dir())
    (tmp_path / "changed" / MANIFEST).unlink()
    (tmp_path / "changed" / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(DatasetError, match="the manifest says"):
        open_dataset(tmp_path / "changed")


def test_a_run_replaces_its_own_dataset_not_other_folders(tmp_path, contract_claims):
    out = tmp_path / "out"
    run_local_dataset(CONTRACT, contract_claims, out)
    (out / "decomptes" / "stale.txt").write_text("from the first run")
    report = run_local_dataset(CONTRACT, contract_claims, out)
    assert not (out / "decomptes" / "stale.txt").exists()  # the folder is replaced whole
    assert open_dataset(out).counts["in"] == report.input and not list(tmp_path.glob(".out.*"))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep")
    with pytest.raises(DatasetError, match="not a Garant dataset"):
        run_local_dataset(CONTRACT, contract_claims, tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep"


runner = CliRunner()


def test_cli_engine_dask_writes_a_dataset(tmp_path, contract_claims):
    res = runner.invoke(app, ["run", str(ESSENTIEL), str(contract_claims), "-o", str(tmp_path / "out"), "--engine", "dask",
                              "--workers", "1", "--rows-per-partition", "800"])
    assert res.exit_code == 0, res.output
    assert "(dask, 3 partitions" in res.output and "dataset →" in res.output
    assert_exactly_once(open_dataset(tmp_path / "out"), contract_claims)


def test_cli_errors_are_one_line(tmp_path, contract_claims, monkeypatch):
    """No Dask, an unreachable scheduler, no Java: one line naming the fix, exit 2."""
    import builtins

    from garant.batch.engines import spark_engine

    def run(*extra):
        res = runner.invoke(app, ["run", str(ESSENTIEL), str(contract_claims), "-o", str(tmp_path / "out"), *extra])
        assert res.exit_code == 2, res.output
        assert "Traceback" not in res.output and not (tmp_path / "out").exists()
        return res.output.strip()

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "distributed" or name.startswith("dask"):
            raise ImportError(f"No module named '{name}'", name=name)
        return real_import(name, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(builtins, "__import__", no_distributed)
        assert "pip install 'garant[distributed]'" in run("--engine", "dask")
    with monkeypatch.context() as m:
        m.setattr(dask_engine, "CONNECT_TIMEOUT", "1s")
        assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in run("--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    with monkeypatch.context() as m:
        m.setattr(spark_engine, "_java", lambda: None)
        assert "needs a Java runtime (17 or later)" in run("--engine", "spark")
    with pytest.raises(EngineUnavailable, match="local, dask or spark"):
        run_on_engine(CONTRACT, contract_claims, tmp_path / "out", "ray")
    with pytest.raises(EngineUnavailable, match="shuffle must be one of auto, tasks, p2p"):
        run_on_engine(CONTRACT, contract_claims, tmp_path / "out", "dask", shuffle="disk")
    assert not (tmp_path / "out").exists()


def test_dask_shuffle_by_the_runs_size():
    """"auto" (the default): the task-based shuffle up to `TASKS_UP_TO`
    buckets (its fixed cost is P2P's set-up), peer-to-peer beyond (its cost
    grows linearly and spills to disk); a method given is the one used."""
    assert dask_engine.SHUFFLE == "auto"
    assert dask_engine.shuffle_method("auto", 1) == "tasks"
    assert dask_engine.shuffle_method("auto", dask_engine.TASKS_UP_TO) == "tasks"
    assert dask_engine.shuffle_method("auto", dask_engine.TASKS_UP_TO + 1) == "p2p"
    assert dask_engine.shuffle_method("p2p", 2) == "p2p" and dask_engine.shuffle_method("tasks", 500) == "tasks"


def test_local_file_outputs_are_unchanged(tmp_path, contract_claims, local_contract):
    """`-o out.csv` still writes the two files; the same décomptes as the dataset."""
    res = runner.invoke(app, ["run", str(ESSENTIEL), str(contract_claims), "-o", str(tmp_path / "out.parquet"), "--no-progress"])
    assert res.exit_code == 0, res.output
    assert _sorted(read_table(tmp_path / "out.parquet")).equals(_sorted(local_contract.decomptes()))
