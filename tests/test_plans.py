"""Managed-care plans end to end: `garant eval` on a plan, the generated
module's interface for batches, plan years, and the invariants of an
explanation of benefits over random claim streams."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from hypothesis import given, settings, strategies as st
from typer.testing import CliRunner

from garant.compiler.driver import load_product, load_product_text
from garant.cli import app
from garant.compiler.runtime.accumulators import plan_year

ROOT = Path(__file__).resolve().parent.parent
HMO = ROOT / "contracts" / "acme_hmo.garant"
runner = CliRunner()

PLAN_FIELDS = ("allowed", "deductible", "copay", "coinsurance", "plan_paid", "member_paid", "denied", "rule", "trace")


def test_eval_json_gives_the_plan_fields(tmp_path):
    claims = [
        {"id": "c1", "date": "2025-02-01", "beneficiary": "M1", "family": "F1", "act": "primary_care visit", "provider": "in_network", "price": "150.00"},
        {"id": "c2", "date": "2025-02-02", "beneficiary": "M1", "family": "F1", "act": "primary_care visit", "provider": "out_of_network", "price": "150.00"},
        {"id": "c3", "date": "2025-02-03", "beneficiary": "M1", "act": "cardiology", "provider": "in_network", "price": "150.00"},
    ]
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(claims), encoding="utf-8")
    result = runner.invoke(app, ["eval", str(HMO), "--claim", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert [d["id"] for d in got] == ["c1", "c2", "c3"]
    for name in PLAN_FIELDS:
        assert name in got[0], name
    # Spec §4 example: primary care copay $20, no deductible.
    assert (got[0]["copay"], got[0]["plan_paid"], got[0]["member_paid"], got[0]["denied"]) == ("20.00", "130.00", "20.00", None)
    assert got[0]["rule"].endswith("acme_hmo.garant:19")
    assert "out of network" in got[1]["denied"] and got[1]["member_paid"] == "150.00"
    assert got[2]["status"] == "rejected" and "cardiology" in got[2]["reason"]


def test_eval_text_table(tmp_path):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps({"id": "c1", "date": "2025-02-01", "beneficiary": "M1", "act": "specialist visit", "provider": "in_network", "price": "300.00"}), encoding="utf-8")
    result = runner.invoke(app, ["eval", str(HMO), "--claim", str(path), "--trace"])
    assert result.exit_code == 0, result.output
    assert "explanation of benefits" in result.output
    assert "denied: referral" in result.output and "trace:" in result.output


def test_accumulators_partition_by_family():
    product = load_product(HMO)
    assert product.kind == "plan" and product.partition_field == "family"
    contract = load_product(ROOT / "contracts" / "essentiel_2025.garant")
    assert getattr(contract, "partition_field", "beneficiary") == "beneficiary"


def test_build_writes_plan_modules(tmp_path):
    result = runner.invoke(app, ["build", str(ROOT / "contracts"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("acme_hmo", "acme_ppo", "acme_epo", "acme_pos"):
        code = (tmp_path / f"{name}.py").read_text(encoding="utf-8")
        namespace: dict = {"__name__": f"test_{name}"}
        exec(compile(code, name, "exec"), namespace)
        assert namespace["partition_field"] == "family"
        assert namespace["PRODUCT"].plan_kind == name.split("_")[1].upper()


def test_plan_year():
    assert plan_year(dt.date(2025, 6, 30), (7, 1)) == 2024
    assert plan_year(dt.date(2025, 7, 1), (7, 1)) == 2025
    assert plan_year(dt.date(2025, 1, 1), (1, 1)) == 2025


# ------------------------------------------------------------------ invariants
PLAN = """plan "Invariants"
  kind PPO
  currency USD
  deductible $500 individual, $900 family
  out_of_pocket_max $1,500 individual, $2,500 family
  out of network: coinsurance 40%, allowed 70%

benefits
  all: coinsurance 30% after deductible
  primary_care visit: copay $25, no deductible
  emergency_room: copay $150, then coinsurance 20%
  specialist visit out_of_network: copay $90, then coinsurance 50%
  over_the_counter: not covered
  physical_therapy: copay $40, no deductible, max 4 visits per year
"""
_PRODUCT = load_product_text(PLAN, "invariants.garant")
ACTS = ("primary_care visit", "specialist visit", "inpatient", "emergency_room", "diagnostic lab", "over_the_counter", "generic_drugs", "physical_therapy")

claim = st.fixed_dictionaries({
    "day": st.integers(0, 400),
    "member": st.sampled_from(["A", "B", "C", "D"]),
    "act": st.sampled_from(ACTS),
    "provider": st.sampled_from(["in_network", "out_of_network"]),
    "price": st.integers(0, 900_000),
    "discount": st.integers(0, 100),
    "emergency": st.booleans(),
    "quantity": st.integers(1, 3),
})


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.lists(claim, min_size=1, max_size=40))
def test_explanations_of_benefits_hold_their_invariants(items):
    start = dt.date(2025, 1, 1)
    claims = []
    for n, c in enumerate(items):
        allowed = c["price"] * (100 - c["discount"]) // 100
        claims.append({
            "id": f"c{n}", "date": (start + dt.timedelta(days=c["day"])).isoformat(), "beneficiary": c["member"],
            "family": None if c["member"] == "D" else "F", "act": c["act"], "provider": c["provider"],
            "price": f"{c['price'] // 100}.{c['price'] % 100:02d}", "allowed": f"{allowed // 100}.{allowed % 100:02d}", "emergency": c["emergency"], "quantity": c["quantity"],
        })
    results = _PRODUCT.evaluate(claims)
    toward_max: dict[tuple, int] = {}
    deductible: dict[tuple, int] = {}
    visits: dict[tuple, int] = {}
    for raw, d in zip(claims, results):
        assert d.id == raw["id"]
        amounts = (d.allowed, d.deductible, d.copay, d.coinsurance, d.plan_paid, d.member_paid, d.balance_billed)
        assert all(a >= 0 for a in amounts), d.to_dict()
        assert d.allowed <= d.price
        if d.denied is not None:
            assert (d.plan_paid, d.member_paid) == (0, d.price)
            continue
        assert d.plan_paid + d.member_paid == d.allowed + d.balance_billed
        assert d.member_paid == d.deductible + d.copay + d.coinsurance + d.balance_billed + d.over_limit
        if raw["act"] == "physical_therapy" and d.allowed:  # visits covered, read back from the prorated excess
            quantity = raw["quantity"]
            covered = quantity - round(quantity * d.over_limit / d.allowed)
            key = (d.beneficiary, d.date.year)
            visits[key] = visits.get(key, 0) + covered
        year = d.date.year
        family = raw["family"] or raw["beneficiary"]
        share = d.deductible + d.copay + d.coinsurance
        for key in (("m", d.beneficiary, year), ("f", family, year)):
            toward_max[key] = toward_max.get(key, 0) + share
            deductible[key] = deductible.get(key, 0) + d.deductible
    # Limits are never exceeded, per member and per family, per plan year
    # (this plan has a single level: out-of-network care shares the in-network limits).
    for (who, _, _), total in toward_max.items():
        assert total <= (150_000 if who == "m" else 250_000)
    for (who, _, _), total in deductible.items():
        assert total <= (50_000 if who == "m" else 90_000)
    assert all(n <= 4 for n in visits.values()), visits


# ---------------------------------------------------------------- batch path
def test_garant_run_partitions_by_family_and_matches_eval(tmp_path):
    """`garant run` splits claims by family: with a partition of a few rows,
    each family's accumulators must still see all its claims, as in eval."""
    import csv
    import random

    from garant.batch.io import read_table
    from garant.batch.oracle import differences
    from garant.batch.run import run

    rnd = random.Random(7)
    columns = ["id", "date", "beneficiary", "family", "act", "provider", "price", "allowed", "emergency", "referral"]
    claims = []
    for n in range(600):
        family = rnd.choice(["F1", "F2", "F3", "F4", ""])
        member = f"{family or 'solo'}-{rnd.randint(1, 3)}"
        price = rnd.randint(1, 400_000)
        claims.append({
            "id": f"c{n}", "date": f"2025-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}", "beneficiary": member, "family": family,
            "act": rnd.choice(ACTS), "provider": rnd.choice(["in_network", "out_of_network"]),
            "price": f"{price // 100}.{price % 100:02d}", "allowed": f"{price * 8 // 1000}.{price * 8 // 10 % 100:02d}",
            "emergency": rnd.choice(["true", "false"]), "referral": rnd.choice(["true", "false"]),
        })
    path = tmp_path / "claims.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(claims)
    report = run(_PRODUCT, path, tmp_path / "out.csv", rows_per_partition=40)
    assert report.input == 600 == report.evaluated + report.rejected
    as_read = [{k: (v if v != "" else None) for k, v in c.items()} for c in claims]
    bad, shown = differences(_PRODUCT, as_read, read_table(tmp_path / "out.csv"), read_table(tmp_path / "out.rejections.csv"))
    assert bad == 0, shown


# ------------------------------------------------- random edits of plan files
PLAN_SOURCES = sorted((ROOT / "contracts").glob("acme_*.garant"))
PLAN_WORDS = (
    "copay $20", "coinsurance 20%", "then coinsurance 30%", "$0", "no deductible", "after deductible", "not covered",
    "max 2 visits per year", "kind HMO", "kind PPO", "kind EPO", "kind POS", "kind XYZ", "year starting 2025-02-29",
    "deductible $500 individual", "out_of_pocket_max $100 family", "referral required for specialist", "emergency",
    "out of network: coinsurance 50%, allowed 60%", "out of network: not covered unless emergency", "in_network",
    "out_of_network", "primary_care_physician required", "specialist visit", "all", ":", ",", "20€", "150%", "$1,000.555",
)
FIXED_CLAIMS = [
    {"id": f"k{n}", "date": f"2025-0{1 + n % 9}-1{n % 10}", "beneficiary": f"M{n % 3}", "family": "F" if n % 4 else None, "act": act,
     "provider": ("in_network", "out_of_network")[n % 2], "price": f"{(n * 377) % 5000 + 1}.00", "emergency": n % 5 == 0, "referral": n % 3 == 0}
    for n, act in enumerate(ACTS * 3)
]


@st.composite
def edited_plan(draw):
    path = draw(st.sampled_from(PLAN_SOURCES))
    lines = path.read_text(encoding="utf-8").split("\n")
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(("append", "replace", "delete", "insert_line")))
        word = draw(st.sampled_from(PLAN_WORDS))
        if kind == "append":
            lines[i] = lines[i] + ", " + word
        elif kind == "replace":
            lines[i] = "  " + word
        elif kind == "delete":
            del lines[i]
        else:
            lines.insert(i, "  " + draw(st.sampled_from(("specialist visit", "all", "physical_therapy", "preventive"))) + ": " + word)
        if not lines:
            lines = [""]
    return path.name, "\n".join(lines)


@settings(max_examples=120, deadline=None, derandomize=True, database=None)
@given(edited_plan())
def test_random_plan_edits_never_crash_and_keep_the_invariants(src):
    from garant.dsl.pipeline import compile_text

    name, text = src
    unit = compile_text(text, name)  # a user's mistake is a diagnostic, never a traceback
    for d in unit.diagnostics:
        d.render(unit.source)
    if unit.plan is None or not unit.ok:
        return
    product = load_product_text(text, name)
    results = product.evaluate(FIXED_CLAIMS)
    assert len(results) == len(FIXED_CLAIMS)
    for d in results:
        if d.to_dict()["status"] == "rejected":
            continue
        assert min(d.allowed, d.deductible, d.copay, d.coinsurance, d.plan_paid, d.member_paid, d.over_limit) >= 0, d.to_dict()
        assert d.plan_paid + d.member_paid == (d.price if d.denied else d.allowed + d.balance_billed)


def test_readme_plan_example_runs():
    """The README's plan command: the bundled plan claims through the HMO."""
    result = runner.invoke(app, ["eval", str(HMO), "--claim", str(ROOT / "examples" / "plan_claims.json"), "--format", "json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.stdout)
    assert [d["status"] for d in got] == ["evaluated"] * 6 + ["rejected"]
    # c6 names the plan's network instead of `provider`: in network, preventive at $0.
    assert (got[5]["plan_paid"], got[5]["member_paid"]) == ("180.00", "0.00")


def test_generated_plan_agrees_with_a_hand_written_adjudicator():
    """bench/bench_plan.py's independent adjudicator of contracts/acme_ppo
    (straight-line code from MANAGED_CARE.md), on 3,000 family claims."""
    import importlib.util

    from garant.compiler.runtime.claims import Claim
    from garant.compiler.runtime.ledger import Ledger

    spec = importlib.util.spec_from_file_location("bench_plan", ROOT / "bench" / "bench_plan.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    product = load_product(ROOT / bench.PLAN)
    raw = bench.synth(3000, seed=7)
    claims = sorted((c for c in (product.reader.read(r, i) for i, r in enumerate(raw)) if isinstance(c, Claim)), key=lambda c: (c.date, c.index))
    assert len(claims) == 3000
    used: dict = {}
    hand = [bench.adjudicate(c, used) for c in claims]
    generated = [bench.amounts(d) for d in product.evaluate_sorted(claims, Ledger())]
    bad = [(c.id, g, h) for c, g, h in zip(claims, generated, hand) if g != h]
    assert not bad, bad[:5]
    assert any(h[-1] for h in hand) and any(h[1] for h in hand)  # denials and deductibles both occur
