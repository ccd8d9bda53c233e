"""A partition's columns → `Claim` objects, without a dict per record.

    got = read_columns(product.reader, table, rows, skip)   # [Claim | Rejection | None]

The claim reader (`ClaimReader.read`) validates one record, a dict, at a
time; it is what `garant eval` runs and it stays the oracle. This module
gives the same result for every record of an Arrow table, faster, by doing
each field's work once per *distinct value* of its column (a partition
has a few hundred dates, prices, act spellings) with the reader's own
functions, and once per distinct combination of the vocabulary fields
(act, provider, network, dimension fields) with the reader's own
`_vocabulary`.

Only records that pass every check take the fast way. A record with any
field the reader would refuse or warn about (a missing id, a bad date, a
birth date after the care, an alias, a value dated after the care…) is
read by `ClaimReader.read` itself from its dict, so rejections, their
reasons and their order of checks are the reader's by construction.
Column types other than those listed below are read value by value with
the reader's functions (same results, no sharing).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc

from garant.batch.io import INTERNAL
from garant.compiler.runtime.claims import FLOW_FIELDS, Claim, ClaimReader, _amount, _bool, _date, claim_quantity
from garant.compiler.runtime.decompte import ClaimError

_BAD = object()  # a value the fast way does not take: the reader decides
_SHARED_TYPES = (pa.string(), pa.large_string(), pa.int64(), pa.int32(), pa.date32(), pa.null())  # values converted once per distinct value
_TEXT_TYPES = (pa.string(), pa.large_string(), pa.null())


class _DateDependent(Exception):
    pass


class _Undated:
    """The date of a probe claim. The vocabulary compares the date of care
    only to know whether a value exists yet (`date < start`: a warning) and
    whether an alias still stands (`date >= before`: a refusal); the probe
    answers "no" to both and remembers the range of dates for which that
    answer is true, `[after, before)`. A record dated in that range takes
    exactly the probe's path; any other is left to the reader."""

    def __init__(self):
        self.after = None  # the earliest date of care with the probe's result
        self.before = None  # the first date of care without it

    def __lt__(self, start):
        if self.after is None or start > self.after:
            self.after = start
        return False

    def __ge__(self, before):
        if self.before is None or before < self.before:
            self.before = before
        return False

    def _compared(self, other):
        raise _DateDependent

    __le__ = __gt__ = _compared

    def __str__(self):  # pragma: no cover - never formatted after a "no"
        raise _DateDependent


def _guarded(convert: Callable) -> Callable:
    def safe(value):
        try:
            return convert(value)
        except ClaimError:
            return _BAD
        except Exception:  # the reader will say what (an internal error, kept as a rejection)
            return _BAD

    return safe


def _required_id(v):
    if v is None or (isinstance(v, str) and not v.strip()):
        return _BAD
    return v if isinstance(v, (str, int)) else str(v)


def _required_beneficiary(v):
    return _BAD if v is None or str(v).strip() == "" else str(v)


def _optional_amount(name: str):
    return lambda v: None if v is None else _amount({name: v}, name, required=False)


def _flag(name: str):
    return lambda v: False if v is None else _bool({name: v}, name)


CONVERTERS: dict[str, Callable] = {
    "id": _required_id,
    "beneficiary": _required_beneficiary,
    "family": lambda v: None if v is None else str(v),
    "date": lambda v: _date({"date": v}, "date", required=True),
    "birth_date": lambda v: _date({"birth_date": v}, "birth_date", required=False),
    "price": lambda v: _amount({"price": v}, "price", required=True),
    "base": _optional_amount("base"),
    "amo": _optional_amount("amo"),
    "allowed": _optional_amount("allowed"),
    "frame_price": _optional_amount("frame_price"),
    "quantity": claim_quantity,
    "emergency": _flag("emergency"),
    "referral": _flag("referral"),
    "exemption": lambda v: None if v is None or (isinstance(v, str) and not v.strip()) else str(v),
    "scheme": lambda v: None if v is None or (isinstance(v, str) and not v.strip()) else str(v),
}
DISTINCT_FEW = frozenset(CONVERTERS) - {"id", "beneficiary", "family"}  # columns with few distinct values


def _column(table: pa.Table, name: str) -> pa.Array | None:
    if name not in table.schema.names:
        return None
    col = table.column(name)
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _converted(col: pa.Array | None, n: int, name: str) -> list:
    """The column's values through the reader's function for `name`,
    `_BAD` where it refuses; once per distinct value when the type allows."""
    convert = _guarded(CONVERTERS[name]) if name in CONVERTERS else (lambda v: v)
    if col is None:
        return [convert(None)] * n
    if (name in DISTINCT_FEW or name not in CONVERTERS) and col.type in _SHARED_TYPES and not pa.types.is_null(col.type):
        encoded = pc.dictionary_encode(col)
        table = [convert(v) for v in encoded.dictionary.to_pylist()]
        table.append(convert(None))
        indices = pc.fill_null(encoded.indices, len(table) - 1).to_pylist()
        return list(map(table.__getitem__, indices))
    values = col.to_pylist()
    if col.type in _TEXT_TYPES:  # str or None: the converters' own tests, inline
        if name in ("id", "beneficiary"):
            return [v if v is not None and v.strip() else _BAD for v in values]
        if name == "family":
            return values
    return [convert(v) for v in values]


def read_columns(reader: ClaimReader, table: pa.Table, rows: list[int], skip=None) -> list | None:
    """One `Claim` or `Rejection` per record of `table` (its position),
    `rows[i]` being record i's row in its file; None at the positions in
    `skip` (records the caller rejects itself). None instead of a list when
    the table does not suit the fast way (a vocabulary column that is not
    text, a column named twice): the caller reads it record by record."""
    names = [n for n in table.schema.names if n not in INTERNAL]
    if len(set(names)) != len(names):
        return None
    vocabulary = ("act", "provider", "network", *reader.field_dims)
    if set(vocabulary) & set(CONVERTERS):  # a dimension named like a claim field: leave it to the reader
        return None
    vocab_cols = [_column(table, name) for name in vocabulary]
    if any(c is not None and c.type not in _TEXT_TYPES for c in vocab_cols):
        return None
    n = table.num_rows
    fields = {name: _converted(_column(table, name), n, name) for name in CONVERTERS}

    # The vocabulary: each distinct combination through the reader's own code.
    raw_vocab = [_converted(c, n, name) for c, name in zip(vocab_cols, vocabulary)]
    keys = list(zip(*raw_vocab))
    shapes = {key: _shape(reader, vocabulary, key) for key in set(keys)}
    shape_of = list(map(shapes.__getitem__, keys))

    bad = set(skip or ())
    for values in fields.values():
        if _BAD in values:
            bad.update(i for i, v in enumerate(values) if v is _BAD)
    if _BAD in shapes.values():
        bad.update(i for i, s in enumerate(shape_of) if s is _BAD)
    bad.update(flow_rows(table))  # a statement, stay or invoice: the reader reads it


    bad.update(clause_fields_given(table))

    out: list = [None] * n
    ids, dates, bens, fams, births = fields["id"], fields["date"], fields["beneficiary"], fields["family"], fields["birth_date"]
    prices, bases, amos, alloweds, frames = fields["price"], fields["base"], fields["amo"], fields["allowed"], fields["frame_price"]
    quantities, emergencies, referrals = fields["quantity"], fields["emergency"], fields["referral"]
    statuses = _statuses(reader, fields["exemption"], fields["scheme"], bad)
    fallback = []
    for i in range(n):
        if i in bad:
            continue
        date = dates[i]
        birth = births[i]
        if birth is not None and birth > date:
            fallback.append(i)
            continue
        price = prices[i]
        frame = frames[i]
        if frame is not None and frame > price:
            fallback.append(i)
            continue
        c = Claim()
        c.index = rows[i]
        c.warnings = []
        c.id = ids[i]
        c.date = date
        c.beneficiary = bens[i]
        c.family = fams[i]
        c.birth_date = birth
        c.price = price
        c.base = bases[i]
        c.amo = amos[i]
        c.allowed = alloweds[i]
        c.frame_price = frame
        c.quantity = quantities[i]
        c.emergency = emergencies[i]
        c.referral = referrals[i]
        c.statement = c.stay = c.sheet = c.coefficient = None
        c.membership_date = c.side = c.tooth = c.item = c.facility = None  # records that give them are read by the reader
        c.consent = c.ancillary = c.air_ambulance = False
        c.exemption, c.scheme = statuses[i]
        c.act, c.provider, c.network, c.node, c.dims, valid = shape_of[i]
        if valid is not None and not valid[0] <= date < valid[1]:
            fallback.append(i)
            continue
        out[i] = c
    skip = set(skip or ())
    fallback.extend(i for i in bad if i not in skip)
    if fallback:
        fallback.sort()
        records = _records(table, names, fallback)
        read = reader.read
        for i, raw in zip(fallback, records):
            out[i] = read(raw, rows[i])
    return out


def flow_rows(table: pa.Table, fields: tuple = FLOW_FIELDS) -> list[int]:
    """The records carrying any of the Sécu's statement, stay or invoice
    fields (`claims.FLOW_FIELDS`, or those of `fields`): few, and read by
    the claim reader."""
    rows = set()
    for name in fields:
        col = _column(table, name)
        if col is None or col.null_count == len(col):
            continue
        present = pc.is_valid(col)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            present = pc.and_(present, pc.invert(pc.equal(pc.utf8_trim_whitespace(col), "")))
        rows.update(pc.indices_nonzero(pc.fill_null(present, False)).to_pylist())
    return sorted(rows)


CLAUSE_FIELDS = ("membership_date", "side", "tooth", "item", "facility", "consent", "ancillary", "air_ambulance")  # waiting periods, keyed limits, No Surprises Act facts: the reader reads and checks them


def clause_fields_given(table: pa.Table) -> list[int]:
    """The records that give a clause field: the reader takes them."""
    out: list[int] = []
    for name in CLAUSE_FIELDS:
        col = _column(table, name)
        if col is not None:
            out.extend(i for i, v in enumerate(col.is_valid().to_pylist()) if v)
    return out


def _statuses(reader: ClaimReader, exemptions: list, schemes: list, bad: set) -> list:
    """(exemption, scheme) per record as the reader spells them, each
    distinct pair once (`ClaimReader.status_fields`); a record whose pair
    the reader refuses is added to `bad` (the reader says why)."""
    if not any(exemptions) and not any(schemes):  # the common file: no status column, or empty cells
        return [(None, None)] * len(exemptions)
    known: dict = {}
    out = []
    for i, pair in enumerate(zip(exemptions, schemes)):
        got = known.get(pair)
        if got is None:
            probe = Claim()
            try:
                reader.status_fields({"exemption": pair[0], "scheme": pair[1]}, probe)
                got = (probe.exemption, probe.scheme)
            except Exception:
                got = _BAD
            known[pair] = got
        if got is _BAD:
            bad.add(i)
            got = (None, None)
        out.append(got)
    return out


def _records(table: pa.Table, names: list[str], positions: list[int]) -> list[dict]:
    """The records at `positions` as the dicts `ClaimReader.read` takes."""
    taken = table.select(names).take(pa.array(positions, pa.int64()))
    return taken.to_pylist()


def _shape(reader: ClaimReader, vocabulary: tuple, key: tuple):
    """(act, provider, network, node, dims, dates) of a combination of
    vocabulary fields, `dates` being None or the (first, end) range of
    dates of care it holds for; `_BAD` if the reader refuses it or warns
    about it whatever the date."""
    probe = Claim()
    probe.date = undated = _Undated()
    probe.warnings = []
    try:
        reader._vocabulary(dict(zip(vocabulary, key)), probe)
    except (ClaimError, _DateDependent):
        return _BAD
    except Exception:  # the reader will report it, record by record
        return _BAD
    if probe.warnings:
        return _BAD
    dates = None
    if undated.after is not None or undated.before is not None:
        dates = (undated.after or dt.date.min, undated.before or dt.date.max)
    return (probe.act, probe.provider, probe.network, probe.node, probe.dims, dates)
