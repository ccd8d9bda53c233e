"""The reconciliation of a run: where the Sécu's statement and Garant's
regime tables disagree (issue 17.2).

A claim may carry the regime's own figures (`base`, `amo_rate`, `amo`,
`participation_forfaitaire`, `franchise`): they are authoritative, and a
décompte lists them in its `given` column, and those that differ from
Garant's own regime computation in its `differs` column
(`compiler/runtime/steps/statement.py`). `garant run` feeds each
partition's décomptes to a `Reconciliation`, then prints its summary, by
field and by act family, and writes it as CSV on request
(`--reconcile FILE`):

    family,field,given,differs
    all,amo,120,3
    soins_courants biologie,amo,40,1

`given`: claims carrying the field; `differs`: those where Garant's regime
gives another figure. Many differences in one family point at a regime
figure to check (a tariff change the stdlib does not have yet), or at a
claims system that sends something else.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

FIELDS = ("base", "amo_rate", "amo", "participation_forfaitaire", "franchise")
ALL = "all"


class Reconciliation:
    """Counts, by act family and field, of the Sécu's figures given and of
    those differing from Garant's regime."""

    def __init__(self, product):
        self.product = product
        self.claims = 0  # claims carrying any of the Sécu's figures
        self.differing = 0  # … of which some figure differs
        self.given: Counter = Counter()  # (family, field) → claims
        self.differs: Counter = Counter()
        self._families: dict[str, str] = {}

    def add(self, decomptes: pa.Table) -> None:
        """One partition's décomptes (`batch.output` columns `given`, `differs`)."""
        if "given" not in decomptes.schema.names or decomptes.num_rows == 0:
            return
        given = decomptes.column("given")
        mask = pc.fill_null(pc.not_equal(given, ""), False)
        if not pc.any(mask).as_py():
            return
        # One Python step per distinct (act, given, differs), counted by Arrow: a few dozen in a year of claims.
        keys = ["act", "given", "differs"]
        groups = decomptes.select(keys).filter(mask).group_by(keys).aggregate([([], "count_all")])
        for act, given, differs, n in zip(*(groups.column(k).to_pylist() for k in (*keys, "count_all"))):
            family = self.family(act)
            self.claims += n
            for field in given.split():
                self.given[(family, field)] += n
            differs = (differs or "").split()
            self.differing += n if differs else 0
            for field in differs:
                self.differs[(family, field)] += n

    def family(self, act: str) -> str:
        """An act's family: the first two levels of its node in the act
        tree (`soins_courants biologie`, `hospitalisation honoraires`)."""
        got = self._families.get(act)
        if got is None:
            try:
                node = self.product.reader._act(act)[0]
            except Exception:  # an act the décompte names was read: keep the words
                node = act
            got = self._families[act] = " ".join(node.split(".")[:2])
        return got

    def rows(self) -> list[tuple[str, str, int, int]]:
        """(family, field, given, differs): per field over all families
        first (family `all`), then per family, in field order."""
        out = []
        for field in FIELDS:
            total = sum(n for (_f, fl), n in self.given.items() if fl == field)
            if total:
                out.append((ALL, field, total, sum(n for (_f, fl), n in self.differs.items() if fl == field)))
        order = {f: i for i, f in enumerate(FIELDS)}
        for family, field in sorted(self.given, key=lambda k: (k[0], order.get(k[1], 99))):
            out.append((family, field, self.given[(family, field)], self.differs[(family, field)]))
        return out

    def write_csv(self, path: str | Path) -> None:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(("family", "field", "given", "differs"))
            w.writerows(self.rows())

    def table(self):
        """The summary as a rich table (`garant run` prints it)."""
        from rich.table import Table

        t = Table(title=f"Reconciliation with the Sécu's statement: {self.differing:,} of {self.claims:,} claims differ")
        for name, justify in (("family", "left"), ("field", "left"), ("given", "right"), ("differs", "right")):
            t.add_column(name, justify=justify)
        for family, field, given, differs in self.rows():
            t.add_row(family, field, f"{given:,}", f"{differs:,}", style="bold" if family == ALL else None)
        return t
