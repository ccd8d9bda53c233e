"""The batch path checked against `garant eval`'s path, décompte by décompte.

`Product.evaluate` (what `garant eval` runs, one list of claims in memory,
one ledger) is the oracle; `garant run` (partitions, Arrow tables, decimal
strings computed by column) must give the same décomptes and the same
rejections on the same claims. Used by the test suite (a few thousand
claims) and by `bench/bench_diff.py` (100,000).
"""

from __future__ import annotations

import pyarrow as pa

from garant.batch.output import WARNING_SEPARATOR

SKIPPED = {"id", "status", "warnings", "trace", "index", "given", "differs"}  # compared apart, or not columns


def differences(product, claims: list[dict], decomptes: pa.Table, rejections: pa.Table, limit: int = 20) -> tuple[int, list[str]]:
    """(number of claims that differ, the first `limit` differences, described).

    `claims` are the records as dicts in file order (row k = claims[k-1])."""
    expected = product.evaluate(claims)
    got: dict[int, dict] = {}
    for d in decomptes.to_pylist():
        got[int(d["row"])] = d
    for r in rejections.to_pylist():
        if r["row"] is not None and int(r["row"]) in got:
            return 1, [f"row {r['row']} is both a décompte and a rejection"]
        got[int(r["row"]) if r["row"] is not None else -len(got)] = r
    bad = 0
    shown: list[str] = []
    if len(got) != len(claims):
        bad += abs(len(claims) - len(got))
        shown.append(f"{len(claims)} claims, {len(got)} rows out")
    for row, want in enumerate((e.to_dict() for e in expected), 1):
        have = got.get(row)
        problem = _compare(want, have)
        if problem:
            bad += 1
            if len(shown) < limit:
                shown.append(f"row {row} ({want.get('id')}): {problem}")
    return bad, shown


def _compare(want: dict, have: dict | None) -> str | None:
    if have is None:
        return "missing from both outputs"
    if str(want["id"]) != have["id"]:
        return f"id {want['id']!r} ≠ {have['id']!r}"
    if want["status"] == "rejected":
        if "reason" not in have:
            return f"rejected by eval ({want['reason']}) but evaluated by run"
        return None if want["reason"] == have["reason"] else f"reason {want['reason']!r} ≠ {have['reason']!r}"
    if "reason" in have:
        return f"evaluated by eval but rejected by run ({have['reason']})"
    for name in sorted((set(want) - SKIPPED) | {"provider"}):
        if want.get(name) != have.get(name):
            return f"{name}: eval {want.get(name)!r}, run {have.get(name)!r}"
    for name in ("given", "differs"):  # lists in JSON, space-separated in a file (`output.MARKS`)
        if " ".join(want.get(name, ())) != (have.get(name) or ""):
            return f"{name}: eval {want.get(name)!r}, run {have.get(name)!r}"
    if WARNING_SEPARATOR.join(want["warnings"]) != (have["warnings"] or ""):
        return f"warnings: eval {want['warnings']!r}, run {have['warnings']!r}"
    return None
