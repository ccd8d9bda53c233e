"""Levels (spec §3.4): the one place the docs learn a product's levels and
what a line reads at a level.

A product without levels is a product with one unnamed level (`None`): the
tableau then has one formula column and the examples one column group. A
product with levels has one column per level; at each level the renderers
read the contract *as sold at that level* (`Contract.level_views`: its lines
at that level, optional modules included) and evaluate the product at that
level (`Product.evaluate(…, level=…)`).
"""

from __future__ import annotations

from garant.dsl import model


def levels_of(contract) -> tuple[str | None, ...]:
    levels = tuple(getattr(contract, "levels", None) or ())
    return levels or (None,)


def view_at(contract, level: str | None):
    """The contract as it reads at one level (itself without levels)."""
    return _view(contract, level, None)


def views_of(contract) -> dict:
    """{level: the contract as it reads at that level} for each of its
    levels (`levels_of`), every view made once (`view_at` one by one would
    make all of them per level)."""
    levels = levels_of(contract)
    views = dict(contract.level_views()) if levels != (None,) and hasattr(contract, "level_views") else {}
    return {lv: _view(contract, lv, views) for lv in levels}


def _view(contract, level: str | None, views: dict | None):
    if level is None or not hasattr(contract, "level_views"):
        return contract
    if views is None:
        views = dict(contract.level_views())
    return views.get(level, contract)


def line_at(line: model.Line, level: str | None) -> model.Line:
    if level is None or not hasattr(line, "at"):
        return line
    return line.at(level)


def formula_of(line: model.Line, level: str | None) -> str:
    """The formula and limits as written (at one level)."""
    text = line_at(line, level).text
    if ":" in text:
        text = text.split(":", 1)[1]
    return text.split("#", 1)[0].strip()
