"""Property: no edit of a valid product makes the pipeline raise.

Every contract of contracts/ and every inline product of the golden seeds
is taken as a starting point; hypothesis applies a few random edits
(characters from the language's own alphabet inserted, deleted or replaced;
lines duplicated, deleted, swapped or re-indented; keywords dropped in) and
the result goes through the whole pipeline:

* `compile_text` returns a unit and its diagnostics, and never raises; each
  diagnostic points inside the file and renders;
* a unit that has a contract and no error generates a Python module that
  loads (`load_product_text`), and that product evaluates a fixed list of
  claims into exactly one result per claim (a décompte or a rejection).

A mistake in a user's file is a diagnostic, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from garant.api import load_product_text
from garant.compiler.runtime.decompte import Decompte, Rejection
from garant.pipeline import compile_text

ROOT = Path(__file__).resolve().parent.parent
LARK_LEAKS = ("UnexpectedToken", "UnexpectedCharacters", "UnexpectedEOF", "Expected one of", "Token(", "$END", "__ANON", "Traceback")


def _seed_sources() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "contracts").glob("*.garant"))]
    data = yaml.safe_load((ROOT / "tests" / "golden" / "seeds_fr.yaml").read_text(encoding="utf-8"))
    for name, text in sorted((data.get("products") or {}).items()):
        out.append((f"seeds_fr/{name}.garant", text))
    for case in data.get("cases") or []:
        if "check" in case:
            out.append((f"seeds_fr/{case['id']}.garant", case["check"]))
    return out


SOURCES = _seed_sources()

# A fixed list of claims: every kind of act the example contracts name,
# plus claims the reader must reject (unknown act word, negative price).
CLAIMS: list[dict] = json.loads((ROOT / "examples" / "claims.json").read_text(encoding="utf-8")) + [
    {"id": "p01", "date": "2016-06-01", "beneficiary": "B4", "act": "consultation generaliste", "provider": "secteur2 cas", "price": "40.00"},
    {"id": "p02", "date": "2025-02-01", "beneficiary": "B4", "act": "optique verres", "provider": "secteur1", "network": "santeclair", "price": "300.00", "base": "0.10"},
    {"id": "p03", "date": "2025-02-02", "beneficiary": "B4", "act": "dentaire protheses panier_libre", "price": "900.00", "base": "120.00"},
    {"id": "p04", "date": "2025-02-03", "beneficiary": "B4", "act": "aides_auditives classe_2", "price": "1500.00", "base": "400.00"},
    {"id": "p05", "date": "2025-02-04", "beneficiary": "B4", "act": "transport", "price": "80.00", "base": "80.00", "quantity": 2},
]

ALPHABET = ":%€$#\t\n \"+,.-_|'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèàçôÉ\u00a0"
WORDS = (
    "all", "TM", "BRSS", "FR", "cap", "max", "once", "per", "day", "session", "calendar year", "rolling 24 months",
    "2 years", "not covered", "100% santé", "Sécu incluse", "in network kalivia", "out of network", "+", "shared x",
    "secteur1", "secteur2", "optam", "non_optam", "hors_parcours", "consultation", "optique", "monture", "dentaire",
    "responsable", "regime secu", "effective 2025-02-30", "currency USD", "network reseau", "30€", "$20", "20 USD",
    "26,50 €", "150%", "3", "0", "0€", "0%", "99999999999€", "2024-12-22", ":", ",", "guarantees",
)


@st.composite
def edit(draw):
    kind = draw(st.sampled_from(("insert", "delete", "replace", "word", "dup_line", "del_line", "swap_lines", "indent")))
    if kind in ("insert", "replace"):
        return (kind, draw(st.integers(0, 10**6)), draw(st.text(alphabet=ALPHABET, min_size=1, max_size=3)))
    if kind == "word":
        return (kind, draw(st.integers(0, 10**6)), " " + draw(st.sampled_from(WORDS)) + draw(st.sampled_from(("", " "))))
    if kind == "indent":
        return (kind, draw(st.integers(0, 10**6)), draw(st.sampled_from(("", " ", "  ", "   ", "    ", "      ", "\t", "  \t"))))
    if kind == "swap_lines":
        return (kind, draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6)))
    if kind == "delete":
        return (kind, draw(st.integers(0, 10**6)), draw(st.integers(1, 4)))
    return (kind, draw(st.integers(0, 10**6)), None)


def apply_edit(text: str, e) -> str:
    kind, at, arg = e
    if kind in ("insert", "word"):
        i = at % (len(text) + 1)
        return text[:i] + arg + text[i:]
    if kind == "delete":
        if not text:
            return text
        i = at % len(text)
        return text[:i] + text[i + arg:]
    if kind == "replace":
        if not text:
            return arg
        i = at % len(text)
        return text[:i] + arg + text[i + len(arg):]
    lines = text.split("\n")
    i = at % len(lines)
    if kind == "dup_line":
        lines.insert(i, lines[i])
    elif kind == "del_line":
        del lines[i]
    elif kind == "swap_lines":
        j = arg % len(lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "indent":
        lines[i] = arg + lines[i].lstrip(" \t")
    return "\n".join(lines)


@st.composite
def edited_source(draw):
    name, text = draw(st.sampled_from(SOURCES))
    for e in draw(st.lists(edit(), min_size=1, max_size=4)):
        text = apply_edit(text, e)
    return name, text


def _check_unit(name: str, text: str):
    unit = compile_text(text, name)  # must not raise
    assert isinstance(unit.diagnostics, list)
    n_lines = max(1, len(text.splitlines()))
    for d in unit.diagnostics:
        assert d.span is not None, d
        assert 1 <= d.span.line <= n_lines + 1, f"{d.render()} points outside the file ({n_lines} lines)"
        assert d.span.column >= 1, d
        rendered = d.render(unit.source)  # must not raise
        assert rendered.startswith(f"{name}:{d.span.line}:{d.span.column}: {d.severity.value}: ")
        for leak in LARK_LEAKS:
            assert leak not in d.message and leak not in (d.hint or ""), rendered
    return unit


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(edited_source())
def test_random_edits_never_crash_the_pipeline(src):
    name, text = src
    unit = _check_unit(name, text)
    if unit.contract is None or not unit.ok:
        return
    product = load_product_text(text, name)  # generation and loading must not raise
    results = product.evaluate([dict(c) for c in CLAIMS])
    assert len(results) == len(CLAIMS)
    for claim, result in zip(CLAIMS, results):
        assert isinstance(result, (Decompte, Rejection)), result
        assert result.id == claim["id"]


@pytest.mark.parametrize("name,text", SOURCES, ids=[n for n, _ in SOURCES])
def test_starting_points_are_valid(name, text):
    """The property starts from valid products (else it tests nothing)."""
    unit = _check_unit(name, text)
    if name.startswith("seeds_fr/seed"):  # `check:` cases are meant to be refused later
        return
    assert unit.ok, [d.render(unit.source) for d in unit.diagnostics]
    product = load_product_text(text, name)
    assert len(product.evaluate([dict(c) for c in CLAIMS])) == len(CLAIMS)
