"""The vectorised evaluator (`batch/vector/`) against the scalar engine it
stands in for (`evaluate_partition(..., evaluator="scalar")`, claim by
claim, `garant eval`'s): every bundled French contract at every level,
synthetic claims concentrated on few beneficiaries so that yearly caps are
reached, spoiled claims (rejections, duplicates), and hand-made edge
cases. The décompte and rejection tables must be identical, every column
of every row; and the vectorised way must actually have taken most claims
(else the comparison would prove nothing)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pyarrow as pa
import pytest

from garant.compiler.driver import load_product
from garant.batch.synth import generate
from garant.batch.unit import evaluate_partition
from garant.batch.vector import VectorStats

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = sorted(p for p in (ROOT / "contracts").glob("*.garant") if "plan " not in p.read_text(encoding="utf-8")[:4000] and not p.name.startswith("acme_"))
FIELDS = ("id", "date", "beneficiary", "birth_date", "act", "provider", "parcours", "network", "price", "quantity", "base", "amo", "exemption", "scheme")
_LOADED: dict = {}


@pytest.fixture(autouse=True)
def columns_side_by_side(monkeypatch):
    """Every comparison here with the column work on the machine's cores
    (`batch/parallel.py`), which a run does from 100,000 claims:
    these tables are smaller."""
    from garant.batch import parallel

    monkeypatch.setattr(parallel, "MIN_ROWS", 0)


def _product(path: Path):
    if path not in _LOADED:
        _LOADED[path] = load_product(path)
    return _LOADED[path]


def _level_choices(product) -> list:
    """None for a product without levels; else every level of every module
    (module k at its k-th level, in turn), and the optional modules left out."""
    if not product.modules:
        return [None]
    own = [m for m in product.modules if m[3] is None]
    longest = max(len(m[1]) for m in own)
    choices = [{m[0]: m[1][k % len(m[1])] for m in own} for k in range(longest)]
    if any(m[2] for m in own):
        choices.append({m[0]: (None if m[2] else m[1][0]) for m in own})
    return [[f"{k}={'none' if v is None else v}" for k, v in c.items()] for c in choices]


CASES = [(path, levels) for path in CONTRACTS for levels in _level_choices(_product(path))]


def _table(records: list[dict]) -> pa.Table:
    names = list(dict.fromkeys(k for r in records for k in r))
    return pa.table({n: pa.array([None if r.get(n) is None else str(r[n]) for r in records], pa.string()) for n in names})


def _diff(want: pa.Table, got: pa.Table) -> str:
    if want.schema != got.schema:
        return f"schemas differ:\n{want.schema}\n---\n{got.schema}"
    if want.num_rows != got.num_rows:
        return f"{want.num_rows} rows ≠ {got.num_rows}"
    for name in want.schema.names:
        a, b = want.column(name).to_pylist(), got.column(name).to_pylist()
        bad = [i for i in range(len(a)) if a[i] != b[i]]
        if bad:
            rows = want.column("row").to_pylist()
            return f"{name}: {len(bad)} rows differ, e.g. " + "; ".join(f"row {rows[i]}: {a[i]!r} (scalar) ≠ {b[i]!r} (vector)" for i in bad[:3])
    return ""


def _compare(product, table: pa.Table) -> VectorStats:
    want_d, want_r = evaluate_partition(product, table, evaluator="scalar")
    stats = VectorStats()
    got_d, got_r = evaluate_partition(product, table, evaluator="vector", stats=stats)
    assert not _diff(want_d, got_d), _diff(want_d, got_d)
    assert not _diff(want_r, got_r), _diff(want_r, got_r)
    assert want_d.num_rows + want_r.num_rows == table.num_rows
    return stats


@pytest.mark.parametrize("path,levels", CASES, ids=[f"{p.stem}:{'+'.join(lv) if lv else '-'}" for p, lv in CASES])
def test_vector_equals_scalar_on_synthetic_claims(path, levels):
    product = _product(path)
    if levels:
        product = product.at(levels)
    taken = 0
    for seed in (11, 2025):
        # ~50 claims each over two years: yearly caps are reached. Without
        # issue 17's fields, whose beneficiaries the scalar engine takes
        # whole (`test_vector_equals_scalar_with_statements_stays_invoices`).
        claims = generate(1500, seed, beneficiaries=30, flows=False)
        stats = _compare(product, _table(claims))
        taken += stats.vector
    assert taken >= 0.6 * 3000, f"only {taken} of 3000 claims took the vectorised way"


@pytest.mark.parametrize("seed", [5, 2026])
def test_vector_equals_scalar_with_statements_stays_invoices(seed):
    """The Sécu's statement, stays and feuilles de soins in synth's
    proportions, with technical acts (some heavy, some in a session, some
    with a coefficient) and lab lines of one professional's day where the
    Sécu gave the PF: the décomptes (given, differs included) are the
    scalar run's, and the statement's and feuilles de soins' lines that
    need no scalar step took the vectorised way (≥ 80%) (`batch/vector/steps/flow.py`)."""
    product = _product(ROOT / "contracts" / "essentiel_2025.garant")
    claims = generate(3000, seed, beneficiaries=400)
    rng = random.Random(seed)
    for k in range(200):  # technical acts, some heavy (R160-16), some on a feuille de soins
        base = rng.choice(("60.00", "119.99", "120.00", "250.00"))
        claim = {"id": f"T{k}", "date": f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)}", "beneficiary": f"B{rng.randrange(400):06d}",
                 "act": "actes_techniques", "price": base, "base": base}
        if rng.random() < 0.3:
            claim.update(invoice=f"F{k // 2}", professional="DR1")
        if rng.random() < 0.2:
            claim["coefficient"] = rng.choice(("59.5", "60", "7"))
        claims.insert(rng.randrange(len(claims)), claim)
    for k in range(150):  # lab lines, several on one professional's day, the Sécu's PF on some
        date = f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(3)}"
        claim = {"id": f"L{k}", "date": date, "beneficiary": f"B{rng.randrange(40):06d}", "act": "biologie", "price": "30.00",
                 "base": "30.00", "quantity": str(rng.randrange(1, 5)), "invoice": f"G{k}", "professional": f"LAB{rng.randrange(2)}"}
        if rng.random() < 0.2:
            claim["participation_forfaitaire"] = rng.choice(("0", "2.00", "4.00"))
        claims.insert(rng.randrange(len(claims)), claim)
    for k in range(150):  # nurses' acts: a franchise's daily cap per professional (D160-11), some without a feuille de soins
        claim = {"id": f"N{k}", "date": f"2025-0{rng.randrange(1, 10)}-1{rng.randrange(3)}", "beneficiary": f"B{rng.randrange(40):06d}",
                 "act": "infirmier", "price": "15.00", "base": "15.00", "quantity": str(rng.randrange(1, 6))}
        if rng.random() < 0.7:
            claim.update(invoice=f"H{k}", professional=f"N{rng.randrange(2)}")
        if rng.random() < 0.1:
            claim["franchise"] = rng.choice(("0", "1.00", "4.00"))
        claims.insert(rng.randrange(len(claims)), claim)
    flows = sum(1 for c in claims if {"amo_rate", "admission", "invoice"} & set(c))
    assert flows > 100
    table = _table(claims)
    stats = _compare(product, table)
    assert 0 < stats.vector
    statement_or_sheet = [i for i, c in enumerate(claims) if {"amo_rate", "invoice", "coefficient"} & set(c)]
    scalar = _scalar_rows(product, table)
    vectorised = sum(1 for i in statement_or_sheet if not scalar[i])
    assert vectorised >= 0.8 * len(statement_or_sheet), f"only {vectorised} of {len(statement_or_sheet)} took the vectorised way"


def _scalar_rows(product, table: pa.Table):
    """Which records the vectorised evaluator leaves to the scalar engine."""
    import numpy as np

    from garant.batch.vector.columns import claim_columns
    from garant.batch.vector.evaluate import _Vector

    cols = claim_columns(product.reader, table)
    return _Vector(product, cols, np.arange(1, table.num_rows + 1)).run()


SPOILERS = [
    ("id", [None, "", "  "]),
    ("date", ["2025-13-45", "", "2016-06-01", "1999-01-01"]),
    ("beneficiary", [None, " "]),
    ("birth_date", ["2030-01-01", "x"]),
    ("price", ["-3", "abc", "30,50", " 12.5 ", "1e3", "0"]),
    ("base", ["x", "0.001", "23.00", "0"]),
    ("amo", ["5", "x", "999.00", "0.00"]),
    ("quantity", ["0", "3", "2.5"]),
    ("act", ["radiesthesie", "consultation pharmacie", "CONSULTATION GENERALISTE"]),
    ("provider", ["secteur3", "secteur2", "secteur2 optam_co"]),
    ("parcours", ["hors_parcours", "nowhere"]),
    ("amo_rate", ["120%", "x", "65", "70%"]),
    ("participation_forfaitaire", ["-1", "2.00", "50"]),
    ("admission", ["2025-02-30", "2024-01-01"]),
    ("invoice", ["F1", ""]),
    ("exemption", ["ald", "maternité", "diabete", ""]),
    ("scheme", ["alsace_moselle", "general", "corse"]),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vector_equals_scalar_on_spoiled_claims(seed):
    """Rejections, reader warnings, claim AMOs and bases, duplicate ids: the
    beneficiaries concerned go to the scalar engine, the others not."""
    rng = random.Random(seed)
    records = []
    for k, claim in enumerate(generate(1200, seed, beneficiaries=200)):
        r = {f: claim.get(f) for f in FIELDS}
        if k % 9 == 0:
            field, values = rng.choice(SPOILERS)
            r[field] = rng.choice(values)
        if k % 97 == 0 and records:  # a resubmitted claim line
            r = dict(rng.choice(records))
        records.append(r)
    stats = _compare(_product(ROOT / "contracts" / "essentiel_2025.garant"), _table(records))
    assert stats.vector > 0 and stats.scalar > 0
    # The same claims as a file is read, in chunks: the columns are encoded
    # and hashed chunk by chunk (`columns._encode`, `_each_chunk`), and a
    # resubmitted line lies in another chunk than its original.
    chunked = pa.Table.from_batches(_table(records).to_batches(max_chunksize=97))
    assert chunked.column("id").num_chunks > 5
    again = _compare(_product(ROOT / "contracts" / "essentiel_2025.garant"), chunked)
    assert (again.vector, again.scalar) == (stats.vector, stats.scalar)


ESSENTIEL = ROOT / "contracts" / "essentiel_2025.garant"


def _gp(cid, date, ben="B1", birth="1980-06-01", price="30.00", **more):
    return {"id": cid, "date": date, "beneficiary": ben, "birth_date": birth, "act": "consultation generaliste", "provider": "secteur1", "price": price, **more}


def _by_id(table: pa.Table) -> dict:
    return {r["id"]: r for r in table.to_pylist()}


def test_participation_forfaitaire_cap_reached_mid_claim():
    """stdlib/secu.garant: PF 1 € until 2024-05-14, 2 € from 2024-05-15, at
    most 50 € and 50 acts a calendar year. 49 consultations at 1 € leave 1 €
    of the 50 € cap: the next one (PF 2 €) takes 1 €, the one after none;
    the year after starts afresh. Claims in the file in reverse date order,
    two on one date."""
    claims = [_gp(f"a{k:02d}", f"2024-02-{1 + k % 28:02d}" if k < 28 else f"2024-03-{1 + k - 28:02d}") for k in range(49)]
    claims += [_gp("cut", "2024-06-03"), _gp("zero", "2024-06-03"), _gp("new-year", "2025-01-01")]
    claims.reverse()
    table = _table(claims)
    stats = _compare(_product(ESSENTIEL), table)
    assert stats.scalar == 0, "these claims must take the vectorised way"
    got = _by_id(evaluate_partition(_product(ESSENTIEL), table)[0])
    assert got["a00"]["participation_forfaitaire"] == "1.00"
    # "zero" has the higher row (the list was reversed) but "cut" the lower: on one date, file order decides
    assert got["zero"]["participation_forfaitaire"] == "1.00"
    assert got["cut"]["participation_forfaitaire"] == "0.00"
    assert got["new-year"]["participation_forfaitaire"] == "2.00"
    assert sum(int(r["participation_forfaitaire"].replace(".", "")) for r in got.values() if r["date"] < "2025") == 5000


def test_participation_forfaitaire_exactly_at_the_cap():
    """25 consultations at 2 € (2025) reach the 50 € cap exactly: the 26th pays none."""
    claims = [_gp(f"c{k:02d}", f"2025-03-{1 + k:02d}") for k in range(26)]
    random.Random(4).shuffle(claims)
    table = _table(claims)
    stats = _compare(_product(ESSENTIEL), table)
    assert stats.scalar == 0
    got = _by_id(evaluate_partition(_product(ESSENTIEL), table)[0])
    assert [got[f"c{k:02d}"]["participation_forfaitaire"] for k in (0, 24, 25)] == ["2.00", "2.00", "0.00"]


def test_count_limit_cuts_a_quantity():
    """contracts/essentiel_2025.garant:19: osteopathy 30 € per session, at
    most 3 sessions a calendar year: 2 sessions, then 2 more (1 paid), then
    one more (none), then the next year (paid)."""
    def osteo(cid, date, q):
        return {"id": cid, "date": date, "beneficiary": "B2", "birth_date": "1970-01-01", "act": "osteopathie", "price": "60.00", "quantity": str(q)}

    claims = [osteo("o3", "2025-05-01", 1), osteo("o1", "2025-02-01", 2), osteo("o2", "2025-03-01", 2), osteo("o4", "2026-01-02", 1)]
    table = _table(claims)
    stats = _compare(_product(ESSENTIEL), table)
    assert stats.scalar == 0
    got = _by_id(evaluate_partition(_product(ESSENTIEL), table)[0])
    assert [got[k]["amc"] for k in ("o1", "o2", "o3", "o4")] == ["60.00", "30.00", "0.00", "30.00"]
    assert "1 of 2 paid" in got["o2"]["warnings"] and "limit reached" in got["o3"]["warnings"]


def test_run_writes_the_same_files_with_either_evaluator(tmp_path):
    from garant.batch.run import run
    from garant.batch.synth import write_claims

    claims = tmp_path / "claims.csv"
    write_claims(claims, 3000, 5, flows=False)  # issue 17 fields: test_vector_equals_scalar_with_statements_stays_invoices
    outputs = {}
    for evaluator in ("scalar", "vector"):
        out = tmp_path / f"{evaluator}.csv"
        report = run(str(ESSENTIEL), claims, out, rows_per_partition=700, evaluator=evaluator)
        assert report.input == 3000
        outputs[evaluator] = (out.read_bytes(), report.rejections.read_bytes(), report.scalar_claims)
    assert outputs["scalar"][:2] == outputs["vector"][:2]
    assert outputs["scalar"][2] == 3000 and outputs["vector"][2] < 3000 * 0.3


def test_vector_equals_scalar_on_typed_columns():
    """Parquet columns keep their types: dates, decimals, doubles, integers."""
    import datetime as dt
    from decimal import Decimal

    claims = generate(1500, 8, beneficiaries=60)
    price_types = [pa.decimal128(12, 2), pa.float64(), pa.string()]
    cols = {
        "id": pa.array([c["id"] for c in claims]),
        "beneficiary": pa.array([int(c["beneficiary"][1:]) for c in claims], pa.int64()),
        "date": pa.array([dt.date.fromisoformat(c["date"]) for c in claims], pa.date32()),
        "birth_date": pa.array([None if c.get("birth_date") is None else dt.date.fromisoformat(c["birth_date"]) for c in claims], pa.date32()),
        "act": pa.array([c.get("act") for c in claims]),
        "provider": pa.array([c.get("provider") for c in claims]),
        "parcours": pa.array([c.get("parcours") for c in claims]),
        "network": pa.array([c.get("network") for c in claims]),
        "quantity": pa.array([None if c.get("quantity") is None else int(c["quantity"]) for c in claims], pa.int64()),
    }
    for kind in price_types:
        amounts = {}
        for name in ("price", "base"):
            values = [None if c.get(name) is None else Decimal(c[name]) for c in claims]
            amounts[name] = (pa.array(values, kind) if pa.types.is_decimal(kind) else
                             pa.array([None if v is None else float(v) for v in values], kind) if pa.types.is_floating(kind) else
                             pa.array([None if v is None else str(v) for v in values], kind))
        table = pa.table({**cols, **amounts})
        stats = _compare(_product(ESSENTIEL), table)
        assert stats.vector > 1000


POOL_AT_TWO_STEPS = """contract "Pools"
  insurer "Test"
  regime secu
  effective 2024-01-01

guarantees
  all: TM
  medecine_douce osteopathie: 12€ per session, cap 100€ per calendar year
  medecine_douce chiropraxie: 15€ per session, cap 40€ per calendar year shared seances
  medecine_douce in network kalivia: +10€, cap 40€ per calendar year shared seances
"""


def test_a_pool_met_at_two_steps_is_left_to_the_scalar_engine():
    """The shared pool `seances` is the first line's for chiropraxie and
    the second line's (the network's) for osteopathy in the network: its
    running sum would need the two steps interleaved by date."""
    from garant.compiler.driver import load_product_text

    product = load_product_text(POOL_AT_TWO_STEPS, "pools.garant")
    claims = [{"id": f"c{k}", "date": f"2025-0{1 + k % 9}-1{k % 10}", "beneficiary": "B1", "birth_date": "1980-01-01",
               "act": "chiropraxie" if k % 3 == 0 else "osteopathie", "price": "60.00", "network": "kalivia" if k % 3 == 1 else None}
              for k in range(12)]
    stats = _compare(product, _table(claims))
    assert stats.scalar == 12


STATUS_ACTS = [
    {"act": "consultation generaliste", "provider": "secteur1", "price": "30.00"},
    {"act": "consultation generaliste", "provider": "secteur1", "parcours": "hors_parcours", "price": "30.00"},
    {"act": "consultation specialiste", "provider": "secteur2 optam", "price": "80.00"},
    {"act": "pharmacie taux_65", "price": "12.00", "base": "12.00", "quantity": "3"},
    {"act": "auxiliaires_medicaux kinesitherapeute", "price": "16.13", "base": "16.13"},
    {"act": "hospitalisation frais_de_sejour", "price": "900.00", "base": "900.00"},
    {"act": "hospitalisation forfait_journalier", "price": "40.00", "quantity": "2"},
    {"act": "hospitalisation forfait_patient_urgences", "price": "19.61"},
    {"act": "transport", "price": "60.00", "base": "60.00"},
]


def test_vector_equals_scalar_on_every_status_and_scheme():
    """Every `exemption` with and without the Alsace-Moselle scheme, on
    acts with a rate, deductions and regulated amounts, over two years (the
    FPU's reduced amount changes on 2026-03-01; yearly caps are reached):
    identical décomptes, and the vectorised way takes the status claims."""
    exemptions = [None, "ald", "maternite", "atmp", "invalidite", "c2s", "ame"]
    records = []
    for b, exemption in enumerate(exemptions):
        for scheme in (None, "alsace_moselle"):
            ben = f"S{b}{scheme or ''}"
            for k in range(60):
                act = STATUS_ACTS[k % len(STATUS_ACTS)]
                date = f"{2025 + k % 2}-{1 + k % 12:02d}-{1 + k % 27:02d}"
                records.append({"id": f"{ben}-{k}", "date": date, "beneficiary": ben, "birth_date": "1985-04-02",
                                "exemption": exemption, "scheme": scheme, **act})
    stats = _compare(_product(ESSENTIEL), _table(records))
    assert stats.vector >= 0.6 * len(records), stats.reasons  # the rest: combinations the vector way never takes (status or not)


def test_senior_gan_waiting_periods_on_synthetic_claims():
    """Senior GAN's lines with a waiting period (`waiting 3 months: …`)
    reject a claim without `membership_date`, naming the field (never a
    silent 0): on synth's claims, which carry none by default, those are
    the only rejections; with `members_since` (a member past the waiting
    period) there are none, and both evaluators agree."""
    from garant.batch.synth import START

    product = _product(ROOT / "contracts" / "senior_gan.garant").at(["N3"])
    table = _table(generate(1500, 11, beneficiaries=30, flows=False))
    _compare(product, table)
    _, rejected = evaluate_partition(product, table, evaluator="scalar")
    reasons = rejected.column("reason").to_pylist()
    assert reasons and all(r.startswith("missing field `membership_date`: the line `") for r in reasons), reasons[:3]
    member = _table(generate(1500, 11, beneficiaries=30, flows=False, members_since=START - dt.timedelta(days=365)))
    _compare(product, member)
    _, rejected = evaluate_partition(product, member, evaluator="scalar")
    assert rejected.num_rows == 0, rejected.column("reason").to_pylist()[:3]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_given_pf_past_the_yearly_cap(seed):
    """The Sécu's PF on lines before, at and after the yearly cap (25 PF,
    50€ from 2025, CSS D160-6): the caps count the Sécu's figures, both
    evaluators alike; a given PF on the line the cap cuts short is the
    scalar engine's, the others stay vectorised."""
    product = _product(ROOT / "contracts" / "essentiel_2025.garant")
    rng = random.Random(seed)
    claims = []
    for ben in range(6):
        for k in range(40):
            claim = {"id": f"P{ben}-{k}", "date": f"2025-{1 + k * 11 // 40:02d}-{1 + k % 27:02d}", "beneficiary": f"P{ben}",
                     "birth_date": "1980-01-01", "act": "consultation generaliste", "provider": "secteur1", "price": "30.00"}
            if rng.random() < 0.4:
                claim["participation_forfaitaire"] = rng.choice(("0", "1.00", "2.00", "4.00"))
            claims.append(claim)
    table = _table(claims)
    _compare(product, table)
    scalar = _scalar_rows(product, table)
    assert scalar.sum() <= 0.5 * len(claims), f"{int(scalar.sum())} of {len(claims)} claims left to the scalar engine"


def _stay_records(rng: random.Random, ben: str, admission, days: int, exemption) -> list[dict]:
    """The lines of one hospital stay: its forfait journalier (sometimes a
    wrong quantity, sometimes psychiatric), frais de séjour and honoraires
    (some heavy: base ≥ 120€ or coefficient ≥ 60, some carrying the Sécu's
    AMO) on random days."""
    import datetime as dt

    discharge = admission + dt.timedelta(days=days - 1)
    stay = {"beneficiary": ben, "admission": admission.isoformat(), "discharge": discharge.isoformat(), "exemption": exemption}
    if rng.random() < 0.2:
        stay["psychiatric"] = "true"
    quantity = rng.choice(("1", str(days), str(days), str(days + 1)))
    lines = [{"act": "hospitalisation forfait_journalier", "price": f"{20 * days}.00", "quantity": quantity, "date": discharge.isoformat()}]
    for _ in range(rng.randrange(1, 5)):
        day = admission + dt.timedelta(days=rng.randrange(days))
        if rng.random() < 0.3:
            lines.append({"act": "hospitalisation frais_de_sejour", "price": "900.00", "base": "900.00", "date": day.isoformat()})
            continue
        base = rng.choice(("60.00", "119.99", "120.00", "250.00"))
        line = {"act": "hospitalisation honoraires", "price": base, "base": base, "date": day.isoformat()}
        if rng.random() < 0.1:
            line["amo"] = rng.choice((base, f"{float(base) - 24:.2f}"))
        elif rng.random() < 0.15:  # a heavy act by its coefficient (R160-16 I), or just short of it
            line["coefficient"] = rng.choice(("60", "59.5"))
        lines.append(line)
    return [{**stay, **line} for line in lines]


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_vector_equals_scalar_on_stays(seed):
    """Hospital stays the vectorised way (`batch/vector/steps/stays.py`):
    forfaits journaliers across the 2026-03-01 tariff change, psychiatric
    or not, short and past the 31st day; heavy acts before and after the
    stay's other lines, in shuffled file order; the Sécu's AMO on a few
    lines; exempt statuses. Identical décomptes, and the vectorised way
    takes most stay lines (a stay's lines go to the scalar engine together
    only when one of them must)."""
    import datetime as dt

    rng = random.Random(seed)
    records = []
    for b in range(120):
        exemption = rng.choice((None, None, None, "ald", "c2s"))
        for _ in range(rng.randrange(1, 3)):
            admission = dt.date(2025, 12, 1) + dt.timedelta(days=rng.randrange(120))
            records.extend(_stay_records(rng, f"H{b:03d}", admission, rng.choice((1, 3, 5, 12, 40)), exemption))
    rng.shuffle(records)
    for k, r in enumerate(records):
        r["id"] = f"S{k}"
    stays = len(records)
    stats = _compare(_product(ESSENTIEL), _table(records))
    assert stats.vector >= 0.6 * stays, stats.reasons


def test_day_tables_and_the_shared_order_equal_their_plain_forms():
    """The shortcuts taken on large partitions (`evaluate._value_index`,
    `evaluate.calendar_years`, `running.Sorted.within`), which the
    comparisons above, on small tables, do not reach: each against the
    plain computation it stands for, on 20,000 claims over three years."""
    import numpy as np

    from garant.batch.vector.evaluate import _value_index, _years, calendar_years
    from garant.batch.vector.running import Running, Sorted, claim_order

    rng = np.random.default_rng(7)
    n = 20_000
    dates = rng.integers(dt.date(2023, 11, 1).toordinal(), dt.date(2026, 2, 1).toordinal(), n)
    starts = np.array([dt.date(2024, 1, 1).toordinal(), dt.date(2024, 5, 15).toordinal(), dt.date(2025, 1, 1).toordinal()])
    assert (_value_index(starts, dates) == np.searchsorted(starts, dates, side="right") - 1).all()
    assert (_value_index(starts, dates) == -1).any()  # dates before the first value
    assert (calendar_years(dates) == _years(dates)).all()

    ben = rng.integers(0, 300, n)
    rows = np.arange(1, n + 1)
    years = calendar_years(dates)
    demand = rng.integers(0, 500, n)
    shared = Sorted(ben, years, dates, rows)
    for idx in (np.arange(n), np.sort(rng.choice(n, n // 3, replace=False)), rng.permutation(n)):
        order, groups = shared.within(idx)
        plain = claim_order(ben[idx], dates[idx], rows[idx])
        assert (order == plain).all()
        b, y = ben[idx][plain], years[idx][plain]
        starts_plain = np.r_[True, (b[1:] != b[:-1]) | (y[1:] != y[:-1])]
        assert (np.r_[True, groups[1:] != groups[:-1]] == starts_plain).all()
        run = Running(order, groups, demand[idx])
        assert (run.takes(2_000) >= 0).all() and (run.used_before(2_000) <= 2_000).all()


def test_claim_order_by_positions_or_rows():
    """`running.claim_order` sorts packed keys whose low bits are the
    positions when the rows increase (as read), else sorts by the rows:
    both equal the plain lexicographic order (beneficiary, date, row)."""
    import numpy as np

    from garant.batch.vector.running import claim_order

    rng = np.random.default_rng(11)
    n = 5_000
    ben = rng.integers(0, 40, n)
    date = rng.integers(738000, 738400, n)
    for row in (np.arange(1, n + 1), np.cumsum(rng.integers(1, 4, n)), rng.permutation(n) + 1):
        assert (claim_order(ben, date, row) == np.lexsort((row, date, ben))).all()
