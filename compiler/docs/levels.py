"""Levels (spec §3.4): the one place the docs learn a product's levels and
a line's formula at a level.

A product without levels is a product with one unnamed level (`None`): the
tableau then has one formula column and the examples one column group. The
renderers only ever ask `levels_of(contract)` and `terms_of(line, level)`.
"""

from __future__ import annotations

from garant.dsl import model


def levels_of(contract: model.Contract) -> tuple[str | None, ...]:
    levels = tuple(getattr(contract, "levels", None) or ())
    return levels or (None,)


def terms_of(line: model.Line, level: str | None) -> tuple[model.Term, ...]:
    return at_level(line, level).terms


def at_level(line: model.Line, level: str | None) -> model.Line:
    """The line as it reads at one level (its own column, if it has one)."""
    return line if level is None else line.at(level)


def formula_of(line: model.Line, level: str | None) -> str:
    """The formula as written, for one level."""
    return " + ".join(t.text for t in terms_of(line, level)) if level is not None else _written_formula(line)


def _written_formula(line: model.Line) -> str:
    text = line.text
    if ":" in text:
        text = text.split(":", 1)[1]
    return text.split("#", 1)[0].strip()
