"""The gap and overlap report (`garant check --coverage`, the docs'
compliance page): which line decides each act family and provider
combination, which are uncovered, which overlap."""

from __future__ import annotations

from pathlib import Path

from garant.dsl.checker.coverage import COVERED, OVERLAP, UNCOVERED, coverage_markdown, render_markdown, report
from garant.dsl.pipeline import compile_paths, compile_text

ROOT = Path(__file__).resolve().parent.parent


def _unit(path):
    units, _ = compile_paths([ROOT / path])
    return units[0]


def test_essentiel_every_family_is_decided_and_non_optam_by_its_line():
    rep = report(_unit("contracts/essentiel_2025.garant").contract)
    source = (ROOT / "contracts" / "essentiel_2025.garant").read_text(encoding="utf-8").splitlines()
    non_optam = next(i for i, text in enumerate(source, 1) if text.strip().startswith("consultation secteur2 non_optam"))
    assert not rep.uncovered and not rep.overlaps
    row = next(r for r in rep.rows if r.acts_text == "generaliste" and r.providers == "non_optam")
    assert row.status == COVERED
    assert [int(w.rsplit(":", 1)[1]) for w in row.lines] == [non_optam]
    assert row.texts == ("consultation secteur2 non_optam: 180% BRSS cap",)
    # A class B frame has its own line (R6: at most 100€ in all), so the
    # spec's two lines decide the other frames.
    kalivia = next(r for r in rep.rows if r.acts_text == "monture" and r.providers.startswith("no classe_optique in network kalivia"))
    renewal = ", once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16"  # R7
    assert kalivia.texts == ("optique monture: 100€ per rolling 24 months" + renewal, "optique in network kalivia: +50€" + renewal)


def test_overlap_rows_name_both_lines():
    rep = report(_unit("tests/diagnostics/overlap_equal_specificity.garant").contract)
    (row,) = rep.overlaps
    assert row.status == OVERLAP and len(row.lines) == 2
    assert "**overlap**" in render_markdown(rep)


def test_uncovered_families_and_acts():
    unit = compile_text('contract "T"\n  insurer "I"\n  regime secu\n  effective 2025-01-01\n\nguarantees\n  consultation secteur2: 100% BRSS\n', "t.garant")
    rep = report(unit.contract)
    uncovered = {(r.acts_text, r.providers) for r in rep.uncovered}
    assert ("pharmacie", "any provider") in uncovered
    assert ("consultation", "other providers") in uncovered
    assert next(r for r in rep.rows if r.acts_text == "consultation" and r.providers == "secteur2").status == COVERED
    assert all(r.lines == () for r in rep.uncovered)
    md = coverage_markdown(unit)
    assert md.startswith("| acts | providers | outcome | line(s) |") and "**uncovered**" in md


def test_consistency_index_agrees_with_a_scan_of_every_combination():
    """`_consistency` answers from bit sets what a scan of the combinations
    answers (the scan made a contract with one network line take minutes:
    fuzz mutant 5:5322)."""
    import itertools
    import random

    from garant.dsl.checker.coverage import _consistency

    rng = random.Random(7)
    dims = {"secteur": ("secteur1", "secteur2", None), "optam": ("optam", None), "network": ("kalivia", None)}
    combos = [dict(zip(dims, c)) for c in itertools.product(*dims.values()) if rng.random() < 0.6]
    consistent = _consistency(combos)
    for size in range(len(dims) + 1):
        for keys in itertools.combinations(dims, size):
            for values in itertools.product(*(dims[k] + ("other",) for k in keys)):
                partial = dict(zip(keys, values))
                scan = any(all(c.get(k) == x for k, x in partial.items()) for c in combos)
                assert consistent(partial) == scan, partial
