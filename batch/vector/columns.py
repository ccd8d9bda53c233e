"""A partition's Arrow columns → numpy columns of validated claim fields.

    cols = claim_columns(product.reader, table)   # None: the table is not for the vectorised way

The same conversions as `batch/columns.py` (the claim reader's own
functions, once per *distinct value* of a column; the vocabulary once per
distinct combination, through the reader's `_vocabulary`), but the results
land in numpy arrays instead of `Claim` objects: integer cents, date
ordinals (`date.toordinal()`), a combination index per record.

A record is `clean` when the fast way reads it exactly as the reader
would, with no warning: every field converts, the birth date is not after
the care, the frame price not above the price, the vocabulary answer holds
on its date. Anything else (and any amount too large for int64
arithmetic) is left to the reader: `evaluate.py` sends the record's whole
beneficiary to the scalar path.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from garant.batch.columns import _BAD, _TEXT_TYPES, CONVERTERS, _guarded, _shape
from garant.batch.columns import clause_fields_given
from garant.batch.io import INTERNAL, UNREADABLE, arrow_of
from garant.batch.vector.flow_columns import flow_columns
from garant.batch.parallel import each
from garant.batch.vector.running import dense_codes
from garant.compiler.runtime.claims import STAY_FIELDS, Claim, ClaimReader, read_stay

MAX_CENTS = 10**12  # 10 billion euros: far above any claim, far below int64 overflow in `pct` (cents × basis points)
_KEY_TYPES = (pa.string(), pa.large_string(), pa.int64(), pa.int32())  # id and beneficiary: text, or whole numbers
_SHARED_TYPES = (pa.string(), pa.large_string(), pa.int64(), pa.int32(), pa.date32(), pa.null())


@dataclass
class ClaimColumns:
    n: int
    clean: np.ndarray  # bool: read the fast way, exactly as the reader would
    ids: pa.Array  # the claim ids as the décompte writes them (text)
    repeated: np.ndarray  # bool: the record's id is also another record's of its beneficiary (`repeated_ids`)
    ben: np.ndarray  # int64 code of the beneficiary (records with none share one code; they are not clean)
    beneficiaries: pa.Array  # the beneficiary text per record
    date: np.ndarray  # int64 ordinal
    birth: np.ndarray  # int64 ordinal, 0 if absent
    has_birth: np.ndarray
    price: np.ndarray  # int64 cents
    base: np.ndarray
    has_base: np.ndarray
    amo: np.ndarray
    has_amo: np.ndarray
    has_frame: np.ndarray
    quantity: np.ndarray
    combo: np.ndarray  # int64 index into `shapes`
    shapes: list  # (act, provider, network, node, dims, dates) per combination, or _BAD
    status: np.ndarray = None  # int64 index into `status_pairs`; 0: no exemption, general scheme
    status_pairs: list = None  # (exemption, scheme) as the reader spells them, per code
    admission: np.ndarray = None  # int64 ordinal of a hospital stay's admission, 0 without a stay (`_stays`)
    discharge: np.ndarray = None  # int64 ordinal of its discharge, 0 without a stay
    psychiatric: np.ndarray = None  # bool: a stay in psychiatry
    has_stay: np.ndarray = None  # bool: the record is a line of a stay (`steps/stays.py`)
    flows: object = None  # `flow_columns.FlowColumns`: the Sécu's statement, feuilles de soins, coefficients


def _column(table: pa.Table, name: str):
    if name not in table.schema.names:
        return None
    col = table.column(name)
    return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col


def _chunked(table: pa.Table, name: str):
    """The column as read, in its chunks: for the columns only encoded
    (`_encode`) or read chunk by chunk, no copy of a million texts."""
    return table.column(name) if name in table.schema.names else None


def _encode(col) -> tuple[pa.Array, np.ndarray]:
    """(the distinct values, each record's index among them, len(distinct)
    for a null): one dictionary over an array or over all the chunks of a
    chunked one (Arrow's encoding gives every chunk the same dictionary;
    a column already dictionary-typed may hold one per chunk: combined)."""
    if isinstance(col, pa.ChunkedArray) and pa.types.is_dictionary(col.type):
        col = col.combine_chunks()
    encoded = pc.dictionary_encode(col)
    if isinstance(encoded, pa.ChunkedArray):
        if encoded.num_chunks == 0:
            return pa.array([], col.type), np.zeros(0, np.int64)
        dictionary = encoded.chunk(0).dictionary
        indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks], encoded.type.index_type)
    else:
        dictionary, indices = encoded.dictionary, encoded.indices
    return dictionary, pc.fill_null(indices, len(dictionary)).to_numpy(zero_copy_only=False)


def _each_chunk(fn, col) -> np.ndarray:
    """fn (an array → a numpy array per value) over an array or each chunk of a chunked one."""
    if not isinstance(col, pa.ChunkedArray):
        return fn(col)
    if col.num_chunks == 1:
        return fn(col.chunk(0))
    return np.concatenate([fn(chunk) for chunk in col.chunks]) if col.num_chunks else fn(pa.array([], col.type))


def _distinct(col, n: int, name: str, to_number):
    """(values int64, present bool, bad bool) per record: the reader's
    conversion of `name` applied once per distinct value, then
    `to_number` (a converted value → int, None for absent)."""
    convert = _guarded(CONVERTERS[name])
    if col is None or pa.types.is_null(col.type):
        got = convert(None)
        v, p, b = _as_number(got, to_number)
        # one value for every record, read-only views of one element: a
        # file without the field pays nothing per record for it
        return np.broadcast_to(np.int64(v), n), np.broadcast_to(np.bool_(p), n), np.broadcast_to(np.bool_(b), n)
    if col.type in _SHARED_TYPES:
        dictionary, indices = _encode(col)
        if name in _AMOUNTS and pa.types.is_string(dictionary.type):
            return _amounts(dictionary, indices, convert)
        distinct = dictionary.to_pylist() + [None]
    else:  # another type (decimal, double, timestamp): each value on its own, still the reader's functions
        distinct = col.to_pylist()
        indices = np.arange(n)
    memo = _MEMO.setdefault(name, {})
    if len(memo) > 200_000:  # bounded: a file may hold many distinct values
        memo.clear()
    table = []
    for v in distinct:
        try:
            got = memo[v]
        except (KeyError, TypeError):
            got = _as_number(convert(v), to_number)
            try:
                memo[v] = got
            except TypeError:
                pass
        table.append(got)
    values = np.array([t[0] for t in table], np.int64)
    present = np.array([t[1] for t in table], bool)
    bad = np.array([t[2] for t in table], bool)
    return values[indices], present[indices], bad[indices]


# field → value as read → (number, present, bad): partitions of one file share
# most of their dates and amounts, and the conversions depend on nothing else.
_MEMO: dict[str, dict] = {}


_AMOUNTS = frozenset(("price", "base", "amo", "allowed", "frame_price"))
_PLAIN_AMOUNT = r"^[0-9]{1,9}(\.[0-9]{1,2})?$"  # "30", "30.5", "30.50": what `parse_cents` reads as units and cents


def _amounts(dictionary: pa.Array, indices: np.ndarray, convert):
    """An amount column's distinct texts → cents. Plain decimals (the
    common case) in one Arrow cast through decimal128 (exact: the same
    units and cents `parse_cents` reads); anything else through the
    reader's function, value by value."""
    plain = pc.match_substring_regex(dictionary, _PLAIN_AMOUNT)
    cents = pc.cast(pc.multiply(pc.cast(pc.if_else(plain, dictionary, "0"), pa.decimal128(11, 2)), pa.scalar(100, pa.decimal128(3, 0))), pa.int64())
    values = np.append(cents.to_numpy(zero_copy_only=False), 0).astype(np.int64)
    plain_np = plain.to_numpy(zero_copy_only=False)
    present = np.append(plain_np, False)
    bad = np.zeros(len(values), bool)
    for k in np.nonzero(~plain_np)[0].tolist():
        values[k], present[k], bad[k] = _as_number(convert(dictionary[k].as_py()), _int)
    values[-1], present[-1], bad[-1] = _as_number(convert(None), _int)
    return values[indices], present[indices], bad[indices]


def _as_number(got, to_number):
    if got is _BAD:
        return 0, False, True
    if got is None:
        return 0, False, False
    number = to_number(got)
    if not -MAX_CENTS <= number <= MAX_CENTS:
        return 0, False, True  # the reader takes it; the arithmetic here stays within int64
    return number, True, False


def _ordinal(d: dt.date) -> int:
    return d.toordinal()


def _int(v) -> int:
    return int(v)


def _key_column(col, n: int, codes: bool = True):
    """(text per record, int64 code per record or None, blank mask) for id
    and beneficiary: blank means missing (null or only whitespace, as the
    reader's `str.strip()` sees it). `codes=False` (the ids, nearly all
    distinct): no dictionary built, each value looked at once."""
    if col is None:
        return pa.nulls(n, pa.string()), (np.zeros(n, np.int64) if codes else None), np.ones(n, bool)
    if col.type not in _KEY_TYPES:
        return None
    if not pa.types.is_string(col.type):
        col = pc.cast(col, pa.string())
    if not codes:
        return col, None, _each_chunk(_blank, col)
    dictionary, indices = _encode(col)
    blank = np.append(_blank(dictionary), True)
    indices = indices.astype(np.int64)
    return col, indices, blank[indices]


def _blank(values: pa.Array) -> np.ndarray:
    """Whether each value is null or only whitespace. A value with a letter
    or digit is not blank; the others (few) are asked Python's
    `str.strip()`, the reader's own test. A value whose first byte is an
    ASCII letter or digit (nearly all) is not even searched."""
    valid = values.is_valid().to_numpy(zero_copy_only=False) if values.null_count else np.ones(len(values), bool)
    blank = ~(_starts_alnum(values) & valid)
    maybe = np.flatnonzero(blank & valid)
    if len(maybe):
        some = pc.match_substring_regex(values.take(arrow_of(maybe)), "[0-9A-Za-z]").to_numpy(zero_copy_only=False)
        blank[maybe[some]] = False
        for k in maybe[~some].tolist():
            blank[k] = not values[k].as_py().strip()
    return blank


_HASHED_BYTES = 64  # a longer id is hashed on its first 64 bytes (equal hashes are checked on the ids)
_WORD = np.dtype("<u8")  # eight bytes read as one little-endian number, on any machine: the first byte is the lowest


def _text_hash(strings: pa.Array) -> np.ndarray:
    """A 64-bit polynomial hash of each value's bytes (its length, then its
    first _HASHED_BYTES bytes, eight at a time), over the array's own
    buffers: equal texts, equal hashes. A value's last word is read past
    its end and the bytes beyond it masked to zero (a copy of the data
    with eight zero bytes after it, so the last value's word stays
    inside)."""
    n = len(strings)
    if not pa.types.is_string(strings.type):
        strings = pc.cast(strings, pa.string())
    _, offsets_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(offsets_buf, np.int32, n + 1, strings.offset * 4).astype(np.int64)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    padded = np.concatenate([data[: offsets[-1]] if n else data[:0], np.zeros(8, np.uint8)])
    words = np.ndarray((len(padded) - 7,), _WORD, padded, 0, (1,))  # the word starting at each byte
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    h = lengths.astype(np.uint64)
    shortest = int(lengths.min()) if n else 0
    for j in range(0, min(int(lengths.max()) if n else 0, _HASHED_BYTES), 8):
        at = slice(None) if j < shortest else np.flatnonzero(lengths > j)
        word = words[starts[at] + j].astype(np.uint64)
        left = lengths[at] - j  # ≥ 1 byte of this value from here
        if j + 8 > shortest:  # some values end inside this word: only their own bytes
            keep = (np.uint64(1) << (8 * np.minimum(left, 7)).astype(np.uint64)) - np.uint64(1)
            word = np.where(left >= 8, word, word & keep)
        h[at] = h[at] * np.uint64(1_000_003) + word
    return h


def _sorted_hashes(ids) -> np.ndarray:
    """The ids' `_text_hash`es, chunk by chunk, sorted (`repeated_ids`)."""
    return np.sort(_each_chunk(_text_hash, ids))


def repeated_ids(ids: pa.Array, ben: np.ndarray, hashes: np.ndarray | None = None) -> np.ndarray:
    """Whether each record's id is also another record's of its beneficiary
    (a duplicate, or the claim it duplicates). The ids' hashes, sorted
    (`hashes`, given already sorted, or computed here): no two equal (the
    common file) is no id given twice, let alone twice for one
    beneficiary, without a dictionary of a million ids and without the
    beneficiaries (so the hashing may run beside their encoding); where
    hashes collide, the ids themselves decide, with the beneficiaries."""
    n = len(ben)
    if n < 2:
        return np.zeros(n, bool)
    if hashes is None:
        hashes = _sorted_hashes(ids)
    if not (hashes[1:] == hashes[:-1]).any():
        return np.zeros(n, bool)
    dictionary, codes = _encode(ids)
    pair = ben * (len(dictionary) + 1) + codes.astype(np.int64)
    uniq, counts = np.unique(pair, return_counts=True)
    return np.isin(pair, uniq[counts > 1])


_ALNUM = np.zeros(256, bool)
_ALNUM[[*range(ord("0"), ord("9") + 1), *range(ord("A"), ord("Z") + 1), *range(ord("a"), ord("z") + 1)]] = True


def _starts_alnum(strings: pa.Array) -> np.ndarray:
    """Whether each value of a string array starts with an ASCII letter or
    digit, read off the array's own bytes (a null's answer is meaningless)."""
    n = len(strings)
    if not n or not pa.types.is_string(strings.type):
        return np.zeros(n, bool)
    _, offsets_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(offsets_buf, np.int32, n + 1, strings.offset * 4)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    nonempty = offsets[1:] > offsets[:-1]
    first = np.zeros(n, np.uint8)
    first[nonempty] = data[offsets[:-1][nonempty]]
    return nonempty & _ALNUM[first]


def claim_columns(reader: ClaimReader, table: pa.Table) -> ClaimColumns | None:
    names = [n for n in table.schema.names if n not in INTERNAL]
    if len(set(names)) != len(names):
        return None
    vocabulary = ("act", "provider", "network", *reader.field_dims)
    if set(vocabulary) & set(CONVERTERS):
        return None
    vocab_cols = [_chunked(table, name) for name in vocabulary]
    if any(c is not None and c.type not in _TEXT_TYPES for c in vocab_cols):
        return None
    n = table.num_rows
    numbers = (("date", _ordinal), ("birth_date", _ordinal), ("price", _int), ("base", _int), ("amo", _int),
               ("allowed", _int), ("frame_price", _int), ("quantity", _int), ("emergency", _int), ("referral", _int))
    # Independent of one another: side by side on the machine's cores (`parallel.py`). The
    # reader's own caches are met by one thunk only (`_combinations`, then `_statuses`).
    ids, bens, flows, stays, vocab, *got = each([
        lambda: _ids(_chunked(table, "id"), n),
        lambda: _key_column(_chunked(table, "beneficiary"), n),
        lambda: flow_columns(table, n),  # the Sécu's statement, a feuille de soins, a coefficient: vectorised
        lambda: _stays(table, n),  # a stay: `steps/stays.py`
        lambda: _vocabulary(reader, vocabulary, vocab_cols, table, n),
        *(lambda name=name, to_number=to_number: _distinct(_chunked(table, name), n, name, to_number) for name, to_number in numbers),
    ], n)
    if ids is None or bens is None:
        return None
    id_text, id_blank, id_hashes = ids
    ben_text, ben_codes, ben_blank = bens
    bad = id_blank | ben_blank
    unreadable = _column(table, UNREADABLE)
    if unreadable is not None:
        bad |= unreadable.is_valid().to_numpy(zero_copy_only=False)

    fields = {}
    for (name, _), (values, present, wrong) in zip(numbers, got):
        fields[name] = (values, present)
        bad |= wrong
    date = fields["date"][0]
    birth, has_birth = fields["birth_date"]
    price = fields["price"][0]
    frame, has_frame = fields["frame_price"]
    bad |= has_birth & (birth > date)
    given = clause_fields_given(table)
    if given:  # `membership_date`, `side`: read and checked by the reader, claim by claim
        bad[given] = True
    bad |= has_frame & (frame > price)
    bad |= flows.bad
    bad |= stays.refused

    (combo, shapes, first_date, end_date), (status, status_pairs, status_bad) = vocab
    bad |= ~((first_date[combo] <= date) & (date < end_date[combo]))  # the words exist on the date of care
    bad |= status_bad
    return ClaimColumns(
        n=n, clean=~bad, ids=id_text, repeated=repeated_ids(id_text, ben_codes, id_hashes), ben=ben_codes,
        beneficiaries=ben_text, date=date, birth=birth, has_birth=has_birth, price=price,
        base=fields["base"][0], has_base=fields["base"][1], amo=fields["amo"][0], has_amo=fields["amo"][1],
        has_frame=has_frame, quantity=fields["quantity"][0], combo=combo, shapes=shapes,
        status=status, status_pairs=status_pairs, flows=flows,
        admission=stays.admission, discharge=stays.discharge, psychiatric=stays.psychiatric, has_stay=stays.has_stay,
    )


def _ids(col, n: int):
    """(id text, blank, sorted hashes or None) per record (`repeated_ids`)."""
    got = _key_column(col, n, codes=False)
    if got is None:
        return None
    text, _, blank = got
    return text, blank, (_sorted_hashes(text) if n >= 2 else None)


def _vocabulary(reader: ClaimReader, vocabulary: tuple, vocab_cols: list, table: pa.Table, n: int):
    """The combinations of vocabulary words and the statuses, both read by the reader's own code."""
    return (_combinations(reader, vocabulary, vocab_cols, n),
            _statuses(reader, _chunked(table, "exemption"), _chunked(table, "scheme"), n))


class _Stays:
    """A hospital stay per record (`claims.read_stay`): admission and
    discharge ordinals (0 without a stay), psychiatric, and the records
    whose stay fields the reader refuses."""

    def __init__(self, n: int):
        self.admission = np.zeros(n, np.int64)
        self.discharge = np.zeros(n, np.int64)
        self.psychiatric = np.zeros(n, bool)
        self.has_stay = np.zeros(n, bool)
        self.refused = np.zeros(n, bool)


def _stays(table: pa.Table, n: int) -> _Stays:
    """Each distinct (admission, discharge, psychiatric) of the records
    once, through the reader's own `read_stay`: a stay it refuses leaves
    its record to the reader, which says why."""
    out = _Stays(n)
    cols = [_column(table, name) for name in STAY_FIELDS]
    if all(col is None or col.null_count == len(col) for col in cols):
        return out
    codes, distinct_cols, _bound = _joint_codes(cols, n)
    unique, inverse = np.unique(codes, return_inverse=True)
    got = np.zeros((len(unique), 5), np.int64)  # admission, discharge, psychiatric, has stay, refused
    probe = Claim()
    for k, code in enumerate(unique.tolist()):
        raw = {}
        for name, distinct in zip(reversed(STAY_FIELDS), reversed(distinct_cols)):
            code, i = divmod(code, len(distinct))
            raw[name] = distinct[i]
        probe.stay = None  # as the reader starts a record
        try:
            read_stay(raw, probe)
        except Exception:  # the reader will say why, record by record
            got[k, 4] = 1
            continue
        if probe.stay is not None:
            admission, discharge, psychiatric = probe.stay
            got[k, :4] = (admission.toordinal(), discharge.toordinal(), psychiatric, 1)
    per_row = got[inverse.reshape(-1)]
    out.admission, out.discharge = per_row[:, 0], per_row[:, 1]
    out.psychiatric, out.has_stay, out.refused = per_row[:, 2] == 1, per_row[:, 3] == 1, per_row[:, 4] == 1
    return out


def _statuses(reader: ClaimReader, exemption, scheme, n: int):
    """(code per row, (exemption, scheme) per code, rows the reader refuses):
    each distinct pair of the two columns once, through the reader's own
    `status_fields`. Code 0 is no status, general scheme."""
    codes, distinct_cols, bound = _joint_codes([exemption, scheme], n)
    pairs = [(None, None)]
    index = {(None, None): 0}
    unique, inverse = dense_codes(codes, bound)
    mapped = np.zeros(len(unique), np.int64)
    refused = np.zeros(len(unique), bool)
    probe = Claim()
    for k, code in enumerate(unique.tolist()):
        code, j = divmod(code, len(distinct_cols[1]))
        raw = {"exemption": distinct_cols[0][code], "scheme": distinct_cols[1][j]}
        try:
            reader.status_fields(raw, probe)
        except Exception:  # the reader will say why, record by record
            refused[k] = True
            continue
        pair = (probe.exemption, probe.scheme)
        mapped[k] = index.setdefault(pair, len(pairs))
        if mapped[k] == len(pairs):
            pairs.append(pair)
    return mapped[inverse], pairs, refused[inverse]


def _combinations(reader: ClaimReader, vocabulary: tuple, vocab_cols: list, n: int):
    """(combination code per row, its shape per code, the first and the end
    ordinal of the dates its words exist on, per code): each distinct
    combination of the vocabulary's values once, through the reader's own
    code."""
    codes, raw_values, bound = _joint_codes(vocab_cols, n)
    unique, combo = dense_codes(codes, bound)
    shapes = []
    first_date = np.empty(len(unique), np.int64)
    end_date = np.empty(len(unique), np.int64)
    for k, code in enumerate(unique.tolist()):
        key = []
        for distinct in reversed(raw_values):
            code, i = divmod(code, len(distinct))
            key.append(distinct[i])
        shape = _shape(reader, vocabulary, tuple(reversed(key)))
        shapes.append(shape)
        first_date[k], end_date[k] = _dates(shape)
    return combo.astype(np.int64), shapes, first_date, end_date


def _dates(shape) -> tuple[int, int]:
    """(first ordinal, end ordinal) of the dates a combination's words exist on."""
    if shape is _BAD:
        return 1, 0  # no date fits
    if shape[5] is None:
        return dt.date.min.toordinal(), dt.date.max.toordinal() + 1
    start, end = shape[5]
    return start.toordinal(), (end.toordinal() if end != dt.date.max else dt.date.max.toordinal() + 1)


def _joint_codes(cols: list, n: int) -> tuple:
    """(one code per row for its tuple of values across `cols`, each
    column's distinct values with None last, the number of possible codes):
    a mixed-radix number over the columns' dictionary indices, so each
    distinct tuple is read once by the claim reader, not once per row.
    A missing or all-null column has the one value None."""
    codes = np.zeros(n, np.int64)
    distinct_cols = []
    bound = 1
    for col in cols:
        if col is None or pa.types.is_null(col.type):
            distinct_cols.append([None])
            continue
        dictionary, indices = _encode(col)
        distinct = dictionary.to_pylist() + [None]
        distinct_cols.append(distinct)
        bound *= len(distinct)
        codes = codes * len(distinct) + indices
    return codes, distinct_cols, bound
