"""The tableau de garanties of a product, grouped under the standard
headings, one formula column per level, each line explained in French."""

from __future__ import annotations

import attrs

from garant.compiler.docs import french
from garant.compiler.docs.examples import ExampleList
from garant.compiler.docs.explain import Explanation, explain
from garant.compiler.docs.figures import Figures
from garant.compiler.docs.levels import levels_of, views_of
from garant.dsl import model


@attrs.frozen
class Row:
    line: model.Line
    act: str
    provider: str
    formulas: tuple[str, ...]  # one per level, in French ("—": not offered at that level)
    explanations: tuple[Explanation | None, ...]  # one per level
    anchor: str  # the line's anchor on the source page
    module: str | None = None  # the title of an optional module the line belongs to


@attrs.frozen
class Section:
    key: str
    title: str
    rows: tuple[Row, ...]


def sections(contract: model.Contract, products: dict | None, examples: ExampleList | None) -> list[Section]:
    """`products` maps each level (None for a product without levels) to
    the generated evaluator the worked figures come from; without them
    (`None`: the spreadsheet export, compiler/sheets) rows have no
    explanations."""
    nodes = contract.regime.nodes
    levels = levels_of(contract)
    order = tuple(d.name for d in contract.regime.dims) + ("network",)
    views = views_of(contract)
    figures = Figures()  # what the worked figures of the lines share (levels included)
    optional = {m.name: f"module optionnel {m.title}" for m in getattr(contract, "modules", ()) if m.optional}
    grouped: dict[str, list[Row]] = {key: [] for key, _ in french.HEADINGS}
    for line in contract.lines:
        at = {lv: next((ln for ln in views[lv].lines if ln.id == line.id), None) for lv in levels}
        row = Row(
            line=line,
            act=french.act_label(nodes, line.node),
            provider=french.constraints(line.constraints, order),
            formulas=tuple(french.formula_short(at[lv].terms, at[lv].limits, at[lv].additive, getattr(at[lv], "waiting", None)) if at[lv] is not None else "—" for lv in levels),
            explanations=tuple(explain(views[lv], at[lv], products[lv], lv, examples, figures) if at[lv] is not None and products is not None else None
                               for lv in levels),
            anchor=f"L{line.span.line}",
            module=optional.get(getattr(line, "module", None)),
        )
        grouped[french.heading_of(nodes, line.node)].append(row)
    return [Section(key, title, tuple(grouped[key])) for key, title in french.HEADINGS if grouped[key]]
