"""Spreadsheets in and out: the tableau de garanties as insurers exchange it.

    export.write(unit, "tableau.xlsx")      # checked model → workbook (a back end)
    importer.read("tableau.xlsx")           # workbook → Garant source text (then the
                                            # normal parser and checker)

`layout` is the one place both sides learn where things are in the sheet,
so that what `export` writes `importer` reads back: the round trip on every
bundled product gives the same checked model (tests/test_sheets.py).
"""
