"""The keywords of the language, read from the Lark grammar itself.

`dsl/grammar.lark` writes every keyword as a case-insensitive literal
(`"guarantees"i`); reading them from there, rather than keeping a list,
means completion offers exactly what the parser accepts, and the test of
the TextMate grammar (tests/test_lsp.py) compares the editor's
highlighting with the same list, so the two cannot drift apart.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

_LITERAL = re.compile(r'"([^"\\]+)"i')
_WORD = re.compile(r"[^\W\d]\w*")


def grammar_text() -> str:
    return (resources.files("garant.dsl") / "grammar.lark").read_text(encoding="utf-8")


@functools.cache
def keywords() -> tuple[str, ...]:
    """Every word literal of the grammar, sorted: `acts`, `after`, … `year`."""
    found = set()
    for line in grammar_text().split("\n"):
        code = line.split("//", 1)[0]
        for literal in _LITERAL.findall(code):
            if _WORD.fullmatch(literal):
                found.add(literal.lower())
    return tuple(sorted(found))


# Words the grammar spells as regular-expression tokens (dsl/grammar.lark,
# "tokens"): the units of a formula, shown and offered in their usual case.
FORMULA_WORDS = ("BRSS", "TM", "FR", "cap", "not covered", "Sécu incluse", "100% santé", "none", "eye", "ear", "side", "tooth", "item")

# What may start a line at the top level of each kind of file.
TOP_LEVEL = ("contract", "plan", "regime", "guarantees", "benefits", "module")
CONTRACT_HEADER = ("insurer", "regime", "effective", "responsable", "solidaire", "tiers payant", "annual statement", "currency", "network", "levels",
                   "waiting")
PLAN_HEADER = ("kind", "insurer", "regime", "effective", "currency", "network", "year calendar", "year starting", "deductible", "out_of_pocket_max",
               "primary_care_physician required", "referral required for", "out of network:", "out of network deductible", "out of network out_of_pocket_max")
REGIME_ITEMS = ("dimension", "acts", "parameter", "act", "networks", "ceiling", "floor", "no network", "renewal", "rule", "status", "scheme")
MODULE_CLAUSES = ("optional", "levels", "level of")
