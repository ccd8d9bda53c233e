"""One partition through the vectorised evaluator, the rest through the scalar one.

    decomptes, rejections = evaluate_partition_vector(product, table)

Columns in, columns out: the partition's Arrow columns become numpy arrays
(`columns.py`), each step of the scalar engine (`compiler/runtime/steps`,
which stays the oracle) runs over whole arrays (`steps/`: one function per
scalar step, in the engine's order),
with the same integer arithmetic (`(cents × basis points + 5000) // 10000`,
numpy's floor division being Python's), and the décomptes come out as
Arrow columns. Yearly limits are capped cumulative sums (`running.py`).

A claim goes to the scalar engine, through `scalar.evaluate_records` on the
records concerned, when

- its beneficiary has a record the fast reader does not take as is (a
  rejection, a reader warning) or two records with one id: the whole
  beneficiary, so that rejections, duplicates and their order stay the
  reader's;
- its combination of act and provider needs a step listed as scalar in
  `recipes.py`, or the claim is one the regime rejects (a date before a
  figure's first value, an AMO above the price…);
- a yearly limit's running sum cannot be trusted for its (beneficiary,
  pool): a deduction's count limit that may bind, caps that differ
  between the claims of a pool, a quantity cut that changes whether a
  line pays at all;

and with it every claim that shares a limit's pool with it, transitively
(limits never cross (beneficiary, pool), so the vectorised claims keep
exact running sums and the scalar ones see the same ledger they would see
in a whole-scalar run).
"""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from garant.batch.columns import _BAD
from garant.batch.io import ROW, arrow_of
from garant.batch.scalar import evaluate_in_groups, in_file_order
from garant.batch.vector import running, steps
from garant.batch.vector.columns import ClaimColumns, claim_columns
from garant.batch.parallel import each, soon
from garant.batch.vector.recipes import Banded, recipe
from garant.batch.vector.steps import VECTOR
from garant.batch.vector.steps.deductions import age
from garant.compiler.runtime.rules import Param

_EPOCH = dt.date(1970, 1, 1).toordinal()


def per_day(fn, ordinals: np.ndarray) -> np.ndarray:
    """fn (date ordinals → a value each) of each ordinal. A run's dates
    span a few hundred days for many claims: each day of the span is
    computed once, then looked up."""
    if len(ordinals):
        low, high = int(ordinals.min()), int(ordinals.max())
        if high - low < len(ordinals):
            return fn(np.arange(low, high + 1, dtype=np.int64))[ordinals - low]
    return fn(ordinals)


def calendar_years(ordinals: np.ndarray) -> np.ndarray:
    """The calendar year of each date ordinal."""
    return per_day(_years, ordinals)


def _value_index(starts: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """The index of the value in force on each date (-1 before the first)."""
    return per_day(lambda days: np.searchsorted(starts, days, side="right") - 1, dates)


def _years(ordinals: np.ndarray) -> np.ndarray:
    return (ordinals - _EPOCH).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


class NotVectorisable(Exception):
    pass


class VectorStats:
    """How many claims each way took (summed over partitions)."""

    def __init__(self):
        self.vector = 0
        self.scalar = 0
        self.reasons: dict[str, int] = {}

    @property
    def scalar_fraction(self) -> float:
        total = self.vector + self.scalar
        return self.scalar / total if total else 0.0


def supports(product, trace: bool = False) -> bool:
    """Whether the vectorised way applies at all: French contracts, without traces."""
    return getattr(product, "kind", "contract") == "contract" and not trace


def evaluate_partition_vector(product, table: pa.Table, stats: VectorStats | None = None) -> tuple[pa.Table, pa.Table]:
    product._require_levels()
    n = table.num_rows
    if ROW not in table.schema.names:
        table = table.append_column(ROW, arrow_of(np.arange(1, n + 1, dtype=np.int64)))
    cols = claim_columns(product.reader, table) if n else None
    if cols is None:
        scalar = np.ones(n, bool)
        vector = None
    else:
        rows = table.column(ROW).to_numpy()
        vector = _Vector(product, cols, rows)
        scalar = vector.run()
    if stats is not None:
        stats.scalar += int(scalar.sum())
        stats.vector += n - int(scalar.sum())
        if vector is not None:
            for why, k in vector.reasons.items():
                stats.reasons[why] = stats.reasons.get(why, 0) + k
    parts_d, parts_r = [], []
    if scalar.any():
        d, r = evaluate_in_groups(product, table.take(arrow_of(np.nonzero(scalar)[0])))
        parts_d.append(d)
        parts_r.append(r)
    else:
        from garant.batch.output import rejection_table

        parts_r.append(rejection_table(list(table.schema.names), None, [], []))
    if vector is not None and not scalar.all():
        parts_d.insert(0, VECTOR["decompte"](vector, ~scalar))
    return in_file_order(parts_d), in_file_order(parts_r)




class _Vector:
    def __init__(self, product, cols: ClaimColumns, rows: np.ndarray):
        self.product = product
        self.c = cols
        self.rows = rows
        n = self.n = cols.n
        self.recipes = [None if s is _BAD else recipe(product, s) for s in cols.shapes]
        self._note_at: list[np.ndarray] = []
        self._combo_notes = threading.local()  # `each_combo`: a combination's notes, per thread
        self._note_texts: list[str] = []
        self._before_effective: dict[int, str] = {}
        self.year = calendar_years(cols.date)
        self.fail = np.zeros(n, bool)
        self.overflow: list[tuple[np.ndarray, str]] = []  # (beneficiary codes, pool)
        self.reasons: dict[str, int] = {}
        for name in ("base", "rate", "amo", "amo_ref", "counted", "pf", "franchise", "amc", "ceiling_price", "ceiling_room",
                     "differs"):  # differs: bits of the Sécu's figures that differ from the regime's (`steps.decompte.DIFFERS`)
            setattr(self, name, np.zeros(n, np.int64))
        self.has_ceiling_price = np.zeros(n, bool)
        self.pf_acts = np.full(n, -1, np.int64)
        self.flow_scalar = np.zeros(n, bool)  # a session or a day the vector way leaves whole to the scalar engine (`steps/flow.py`)  # a feuille de soins' acts bearing a PF, -1 elsewhere (`steps/flow.invoice_acts`)
        self._params: dict[int, tuple] = {}
        # The one sort by (beneficiary, date of care, row) every running sum reads (`claim_order`), begun on
        # another core while the first steps run (`parallel.soon`).
        self._sorted = soon(lambda: running.Sorted(cols.ben, self.year, cols.date, rows), n)
        self.regulated: dict[str, tuple] = {}  # per-day amount → (rows of a stay, its sum of days) (`steps/stays.py`)
        self.row_pools: list[tuple[np.ndarray, str]] = []  # (rows, pool) a row joins by its own fields (`steps/stays.py`)

    # ---------------------------------------------------------- helpers
    def _note(self, idx: np.ndarray, texts: list) -> None:
        """Warnings for the claims at `idx`, one text each. Each claim's
        warnings are noted in the engine's order; `_warnings` keeps it.
        Within `each_combo`, a combination's notes wait in its own list."""
        waiting = getattr(self._combo_notes, "notes", None)
        if waiting is not None:
            waiting.append((idx, texts))
            return
        self._note_at.append(idx)
        self._note_texts.extend(texts)

    def each_combo(self, step, work) -> None:
        """`step(v, recipe, rows)` for each combination of `work` ((recipe,
        rows) pairs), side by side on the machine's cores (`parallel.each`).
        For a step that only reads the columns and writes its own
        combination's rows: combinations never share a row, so no two
        threads write one element. Their notes are kept aside and noted
        after, in the combinations' order, as a loop would note them."""
        def one(r, idx):
            self._combo_notes.notes = notes = []
            try:
                step(self, r, idx)
            finally:
                self._combo_notes.notes = None
            return notes

        for notes in each([lambda r=r, idx=idx: one(r, idx) for r, idx in work], sum(len(idx) for _, idx in work)):
            for idx, texts in notes:
                self._note(idx, texts)

    def _value(self, value, dates: np.ndarray):
        """(value on each date, no value yet) of an int or a dated `Param`."""
        if not isinstance(value, Param):
            return np.full(len(dates), value, np.int64), np.zeros(len(dates), bool)
        known = self._params.get(id(value))
        if known is None:
            if not all(isinstance(v, int) for v in value.values):
                raise NotVectorisable(f"parameter `{value.name}` has values that are not integers")
            known = self._params[id(value)] = (np.array(value._ordinals, np.int64), np.array(value.values, np.int64))
        starts, values = known
        i = _value_index(starts, dates)
        return values[np.maximum(i, 0)], i < 0

    def _entry(self, entry, idx: np.ndarray, dates: np.ndarray):
        """(value, no value yet, below the age band or None) of a table entry per claim."""
        if not isinstance(entry, Banded):
            return (*self._value(entry, dates), None)
        c = self.c
        has_birth = c.has_birth[idx]
        below = has_birth & (age(c.birth[idx], dates) < entry.from_age) if has_birth.any() else has_birth
        above_v, above_none = self._value(entry.value, dates)
        below_v, below_none = self._value(entry.below, dates)
        return np.where(below, below_v, above_v), np.where(below, below_none, above_none), below

    def claim_order(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions in `idx` of its rows, ordered as the scalar engine
        takes them, and their (beneficiary, year) groups (`running.Sorted`)."""
        if not isinstance(self._sorted, running.Sorted):
            self._sorted = self._sorted()
        return self._sorted.within(idx)

    def _date(self, ordinal: int) -> dt.date:
        return dt.date.fromordinal(ordinal)

    # ------------------------------------------------------------- run
    def run(self) -> np.ndarray:
        """The evaluation; returns the mask of records for the scalar engine."""
        c = self.c
        n = self.n
        self._one_step_per_pool()
        supported = np.array([r is not None and r.unsupported is None for r in self.recipes] + [False], bool)
        # Beneficiaries that go to the scalar engine whole: a record the fast
        # reader does not take, or an id given twice.
        n_ben = int(c.ben.max()) + 1 if n else 0
        ben_whole = np.zeros(n_ben, bool)
        ben_whole[c.ben[~c.clean]] = True
        ben_whole[c.ben[c.repeated]] = True
        combo = np.where(c.clean, c.combo, len(self.recipes))
        candidate = supported[combo] & ~ben_whole[c.ben]
        self._count("beneficiary with a record the reader decides, or a duplicate id", ben_whole[c.ben])
        self._count("combination needing a scalar step", c.clean & ~supported[combo] & ~ben_whole[c.ben])

        cand = np.nonzero(candidate)[0]
        combos = c.combo[cand]
        if len(self.recipes) < 1 << 16:
            combos = combos.astype(np.uint16)  # numpy's stable sort of 16-bit integers is a radix sort
        order = cand[np.argsort(combos, kind="stable")]
        by_combo = []
        if len(order):
            sorted_combos = c.combo[order]
            bounds = np.nonzero(np.diff(sorted_combos))[0] + 1
            for chunk in np.split(order, bounds):
                by_combo.append((self.recipes[int(c.combo[chunk[0]])], chunk))
        try:
            steps.run(self, by_combo)
        except NotVectorisable as why:  # a figure the fast way does not take: everything scalar
            self.reasons[str(why)] = n
            return np.ones(n, bool)
        self._count("claim the regime rejects", candidate & self.fail)
        self._count("line of a session or a professional's day mixing the Sécu's figures with other lines (scalar steps)",
                    candidate & self.flow_scalar & ~self.fail)
        self.fail |= self.flow_scalar  # `steps/flow.py`: with the claims sharing a pool with them (`_closure`)

        # The scalar set, closed over the pools its claims share.
        scalar = ~candidate | self.fail
        return self._closure(scalar, by_combo, n_ben)

    def _one_step_per_pool(self) -> None:
        """A pool's running sums are taken at one step (the deduction, or
        the k-th line of a decision): a pool that two combinations meet at
        different steps would need the two steps interleaved by date, so
        its combinations go to the scalar engine."""
        steps: dict[str, set] = {}
        for r in self.recipes:
            if r is not None and r.unsupported is None:
                for pool, step in r.stages.items():
                    steps.setdefault(pool, set()).add(step)
        mixed = {pool for pool, at in steps.items() if len(at) > 1}
        if mixed:
            for r in self.recipes:
                if r is not None and r.unsupported is None and mixed & set(r.stages):
                    r.unsupported = "a pool met at different steps by different combinations"

    def _count(self, why: str, mask: np.ndarray) -> None:
        k = int(mask.sum())
        if k:
            self.reasons[why] = self.reasons.get(why, 0) + k

    def _closure(self, scalar: np.ndarray, by_combo, n_ben: int) -> np.ndarray:
        if not self.overflow and not scalar.any():  # no scalar claim, no pool in doubt: nothing to spread
            return scalar
        pool_ids: dict[str, int] = {}
        for r in self.recipes:
            if r is not None:
                for pool in r.pools:
                    pool_ids.setdefault(pool, len(pool_ids))
        for _rows, pool in self.row_pools:
            pool_ids.setdefault(pool, len(pool_ids))
        if not pool_ids:
            return scalar
        members = self._pool_members(pool_ids)
        if members is None:
            return scalar
        n_pools = len(pool_ids)
        pair_scalar = np.zeros(n_ben * n_pools, bool)
        for bens, pool in self.overflow:
            pair_scalar[bens * n_pools + pool_ids[pool]] = True
        before = int(scalar.sum())
        scalar = _spread(scalar, pair_scalar, *members)
        grown_by = int(scalar.sum()) - before
        if grown_by:
            why = "claim sharing a limit's pool with a scalar claim, or whose running sum the fast way cannot trust"
            self.reasons[why] = self.reasons.get(why, 0) + grown_by
        return scalar

    def _pool_members(self, pool_ids: dict[str, int]):
        """Each (row, beneficiary × pool) membership: the rows of a combination
        whose recipe draws on a pool, and the rows a step tied to a pool
        (`row_pools`); None when no row belongs to any."""
        c = self.c
        n_pools = len(pool_ids)
        member_rows, member_pools = [], []
        clean_idx = np.nonzero(c.clean)[0]
        combos = c.combo[clean_idx]
        for k, r in enumerate(self.recipes):
            if r is None or not r.pools:
                continue
            rows_k = clean_idx[combos == k]
            for pool in r.pools:
                member_rows.append(rows_k)
                member_pools.append(c.ben[rows_k] * n_pools + pool_ids[pool])
        for rows_k, pool in self.row_pools:
            member_rows.append(rows_k)
            member_pools.append(c.ben[rows_k] * n_pools + pool_ids[pool])
        if not member_rows:
            return None
        return np.concatenate(member_rows), np.concatenate(member_pools)


def _spread(scalar: np.ndarray, pair_scalar: np.ndarray, m_rows: np.ndarray, m_pairs: np.ndarray) -> np.ndarray:
    """The fixed point: a (beneficiary, pool) with one scalar row makes all
    its rows scalar, and a scalar row makes every pool it belongs to scalar,
    until nothing grows."""
    while True:
        hit = pair_scalar[m_pairs]
        grown = scalar.copy()
        grown[m_rows[hit]] = True
        pair_scalar[m_pairs[grown[m_rows]]] = True
        if (grown == scalar).all() and pair_scalar[m_pairs].sum() == hit.sum():
            return scalar
        scalar = grown
