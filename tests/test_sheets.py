"""Spreadsheets in and out (compiler/sheets/): `garant export` writes the
tableau de garanties as a workbook, `garant import` reads it back.

The round trip is judged on the checked model, not on text: for every
bundled product, export → import → check gives the same header, modules,
lines (each line's selector, node, provider constraints, formula terms,
limits and per-level columns) and the same decision table (which line
decides each act group and provider combination, and its responsable
ceiling), line ids mapped through the (module, selector) they belong to.
What may differ, by design: source positions, and a line's text as
written (`100% | 125% BRSS` comes back as `100% BRSS | 125% BRSS`).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import attrs
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from garant.cli import app
from garant.compiler.sheets.export import write
from garant.compiler.sheets.importer import SheetError, read
from garant.dsl.source import SourceFile, Span
from garant.dsl.pipeline import compile_paths, compile_sources

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = sorted((ROOT / "contracts").glob("*.garant"))
SHEET = "'Tableau de garanties'"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def stderr(result) -> str:
    try:
        return result.stderr
    except (ValueError, AttributeError):
        return result.output


# ------------------------------------------------------------- the model
_DROP = {"span", "spans", "visits_span", "source_hash", "path", "guarantees_span", "benefits_span", "responsable_span", "header_spans"}


def plain(obj, ids: dict):
    """The model as plain data, without source positions, line ids mapped."""
    if attrs.has(type(obj)):
        out = {}
        for f in attrs.fields(type(obj)):
            if f.name in _DROP or f.name == "regime":
                continue
            out[f.name] = plain(getattr(obj, f.name), ids)
        return (type(obj).__name__, out)
    if isinstance(obj, dict):
        return {plain(k, ids): plain(v, ids) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return tuple(plain(x, ids) for x in obj)
    if isinstance(obj, frozenset):
        return frozenset(plain(x, ids) for x in obj)
    if isinstance(obj, str) and obj in ids:
        return ids[obj]
    if isinstance(obj, str) and obj.partition(".")[0] in ids:  # a line's own pool: `L63.1`
        head, _, tail = obj.partition(".")
        return (ids[head], tail)
    return obj


def line_key(line) -> tuple:
    return (line.module, line.selector)


def summary(product) -> dict:
    """Header, modules, lines by (module, selector), decision table."""
    ids = {ln.id: line_key(ln) for ln in product.lines}
    lines = {}
    for ln in product.lines:
        kind, fields = plain(attrs.evolve(ln, text=""), ids)
        fields.pop("id")
        lines[line_key(ln)] = fields
    out = {f.name: plain(getattr(product, f.name), ids) for f in attrs.fields(type(product))
           if f.name not in _DROP and f.name not in ("regime", "lines", "decisions", "sharing")}
    out["regime"] = product.regime.name
    out["lines"] = lines
    out["decisions"] = plain(product.decisions, ids)
    if hasattr(product, "sharing"):
        out["sharing"] = {ids[k]: plain(v, ids) for k, v in product.sharing.items()}
    return out


def checked(path: Path):
    units, problems = compile_paths([path])
    assert not problems
    unit = units[0]
    assert unit.ok, [d.message for d in unit.diagnostics if d.is_error]
    return unit


def import_checked(xlsx: Path):
    imported = read(xlsx)
    unit = compile_sources([SourceFile("imported.garant", imported.text)])[0]
    errors = [d.render(unit.source) for d in unit.diagnostics if d.is_error]
    assert not errors, "\n".join(errors) + "\n" + imported.text
    return unit


# ------------------------------------------------------------ round trip
@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: p.stem)
def test_round_trip_gives_the_same_checked_model(path, tmp_path):
    original = checked(path)
    xlsx = tmp_path / "tableau.xlsx"
    write(original, xlsx)
    back = import_checked(xlsx)
    a, b = summary(original.product), summary(back.product)
    assert a["lines"].keys() == b["lines"].keys()
    for key in a["lines"]:
        assert a["lines"][key] == b["lines"][key], key
    assert a["decisions"] == b["decisions"]
    assert a == b
    # and the same warnings (responsable findings), at the same lines
    assert sorted(d.message for d in original.diagnostics) == sorted(d.message for d in back.diagnostics)


def test_round_trip_compares_something(tmp_path):
    """The comparison sees a changed figure (it is not blind)."""
    text = (ROOT / "contracts" / "collectif_entreprise.garant").read_text(encoding="utf-8")
    changed = tmp_path / "changed.garant"
    changed.write_text(text.replace("max 30 | 60 days", "max 30 | 61 days"), encoding="utf-8")
    xlsx = tmp_path / "t.xlsx"
    write(checked(changed), xlsx)
    a = summary(checked(ROOT / "contracts" / "collectif_entreprise.garant").product)
    b = summary(import_checked(xlsx).product)
    assert a != b
    key = ("socle", "hospitalisation chambre_particuliere")
    assert a["lines"][key] != b["lines"][key]


# ---------------------------------------------------------------- layout
def test_export_layout_collectif(tmp_path):
    """One column per level of every module, rows grouped by family, the
    source line of each row, formats."""
    xlsx = tmp_path / "t.xlsx"
    write(checked(ROOT / "contracts" / "collectif_entreprise.garant"), xlsx)
    ws = load_workbook(xlsx).worksheets[0]
    assert ws.title == "Tableau de garanties"
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:2] == ["Contrat", "Entreprise Exemple — frais de santé collectifs 2025"]
    head = next(i for i, r in enumerate(rows) if r[2] == "Sélecteur")
    assert rows[head] == ["Garantie", "Précision", "Sélecteur", "Module", "non_cadres", "cadres", "option1", "option2", "Source"]
    # the frozen panes keep the titles and the selector in view
    assert ws.freeze_panes == f"E{head + 2}"
    assert ws.cell(row=head + 1, column=1).font.bold
    assert ws.column_dimensions["E"].width == 22
    families = [r[0] for r in rows[head + 1:] if r[2] is None and r[0]]
    assert families == ["Soins courants", "Hospitalisation", "Optique", "Dentaire", "Aides auditives", "Autres garanties"]
    # contracts/collectif_entreprise.garant line 36 and line 59 (the option adds to it)
    room = [r for r in rows if r[2] == "hospitalisation chambre_particuliere"]
    assert room == [
        ["Chambre particulière", None, "hospitalisation chambre_particuliere", "socle", "45€ per day, max 30 days per calendar year",
         "60€ per day, max 60 days per calendar year", "—", "—", str(ROOT / "contracts" / "collectif_entreprise.garant") + ":36"],
        ["Chambre particulière", None, "hospitalisation chambre_particuliere", "surcomplementaire", "—", "—", "+20€ per day", "+40€ per day",
         str(ROOT / "contracts" / "collectif_entreprise.garant") + ":59"],
    ]
    wrapped = ws.cell(row=head + 3, column=5)
    assert wrapped.alignment.wrap_text


def test_cells_from_a_source_are_never_formulas(tmp_path):
    """`=…`, `+…`, `-…`, `@…` from a source are string cells (with Excel's
    quote prefix): no `<f>` element reaches the workbook."""
    src = tmp_path / "evil.garant"
    src.write_text(
        'contract "=HYPERLINK(\\"http://x\\",\\"y\\")"\n  insurer "@SUM(A1:A9)"\n  regime secu\n\n'
        "guarantees\n  all: TM\n  medecine_douce: +20€ per session\n", encoding="utf-8")
    xlsx = tmp_path / "t.xlsx"
    write(checked(src), xlsx)
    with zipfile.ZipFile(xlsx) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "<f " not in sheet
    ws = load_workbook(xlsx).worksheets[0]
    assert ws["B1"].value == '=HYPERLINK("http://x","y")' and ws["B1"].data_type == "s" and ws["B1"].quotePrefix
    assert ws["B2"].value == "@SUM(A1:A9)" and ws["B2"].data_type == "s"
    # and it comes back exactly
    back = import_checked(xlsx)
    assert back.product.name == '=HYPERLINK("http://x","y")'
    assert back.product.insurer == "@SUM(A1:A9)"


# ------------------------------------------------------------------ errors
def _essentiel(tmp_path) -> Path:
    xlsx = tmp_path / "t.xlsx"
    write(checked(ROOT / "contracts" / "essentiel_2025.garant"), xlsx)
    return xlsx


def _row_of(ws, selector: str) -> int:
    return next(r[0].row for r in ws.iter_rows() if r[2].value == selector)


def _edit(xlsx: Path, change) -> Path:
    wb = load_workbook(xlsx)
    change(wb.worksheets[0])
    wb.save(xlsx)
    return xlsx


def test_a_formula_cell_is_refused_naming_the_cell(tmp_path):
    xlsx = _essentiel(tmp_path)
    row = {}

    def change(ws):
        row["r"] = _row_of(ws, "pharmacie")
        ws.cell(row=row["r"], column=4).value = "=1+1"

    _edit(xlsx, change)
    with pytest.raises(SheetError) as e:
        read(xlsx)
    assert e.value.problems[0].ref == f"{SHEET}!D{row['r']}"
    assert "spreadsheet formula" in e.value.problems[0].message


def test_a_number_is_refused_naming_the_cell(tmp_path):
    xlsx = _essentiel(tmp_path)
    r = {}

    def change(ws):
        r["r"] = _row_of(ws, "pharmacie")
        ws.cell(row=r["r"], column=4).value = 100

    _edit(xlsx, change)
    result = invoke("import", xlsx, "-o", tmp_path / "out.garant")
    assert result.exit_code == 1
    assert f"{xlsx}: {SHEET}!D{r['r']}: error: a number (100), not text" in stderr(result)
    assert "Traceback" not in result.output
    assert not (tmp_path / "out.garant").exists()


def test_a_misspelt_act_is_located_at_its_selector_cell(tmp_path):
    xlsx = _essentiel(tmp_path)
    r = {}

    def change(ws):
        r["r"] = _row_of(ws, "pharmacie")
        ws.cell(row=r["r"], column=3).value = "pharmacy"

    _edit(xlsx, change)
    result = invoke("import", xlsx, "-o", tmp_path / "out.garant")
    assert result.exit_code == 1, result.output
    err = stderr(result)
    assert f"{xlsx}: {SHEET}!C{r['r']}: error: unknown word `pharmacy` in selector" in err
    assert not (tmp_path / "out.garant").exists()


def test_a_level_cell_it_cannot_parse_is_named(tmp_path):
    xlsx = tmp_path / "t.xlsx"
    write(checked(ROOT / "contracts" / "sante_mix_proximite.garant"), xlsx)
    r = {}

    def change(ws):
        r["r"] = _row_of(ws, "dentaire soins")
        ws.cell(row=r["r"], column=7).value = "150 BRSS%"  # column G: level N3

    _edit(xlsx, change)
    with pytest.raises(SheetError) as e:
        read(xlsx)
    p = e.value.problems[0]
    assert p.ref == f"{SHEET}!G{r['r']}"
    assert "cannot read `150 BRSS%`" in p.message


def test_a_wrong_figure_checked_at_its_level_cell(tmp_path):
    """A unit error from the checker (a percentage where money is due) is
    said at the level's cell, not the line's first cell."""
    xlsx = tmp_path / "t.xlsx"
    write(checked(ROOT / "contracts" / "sante_mix_proximite.garant"), xlsx)
    r = {}

    def change(ws):
        r["r"] = _row_of(ws, "hospitalisation chambre_particuliere")
        ws.cell(row=r["r"], column=8).value = "70% per day"  # column H: level N4

    _edit(xlsx, change)
    result = invoke("import", xlsx, "-o", tmp_path / "out.garant")
    assert result.exit_code == 1, result.output
    assert f"{xlsx}: {SHEET}!H{r['r']}: error: expected an amount, got a percentage `70%`\n" \
        "    hospitalisation chambre_particuliere: not covered | 40€ per day | 55€ per day | 70% per day | 85€ per day | 100€ per day\n" \
        "                                                                                    ^^^\n" in stderr(result)


def test_a_cell_for_a_level_the_module_is_not_sold_at(tmp_path):
    xlsx = tmp_path / "t.xlsx"
    write(checked(ROOT / "contracts" / "collectif_entreprise.garant"), xlsx)
    r = {}

    def change(ws):
        r["r"] = _row_of(ws, "dentaire soins")
        ws.cell(row=r["r"], column=7).value = "150% BRSS"  # option1: the socle has no such level

    _edit(xlsx, change)
    with pytest.raises(SheetError) as e:
        read(xlsx)
    assert e.value.problems[0].ref == f"{SHEET}!G{r['r']}"
    assert "not sold at level `option1`" in e.value.problems[0].message


def test_not_a_workbook(tmp_path):
    bad = tmp_path / "t.xlsx"
    bad.write_text("id,act\n", encoding="utf-8")
    result = invoke("import", bad, "-o", tmp_path / "out.garant")
    assert result.exit_code == 1
    assert f"{bad}: error: not an .xlsx workbook" in stderr(result)
    assert "Traceback" not in result.output


def test_a_sheet_in_another_layout(tmp_path):
    wb = Workbook()
    wb.active["A1"] = "Acte"
    wb.active["B1"] = "Remboursement"
    x = tmp_path / "t.xlsx"
    wb.save(x)
    with pytest.raises(SheetError) as e:
        read(x)
    assert e.value.problems[0].ref == "Sheet!A1"


def test_a_line_break_in_a_formula_cell_cannot_inject_a_line(tmp_path):
    xlsx = _essentiel(tmp_path)
    r = {}

    def change(ws):
        r["r"] = _row_of(ws, "pharmacie")
        ws.cell(row=r["r"], column=4).value = "100% BRSS\n  all: 100% FR"

    _edit(xlsx, change)
    with pytest.raises(SheetError) as e:
        read(xlsx)
    assert e.value.problems[0].ref == f"{SHEET}!D{r['r']}"


def test_a_date_cell_is_read_as_the_effective_date(tmp_path):
    xlsx = _essentiel(tmp_path)

    def change(ws):
        row = next(r[0].row for r in ws.iter_rows() if r[0].value == "Date d'effet")
        ws.cell(row=row, column=2).value = dt.datetime(2026, 1, 1)

    _edit(xlsx, change)
    assert import_checked(xlsx).product.effective == dt.date(2026, 1, 1)


# ------------------------------------------------------------------- CLI
def test_cli_export_then_import_then_check(tmp_path):
    xlsx, out = tmp_path / "tableau.xlsx", tmp_path / "product.garant"
    # Santé Mix without the fallback of its dental caps (`then TM`, which
    # the real contract has): the warnings then point at the sheet's cells.
    src = tmp_path / "sante_mix_proximite.garant"
    original = (ROOT / "contracts" / "sante_mix_proximite.garant").read_text(encoding="utf-8")
    src.write_text(original.replace(" shared protheses then TM", " shared protheses"), encoding="utf-8")
    result = invoke("export", src, "-o", xlsx)
    assert result.exit_code == 0, result.output
    assert f"{src} → {xlsx}" in stderr(result)
    result = invoke("import", xlsx, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"{xlsx} → {out}" in stderr(result)
    # the source's two responsable warnings (its dental caps, R1), each at its cell; `solidaire` kept (no R9)
    assert stderr(result).count(": warning: ") == 2
    assert f"{xlsx}: {SHEET}!C41: warning: R1" in stderr(result) and f"{xlsx}: {SHEET}!C42: warning: R1" in stderr(result)
    text = out.read_text(encoding="utf-8")
    assert "\n  solidaire\n" in text
    assert "  dentaire protheses panier_maitrise: 100% BRSS | 150% BRSS | 200% BRSS | 250% BRSS | 300% BRSS | 350% BRSS, " \
           "cap none | none | 1400€ | 1500€ | 1600€ | 1800€ per calendar year shared protheses" in text
    result = invoke("check", out, "--no-warnings")
    assert result.exit_code == 0, result.output
    assert "1 file checked: 0 errors, 2 warnings" in stderr(result)


def test_cli_export_of_a_source_with_errors(tmp_path):
    bad = tmp_path / "bad.garant"
    bad.write_text('contract "x"\n  regime secu\n\nguarantees\n  consultaton: TM\n', encoding="utf-8")
    result = invoke("export", bad, "-o", tmp_path / "t.xlsx")
    assert result.exit_code == 1
    assert f"{bad}:5:3: error" in stderr(result)
    assert not (tmp_path / "t.xlsx").exists()


def test_round_trip_of_a_levelled_product_without_modules_and_its_own_network(tmp_path):
    """Levels in the header, lines in a `guarantees` block (no modules
    table), a network the contract declares itself."""
    src = tmp_path / "own.garant"
    src.write_text(
        'contract "Maison"\n  regime secu\n  effective 2025-01-01\n  network maison_optique "Maison Optique"\n  levels bronze, argent, or\n\n'
        "guarantees\n  all: TM\n  consultation: 100% | 150% | 200% BRSS\n"
        "  hospitalisation chambre_particuliere: not covered | 30€ | 60€ per day, max none | 30 | 60 days per calendar year\n"
        "  optique in network maison_optique: +0€ | 20€ | 40€\n", encoding="utf-8")
    original = checked(src)
    xlsx = tmp_path / "t.xlsx"
    write(original, xlsx)
    ws = load_workbook(xlsx).worksheets[0]
    assert [c.value for c in ws[8]][:2] == ["Réseaux", "maison_optique"]
    assert not any(r[0].value == "Module" and r[1].value == "Intitulé" for r in ws.iter_rows())
    back = import_checked(xlsx)
    assert summary(original.product) == summary(back.product)
    assert "max none | 30 | 60 days per calendar year" in read(xlsx).text
