"""Reproducible synthetic claims for contracts/essentiel_2025.garant.

    from garant.batch.synth import generate, iter_claims
    claims = generate(100_000, seed=2025)   # list of spec §5 claim dicts
    for claim in iter_claims(1_000_000):    # the same claims, one at a time

`garant synth N --seed S -o FILE` writes them as CSV or Parquet
(`write_claims`), in bounded memory.

Same (n, seed) → same claims, on any machine (only `random.Random(seed)` is
used). The mix is what a complementary insurer sees on an ordinary book:
mostly doctors' consultations and pharmacy, some biology, optics, hospital
stays and osteopathy, spread over 2024-2025 so that every dated regime
figure changes under it (PF 1€ → 2€ on 2024-05-15, G 26.50€ → 30€ on
2024-12-22, franchise 1€ from 2024-03-31) and the yearly caps (PF 50€ / 50
acts, franchises 50€, 30 room days, 3 osteopathy sessions) and the rolling
24-month frame budget are actually reached by some beneficiaries.

Only acts and providers the contract covers and `stdlib/secu.garant`
accepts are used. The regime has no tariff for medicines, biology or
optics, so those claims carry the `base` the regime's statement sends.

Realism choices that matter for the amounts:
- secteur 1 doctors bill the tariff of the day (rarely a small DE);
  secteur 2 doctors bill above it;
- OPTAM-CO is only used for specialists (gynaecologist-obstetricians),
  never for GPs;
- `hors_parcours` is only drawn for patients aged 16 or more (the
  hors-parcours increase does not exist under 16, L162-5-3, and
  stdlib/secu.garant does not encode that exemption, so a child seen
  hors parcours would be charged the increase);
- a few optics claims come from a partner network the contract does not
  name (`santeclair`); `other_networks=False` leaves them out;
- the flows of issue 17 (`_flows`, drawn from a random stream of their
  own, so the claims above are the same with or without them): about one
  consultation in twenty carries the Sécu's statement (`amo_rate`, the
  `participation_forfaitaire` it took), most forfait journalier lines
  their stay (`admission`, `discharge`; one stay in ten `psychiatric`),
  and half the biology lines their feuille de soins (`invoice`,
  `professional`, several tests on a line; a third of those with the
  line's `coefficient`); `flows=False` leaves them out.
"""

from __future__ import annotations

import datetime as dt
import random

START = dt.date(2024, 1, 1)
DAYS = (dt.date(2025, 12, 31) - START).days + 1

# (weight, kind) — the claim mix.
MIX = (
    (28, "gp"),
    (14, "specialist"),
    (30, "pharmacy"),
    (5, "biology"),
    (5, "osteopathy"),
    (3, "room"),
    (3, "forfait_journalier"),
    (5, "frame"),
    (7, "lenses"),
)


def _cumulative(pairs):
    total = 0
    out = []
    for w, v in pairs:
        total += w
        out.append((total, v))
    return total, out


def _pick(rng: random.Random, table) -> str:
    total, cum = table
    r = rng.random() * total
    for bound, v in cum:
        if r < bound:
            return v
    return cum[-1][1]


_MIX = _cumulative(MIX)
_GP_PROVIDER = _cumulative(((75, "secteur1"), (12, "secteur2 optam"), (13, "secteur2 non_optam")))
_SPEC_PROVIDER = _cumulative(((50, "secteur1"), (25, "secteur2 optam"), (5, "secteur2 optam_co"), (20, "secteur2 non_optam")))
_PHARMA = _cumulative(((60, "taux_65"), (20, "taux_30"), (10, "taux_15"), (10, "taux_100")))


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _g(date: dt.date) -> int:
    """The GP tariff of the day (only to make secteur 1 prices realistic)."""
    return 3000 if date >= dt.date(2024, 12, 22) else 2650


def _beneficiaries(rng: random.Random, count: int) -> list[tuple[str, str]]:
    out = []
    for i in range(count):
        r = rng.random()
        if r < 0.22:  # minors (some turn 16 or 18 during the period), all born before 2024
            birth = dt.date(2006, 1, 1) + dt.timedelta(days=rng.randrange(16 * 365))
        elif r < 0.30:  # over 75
            birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(19 * 365))
        else:
            birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(55 * 365))
        out.append((f"B{i:06d}", birth.isoformat()))
    return out


# Beneficiary statuses and the Alsace-Moselle scheme, drawn from a stream of
# their own so that the other fields stay what they were for a seed:
# ~15% of beneficiaries in ALD (most of their lines ALD-related), a few in
# maternity, AT/MP or invalidity, rare C2S / AME; ~4% under the local
# scheme of Alsace-Moselle.
_STATUS_MIX = (("ald", 0.15), ("maternite", 0.02), ("atmp", 0.01), ("invalidite", 0.01), ("c2s", 0.01), ("ame", 0.003))
_STATUS_SHARE = {"ald": 0.7, "maternite": 0.5, "atmp": 0.4}  # share of the beneficiary's lines carrying it (else all)
ALSACE_MOSELLE = 0.04


def _statuses(seed: int, bens: list) -> dict[str, tuple]:
    """beneficiary → (exemption or None, scheme or None)."""
    rng = random.Random(f"{seed}-statuses")
    out = {}
    for ben, birth in bens:
        r = rng.random()
        exemption = None
        for name, share in _STATUS_MIX:
            if r < share:
                exemption = name
                break
            r -= share
        if exemption == "maternite" and not 18 <= _age(birth, START) <= 45:
            exemption = None
        scheme = "alsace_moselle" if rng.random() < ALSACE_MOSELLE else None
        out[ben] = (exemption, scheme)
    return out


def _age(birth: str, on: dt.date) -> int:
    b = dt.date.fromisoformat(birth)
    return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


def generate(n: int, seed: int = 2025, *, beneficiaries: int | None = None, other_networks: bool = True, flows: bool = True) -> list[dict]:
    """`n` claim dicts (spec §5 fields), ids C0000001…, in a shuffled date
    order (the evaluator sorts by date of care)."""
    return list(iter_claims(n, seed, beneficiaries=beneficiaries, other_networks=other_networks, flows=flows))


def _flows(rng: random.Random, claim: dict, date: dt.date) -> None:
    """Issue 17's fields on some claims: the Sécu's statement on
    consultations, the stay of a forfait journalier, the feuille de soins
    of a biology line (realistic shares; see the module's docstring)."""
    act = claim["act"]
    r = rng.random()
    if act.startswith("consultation") and r < 0.05:
        # The rate the Sécu applied (30% hors parcours, else 70%) and the PF it took.
        claim["amo_rate"] = "30%" if claim.get("parcours") == "hors_parcours" or rng.random() < 0.1 else "70%"
        if rng.random() < 0.5:
            claim["participation_forfaitaire"] = "2.00" if date >= dt.date(2024, 5, 15) else "1.00"
    elif act == "hospitalisation forfait_journalier" and r < 0.7:
        days = claim.get("quantity", 1)
        claim["admission"] = (date - dt.timedelta(days=days - 1)).isoformat()
        claim["discharge"] = date.isoformat()
        if rng.random() < 0.1:
            claim["psychiatric"] = "true"
    elif act == "biologie" and r < 0.5:
        claim["quantity"] = 1 + int(rng.random() ** 2 * 8)
        claim["invoice"] = f"F{rng.randrange(10**6):06d}"
        claim["professional"] = f"LAB{rng.randrange(40):02d}"
        if rng.random() < 0.3:  # the line's coefficient as the lab's system sends it (NABM `B` coefficients, most under 60)
            claim["coefficient"] = str(rng.choice((7, 10, 17, 20, 25, 35, 45, 60, 70, 100)))


def iter_claims(n: int, seed: int = 2025, *, beneficiaries: int | None = None, other_networks: bool = True, flows: bool = True):
    """The claims of `generate`, one at a time (a million do not fit in
    memory as dicts comfortably)."""
    rng = random.Random(seed)
    flow_rng = random.Random(seed * 7919 + 17)  # issue 17's fields: a stream of their own
    bens = _beneficiaries(rng, beneficiaries or max(1, n // 20))
    # A few heavy users, so that yearly caps are reached: pick beneficiaries
    # with a skewed distribution.
    nb = len(bens)
    held = _statuses(seed, bens)
    status_rng = random.Random(f"{seed}-status-lines")
    for k in range(n):
        ben, birth = bens[min(nb - 1, int(nb * rng.random() ** 1.6))]
        date = START + dt.timedelta(days=rng.randrange(DAYS))
        claim = {"id": f"C{k + 1:07d}", "date": date.isoformat(), "beneficiary": ben, "birth_date": birth}
        kind = _pick(rng, _MIX)
        adult16 = _age(birth, date) >= 16
        if kind == "gp":
            provider = _pick(rng, _GP_PROVIDER)
            tariff = _g(date)
            if provider == "secteur1":
                price = tariff if rng.random() < 0.92 else tariff + 100 * rng.randrange(1, 6)
            elif provider == "secteur2 optam":
                # an OPTAM GP may bill at most twice the base (seed 001)
                price = 50 * rng.randrange(tariff // 50, 2 * tariff // 50 + 1)
            else:
                price = 100 * rng.randrange(25, 61)
            claim.update(act="consultation generaliste", provider=provider)
            if adult16 and rng.random() < 0.06:
                claim["parcours"] = "hors_parcours"
        elif kind == "specialist":
            provider = _pick(rng, _SPEC_PROVIDER)
            if provider == "secteur1":
                price = 3150 if rng.random() < 0.9 else 3150 + 50 * rng.randrange(1, 10)
            elif provider == "secteur2 non_optam":
                price = 50 * rng.randrange(50, 241)  # 25€ … 120€ on a 23€ base
            else:
                price = 50 * rng.randrange(63, 241)  # 31.50€ … 120€
            claim.update(act="consultation specialiste", provider=provider)
            r = rng.random()
            if adult16 and r < 0.05:
                claim["parcours"] = "hors_parcours"
            elif r < 0.08:
                claim["parcours"] = "acces_direct"
        elif kind == "pharmacy":
            rate = _pick(rng, _PHARMA)
            boxes = 1 + int(rng.random() ** 2 * 5)
            unit = rng.randrange(20000, 80000) if rate == "taux_100" else rng.randrange(150, 3000)
            base = unit * boxes
            price = base if rng.random() < 0.85 else base + boxes * rng.randrange(10, 300)
            claim.update(act=f"pharmacie {rate}", quantity=boxes, base=_money(base))
        elif kind == "biology":
            base = rng.randrange(500, 9000)
            claim.update(act="biologie", base=_money(base))
            price = base
        elif kind == "osteopathy":
            sessions = 1 if rng.random() < 0.9 else 2
            price = sessions * 100 * rng.randrange(50, 81)
            claim.update(act="medecine_douce osteopathie", quantity=sessions)
        elif kind == "room":
            days = 1 + int(rng.random() ** 2 * 12)
            price = days * 100 * rng.randrange(40, 121)
            claim.update(act="hospitalisation chambre_particuliere", quantity=days)
        elif kind == "forfait_journalier":
            days = 1 + int(rng.random() ** 2 * 12)
            price = days * 2000
            claim.update(act="hospitalisation forfait_journalier", quantity=days)
        else:
            r = rng.random()
            if r < 0.30:
                claim["network"] = "kalivia"
            elif other_networks and r < 0.40:
                claim["network"] = "santeclair"
            if kind == "frame":
                price = 100 * rng.randrange(30, 251)
                claim.update(act="optique monture", base="0.05")
            else:
                price = 100 * rng.randrange(80, 701)
                claim.update(act="optique verres", base="0.10")
        claim["price"] = _money(price)
        exemption, scheme = held[ben]
        if exemption is not None and status_rng.random() < _STATUS_SHARE.get(exemption, 1.0):
            claim["exemption"] = exemption
        if scheme is not None:
            claim["scheme"] = scheme
        if flows:
            _flows(flow_rng, claim, date)
        yield claim


COLUMNS = ("id", "date", "beneficiary", "birth_date", "act", "provider", "parcours", "network", "price", "quantity", "base",
           "amo_rate", "participation_forfaitaire", "admission", "discharge", "psychiatric", "invoice", "professional", "coefficient",
           "exemption", "scheme")


def write_claims(path, n: int, seed: int = 2025, *, fmt: str | None = None, beneficiaries: int | None = None,
                 other_networks: bool = True, chunk: int = 100_000, on_chunk=None, flows: bool = True) -> int:
    """Write `n` claims of `iter_claims` to a CSV or Parquet file, `chunk`
    at a time (bounded memory); `quantity` is an integer column, every other
    field text (amounts as the decimal strings a claims system sends)."""
    import pyarrow as pa

    from garant.batch.io import TableWriter, format_of

    schema = pa.schema([pa.field(c, pa.int64() if c == "quantity" else pa.string()) for c in COLUMNS])
    written = 0
    with TableWriter(path, format_of(path, fmt), schema) as writer:
        columns: dict[str, list] = {c: [] for c in COLUMNS}
        for claim in iter_claims(n, seed, beneficiaries=beneficiaries, other_networks=other_networks, flows=flows):
            for c in COLUMNS:
                columns[c].append(claim.get(c))
            if len(columns["id"]) == chunk:
                writer.write(pa.table(columns, schema=schema))
                written += chunk
                columns = {c: [] for c in COLUMNS}
                if on_chunk:
                    on_chunk(written)
        if columns["id"]:
            writer.write(pa.table(columns, schema=schema))
            written += len(columns["id"])
    return written
