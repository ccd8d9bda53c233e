"""The compiled-product cache (compiler/cache.py) and Lark's grammar cache
(dsl/parser.py): an unchanged product is not checked again, any change to
what it is compiled from is, a damaged entry is never trusted, errors are
never stored, and `GARANT_NO_CACHE=1` turns it all off.

Whether a run checked the product is observed by counting the calls to
the front end's `compile_sources` (the only way `load_product` checks).
Figures: a GP's consultation in secteur 1 at 30€ on 2025-01-15 has a base
of 30€ (consultation_G, stdlib/secu.garant: 30€ from 2024-12-22); the
regime pays 70% of it (honoraires_medicaux), so a `100% BRSS` line pays
30 − 21 = 9.00€; at 60% the regime pays 18€ and the line 12.00€; at
`150% BRSS` the line pays min(30, 45) − 21 = 9.00€ on the same claim, and
on a 40€ bill min(40, 45) − 21 = 19.00€ (vs 30 − 21 = 9.00€ at 100%).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import garant.dsl.pipeline as pipeline
from garant.compiler import cache
from garant.compiler.driver import load_product
from garant.dsl.diagnostics import GarantError

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = """contract "Cache"
  insurer "Mutuelle Exemple"
  regime secu
  effective 2025-01-01

guarantees
  consultation: {formula}
"""
CLAIM = {"id": "c1", "date": "2025-01-15", "beneficiary": "B1", "birth_date": "1980-04-02",
         "act": "consultation generaliste", "provider": "secteur1", "price": "{price}"}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A cache folder of the test's own, and a count of the checks run."""
    where = tmp_path / "cache"
    monkeypatch.setenv("GARANT_CACHE_DIR", str(where))
    monkeypatch.delenv("GARANT_NO_CACHE", raising=False)
    calls = []
    real = pipeline.compile_sources

    def counting(sources):
        calls.append([s.path for s in sources])
        return real(sources)

    monkeypatch.setattr(pipeline, "compile_sources", counting)
    return where, calls


def _write(tmp_path: Path, formula: str = "100% BRSS", name: str = "p.garant") -> Path:
    path = tmp_path / name
    path.write_text(CONTRACT.format(formula=formula), encoding="utf-8")
    return path


def _amc(product, price: str = "30.00") -> str:
    claim = dict(CLAIM, price=price)
    (result,) = product.evaluate([claim])
    assert result.to_dict()["status"] == "evaluated", result.to_dict()
    return result.to_dict()["amc"]


def _entries(where: Path) -> list[Path]:
    return sorted((where / "products").glob("*.json")) if (where / "products").exists() else []


def test_an_unchanged_product_is_not_checked_again(tmp_path, folder):
    where, calls = folder
    path = _write(tmp_path)
    assert _amc(load_product(path)) == "9.00"
    assert len(calls) == 1 and len(_entries(where)) == 1
    assert _amc(load_product(path)) == "9.00"
    assert len(calls) == 1  # the second run came from the cache


def test_an_edit_to_the_product_is_checked(tmp_path, folder):
    where, calls = folder
    path = _write(tmp_path)
    assert _amc(load_product(path), "40.00") == "9.00"
    _write(tmp_path, "150% BRSS")
    assert _amc(load_product(path), "40.00") == "19.00"
    assert len(calls) == 2 and len(_entries(where)) == 2


def test_an_edit_to_a_regime_is_checked(tmp_path, folder):
    where, calls = folder
    path = _write(tmp_path)
    regime = tmp_path / "secu.garant"
    text = (ROOT / "stdlib" / "secu.garant").read_text(encoding="utf-8")
    regime.write_text(text, encoding="utf-8")
    assert _amc(load_product(path, [regime])) == "9.00"
    old = "act honoraires_medicaux\n  rate 70%"
    assert old in text
    regime.write_text(text.replace(old, "act honoraires_medicaux\n  rate 60%"), encoding="utf-8")
    assert _amc(load_product(path, [regime])) == "12.00"
    assert len(calls) == 2
    assert _amc(load_product(path, [regime])) == "12.00"
    assert len(calls) == 2  # and that one is kept in its turn


def test_the_same_product_moved_is_another_entry(tmp_path, folder):
    """The path is part of what the module says (`rule` fields): a copy
    elsewhere is compiled for itself."""
    where, calls = folder
    a = _write(tmp_path, name="a.garant")
    b = _write(tmp_path, name="b.garant")
    pa, pb = load_product(a), load_product(b)
    assert len(calls) == 2
    claim = dict(CLAIM, price="30.00")
    assert pa.evaluate([claim])[0].to_dict()["rule"] == f"{a}:7"
    assert pb.evaluate([claim])[0].to_dict()["rule"] == f"{b}:7"


@pytest.mark.parametrize("damage", ["truncate", "flip_module", "not_json", "other_key", "empty"])
def test_a_damaged_entry_is_ignored_and_rewritten(tmp_path, folder, damage):
    where, calls = folder
    path = _write(tmp_path)
    load_product(path)
    (entry,) = _entries(where)
    raw = entry.read_text(encoding="utf-8")
    if damage == "truncate":
        entry.write_text(raw[: len(raw) // 2], encoding="utf-8")
    elif damage == "flip_module":
        # The module changed, the stored hash left as it was.
        data = json.loads(raw)
        data["body"]["module"] = data["body"]["module"].replace("PRODUCT", "PRODUCT_X", 1)
        data["body"]["code"] = None
        entry.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "not_json":
        entry.write_bytes(b"\x00\xff garbage")
    elif damage == "other_key":
        # A whole, self-consistent entry of another product under this name.
        other = _write(tmp_path, "150% BRSS", name="other.garant")
        load_product(other)
        (other_entry,) = [e for e in _entries(where) if e != entry]
        entry.write_bytes(other_entry.read_bytes())
    else:
        entry.write_bytes(b"")
    assert _amc(load_product(path), "40.00") == "9.00"  # 150% BRSS would pay 19.00
    assert calls[-1] == [str(path)]  # checked again
    before = len(calls)
    assert _amc(load_product(path), "40.00") == "9.00"
    assert len(calls) == before  # the rewritten entry is whole again
    assert cache.lookup(entry.stem) is not None


def test_the_disable_switch_turns_it_off(tmp_path, folder, monkeypatch):
    where, calls = folder
    monkeypatch.setenv("GARANT_NO_CACHE", "1")
    path = _write(tmp_path)
    load_product(path)
    load_product(path)
    assert len(calls) == 2
    assert not where.exists()


def test_warnings_are_said_again_on_a_cached_run(tmp_path, folder):
    """`gap_without_all.garant` has one warning (a gap: no `all:` line)."""
    where, calls = folder
    path = tmp_path / "gaps.garant"
    path.write_text((ROOT / "tests" / "diagnostics" / "gap_without_all.garant").read_text(encoding="utf-8"), encoding="utf-8")
    first, second = [], []
    load_product(path, on_warning=first.append)
    load_product(path, on_warning=second.append)
    assert len(calls) == 1
    assert len(first) == 1 and "gap" in first[0].message and first[0].span.line == 8
    assert second == first
    assert [d.render() for d in second] == [d.render() for d in first]


def test_errors_are_never_cached(tmp_path, folder):
    where, calls = folder
    path = _write(tmp_path, "100% BRSS + nonsense")
    for _ in range(2):
        with pytest.raises(GarantError) as err:
            load_product(path)
        assert any(d.is_error for d in err.value.diagnostics)
    assert len(calls) == 2
    assert _entries(where) == []


def test_an_unwritable_folder_still_compiles(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("GARANT_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("GARANT_NO_CACHE", raising=False)
    assert _amc(load_product(_write(tmp_path))) == "9.00"


# ------------------------------------------------------------ Lark
@pytest.fixture
def fresh_parser():
    from garant.dsl import parser

    parser._parser.cache_clear()
    yield parser
    parser._parser.cache_clear()


def _parses(parser) -> bool:
    from garant.dsl.source import SourceFile

    tree, diags = parser.parse_source(SourceFile("p.garant", CONTRACT.format(formula="100% BRSS")))
    return tree is not None and not [d for d in diags if d.is_error]


def test_lark_tables_are_kept_by_the_grammars_hash(tmp_path, monkeypatch, fresh_parser):
    monkeypatch.setenv("GARANT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GARANT_NO_CACHE", raising=False)
    assert _parses(fresh_parser)
    (kept,) = tmp_path.glob("grammar-*.lark")
    stamp = kept.stat().st_mtime_ns
    fresh_parser._parser.cache_clear()
    assert _parses(fresh_parser)
    assert kept.stat().st_mtime_ns == stamp  # read, not rebuilt
    kept.write_bytes(b"damaged")
    fresh_parser._parser.cache_clear()
    assert _parses(fresh_parser)  # rebuilt
    assert kept.read_bytes() != b"damaged"


def test_lark_without_a_writable_cache_still_parses(tmp_path, monkeypatch, fresh_parser):
    monkeypatch.setenv("GARANT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("GARANT_NO_CACHE", raising=False)
    grammar_file = fresh_parser._grammar_cache(fresh_parser._grammar(), fresh_parser._LARK_OPTIONS)
    assert grammar_file != fresh_parser._grammar_cache(fresh_parser._grammar() + "\n", fresh_parser._LARK_OPTIONS)  # named by the grammar
    grammar_file.mkdir(parents=True)  # a folder where the file should go: neither readable nor writable
    assert _parses(fresh_parser)
    monkeypatch.setenv("GARANT_NO_CACHE", "1")
    fresh_parser._parser.cache_clear()
    assert _parses(fresh_parser)
