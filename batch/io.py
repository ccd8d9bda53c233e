"""Claims files in and out: CSV and Parquet through pyarrow, in record batches.

A claims file is read a batch at a time, never whole, so a file larger
than memory streams through. CSV columns are all read as text: ids keep
their leading zeros and amounts stay the decimal strings they were written
as (the claim reader turns them into exact cents). Parquet columns keep
their types (dates, decimals, integers), which the claim reader accepts too.

A CSV line that does not parse (a field too many or too few) does not stop
the file: pyarrow hands it to `invalid_row_handler`, it is kept as a
`MalformedRow` and the run reports it as a rejection. A record with a
field that is not UTF-8 (a Latin-1 export) is kept with the field decoded
as far as it goes and marked in `_garant_unreadable`; it is rejected too.
The delimiter is the header's: `,`, `;` (French exports), tab or `|`.

`encoding` (`garant run --encoding cp1252`) reads a file written in another
encoding (a French spreadsheet export is cp1252 or Latin-1): the bytes are
decoded as they stream in and handed on as UTF-8. Bytes that are not text
in the encoding (invalid UTF-8 by default) never reach pyarrow as such:
each becomes a private-use character (U+F780 + byte) that marks its field
unreadable, so a line that is both malformed and not UTF-8 is one rejected
line like any other, not an exception inside pyarrow.

Parquet columns of a type a claim field cannot be (lists, structs, maps,
binary) are read as text: a nested value as its JSON, binary as UTF-8
(marked unreadable where it is not), so the claim reader rejects the
record that uses one, and every other record is evaluated.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import fcntl
import os
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet")
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
ROW = "_garant_row"  # the 1-based position of a record in its file, added on reading
UNREADABLE = "_garant_unreadable"  # CSV: the field of a record that is not UTF-8 text (else null)
INTERNAL = (ROW, UNREADABLE)
DELIMITERS = (",", ";", "\t", "|")

_ARROW_OF_NUMPY = {pa.int64(): np.int64, pa.int32(): np.int32, pa.date32(): np.int32}  # Arrow type → its numpy storage


def arrow_of(values: np.ndarray, type: pa.DataType = pa.int64()) -> pa.Array:
    """A numpy array of integers as an Arrow array of `type` (int64, int32,
    or date32 from day numbers or `datetime64[D]`), sharing its memory
    where the storage already fits. `pa.array(numpy_array)` asks pandas
    whether the array is one of its own, which imports pandas on the first
    call of the process: 0.5 to 3 s of a run's start-up for nothing."""
    if values.dtype.kind == "M":
        values, type = values.astype("datetime64[D]").astype(np.int64), pa.date32()
    storage = _ARROW_OF_NUMPY.get(type)
    if storage is None or values.ndim != 1:
        return pa.array(values, type)
    values = np.ascontiguousarray(values, storage)
    return pa.Array.from_buffers(type, len(values), [None, pa.py_buffer(values)])


class ClaimsFileError(Exception):
    """The file as a whole cannot be read (missing, empty, not CSV/Parquet)."""


def format_of(path: str | Path, given: str | None = None) -> str:
    """The format named by `--format`, else by the file's suffix."""
    if given:
        if given not in FORMATS:
            raise ClaimsFileError(f"--format must be one of {', '.join(FORMATS)}, not `{given}`")
        return given
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise ClaimsFileError(f"{path}: cannot tell the format from the suffix (use .csv, .parquet or --format)")
    return fmt


@dataclass
class MalformedRow:
    """A CSV line pyarrow could not split into the header's columns."""

    text: str
    expected: int
    actual: int
    fields: dict = field(default_factory=dict)  # what could be read of it, by column


class ClaimsFile:
    """One claims file, read in record batches.

    `position()` and `size` measure progress (bytes for CSV, rows for
    Parquet); `malformed` collects the CSV lines that did not parse, as
    they are met.
    """

    def __init__(self, path: str | Path, fmt: str | None = None, batch_rows: int = 65_536, encoding: str | None = None):
        self.path = Path(path)
        self.format = format_of(path, fmt)
        self.encoding = _encoding(encoding)
        self._header_only = False
        self.batch_rows = batch_rows
        self.malformed: list[MalformedRow] = []
        self.delimiter = ","
        if not self.path.is_file():
            raise ClaimsFileError(f"{path}: no such file")
        self._file = None
        if self.format == "csv":
            self.columns = self._csv_header()
            self.size = self.path.stat().st_size
            self.unit = "bytes"
        else:
            try:
                self._parquet = pq.ParquetFile(self.path)
            except (pa.ArrowInvalid, OSError) as err:
                raise ClaimsFileError(f"{path}: not a Parquet file ({err})") from None
            self.columns = list(self._parquet.schema_arrow.names)
            self.size = self._parquet.metadata.num_rows
            self.unit = "rows"
        for name in INTERNAL:
            if name in self.columns:
                raise ClaimsFileError(f"{path}: the column name `{name}` is reserved")
        self._rows_read = 0

    def _csv_header(self) -> list[str]:
        with open(self.path, "rb") as f:
            first = f.readline()
        self._header_only = not first.endswith(b"\n")  # a header and no line break: no claims
        try:
            line = first.decode("utf-8-sig" if self.encoding == "utf-8" else self.encoding).rstrip("\r\n")
        except UnicodeDecodeError as err:
            hint = (f"save the file as UTF-8, or give its encoding (`--encoding cp1252` for a French spreadsheet export, `--encoding latin-1`)"
                    if self.encoding == "utf-8" else "check `--encoding`")
            raise ClaimsFileError(f"{self.path}:1: the header is not {self.encoding} text ({err.reason} at byte {err.start}): {hint}") from None
        self.delimiter = max(DELIMITERS, key=line.count) if line.strip() else ","
        if line.count(self.delimiter) == 0:
            self.delimiter = ","
        try:
            header = next(csv.reader([line], delimiter=self.delimiter), None)
        except csv.Error as err:
            raise ClaimsFileError(f"{self.path}:1: cannot read the CSV header ({err})") from None
        if not header or not any(h.strip() for h in header):
            raise ClaimsFileError(f"{self.path}:1: empty file: expected a header line naming the claim fields")
        names = [h.strip() for h in header]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ClaimsFileError(f"{self.path}:1: column named twice in the header: {', '.join(dup)}")
        return names

    def position(self) -> int:
        if self.format == "csv":
            return self._file.tell() if self._file is not None and not self._file.closed else self.size
        return self._rows_read

    def batches(self, whole: bool = False) -> Iterator[pa.RecordBatch]:
        """Record batches with a `_garant_row` column: the record's 1-based
        position among the file's well-formed records. `whole`: the file
        is kept in memory anyway (one partition), so a CSV is parsed on
        all cores at once (`_csv_whole`) rather than block after block."""
        source = self._csv_batches(whole) if self.format == "csv" else self._parquet_batches()
        row = 1
        for batch in source:
            n = batch.num_rows
            if n == 0:
                continue
            rows = arrow_of(np.arange(row, row + n, dtype=np.int64))  # not range(): a Python int per record
            row += n
            self._rows_read += n
            yield batch.append_column(ROW, rows)

    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        try:
            for batch in self._parquet.iter_batches(batch_size=self.batch_rows):
                yield _mark_unreadable(_as_text_where_needed(batch))
        except (pa.ArrowInvalid, OSError) as err:
            raise ClaimsFileError(f"{self.path}: cannot read Parquet ({err})") from None

    def _csv_options(self, threads: bool, newlines_in_values: bool = True) -> dict:
        names = self.columns

        def on_invalid(row) -> str:
            fields = {}
            try:
                parsed = next(csv.reader(io.StringIO(row.text), delimiter=self.delimiter), [])
                fields = dict(zip(names, parsed))
            except csv.Error:
                pass
            self.malformed.append(MalformedRow(shown(row.text), row.expected_columns, row.actual_columns, {k: shown(v) for k, v in fields.items()}))
            return "skip"

        # 1 MB blocks: the streaming reader's resident memory levels off at
        # about 150 MB whatever the file's size (measured on 1M-8M claims),
        # against about 290 MB with 4 MB blocks, and it reads no slower.
        return dict(
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, block_size=1 << 20, use_threads=threads),
            parse_options=pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=newlines_in_values, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""], check_utf8=False,
            ),
        )

    def _open_stream(self) -> "_Utf8Stream":
        self._file = open(self.path, "rb")
        # skip the BOM-aware header already read; column names are ours
        head = self._file.read(3)
        if head != b"\xef\xbb\xbf":
            self._file.seek(0)
        return _Utf8Stream(self._file, self.encoding)

    def _csv_batches(self, whole: bool = False) -> Iterator[pa.RecordBatch]:
        if self._header_only:
            return
        if whole:
            table, saw_bad = self._csv_whole()
            if table is not None:
                for batch in table.to_batches():
                    yield _mark_unreadable(batch, saw_bad, valid=not saw_bad)
                return
        stream = self._open_stream()
        try:
            reader = pacsv.open_csv(stream, **self._csv_options(threads=True))
            for batch in reader:
                # Until the stream meets a byte that is not text, every byte
                # it handed on is the UTF-8 of decoded text, and a field
                # (cut at ASCII delimiters) is whole characters: valid.
                yield _mark_unreadable(batch, stream.saw_bad, valid=not stream.saw_bad)
        except pa.ArrowInvalid as err:
            raise ClaimsFileError(f"{self.path}: cannot read CSV ({err})") from None
        except StopIteration:  # a header and no line
            return
        finally:
            self._file.close()

    def _csv_whole(self) -> tuple[pa.Table | None, bool]:
        """(the whole file as a table, whether it holds bytes that are not
        text), parsed by Arrow on every core. A file of ASCII bytes (most:
        no accent, no BOM) is parsed from memory, with no Python stream in
        between, and, when it holds no quote mark, with no field spanning
        lines, which lets the parser cut the file anywhere: a million claims
        in 0.11-0.15 s against 0.17-0.23 s block after block. A line that
        does not parse is reported by whichever thread meets it, in no set
        order, so a file with one is read again block after block, where
        malformed lines come in file order (their `malformed:K` names):
        (None, False)."""
        data = self.path.read_bytes()  # the file is to be held whole anyway (one partition)
        if _ascii_superset(self.encoding) and data.isascii():
            source, stream = pa.BufferReader(data), None
            options = self._csv_options(threads=True, newlines_in_values=b'"' in data)
        else:
            del data
            source = stream = self._open_stream()
            options = self._csv_options(threads=True)
        try:
            table = pacsv.read_csv(source, **options)
        except pa.ArrowInvalid as err:
            if not self.malformed:
                raise ClaimsFileError(f"{self.path}: cannot read CSV ({err})") from None
            table = None
        finally:
            if stream is not None:
                self._file.close()
        if self.malformed:
            self.malformed.clear()
            return None, False
        return table, stream is not None and stream.saw_bad



def _mark_unreadable(batch: pa.RecordBatch, marked: bool = False, valid: bool = False) -> pa.RecordBatch:
    """Check that every text field is UTF-8 (one C++ pass per column) and,
    when the stream met bytes that are not text (`marked`), free of their
    markers; in the rare batch where one is not, show its bad bytes as
    U+FFFD and name, per record, the first field at fault. `valid`: the
    batch is known to be UTF-8 without a marker (nothing to check)."""
    if valid and not marked:
        return batch.append_column(UNREADABLE, pa.nulls(batch.num_rows, pa.string()))
    unreadable = None
    for i, name in enumerate(batch.schema.names):
        col = batch.column(i)
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            continue
        try:
            col.validate(full=True)
            if not marked or not pc.any(pc.match_substring_regex(col, _MARKERS_RE2)).as_py():
                continue
        except pa.ArrowInvalid:
            pass
        if unreadable is None:
            unreadable = [None] * batch.num_rows
        fixed = []
        for k, raw in enumerate(pc.cast(col, pa.binary()).to_pylist()):
            try:
                text = None if raw is None else raw.decode("utf-8")
                if text is not None and _MARKERS.search(text):
                    raise UnicodeDecodeError("utf-8", raw, 0, 1, "marked")
                fixed.append(text)
            except UnicodeDecodeError:
                fixed.append(shown(raw.decode("utf-8", "replace")))
                unreadable[k] = unreadable[k] or name
        batch = batch.set_column(i, name, pa.array(fixed, pa.string()))
    marks = pa.array(unreadable, pa.string()) if unreadable else pa.nulls(batch.num_rows, pa.string())
    return batch.append_column(UNREADABLE, marks)


# A byte that is not text in the file's encoding becomes U+F780 + byte
# (Private Use Area) on its way to pyarrow: valid UTF-8, so pyarrow never
# fails on it, and recognisable, so its field is marked unreadable.
_MARK_BASE = 0xF700
_MARKERS = re.compile("[\uf780-\uf7ff]")
_MARKERS_RE2 = "[\\x{F780}-\\x{F7FF}]"
_SURROGATES = re.compile("[\udc80-\udcff]")
_ESCAPES = {0xDC80 + b: chr(_MARK_BASE + 0x80 + b) for b in range(128)}
_UNESCAPE = {_MARK_BASE + 0x80 + b: "\ufffd" for b in range(128)}


def shown(text):
    """Text as a message or an output shows it: markers of bytes that
    were not text become U+FFFD."""
    if isinstance(text, str) and _MARKERS.search(text):
        return text.translate(_UNESCAPE)
    return text


def _encoding(name: str | None) -> str:
    """The codec's canonical name (`cp1252`, `latin-1`…), or a one-line error."""
    if not name:
        return "utf-8"
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise ClaimsFileError(f"--encoding: unknown encoding `{name}` (e.g. utf-8, cp1252, latin-1)") from None
    return "utf-8" if canonical in ("utf-8", "utf-8-sig") else canonical


# Encodings in which an ASCII byte is that character and takes no state:
# an ASCII block of the file is handed on as it is, without decoding it.
_ASCII_SUPERSETS = frozenset(("utf-8", "iso8859-1", "cp1252", "cp1250", "iso8859-15", "ascii"))


def _ascii_superset(encoding: str) -> bool:
    return codecs.lookup(encoding).name in _ASCII_SUPERSETS


class _Utf8Stream(io.RawIOBase):
    """A binary file read as `encoding` and handed on as UTF-8, bytes that
    are not text as markers (see _MARK_BASE); `tell()` is the position in
    the file, for progress. `saw_bad` once a marker was written."""

    def __init__(self, raw, encoding: str):
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="surrogateescape")
        self._ascii_superset = _ascii_superset(encoding)
        self._pending = memoryview(b"")
        self._at = 0  # what of `_pending` was handed on already
        self._eof = False
        self.saw_bad = False

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer) -> int:
        # An ASCII block (most files, most blocks) holds no escaped byte:
        # no search for one. What is handed on is a view of the block
        # (handing the rest on by slicing copied the block's tail at every
        # read).
        while self._at >= len(self._pending) and not self._eof:
            block = self._raw.read(1 << 20)
            self._eof = not block
            if self._ascii_superset and block.isascii() and not self._decoder.getstate()[0]:
                # ASCII, and no character begun in the block before: the same bytes in UTF-8
                self._pending = memoryview(block)
                self._at = 0
                continue
            text = self._decoder.decode(block, final=self._eof)
            if not text.isascii() and _SURROGATES.search(text):
                self.saw_bad = True
                text = text.translate(_ESCAPES)
            self._pending = memoryview(text.encode("utf-8", "surrogatepass"))
            self._at = 0
        n = min(len(buffer), len(self._pending) - self._at)
        buffer[:n] = self._pending[self._at:self._at + n]
        self._at += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _as_text_where_needed(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Parquet columns no claim field can be (nested, binary) as text:
    nested values as JSON, binary as UTF-8 left unvalidated (then
    `_mark_unreadable` marks what is not UTF-8)."""
    for i, f in enumerate(batch.schema):
        t = f.type
        if pa.types.is_nested(t) or pa.types.is_dictionary(t) and pa.types.is_nested(t.value_type):
            values = [None if v is None else json.dumps(v, ensure_ascii=False, default=str, sort_keys=True) for v in batch.column(i).to_pylist()]
            batch = batch.set_column(i, f.name, pa.array(values, pa.string()))
        elif pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
            col = batch.column(i)
            if pa.types.is_fixed_size_binary(t):
                col = pc.cast(col, pa.binary())
            batch = batch.set_column(i, f.name, col.view(pa.string() if pa.types.is_binary(col.type) else pa.large_string()))
    return batch


class TableWriter:
    """Writes tables of one schema to a CSV or Parquet file, batch after batch.

    Atomic: the rows go to a hidden temporary file beside `path`, renamed
    to `path` when the block ends without an exception; on an exception
    (a full disk, Ctrl-C, a count that does not add up) the temporary file
    is removed and `path` is left as it was. A process killed outright
    leaves `path` as it was too (and its temporary file behind)."""

    def __init__(self, path: str | Path, fmt: str, schema: pa.Schema):
        self.path = Path(path)
        self.format = fmt
        self.schema = schema
        self.rows = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.garant-tmp")
        if fmt == "csv":
            self._writer = pacsv.CSVWriter(str(self.temporary), schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
        else:
            self._writer = pq.ParquetWriter(str(self.temporary), schema, compression="zstd")
        self._open = True

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.select(self.schema.names).cast(self.schema))
            self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file and put it in place."""
        self._close_writer()
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        """Drop what was written; `path` stays as it was."""
        try:
            self._close_writer()
        except (OSError, pa.ArrowException):
            pass
        self.temporary.unlink(missing_ok=True)

    def _close_writer(self) -> None:
        if self._open:
            self._open = False
            self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            try:
                self.close()
            except BaseException:
                self.discard()
                raise
        else:
            self.discard()


class OutputBusy(ClaimsFileError):
    """Another run is writing the same output now."""


@contextlib.contextmanager
def exclusive(path: str | Path):
    """Hold `path`'s lock (`.NAME.lock` beside it) while writing it: two
    runs into one output never silently replace each other; the second
    stops at once. The lock is the operating system's (flock): it is
    released when the process ends, even killed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(f".{path.name}.lock")
    handle = open(lock, "a+b")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OutputBusy(f"{path}: another run is writing this output now; wait for it to end, or write elsewhere") from None
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        handle.close()


def read_table(path: str | Path, fmt: str | None = None) -> pa.Table:
    """A whole (small) file as one table, all columns as read (for tests and reports)."""
    fmt = format_of(path, fmt)
    if fmt == "parquet":
        return pq.read_table(path)
    source = ClaimsFile(path, "csv")
    names = source.columns
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
        parse_options=pacsv.ParseOptions(delimiter=source.delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""]),
    )
