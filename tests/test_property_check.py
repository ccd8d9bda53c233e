"""Property: no edit of a valid product makes the pipeline raise.

Every contract of contracts/ and every inline product of the golden seeds
is taken as a starting point; hypothesis applies a few random edits
(characters from the language's own alphabet inserted, deleted or replaced;
lines duplicated, deleted, swapped or re-indented; keywords and whole
guarantee lines dropped in) and the result goes through the whole pipeline:

* `compile_text` returns a unit and its diagnostics, and never raises; each
  diagnostic points inside the file and renders;
* a unit that has a contract and no error generates a Python module that
  loads (`load_product_text`), and that product evaluates a fixed list of
  claims into exactly one result per claim (a décompte or a rejection),
  décomptes keeping the invariants of spec §5 (no negative amount,
  amo_net + amc ≤ price).

The regime (stdlib/secu.garant) is edited the same way, and checked next
to a product that uses it. A mistake in a user's file is a diagnostic,
never a traceback.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from crashes import no_internal
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from garant.compiler.driver import load_product_text, load_unit
from garant.compiler.runtime.decompte import Decompte, Rejection
from garant.dsl.source import SourceFile
from garant.dsl.pipeline import compile_sources, compile_text

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


# Pieces of well-formed guarantee lines: inserted whole, they reach the
# checker's resolution (overlaps, gaps, `+` lines), the generator and the
# evaluator far more often than character edits do.
ACT_WORDS = (
    "consultation", "generaliste", "specialiste", "pediatre", "optique", "monture", "verres", "dentaire", "protheses",
    "panier_100_sante", "orthodontie", "hospitalisation", "chambre_particuliere", "forfait_journalier", "pharmacie",
    "taux_65", "medecine_douce", "osteopathie", "aides_auditives", "audiologie", "transport", "soins_courants",
)
DIM_WORDS = (
    "secteur1", "secteur2", "non_conventionne", "optam", "optam_co", "non_optam", "hors_parcours", "acces_direct",
    "in network kalivia", "in network santeclair", "out of network",
)
TERMS = (
    "TM", "100% BRSS", "200% BRSS", "150% BRSS cap", "100% FR", "30€", "0€", "50€ per day", "25€ per session",
    "100€ per rolling 24 months", "150€ per calendar year", "80€ per 2 years", "not covered", "100% santé",
    "200€ Sécu incluse", "12,50 €",
)
LIMITS = (
    "max 3 sessions per calendar year", "max 30 days per calendar year", "cap 300€ per calendar year",
    "cap 500€ per calendar year shared p", "once per rolling 24 months", "once per 2 years",
)


@st.composite
def guarantee_line(draw):
    words = draw(st.lists(st.sampled_from(ACT_WORDS), max_size=2, unique=True)) + draw(st.lists(st.sampled_from(DIM_WORDS), max_size=2, unique=True))
    words = draw(st.permutations(words)) if words else ["all"]
    formula = draw(st.sampled_from(("", "+"))) + " + ".join(draw(st.lists(st.sampled_from(TERMS), min_size=1, max_size=2)))
    limits = draw(st.lists(st.sampled_from(LIMITS), max_size=2))
    return "  " + " ".join(words) + ": " + ", ".join([formula, *limits])


@st.composite
def edit(draw):
    kind = draw(st.sampled_from(("insert", "delete", "replace", "word", "dup_line", "del_line", "swap_lines", "indent", "line", "line", "line")))
    if kind == "line":
        return (kind, draw(st.integers(0, 10**6)), draw(guarantee_line()))
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
    if kind == "line":  # a new guarantee line, somewhere after `guarantees`
        start = next((n + 1 for n, ln in enumerate(lines) if ln.startswith("guarantees")), 0)
        lines.insert(start + at % (len(lines) - start + 1), arg)
    elif kind == "dup_line":
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
    _check_diagnostics(unit, name, text)
    return unit


def _check_diagnostics(unit, name: str, text: str) -> None:
    n_lines = text.count("\n") + 1  # the compiler counts lines at `\n`
    for d in unit.diagnostics:
        assert d.span is not None, d
        assert 1 <= d.span.line <= n_lines + 1, f"{d.render()} points outside the file ({n_lines} lines)"
        assert d.span.column >= 1, d
        rendered = d.render(unit.source)  # must not raise
        assert rendered.startswith(f"{name}:{d.span.line}:{d.span.column}: {d.severity.value}: ")
        for leak in LARK_LEAKS:
            assert leak not in d.message and leak not in (d.hint or ""), rendered


SETTINGS = dict(deadline=None, database=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])


@settings(max_examples=300, **SETTINGS)
@given(edited_source())
def test_random_edits_never_crash_the_pipeline(src):
    name, text = src
    unit = _check_unit(name, text)
    if unit.contract is None or not unit.ok:
        event("refused by the checker")
        return
    event("checked, loaded and evaluated")
    product = load_product_text(text, name)  # generation and loading must not raise
    _evaluate(product)


def _evaluate(product) -> None:
    """One result per claim, in input order; décomptes keep spec §5's invariants
    (a product with levels: at its first and last level)."""
    if product.needs_level:
        for level in dict.fromkeys((product.levels[0], product.levels[-1])):
            _evaluate(product.at(level))
        return
    results = no_internal(product.evaluate([dict(c) for c in CLAIMS]))
    assert len(results) == len(CLAIMS)
    for claim, result in zip(CLAIMS, results):
        assert isinstance(result, (Decompte, Rejection)), result
        assert result.id == claim["id"]
        if isinstance(result, Decompte):
            d = result.to_dict()
            for field in ("price", "base", "amo", "participation_forfaitaire", "franchise", "amo_net", "amc", "rac"):
                if d.get(field) is not None:
                    assert Decimal(d[field]) >= 0, (field, d)
            assert Decimal(d["amo_net"]) + Decimal(d["amc"]) <= Decimal(d["price"]), d


@pytest.mark.parametrize("name,text", SOURCES, ids=[n for n, _ in SOURCES])
def test_starting_points_are_valid(name, text):
    """The property starts from valid products (else it tests nothing)."""
    unit = _check_unit(name, text)
    if name.startswith("seeds_fr/seed"):  # `check:` cases are meant to be refused later
        return
    assert unit.ok, [d.render(unit.source) for d in unit.diagnostics]
    _evaluate(load_product_text(text, name))


# ------------------------------------------------------- regime edits
REGIME = (ROOT / "stdlib" / "secu.garant").read_text(encoding="utf-8")
REGIME_PIECES = (
    "rate 70%", "rate 23€", "base 30€", "base 70%", "not reimbursed", "participation_forfaitaire applies",
    "franchise_medicale applies per unit", "price limit: 200% BRSS", 'from 2025-02-30: 30€ ref "x"',
    'from 2030-01-01: 5% ref "x"', "only with secteur1", "default hors_parcours", "optam from 2030-01-01",
    "cap 50€ per calendar year", "exempt under 18 at start of year", "secteur2 optam:", 'ref "r"',
)


@st.composite
def regime_edit(draw):
    if draw(st.booleans()):
        piece = draw(st.sampled_from(("\n  ", "\n    ", " "))) + draw(st.sampled_from(REGIME_PIECES))
        return ("insert", draw(st.integers(0, 10**6)), piece)
    return draw(edit())


@settings(max_examples=120, **SETTINGS)
@given(st.lists(regime_edit(), min_size=1, max_size=3), st.sampled_from([s for s in SOURCES if not s[0].startswith("seeds_fr/seed")]))
def test_random_edits_of_the_regime_never_crash(edits, product):
    """An edited regime (checked next to a product that uses it) never raises."""
    text = REGIME
    for e in edits:
        text = apply_edit(text, e)
    regime_unit, unit = compile_sources([SourceFile("stdlib/secu.garant", text), SourceFile(*product)])
    _check_diagnostics(regime_unit, "stdlib/secu.garant", text)
    _check_diagnostics(unit, product[0], product[1])
    if regime_unit.ok and unit.ok and unit.contract is not None:
        _evaluate(load_unit(unit))
