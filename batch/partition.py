"""Spill claims to disk by partition key, so that each bucket holds all the
claims of its beneficiaries (or families) and fits in memory.

The key of a record picks its bucket by a stable hash (CRC-32 of the key's
text, modulo the number of buckets): the same beneficiary always lands in
the same bucket, on any machine and in any process, which is what lets a
bucket be evaluated on its own (see `unit.py`). Buckets are Arrow IPC
stream files; only one batch per bucket is in memory at a time while
spilling.
"""

from __future__ import annotations

import math
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

from garant.batch.io import arrow_of

ROWS_PER_PARTITION = 20_000  # ~2 KB of Python objects per claim while a bucket is evaluated: ~40 MB
# The least partition size when the vectorised evaluator runs the file in
# one process (`run.run`): its cost per partition is fixed (reading the
# vocabulary, the steps' set-up, the output's columns). The scalar engine
# still gets its records in groups (`scalar.scalar_groups`).
VECTOR_ROWS_PER_PARTITION = 250_000
# Its memory: ~850 bytes per claim at the peak (the text read, the
# evaluator's arrays, the décomptes' text; measured: 825 MB resident for a
# table of 1M claims evaluated at once). A file that fits in the memory
# budget is one partition, read once and evaluated in one pass, nothing
# spilled to disk.
VECTOR_BYTES_PER_CLAIM = 1_000
MEMORY_BUDGET = 1_500 << 20  # at most; half the memory available, if less


def vector_rows_per_partition(budget: int | None = None) -> int:
    """The partition size of the vectorised evaluator in one process: as
    many claims as fit in `budget` bytes (default: MEMORY_BUDGET, or half
    the memory the system has available if that is less), never fewer
    than VECTOR_ROWS_PER_PARTITION."""
    if budget is None:
        budget = min(MEMORY_BUDGET, _available_memory() // 2)
    return max(VECTOR_ROWS_PER_PARTITION, budget // VECTOR_BYTES_PER_CLAIM)


def _available_memory() -> int:
    """Bytes of memory the system has available now (Linux), else MEMORY_BUDGET × 2."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return MEMORY_BUDGET * 2


CSV_BYTES_PER_ROW = 90  # a synthetic claim line is 80-100 bytes


def partition_count(size: int, unit: str, rows_per_partition: int = ROWS_PER_PARTITION) -> int:
    """How many buckets for a file of `size` bytes (CSV) or rows (Parquet):
    one bucket file is open per bucket while spilling, so never more than
    the process may open (past that, buckets grow beyond the target)."""
    rows = size / CSV_BYTES_PER_ROW if unit == "bytes" else size
    return max(1, min(_open_file_room(), math.ceil(rows / rows_per_partition)))


def _open_file_room() -> int:
    """Files this process may still open, after raising its soft limit to
    the hard one (as far as 65,536)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = min(hard, 65_536) if hard != resource.RLIM_INFINITY else 65_536
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        return max(1, min(soft if soft != resource.RLIM_INFINITY else 65_536, 65_536) - 64)
    except (ImportError, ValueError, OSError):  # no resource module (Windows), or not allowed
        return 448


def bucket_ids(keys: pa.Array | pa.ChunkedArray, buckets: int) -> pa.Array:
    """The bucket of each key: crc32(text) % buckets; a missing key goes to
    bucket 0 (its claim is rejected there, like any other)."""
    if buckets == 1:
        return pa.array([0] * len(keys), pa.int32())
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if not pa.types.is_string(keys.type) and not pa.types.is_large_string(keys.type):
        keys = pc.cast(keys, pa.string())
    crc = crc32_column(keys)
    ids = (crc % np.uint32(buckets)).astype(np.int32)
    if keys.null_count:
        ids[~keys.is_valid().to_numpy(zero_copy_only=False)] = 0
    return arrow_of(ids, pa.int32())


def _crc_table() -> np.ndarray:
    """The 256 entries of the reflected CRC-32 (polynomial 0xEDB88320,
    zlib's), one per byte value."""
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0xEDB88320), table >> 1).astype(np.uint32)
    return table


_CRC_TABLE = _crc_table()
_LONG_KEY = 64  # bytes: a longer key (rare) is hashed by zlib on its own


def crc32_column(strings: pa.Array) -> np.ndarray:
    """`zlib.crc32(value.encode("utf-8"))` of every value of a string
    array, as uint32 (meaningless for a null: callers mask it), computed over the array's own bytes a
    byte position at a time for all values together: a Python call per key
    cost 1.4 s of the 2.7 s spent spilling a million claims."""
    n = len(strings)
    offsets_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    _validity, offsets_buf, data_buf = strings.buffers()
    offsets = np.frombuffer(offsets_buf, offsets_type, n + 1, strings.offset * np.dtype(offsets_type).itemsize).astype(np.int64)
    data = np.frombuffer(data_buf, np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    crc = np.full(n, 0xFFFFFFFF, np.uint32)
    longest = int(lengths.max()) if n else 0
    for j in range(min(longest, _LONG_KEY)):
        at = np.flatnonzero(lengths > j) if j >= int(lengths.min()) else slice(None)
        byte = data[starts[at] + j]
        crc[at] = _CRC_TABLE[(crc[at] ^ byte) & 0xFF] ^ (crc[at] >> 8)
    crc ^= np.uint32(0xFFFFFFFF)
    for k in np.flatnonzero(lengths > _LONG_KEY).tolist():
        crc[k] = zlib.crc32(data[starts[k]:starts[k] + lengths[k]].tobytes())
    return crc


def key_buckets(batch: pa.RecordBatch | pa.Table, key: tuple[str, ...], buckets: int) -> pa.Array:
    """The bucket of each record by its partition key (the key field, else
    its stand-ins: `unit.partition_key`); the same on every engine."""
    present = [batch.column(k) for k in key if k in batch.schema.names]
    if not present:
        return pa.array([0] * batch.num_rows, pa.int32())
    keys = present[0] if len(present) == 1 else pc.coalesce(*[pc.cast(k, pa.string()) for k in present])
    return bucket_ids(keys, buckets)


class Spill:
    """K bucket files in a folder; `add(batch)` routes each record."""

    def __init__(self, folder: str | Path, buckets: int, key: tuple[str, ...], schema: pa.Schema):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.buckets = buckets
        self.key = key  # the key field, then the fields that stand in for it when it is empty
        self.schema = schema
        self.rows = [0] * buckets
        self._writers: dict[int, ipc.RecordBatchStreamWriter] = {}

    def path(self, bucket: int) -> Path:
        return self.folder / f"bucket-{bucket:04d}.arrow"

    def add(self, batch: pa.RecordBatch) -> None:
        ids = key_buckets(batch, self.key, self.buckets)
        # One stable sort by bucket, then a slice per bucket: each record is
        # copied once, whatever the number of buckets (a filter per bucket
        # would read the whole batch once per bucket), file order kept.
        order = pc.sort_indices(ids)
        grouped = batch.take(order)
        counts = pc.value_counts(pc.take(ids, order))
        start = 0
        for b, k in sorted(zip(counts.field(0).to_pylist(), counts.field(1).to_pylist())):  # the sorted ids' runs, in order
            part = grouped.slice(start, k)
            start += k
            writer = self._writers.get(b)
            if writer is None:
                writer = self._writers[b] = ipc.new_stream(str(self.path(b)), self.schema)
            writer.write_batch(part)
            self.rows[b] += part.num_rows

    def close(self) -> None:
        for w in self._writers.values():
            w.close()
        self._writers.clear()

    def tables(self) -> Iterable[tuple[int, pa.Table]]:
        """Each non-empty bucket, whole, in bucket order."""
        for b in range(self.buckets):
            if self.rows[b]:
                with ipc.open_stream(str(self.path(b))) as reader:
                    table = reader.read_all()
                yield b, table

    def remove(self, bucket: int) -> None:
        self.path(bucket).unlink(missing_ok=True)


class InMemory:
    """The one-bucket case: a small file is read whole, nothing is spilled."""

    def __init__(self, schema: pa.Schema):
        self.buckets = 1
        self.schema = schema
        self._batches: list[pa.RecordBatch] = []
        self.rows = [0]

    def add(self, batch: pa.RecordBatch) -> None:
        self._batches.append(batch)
        self.rows[0] += batch.num_rows

    def close(self) -> None:
        pass

    def tables(self) -> Iterable[tuple[int, pa.Table]]:
        if self.rows[0]:
            yield 0, pa.Table.from_batches(self._batches, self.schema)

    def remove(self, bucket: int) -> None:
        self._batches = []


def split(source, key: tuple[str, ...], folder: str | Path, rows_per_partition: int = ROWS_PER_PARTITION, on_batch=None):
    """Read `source` (a `ClaimsFile`) once into buckets by `key` (a field,
    then its stand-ins: `unit.partition_key`); a file of
    one partition's size stays in memory. `on_batch()` is called after each
    batch (progress)."""
    buckets = partition_count(source.size, source.unit, rows_per_partition)
    batches = source.batches(whole=buckets == 1)
    first = next(batches, None)
    schema = first.schema if first is not None else pa.schema([pa.field(c, pa.string()) for c in source.columns] + [pa.field("_garant_row", pa.int64())])
    target = InMemory(schema) if buckets == 1 else Spill(folder, buckets, key, schema)
    try:
        for batch in ([first] if first is not None else []):
            target.add(batch)
            if on_batch:
                on_batch()
        for batch in batches:
            target.add(batch)
            if on_batch:
                on_batch()
    finally:
        target.close()
    return target


@contextmanager
def partitioned(source, key: tuple[str, ...], rows_per_partition: int = ROWS_PER_PARTITION, workdir=None, progress=None):
    """Pass 1 of a batch command, with its "reading" progress bar: `split`
    into a temporary folder, removed when the block ends."""
    reading = progress.add_task("reading", total=source.size) if progress else None

    def advance():
        if progress:
            progress.update(reading, completed=source.position())

    with tempfile.TemporaryDirectory(prefix="garant-", dir=workdir) as folder:
        parts = split(source, key, folder, rows_per_partition, advance)
        if progress:
            progress.update(reading, completed=source.size)
        yield parts
