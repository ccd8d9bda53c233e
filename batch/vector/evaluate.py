"""One partition through the vectorised evaluator, the rest through the scalar one.

    decomptes, rejections = evaluate_partition_vector(product, table)

Columns in, columns out: the partition's Arrow columns become numpy arrays
(`columns.py`), each step of the scalar engine (`compiler/runtime/engine.py`,
which stays the oracle) runs over whole arrays, in the engine's order,
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

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from garant.batch.columns import _BAD
from garant.batch.io import ROW
from garant.batch.scalar import evaluate_records, tables
from garant.batch.output import WARNING_SEPARATOR, decompte_schema, money_column
from garant.batch.vector.columns import ClaimColumns, claim_columns
from garant.batch.vector.recipes import Banded, recipe
from garant.batch.vector.running import Running
from garant.compiler.runtime.money import fmt, fmt_rate
from garant.compiler.runtime.rules import Param
from garant.compiler.runtime.trace import render_warning

_EPOCH = dt.date(1970, 1, 1).toordinal()


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
        table = table.append_column(ROW, pa.array(np.arange(1, n + 1, dtype=np.int64)))
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
        sub = table.take(pa.array(np.nonzero(scalar)[0]))
        d, r = tables(product, sub, evaluate_records(product, sub))
        parts_d.append(d)
        parts_r.append(r)
    else:
        from garant.batch.output import rejection_table

        parts_r.append(rejection_table(list(table.schema.names), None, [], []))
    if vector is not None and not scalar.all():
        parts_d.insert(0, vector.decomptes(~scalar))
    decomptes = pa.concat_tables(parts_d) if len(parts_d) > 1 else parts_d[0]
    if len(parts_d) > 1:
        decomptes = decomptes.take(pc.sort_indices(decomptes.column("row")))
    return decomptes, parts_r[0]


def _apply_distinct(fn, args: list, with_ceiling) -> np.ndarray:
    """fn(*args) per row, called once per distinct tuple of arguments: the
    generated line functions (and the engine's ceiling) themselves, so a
    formula is never written twice. `with_ceiling`: the ceiling price
    column, or None (passed as None)."""
    if with_ceiling is not None:
        args = [*args, with_ceiling]
    n = len(args[0])
    order = np.lexsort(args[::-1])
    change = np.zeros(n, bool)
    if n:
        change[0] = True
    sorted_args = []
    for a in args:
        a = a[order]
        change[1:] |= a[1:] != a[:-1]
        sorted_args.append(a)
    group = np.cumsum(change) - 1
    firsts = [a[change].tolist() for a in sorted_args]
    if with_ceiling is None:
        values = [fn(*t, None) for t in zip(*firsts)]
    else:
        values = [fn(*t) for t in zip(*firsts)]
    out = np.empty(n, np.int64)
    out[order] = np.array(values, np.int64)[group]
    return out


class _Vector:
    def __init__(self, product, cols: ClaimColumns, rows: np.ndarray):
        self.product = product
        self.c = cols
        self.rows = rows
        n = self.n = cols.n
        self.recipes = [None if s is _BAD else recipe(product, s) for s in cols.shapes]
        self._note_at: list[np.ndarray] = []
        self._note_texts: list[str] = []
        self._before_effective: dict[int, str] = {}
        self.year = (cols.date - _EPOCH).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        self.fail = np.zeros(n, bool)
        self.overflow: list[tuple[np.ndarray, str]] = []  # (beneficiary codes, pool)
        self.reasons: dict[str, int] = {}
        for name in ("base", "rate", "amo", "amo_ref", "counted", "pf", "franchise", "amc", "ceiling_price", "ceiling_room"):
            setattr(self, name, np.zeros(n, np.int64))
        self.has_ceiling_price = np.zeros(n, bool)
        self._params: dict[int, tuple] = {}

    # ---------------------------------------------------------- helpers
    def _note(self, idx: np.ndarray, texts: list) -> None:
        """Warnings for the claims at `idx`, one text each. Each claim's
        warnings are noted in the engine's order; `_warnings` keeps it."""
        self._note_at.append(idx)
        self._note_texts.extend(texts)

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
        i = np.searchsorted(starts, dates, side="right") - 1
        return values[np.maximum(i, 0)], i < 0

    def _entry(self, entry, idx: np.ndarray, dates: np.ndarray):
        """(value, no value yet, below the age band or None) of a table entry per claim."""
        if not isinstance(entry, Banded):
            return (*self._value(entry, dates), None)
        c = self.c
        below = c.has_birth[idx] & (_age(c.birth[idx], dates) < entry.from_age)
        above_v, above_none = self._value(entry.value, dates)
        below_v, below_none = self._value(entry.below, dates)
        return np.where(below, below_v, above_v), np.where(below, below_none, above_none), below

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
        pair = c.ben * (int(c.id_codes.max()) + 1) + c.id_codes
        uniq, counts = np.unique(pair, return_counts=True)
        if (counts > 1).any():
            dup = np.isin(pair, uniq[counts > 1])
            ben_whole[c.ben[dup]] = True
        combo = np.where(c.clean, c.combo, len(self.recipes))
        candidate = supported[combo] & ~ben_whole[c.ben]
        self._count("beneficiary with a record the reader decides, or a duplicate id", ben_whole[c.ben])
        self._count("combination needing a scalar step", c.clean & ~supported[combo] & ~ben_whole[c.ben])

        cand = np.nonzero(candidate)[0]
        order = cand[np.argsort(c.combo[cand], kind="stable")]
        by_combo = []
        if len(order):
            sorted_combos = c.combo[order]
            bounds = np.nonzero(np.diff(sorted_combos))[0] + 1
            for chunk in np.split(order, bounds):
                by_combo.append((self.recipes[int(c.combo[chunk[0]])], chunk))
        try:
            for r, idx in by_combo:
                self._regime(r, idx)
            self._deductions(by_combo)
            stages = max((len(r.lines) for r, _ in by_combo), default=0)
            for k in range(stages):
                self._stage(k, [(r, idx) for r, idx in by_combo if len(r.lines) > k])
        except NotVectorisable as why:  # a figure the fast way does not take: everything scalar
            self.reasons[str(why)] = n
            return np.ones(n, bool)
        self._count("claim the regime rejects", candidate & self.fail)

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
        c = self.c
        pool_ids: dict[str, int] = {}
        member_rows, member_pools = [], []
        for r in self.recipes:
            if r is not None:
                for pool in r.pools:
                    pool_ids.setdefault(pool, len(pool_ids))
        if not pool_ids:
            return scalar
        n_pools = len(pool_ids)
        clean_idx = np.nonzero(c.clean)[0]
        combos = c.combo[clean_idx]
        for k, r in enumerate(self.recipes):
            if r is None or not r.pools:
                continue
            rows_k = clean_idx[combos == k]
            for pool in r.pools:
                member_rows.append(rows_k)
                member_pools.append(c.ben[rows_k] * n_pools + pool_ids[pool])
        if not member_rows:
            return scalar
        m_rows = np.concatenate(member_rows)
        m_pairs = np.concatenate(member_pools)
        pair_scalar = np.zeros(n_ben * n_pools, bool)
        for bens, pool in self.overflow:
            pair_scalar[bens * n_pools + pool_ids[pool]] = True
        before = int(scalar.sum())
        while True:
            hit = pair_scalar[m_pairs]
            grown = scalar.copy()
            grown[m_rows[hit]] = True
            pair_scalar[m_pairs[grown[m_rows]]] = True
            if (grown == scalar).all() and pair_scalar[m_pairs].sum() == hit.sum():
                break
            scalar = grown
        grown_by = int(scalar.sum()) - before
        if grown_by:
            why = "claim sharing a limit's pool with a scalar claim, or whose running sum the fast way cannot trust"
            self.reasons[why] = self.reasons.get(why, 0) + grown_by
        return scalar

    # ------------------------------------------------- 1. the regime
    def _regime(self, r, idx: np.ndarray) -> None:
        c = self.c
        product = self.product
        d = c.date[idx]
        q = c.quantity[idx]
        price = c.price[idx]
        fail = np.zeros(len(idx), bool)
        if product.effective is not None:
            before = d < product.effective.toordinal()
            if before.any():
                texts = self._before_effective
                for o in np.unique(d[before]).tolist():
                    if o not in texts:
                        texts[o] = render_warning(("before_effective", self._date(o), product.effective))
                self._note(idx[before], [texts[o] for o in d[before].tolist()])
        if r.not_reimbursed:
            base = np.where(c.has_base[idx], c.base[idx], 0)
            rate = np.zeros(len(idx), np.int64)
            amo = rate.copy()
            counted = base
        else:
            rate, no_rate, _ = self._entry(r.rate, idx, d)
            fail |= no_rate
            has_b = c.has_base[idx]
            claim_b = c.base[idx]
            if r.base is None:
                fail |= ~has_b
                base = claim_b
            else:
                regime_b, no_base, base_below = self._entry(r.base, idx, d)
                regime_b = regime_b * q
                fail |= ~has_b & no_base
                base = np.where(has_b, claim_b, regime_b)
                differ = has_b & ~no_base & (regime_b != claim_b)
                if differ.any():
                    below_of = base_below[differ].tolist() if base_below is not None else [False] * int(differ.sum())
                    self._note(idx[differ], [
                        f"the claim's base {fmt(b)} differs from the regime's {fmt(rb)} ({r.base_source[below]} on {self._date(o)})"
                        for b, rb, o, below in zip(claim_b[differ].tolist(), regime_b[differ].tolist(), d[differ].tolist(), below_of)
                    ])
            below = base > price
            if below.any():
                self._note(idx[below], [
                    f"price {fmt(p)} is below the base {fmt(b)}: the regime reimburses on the price"
                    for p, b in zip(price[below].tolist(), base[below].tolist())
                ])
            counted = np.minimum(base, price)
            amo = (counted * rate + 5000) // 10000
            has_amo = c.has_amo[idx]
            if has_amo.any():
                claim_amo = c.amo[idx]
                differ = has_amo & (claim_amo != amo)
                if r.heavy:
                    fail |= differ
                elif differ.any():
                    self._note(idx[differ], [
                        f"the claim's AMO {fmt(a)} differs from {fmt_rate(t)} × {fmt(k)} = {fmt(m)}; the claim's is used"
                        for a, t, k, m in zip(claim_amo[differ].tolist(), rate[differ].tolist(), counted[differ].tolist(), amo[differ].tolist())
                    ])
                    amo = np.where(differ, claim_amo, amo)
        fail |= amo > price
        amo_ref = amo
        if r.ref_rate is not None:
            ref_rate, no_ref, _ = self._entry(r.ref_rate, idx, d)
            fail |= no_ref
            amo_ref = np.maximum(amo, (counted * ref_rate + 5000) // 10000)
        ceiling_price = None
        for value, of_base, what, where in r.checks:
            if of_base:
                limit = (base * value + 5000) // 10000
            else:
                v, none = self._value(value, d)
                fail |= none
                limit = v * q
            ceiling_price = limit
            above = price > limit
            if above.any():
                who = r.provider or r.act
                self._note(idx[above], [
                    f"price {fmt(p)} is above {what} ({fmt(lim)}) for {who} [{where}]"
                    for p, lim in zip(price[above].tolist(), limit[above].tolist())
                ])
        if r.gap_note is not None:
            self._note(idx, [r.gap_note] * len(idx))
        self.base[idx] = base
        self.rate[idx] = rate
        self.amo[idx] = amo
        self.amo_ref[idx] = amo_ref
        self.counted[idx] = counted
        if ceiling_price is not None:
            self.ceiling_price[idx] = ceiling_price
            self.has_ceiling_price[idx] = True
        self.fail[idx] |= fail

    # --------------------------------------------- 2. flat deductions
    def _deductions(self, by_combo) -> None:
        c = self.c
        groups: dict[tuple, list] = {}  # (param, per_unit) → row chunks
        for r, idx in by_combo:
            if r.deduction is not None:
                p, per_unit, *_ = r.deduction
                groups.setdefault((id(p), per_unit), [r.deduction, []])[1].append(idx)
        if not groups:
            return
        demand = np.zeros(self.n, np.int64)
        units_of = np.zeros(self.n, np.int64)
        unit_of = np.zeros(self.n, np.int64)
        pools: dict[str, list] = {}  # limit key → [(limit, rows, is_pf, the deduction's limits)]
        for deduction, chunks in groups.values():
            p, per_unit, is_pf, amount, counts = deduction
            idx = np.concatenate(chunks)
            d = c.date[idx]
            unit, none = self._value(p, d)
            self.fail[idx] |= none
            units = c.quantity[idx] if per_unit else np.ones(len(idx), np.int64)
            want = np.minimum(unit * units, self.amo[idx])
            if p.exempt_under is not None:
                on = d
                if p.exempt_reference == "start_of_year":
                    on = (self.year[idx] - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) + _EPOCH
                exempt = c.has_birth[idx] & (_age(c.birth[idx], on) < p.exempt_under)
                want = np.where(exempt, 0, want)
            demand[idx] = want
            units_of[idx] = units
            unit_of[idx] = unit
            limits = ((amount,) if amount is not None else ()) + counts
            signature = tuple(sorted((lim.key, lim.kind, lim.amount) for lim in limits))
            for lim in limits:
                pools.setdefault(lim.key, []).append((lim, idx, is_pf, signature))
        # Every limit of the claim's deduction, at once (one amount and one
        # count for the participation forfaitaire): a claim takes
        # min(demand, each limit's room) while no limit of its pools is
        # exhausted, nothing after. Until the first cut, the running sums of
        # the demands are what the limits have used; the claim that is cut
        # exhausts a limit that every later claim of the pool shares, so the
        # running sums are exact wherever they are read. This needs every
        # claim of a pool to carry the same set of limits: else scalar.
        free = np.ones(self.n, bool)
        room = np.full(self.n, 1 << 62, np.int64)
        for key, members in pools.items():
            lim = members[0][0]
            idx = np.concatenate([m[1] for m in members])
            if len({m[3] for m in members}) > 1:
                self.overflow.append((c.ben[idx], key))
                continue
            used = demand[idx] if lim.kind == "amount" else units_of[idx] * (demand[idx] > 0)
            run = Running(c.ben[idx], self.year[idx], c.date[idx], self.rows[idx], used)
            before = run.unsorted(run.before)
            free[idx] &= before < lim.amount
            left = lim.amount - before
            room[idx] = np.minimum(room[idx], left if lim.kind == "amount" else left * unit_of[idx])
        take = np.where(free, np.minimum(demand, room), 0)
        for deduction, chunks in groups.values():
            idx = np.concatenate(chunks)
            if deduction[2]:
                self.pf[idx] = take[idx]
            else:
                self.franchise[idx] = take[idx]

    # ------------------------------------------ 3. the contract's lines
    def _part(self, line, r, idx, paid, q, amc):
        """A line's part before its limits: the formula (generated
        function) on the paid quantity, the partial-quantity share, the
        responsable ceiling and what the regime leaves."""
        c = self.c
        price = c.price[idx]
        cp = self.ceiling_price[idx] if self.has_ceiling_price[idx[0]] else None
        qty = paid if line.per_unit else q
        part = _apply_distinct(line.fn, [price, self.base[idx], self.amo_ref[idx], qty], cp)
        if not line.per_unit:
            cut = (paid < q) & (paid > 0)
            if cut.any():
                part = np.where(cut, (part * paid * 2 + q) // (2 * q), part)
        part = np.where(paid <= 0, 0, part)
        if r.ceiling is not None:
            left = self.ceiling_room[idx] - amc
            part = np.where(part > left, np.maximum(left, 0), part)
        left = price - self.amo[idx] - amc
        return np.where(part > left, np.maximum(left, 0), part)

    def _stage(self, k: int, members) -> None:
        c = self.c
        product = self.product
        part = np.zeros(self.n, np.int64)
        limited: dict[str, list] = {}
        for r, idx in members:
            line, count, amount = r.lines[k]
            q = c.quantity[idx]
            if k == 0 and r.ceiling is not None:
                cp = self.ceiling_price[idx] if self.has_ceiling_price[idx[0]] else None

                def ceiling_room(price, base, amo_ref, quantity, ceiling_price, _ceiling=r.ceiling):
                    return product._ceiling_limit(_ceiling, price, base, amo_ref, quantity, ceiling_price)

                self.ceiling_room[idx] = _apply_distinct(ceiling_room, [c.price[idx], self.base[idx], self.amo_ref[idx], q], cp)
            part[idx] = self._part(line, r, idx, q, q, self.amc[idx])
            lim = count or amount
            if lim is not None:
                limited.setdefault(lim.key, []).append((lim, r, idx))
        for key, group in limited.items():
            lim = group[0][0]
            idx = np.concatenate([g[2] for g in group])
            if any(g[0].amount != lim.amount or g[0].kind != lim.kind for g in group):
                self.overflow.append((c.ben[idx], key))
                continue
            negative = part[idx] < 0
            if negative.any():  # the running sums assume what a claim asks for is ≥ 0
                self.overflow.append((c.ben[idx][negative], key))
            if lim.kind == "amount":
                run = Running(c.ben[idx], self.year[idx], c.date[idx], self.rows[idx], part[idx])
                remaining = lim.amount - run.used_before(lim.amount)
                wanted = part[idx]
                over = wanted > remaining
                if over.any():
                    self._note(idx[over], [f"limit {lim.text}: {fmt(left)} was left [{lim.where}]" for left in remaining[over].tolist()])
                part[idx] = np.minimum(wanted, remaining)
                continue
            q = c.quantity[idx]
            pays = part[idx] > 0
            demand = (q if lim.kind == "count" else np.ones(len(idx), np.int64)) * pays
            run = Running(c.ben[idx], self.year[idx], c.date[idx], self.rows[idx], demand)
            remaining = lim.amount - run.used_before(lim.amount)
            allowed = remaining if lim.kind == "count" else np.where(remaining > 0, q, 0)
            short = allowed < q
            if not short.any():
                continue
            texts = [f"limit reached: {lim.text} [{lim.where}]" if a <= 0 else f"limit {lim.text}: {a} of {qq} paid [{lim.where}]"
                     for a, qq in zip(allowed[short].tolist(), q[short].tolist())]
            self._note(idx[short], texts)
            # What the cut quantity pays, line by line.
            offset = 0
            for _lim, r, rows_g in group:
                local = np.nonzero(short[offset:offset + len(rows_g)])[0]
                where = local + offset
                offset += len(rows_g)
                if not len(local):
                    continue
                cut = rows_g[local]
                paid = np.minimum(allowed[where], c.quantity[cut])
                new = self._part(r.lines[k][0], r, cut, paid, c.quantity[cut], self.amc[cut])
                changed = (paid > 0) & ((new > 0) != pays[where])
                if changed.any():
                    self.overflow.append((c.ben[cut[changed]], key))
                part[cut] = new
        for r, idx in members:
            self.amc[idx] += part[idx]

    # ------------------------------------------------------ the output
    def _warnings(self, idx: np.ndarray) -> pa.Array:
        """Each décompte's warnings joined as the scalar run joins them
        (`output.WARNING_SEPARATOR`), "" for none."""
        full = np.full(self.n, "", object)
        if self._note_at:
            at = np.concatenate(self._note_at)
            order = np.argsort(at, kind="stable")  # by claim, each claim's in the order noted
            at = at[order]
            texts = self._note_texts
            texts = [texts[i] for i in order.tolist()]
            starts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
            ends = np.r_[starts[1:], len(at)]
            full[at[starts]] = [texts[s] if e - s == 1 else WARNING_SEPARATOR.join(texts[s:e]) for s, e in zip(starts.tolist(), ends.tolist())]
        return pa.array(full[idx], pa.string())

    def decomptes(self, mask: np.ndarray) -> pa.Table:
        c = self.c
        product = self.product
        idx = np.nonzero(mask)[0]
        take = pa.array(idx)
        combo = c.combo[idx]
        schema = decompte_schema(product, False)
        price = c.price[idx]
        amo = self.amo[idx]
        amo_net = amo - self.pf[idx] - self.franchise[idx]
        amc = self.amc[idx]
        rates = self.rate[idx]
        distinct_rates, rate_at = np.unique(rates, return_inverse=True)
        dates = pa.array((c.date[idx] - _EPOCH).astype("datetime64[D]"))
        per_combo_act = pa.array([r.act if r is not None else None for r in self.recipes], pa.string())
        per_combo_provider = pa.array([r.provider if r is not None else None for r in self.recipes], pa.string())
        per_combo_rule = pa.array([r.rule if r is not None else None for r in self.recipes], pa.string())
        combo_arr = pa.array(combo)
        columns = {
            "id": c.ids.take(take),
            "row": pa.array(self.rows[idx]),
            "beneficiary": c.beneficiaries.take(take),
            "date": pc.cast(dates, pa.string()),
            "act": per_combo_act.take(combo_arr),
            "provider": per_combo_provider.take(combo_arr),
            "price": money_column(price),
            "base": money_column(self.base[idx]),
            "amo_rate": pa.array([fmt_rate(v) for v in distinct_rates.tolist()], pa.string()).take(pa.array(rate_at.reshape(-1))),
            "amo": money_column(amo),
            "participation_forfaitaire": money_column(self.pf[idx]),
            "franchise": money_column(self.franchise[idx]),
            "amo_net": money_column(amo_net),
            "amc": money_column(amc),
            "rac": money_column(price - amo_net - amc),
            "rule": per_combo_rule.take(combo_arr),
            "warnings": self._warnings(idx),
        }
        return pa.table([columns[name] for name in schema.names], schema=schema)


def _age(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Whole years from `birth` to `on` (ordinals), as the engine counts them."""
    b = (birth - _EPOCH).astype("datetime64[D]")
    o = (on - _EPOCH).astype("datetime64[D]")
    by, oy = b.astype("datetime64[Y]"), o.astype("datetime64[Y]")
    bm, om = b.astype("datetime64[M]"), o.astype("datetime64[M]")
    b_md = (bm - by).astype(np.int64) * 100 + (b - bm).astype(np.int64)
    o_md = (om - oy).astype(np.int64) * 100 + (o - om).astype(np.int64)
    return (oy.astype(np.int64) - by.astype(np.int64)) - (o_md < b_md)
