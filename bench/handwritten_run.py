"""The yardstick of bench/bench_run.py: a claims CSV → amounts CSV, by hand.

    python bench/handwritten_run.py CLAIMS.csv OUT.csv

What an engineer would write for one contract without Garant: the
standard `csv` module, the vocabulary of the synthetic claims hard-coded
(act and provider words → the act and its sector/option), all claims in
memory, sorted by date of care, evaluated by `bench/handwritten.py`, and
one line of eight amounts written per claim. No validation beyond what the
conversions do, no rejections file, no trace or warnings, no partitioning
(memory grows with the file); the cyclic GC paused, as `garant run`
does while it evaluates. Prints `claims seconds` on stdout.
"""

from __future__ import annotations

import csv
import gc
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten  # noqa: E402

NODES = {
    "consultation generaliste": "soins_courants.honoraires_medicaux.consultation.generaliste",
    "consultation specialiste": "soins_courants.honoraires_medicaux.consultation.specialiste",
    "pharmacie taux_65": "soins_courants.pharmacie.taux_65",
    "pharmacie taux_30": "soins_courants.pharmacie.taux_30",
    "pharmacie taux_15": "soins_courants.pharmacie.taux_15",
    "pharmacie taux_100": "soins_courants.pharmacie.taux_100",
    "biologie": "soins_courants.biologie",
    "medecine_douce osteopathie": "medecine_douce.osteopathie",
    "hospitalisation chambre_particuliere": "hospitalisation.chambre_particuliere",
    "hospitalisation forfait_journalier": "hospitalisation.forfait_journalier",
    "optique monture": "optique.monture",
    "optique verres": "optique.verres",
}
PROVIDERS = {
    "": (None, None),
    "secteur1": ("secteur1", None),
    "secteur2 optam": ("secteur2", "optam"),
    "secteur2 optam_co": ("secteur2", "optam_co"),
    "secteur2 non_optam": ("secteur2", "non_optam"),
}


class Line:
    __slots__ = ("id", "node", "act", "provider", "date", "beneficiary", "birth_date", "price", "base", "quantity", "dims", "network", "row")


def cents(text: str) -> int:
    units, _, frac = text.partition(".")
    return int(units) * 100 + int((frac + "00")[:2])


def read(path: str) -> list[Line]:
    dates: dict[str, dt.date] = {}
    lines = []
    with open(path, newline="", encoding="utf-8") as f:
        for row, r in enumerate(csv.DictReader(f), 1):
            c = Line()
            c.row = row
            c.id = r["id"]
            c.act = r["act"]
            c.node = NODES[c.act]
            c.provider = r["provider"] or None
            d = r["date"]
            c.date = dates.get(d) or dates.setdefault(d, dt.date.fromisoformat(d))
            b = r["birth_date"]
            c.birth_date = (dates.get(b) or dates.setdefault(b, dt.date.fromisoformat(b))) if b else None
            c.beneficiary = r["beneficiary"]
            c.price = cents(r["price"])
            c.base = cents(r["base"]) if r["base"] else None
            c.quantity = int(r["quantity"]) if r["quantity"] else 1
            c.network = "kalivia" if r["network"] == "kalivia" else None  # the only network the contract names
            secteur, option = PROVIDERS[r["provider"]]
            c.dims = (secteur, option, r["parcours"] or "dans_parcours", c.network)
            lines.append(c)
    return lines


def main() -> None:
    gc.disable()  # same conditions as garant run, which pauses the cyclic GC while it evaluates
    started = time.perf_counter()
    lines = read(sys.argv[1])
    lines.sort(key=lambda c: (c.date, c.row))
    members: dict = {}
    evaluate = handwritten.evaluate
    with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(("id", "base", "amo_rate", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac"))
        for c in lines:
            w.writerow((c.id, *evaluate(c, members)))
    print(len(lines), f"{time.perf_counter() - started:.3f}")


if __name__ == "__main__":
    main()
