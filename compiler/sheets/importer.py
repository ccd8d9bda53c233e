"""A tableau workbook (compiler/sheets/layout.py) back to a Garant source.

`read` turns the sheet into source text and remembers which cell each
piece of that text came from; `check` runs the normal parser and checker
on it and says every diagnostic at its cell (`'Tableau de garanties'!E12`).
What the sheet itself gets wrong (a missing title row, a formula where
text belongs, a number, an unknown module, a line break in a formula) is a
`SheetError` naming the cell, raised before any source is written.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import attrs

from garant.compiler.sheets import layout
from garant.compiler.sheets.merge import Cell, CellError, merge
from garant.dsl.checker.contract import DEFAULT_MODULE
from garant.dsl.diagnostics import Diagnostic
from garant.dsl.source import SourceFile

_NAME = re.compile(r"[^\W\d]\w*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@attrs.frozen
class Problem:
    ref: str  # the cell (`'Tableau de garanties'!C12`), or the file
    message: str
    hint: str | None = None

    def render(self, path: str) -> str:
        out = f"{path}: {self.ref}: error: {self.message}"
        return out + (f"\n  hint: {self.hint}" if self.hint else "")


class SheetError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(p.message for p in problems))
        self.problems = problems


@attrs.frozen
class Imported:
    """The source text and, per line of it, which cells its pieces come from."""

    text: str
    kind: str  # "contract" | "plan"
    cells: dict  # line number → ((start column, end column, cell ref), …), columns 1-based
    fallback: str  # the title cell, for what has no line of its own


# ------------------------------------------------------------------ read
def read(path: str | Path) -> Imported:
    """The Garant source of a tableau workbook; `SheetError` on what cannot be read."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(path, data_only=False, read_only=False)
    except FileNotFoundError:
        raise SheetError([Problem(str(path), "no such file")]) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise SheetError([Problem(str(path), f"not an .xlsx workbook Garant can read ({type(e).__name__}: {e})",
                                  "save it as an Excel workbook (.xlsx) laid out as `garant export` writes it")]) from None
    reader = _Reader(wb.worksheets[0])
    try:
        return reader.read()
    except CellError as e:
        raise SheetError([Problem(e.ref, e.message, e.hint)]) from None


class _Reader:
    def __init__(self, ws):
        self.ws = ws
        title = ws.title
        self.sheet = title if re.fullmatch(r"\w+", title) else "'" + title.replace("'", "''") + "'"
        self.lines: list[str] = []
        self.cells: dict[int, tuple] = {}

    # ------------------------------------------------------------ cells
    def ref(self, row: int, col: int) -> str:
        from openpyxl.utils import get_column_letter

        return f"{self.sheet}!{get_column_letter(col)}{row}"

    def raw(self, row: int, col: int):
        cell = self.ws.cell(row=row, column=col)
        if cell.data_type == "f":
            raise CellError(self.ref(row, col), f"a spreadsheet formula (`{cell.value}`), not a value",
                            "Garant reads what the cell says: type the text itself (a leading `'` keeps it text)")
        return cell.value

    def text(self, row: int, col: int, *, one_line: bool = True) -> str | None:
        """A cell's text, or None when empty; numbers are refused (a
        formula's unit is part of it: `100%`, `30€`)."""
        v = self.raw(row, col)
        if v is None:
            return None
        if isinstance(v, bool) or isinstance(v, (int, float)):
            raise CellError(self.ref(row, col), f"a number ({v}), not text",
                            "write the value with its unit as text, e.g. `100% BRSS` or `30€` (format the cell as Text)")
        if isinstance(v, (dt.date, dt.datetime)):
            raise CellError(self.ref(row, col), f"a date ({v}), not text", "format the cell as Text")
        v = str(v).strip()
        if one_line and ("\n" in v or "\r" in v):
            raise CellError(self.ref(row, col), "a line break inside the cell", "write it on one line")
        return v or None

    def code(self, row: int, col: int) -> str | None:
        """A cell that becomes Garant text as it is (selector, formula)."""
        v = self.text(row, col)
        if v is not None and "#" in v:
            raise CellError(self.ref(row, col), f"`{v}` holds a `#`, which starts a comment in Garant", "remove it")
        return v

    def last_row(self) -> int:
        return self.ws.max_row

    def width(self) -> int:
        return self.ws.max_column

    def emit(self, text: str, segments=()) -> None:
        self.lines.append(text)
        if segments:
            self.cells[len(self.lines)] = tuple(segments)

    # ------------------------------------------------------------- read
    def read(self) -> Imported:
        kind = {v: k for k, v in layout.TITLES.items()}.get(self.text(1, 1) or "")
        if kind is None:
            raise CellError(self.ref(1, 1), f"expected `{layout.TITLES['contract']}` or `{layout.TITLES['plan']}` (the title row), not `{self.text(1, 1) or ''}`",
                            "the first sheet must be laid out as `garant export` writes it")
        name = self.text(1, 2)
        if name is None:
            raise CellError(self.ref(1, 2), "the product has no name")
        self.emit(f"{'contract' if kind == 'contract' else 'plan'} {_quoted(name)}", [(1, 1000, self.ref(1, 2))])
        fields = {label.casefold(): (keyword, ftype) for label, keyword, ftype in layout.fields(kind)}
        head = layout.heads(kind)
        row, levels, modules = 2, None, []
        while row <= self.last_row():
            label = self.text(row, 1)
            if label is None:
                row += 1
                continue
            if self.text(row, 3) == head["selector"]:
                break
            if kind == "contract" and label == layout.MODULE_HEADS[0] and self.text(row, 2) == layout.MODULE_HEADS[1]:
                row = self._modules(row + 1, modules)
                continue
            if label.casefold() not in fields:
                known = ", ".join(f"`{lb}`" for lb, _, _ in layout.fields(kind))
                raise CellError(self.ref(row, 1), f"`{label}` is not a field of a {kind} header", f"the fields are {known}")
            keyword, ftype = fields[label.casefold()]
            line = self._field(row, keyword, ftype)
            if keyword == "levels" and line:
                levels = [lv.strip() for lv in line[len("levels "):].split(",")]
            for one in (line.split("\n") if line else ()):
                self.emit("  " + one, [(1, 1000, self.ref(row, 2))])
            row += 1
        else:
            raise CellError(self.ref(self.last_row() + 1, 3), f"no table: no row with `{head['selector']}` in column C",
                            "the table's title row (`garant export` writes it) names its columns")
        self._table(row, kind, head, levels, modules)
        return Imported("\n".join(self.lines) + "\n", kind, self.cells, self.ref(1, 2))

    def _field(self, row: int, keyword: str, ftype: str) -> str | None:
        ref = self.ref(row, 2)
        if ftype == "date":
            v = self.raw(row, 2)
            if isinstance(v, (dt.date, dt.datetime)):
                return f"{keyword} {v.date().isoformat() if isinstance(v, dt.datetime) else v.isoformat()}"
            v = self.text(row, 2)
            if v is None:
                return None
            if not _DATE.fullmatch(v):
                raise CellError(ref, f"`{v}` is not a date", "write it as 2025-01-01")
            return f"{keyword} {v}"
        v = self.text(row, 2)
        if ftype == "flag":
            answer = (v or "").casefold()
            if answer in ("oui", "yes", "x", "true", "vrai"):
                return keyword
            if answer in ("", "non", "no", "false", "faux"):
                return None
            raise CellError(ref, f"`{v}`: expected `{layout.YES}` or `{layout.NO}`")
        if v is None:
            return None
        if ftype == "string":
            return f"{keyword} {_quoted(v)}"
        if ftype == "name":
            if not _NAME.fullmatch(v):
                raise CellError(ref, f"`{v}` is not a name (letters, digits and `_`, starting with a letter)")
            return f"{keyword} {v}"
        if ftype == "networks":
            names = [n.strip() for n in v.split(",")]
            bad = next((n for n in names if not _NAME.fullmatch(n)), None)
            if bad is not None:
                raise CellError(ref, f"`{bad}` is not a network name (letters, digits and `_`, starting with a letter)", "separate the networks with commas")
            return "\n".join(f"{keyword} {n}" for n in names)
        if ftype == "list":
            names = [n.strip() for n in v.split(",")]
            bad = next((n for n in names if not _NAME.fullmatch(n)), None)
            if bad is not None:
                raise CellError(ref, f"`{bad}` is not a level name (letters, digits and `_`, starting with a letter)", "separate the levels with commas: `N1, N2, N3`")
            return f"{keyword} {', '.join(names)}"
        if "#" in v:
            raise CellError(ref, f"`{v}` holds a `#`, which starts a comment in Garant", "remove it")
        return f"{keyword} {v}"

    def _modules(self, row: int, modules: list) -> int:
        while row <= self.last_row():
            name = self.text(row, 1)
            if name is None:
                return row + 1
            if not _NAME.fullmatch(name):
                raise CellError(self.ref(row, 1), f"`{name}` is not a module name (letters, digits and `_`, starting with a letter)")
            title = self.text(row, 2)
            levels = self.text(row, 3)
            optional = (self.text(row, 4) or layout.NO).casefold()
            if optional not in (layout.YES, layout.NO, "yes", "no"):
                raise CellError(self.ref(row, 4), f"`{self.text(row, 4)}`: expected `{layout.YES}` or `{layout.NO}`")
            follows, own = None, None
            if levels and levels.casefold().startswith(layout.FOLLOWS):
                follows = levels[len(layout.FOLLOWS):].strip()
                if not _NAME.fullmatch(follows):
                    raise CellError(self.ref(row, 3), f"`{follows}` is not a module name")
            elif levels:
                own = [lv.strip() for lv in levels.split(",")]
                bad = next((lv for lv in own if not _NAME.fullmatch(lv)), None)
                if bad is not None:
                    raise CellError(self.ref(row, 3), f"`{bad}` is not a level name", "separate the levels with commas: `N1, N2`")
            modules.append(_Module(name, title, own, follows, optional in (layout.YES, "yes"), row))
            row += 1
        return row

    # ------------------------------------------------------------ table
    def _table(self, head_row: int, kind: str, head: dict, levels, modules) -> None:
        titles = {}
        for col in range(1, self.width() + 1):
            t = self.text(head_row, col)
            if t is not None:
                titles[col] = t
        source_col = next((c for c, t in titles.items() if t == head["source"]), None)
        levelled = titles.get(4) == head["module"]
        if levelled:
            end = source_col if source_col is not None else max(titles) + 1
            level_cols = {titles[c]: c for c in range(5, end) if c in titles}
            if not level_cols:
                raise CellError(self.ref(head_row, 5), "no level columns after `Module`")
        elif titles.get(4) is None:
            raise CellError(self.ref(head_row, 4), "no formula column", f"column D is `{head['formula']}`, or `Module` then one column per level")
        by_name = {m.name: m for m in modules}
        product_levels = levels or []
        module_levels = {}
        for m in modules:
            if m.follows is not None:
                continue
            module_levels[m.name] = m.own or product_levels
        for m in modules:
            if m.follows is not None:
                if m.follows not in module_levels:
                    raise CellError(self.ref(m.row, 3), f"module `{m.name}` takes the level of `{m.follows}`, which is not a module with levels of its own")
                module_levels[m.name] = module_levels[m.follows]
        module_levels[DEFAULT_MODULE] = product_levels
        rows_of: dict[str, list] = {}
        for row in range(head_row + 1, self.last_row() + 1):
            selector = self.code(row, 3)
            if levelled:
                values = {lv: self.code(row, c) for lv, c in level_cols.items()}
            else:
                values = {None: self.code(row, 4)}
            filled = [v for v in values.values() if v is not None]
            if selector is None:
                if filled:
                    raise CellError(self.ref(row, 3), "a guarantee with no selector", "write the act (and provider) words, e.g. `consultation secteur2 optam`")
                continue  # a family heading or a blank row
            if ":" in selector:
                raise CellError(self.ref(row, 3), f"`{selector}` holds a `:`", "the selector is the words before the formula; the formula goes in the level columns")
            module = DEFAULT_MODULE
            if levelled:
                module = self.code(row, 4) or DEFAULT_MODULE
                if module != DEFAULT_MODULE and module not in by_name:
                    known = ", ".join(f"`{m}`" for m in by_name) or "none"
                    raise CellError(self.ref(row, 4), f"no module `{module}` in the modules table", f"the modules are {known}")
                if module == DEFAULT_MODULE and not product_levels:
                    raise CellError(self.ref(row, 4), "a line with no module in a product without levels in its header", "name its module")
            rows_of.setdefault(module, []).append((row, selector, values))
        if not rows_of:
            raise CellError(self.ref(head_row + 1, 3), "the table has no guarantee line")
        self.emit("")
        if kind == "plan":
            self.emit("benefits")
            for row, selector, values in rows_of[DEFAULT_MODULE]:
                self._line(row, selector, [Cell(self.ref(row, 4), self._needed(row, 4, values[None], None))])
            return
        order = ([DEFAULT_MODULE] if DEFAULT_MODULE in rows_of else []) + [m.name for m in modules]
        for n, name in enumerate(order):
            if n:
                self.emit("")
            if name not in rows_of:
                m = by_name[name]
                raise CellError(self.ref(m.row, 1), f"module `{name}` has no line in the table", "give it lines, or remove it from the modules table")
            if name == DEFAULT_MODULE:
                self.emit("guarantees")
            else:
                m = by_name[name]
                self.emit(f"module {name}" + (f" {_quoted(m.title)}" if m.title else ""), [(1, 1000, self.ref(m.row, 1))])
                if m.optional:
                    self.emit("  optional", [(1, 1000, self.ref(m.row, 4))])
                if m.follows:
                    self.emit(f"  level of {m.follows}", [(1, 1000, self.ref(m.row, 3))])
                elif m.own and m.own != product_levels:
                    self.emit(f"  levels {', '.join(m.own)}", [(1, 1000, self.ref(m.row, 3))])
            mine = module_levels[name] if levelled else [None]
            for row, selector, values in rows_of[name]:
                cells = []
                for lv in mine:
                    if lv not in values:
                        raise CellError(self.ref(head_row, 5), f"no column for level `{lv}` of module `{name}`")
                    cells.append(Cell(self.ref(row, level_cols[lv] if levelled else 4), self._needed(row, level_cols[lv] if levelled else 4, values[lv], lv)))
                if levelled:
                    for lv, c in level_cols.items():
                        if lv not in mine and values[lv] not in (None, layout.NOT_AT_LEVEL):
                            raise CellError(self.ref(row, c), f"module `{name}` is not sold at level `{lv}`", f"leave the cell empty or write `{layout.NOT_AT_LEVEL}`")
                self._line(row, selector, cells)

    def _needed(self, row: int, col: int, value: str | None, level) -> str:
        if value is None or value == layout.NOT_AT_LEVEL:
            at = f" at level `{level}`" if level else ""
            raise CellError(self.ref(row, col), f"no formula{at}", "write the formula and limits (`not covered` where nothing is paid)")
        return value

    def _line(self, row: int, selector: str, cells: list[Cell]) -> None:
        merged = merge(cells) if len(cells) > 1 else None
        prefix = f"  {selector}: "
        if merged is None:
            body, segments = cells[0].text, [(0, len(cells[0].text), cells[0].ref)]
        else:
            body, segments = merged.text, merged.segments
        at = len(prefix) + 1
        located = [(1, len(prefix), self.ref(row, 3))] + [(at + s, at + e, ref) for s, e, ref in segments]
        self.emit(prefix + body, located)


@attrs.frozen
class _Module:
    name: str
    title: str | None
    own: list | None
    follows: str | None
    optional: bool
    row: int


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ----------------------------------------------------------------- check
def where(imported: Imported, d: Diagnostic) -> str:
    """The cell a diagnostic on the generated source comes from."""
    if d.span is None:
        return imported.fallback
    segments = imported.cells.get(d.span.line)
    if not segments:
        return imported.fallback
    for start, end, ref in segments:
        if start <= d.span.column < end or (start == end == d.span.column):
            return ref
    return segments[-1][2] if d.span.column >= segments[-1][1] else segments[0][2]


def render(imported: Imported, d: Diagnostic, path: str, source: SourceFile) -> str:
    """`tableau.xlsx: 'Tableau de garanties'!E12: error: …`, then the
    generated line with a caret, then the hint."""
    text = d.render(source)
    first, _, rest = text.partition("\n")
    head = first.split(": ", 1)[1] if ": " in first else first
    return f"{path}: {where(imported, d)}: {head}" + (f"\n{rest}" if rest else "")


@attrs.frozen
class Outcome:
    text: str | None  # the source, when it checks without errors
    messages: tuple[tuple[bool, str], ...]  # (is an error, rendered message), in order


def convert(path: str | Path, output_name: str) -> Outcome:
    """`garant import`: the workbook's source, checked; every problem said
    at its cell. `output_name` is the path the source will be written to
    (what its décomptes' `rule` fields will name)."""
    from garant.dsl.pipeline import compile_sources

    try:
        imported = read(path)
    except SheetError as e:
        return Outcome(None, tuple((True, p.render(str(path))) for p in e.problems))
    source = SourceFile(output_name, imported.text)
    unit = compile_sources([source])[0]
    messages = tuple((d.is_error, render(imported, d, str(path), source)) for d in unit.diagnostics)
    if not unit.ok or unit.product is None:
        return Outcome(None, messages)
    return Outcome(imported.text, messages)
