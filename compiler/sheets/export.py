"""The tableau de garanties as a workbook: a back end reading the checked model.

Contracts reuse the documentation's tableau (compiler/docs/tableau.py: the
family headings, the act and provider labels, the line order); plans list
their benefit lines under their taxonomy's top-level categories. Every
level of every module gets a column, so a module with levels of its own
(a surcomplémentaire's `option1, option2`) is exported whole, and each row
ends with the source line (`file:line`) it comes from.

Every text a source puts in a cell is written as a string cell (never a
formula, whatever it starts with: `=`, `+`, `-`, `@`), with Excel's quote
prefix so that a spreadsheet application shows it as text.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from garant.compiler.docs.levels import formula_of
from garant.compiler.docs.tableau import sections
from garant.compiler.sheets import layout
from garant.dsl import model
from garant.dsl.checker.contract import DEFAULT_MODULE

_HEAD_FILL = PatternFill("solid", fgColor="1F3864")
_HEAD_FONT = Font(bold=True, color="FFFFFF")
_SECTION_FILL = PatternFill("solid", fgColor="D9E1F2")
_ABSENT_FONT = Font(color="808080")
_THIN = Side(style="thin", color="B4B4B4")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_FORMULA_START = ("=", "+", "-", "@")


def workbook(unit) -> Workbook:
    """The workbook of a checked unit (`pipeline.Unit` whose product checked)."""
    product = unit.product
    kind = "contract" if isinstance(product, model.Contract) else "plan"
    wb = Workbook()
    ws = wb.active
    ws.title = layout.sheet_title(kind)
    row = _header(ws, kind, product, unit.source.text)
    levels = _level_columns(product) if kind == "contract" else ()
    if kind == "contract" and product.modules and any(m.name != DEFAULT_MODULE for m in product.modules):
        row = _modules(ws, row + 2, product)
    _table(ws, row + 2, kind, product, levels)
    return wb


def write(unit, path: str | Path) -> None:
    workbook(unit).save(path)


# ------------------------------------------------------------------ cells
def put(ws, row: int, col: int, value, *, font=None, fill=None, alignment=None, border=None):
    """Write one cell; a string is always a string cell (never evaluated)."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(_FORMULA_START):
            cell.quotePrefix = True
    for name, style in (("font", font), ("fill", fill), ("alignment", alignment), ("border", border)):
        if style is not None:
            setattr(cell, name, style)
    return cell


# ----------------------------------------------------------------- header
def _header(ws, kind: str, product, source_text: str) -> int:
    """The title row and the header fields; returns the last row written."""
    put(ws, 1, 1, layout.TITLES[kind], font=Font(bold=True))
    put(ws, 1, 2, product.name, font=Font(bold=True, size=14))
    row = 1
    for label, value in (_contract_fields(product) if kind == "contract" else _plan_fields(product, source_text)):
        row += 1
        put(ws, row, 1, label, font=Font(bold=True))
        put(ws, row, 2, value, alignment=Alignment(horizontal="left"))
    return row


def _contract_fields(c: model.Contract) -> list[tuple[str, object]]:
    values = {
        "insurer": c.insurer,
        "regime": c.regime.name,
        "effective": c.effective.isoformat() if c.effective else None,
        "responsable": c.responsable,
        "solidaire": "solidaire" in c.states,
        "tiers payant": "tiers_payant" in c.states,
        "annual statement": "annual_statement" in c.states,
        "network": ", ".join(n for n in c.networks if n not in c.regime.networks) or None,
        "levels": ", ".join(c.levels) if c.levels else None,
    }
    out = []
    for label, keyword, kind in layout.CONTRACT_FIELDS:
        v = values[keyword]
        if kind == "flag":
            out.append((label, layout.YES if v else layout.NO))
        elif v is not None:
            out.append((label, v))
    return out


def _plan_fields(plan, source_text: str) -> list[tuple[str, str]]:
    """A plan's header lines as written (the model keeps no text for some,
    e.g. the year a plan year starts), after their keyword."""
    lines = source_text.split("\n")
    by_keyword = {kw: (label, kind) for label, kw, kind in layout.PLAN_FIELDS}
    out = []
    for key, span in sorted(plan.header_spans.items(), key=lambda kv: kv[1].line):
        keyword = layout.PLAN_SPAN_KEYS.get(key)
        if keyword is None:
            continue
        label, kind = by_keyword[keyword]
        text = _strip_comment(lines[span.line - 1]).strip()
        words = r"\s+".join(re.escape(w) for w in keyword.split())
        text = re.sub(rf"^{words}\s*", "", text, flags=re.IGNORECASE)
        if kind == "string":
            text = _unquote(text)
        out.append((label, text))
    return out


def _strip_comment(text: str) -> str:
    """The line without its comment (a `#` outside a string)."""
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == "#" and not quoted:
            return text[:i]
    return text


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


# ---------------------------------------------------------------- modules
def _modules(ws, row: int, c: model.Contract) -> int:
    for col, head in enumerate(layout.MODULE_HEADS, start=1):
        put(ws, row, col, head, font=_HEAD_FONT, fill=_HEAD_FILL, border=_BORDER)
    for m in c.modules:
        row += 1
        levels = f"{layout.FOLLOWS}{m.follows}" if m.follows else ", ".join(m.levels)
        for col, value in enumerate((m.name, m.title, levels, layout.YES if m.optional else layout.NO), start=1):
            put(ws, row, col, value, alignment=_WRAP, border=_BORDER)
    return row


def _level_columns(c: model.Contract) -> tuple[str, ...]:
    """The product's levels, then those of modules sold at levels of their own."""
    levels = list(c.levels)
    for m in c.modules:
        levels.extend(lv for lv in m.levels if lv not in levels)
    return tuple(levels)


# ------------------------------------------------------------------ table
def _table(ws, row: int, kind: str, product, levels: tuple[str, ...]) -> None:
    levelled = bool(levels)
    titles = layout.heads(kind)
    heads = [titles["label"], titles["detail"], titles["selector"]]
    if levelled:
        heads.append(titles["module"])
        heads.extend(levels)
    else:
        heads.append(titles["formula"])
    heads.append(titles["source"])
    for col, head in enumerate(heads, start=1):
        put(ws, row, col, head, font=_HEAD_FONT, fill=_HEAD_FILL, alignment=Alignment(wrap_text=True, vertical="center"), border=_BORDER)
    head_row = row
    first_value = 5 if levelled else 4
    ws.freeze_panes = ws.cell(row=head_row + 1, column=first_value)
    modules = {m.name: m for m in getattr(product, "modules", ())}
    for title, rows in (_contract_rows(product) if kind == "contract" else _plan_rows(product)):
        row += 1
        for col in range(1, len(heads) + 1):
            put(ws, row, col, title if col == 1 else None, font=Font(bold=True), fill=_SECTION_FILL, border=_BORDER)
        for label, detail, line in rows:
            row += 1
            cells = [label, detail, line.selector]
            if levelled:
                module = modules.get(line.module)
                cells.append("" if line.module == DEFAULT_MODULE else line.module)
                cells.extend(_at(line, lv) if module is not None and lv in module.levels else layout.NOT_AT_LEVEL for lv in levels)
            else:
                cells.append(formula_of(line, None))
            cells.append(line.span.where)
            for col, value in enumerate(cells, start=1):
                absent = value == layout.NOT_AT_LEVEL
                put(ws, row, col, value, alignment=Alignment(wrap_text=True, vertical="top", horizontal="center" if absent else None),
                    border=_BORDER, font=_ABSENT_FONT if absent or col == len(cells) else None)
    widths = [34, 24, 34] + ([16] + [22] * len(levels) if levelled else [44]) + [30]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width, 34)
    ws.auto_filter.ref = f"A{head_row}:{get_column_letter(len(heads))}{row}"


def _at(line: model.Line, level: str) -> str:
    """The formula and limits of a line at one level of its module."""
    col = line.column(level)
    return col.text if col is not None else formula_of(line, None)


def _contract_rows(c: model.Contract):
    """(heading, [(label, précision, line)]) in the documentation's tableau order."""
    for section in sections(c, None, None):
        yield section.title, [(r.act, r.provider, r.line) for r in section.rows]


def _plan_rows(plan):
    """Benefit lines under their taxonomy's top-level category, in the
    taxonomy's order; `all` first, under "All services"."""
    nodes = plan.regime.nodes
    tops = [n.id for n in nodes.values() if n.parent is None]
    grouped: dict[str | None, list] = {}
    for line in plan.lines:
        top = nodes[line.node].ancestors[0] if line.node is not None else None
        grouped.setdefault(top, []).append(line)
    for top in [None, *tops]:
        if top not in grouped:
            continue
        title = "All services" if top is None else nodes[top].title
        rows = []
        for line in grouped[top]:
            label = "All services" if line.node is None else nodes[line.node].title
            detail = ", ".join(str(v or "out of network").replace("_", " ") for _, v in line.constraints)
            rows.append((label, detail, line))
        yield title, rows
