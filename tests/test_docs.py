"""The documentation back end (compiler/docs): French wording, worked
figures, the standard examples, the chart, the regime history, escaping,
`garant docs`, and `mkdocs build --strict` on the repository's site.

Expected figures are computed by hand from the stdlib's values (GP
consultation base 30 € from 2024-12-22, 70 %, participation forfaitaire
2 €; specialist base 31.50 €, non-OPTAM base 23 €) and the published
standard examples (shared/domain/EXAMPLES.md).
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from garant.compiler.driver import build_site, load_unit
from garant.cli import app
from garant.compiler.docs import chart, examples, explain, french, regime, site, tableau
from garant.compiler.docs.render import code, md
from garant.compiler.runtime.money import parse_cents
from garant.dsl.pipeline import compile_paths, compile_text

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\u00a0"
NNBSP = "\u202f"

SMALL = """contract "Petit"
  insurer "Mutuelle *Test* | Exemple"
  regime secu
  effective 2025-01-01
  responsable

guarantees
  all: TM
  consultation generaliste secteur1: 100% BRSS
  consultation secteur2 optam: 200% BRSS cap
  consultation secteur2 non_optam: 180% BRSS cap
  hospitalisation chambre_particuliere: 50€ per day, max 30 days per calendar year
  medecine_douce osteopathie: 30€ per session, max 3 sessions per calendar year
  hospitalisation forfait_journalier: 100% FR
  dentaire protheses panier_100_sante: 100% santé
  aides_auditives classe_1: 100% santé
  optique equipement classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16
  optique monture classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16
  optique verres classe_a: 100% santé, once per rolling 24 months shared lunettes from age 16, once per rolling 12 months shared lunettes under 16
"""


@pytest.fixture(scope="module")
def small():
    unit = compile_text(SMALL, "petit.garant")
    assert unit.ok, [d.render() for d in unit.diagnostics]
    return unit, unit.contract, load_unit(unit)


@pytest.fixture(scope="module")
def example_list():
    return examples.load()


def _line(contract, prefix):
    return next(ln for ln in contract.lines if ln.text.startswith(prefix))


# --------------------------------------------------------------- wording
def test_french_amounts_rates_and_dates():
    assert french.euros(2650) == f"26,50{NBSP}€"
    assert french.euros(100000) == f"1\u202f000,00{NBSP}€"
    assert french.percent(20000) == f"200{NBSP}%"
    assert french.percent(12550) == f"125,5{NBSP}%"
    import datetime as dt

    assert french.date(dt.date(2024, 12, 22)) == "22 décembre 2024"
    assert french.date(dt.date(2025, 1, 1)) == "1er janvier 2025"


def test_optam_line_explained_in_plain_french_with_its_figure(small, example_list):
    _, contract, product = small
    e = explain.explain(contract, _line(contract, "consultation secteur2 optam"), product, None, example_list)
    assert e.text == (
        f"Sécu incluse, dans la limite de 200{NBSP}% de la base de remboursement, "
        "sans dépasser le plafond du contrat responsable."
    )
    # Worked on the example G1 (GP secteur 2 OPTAM at 50 €, base 30 €): 200 %
    # of the base = 60 € Sécu included; at 50 € the contract pays
    # 50 − 21 = 29 €, the Sécu 21 − 2 = 19 €, 2 € are left.
    assert e.figure.startswith(f"Soit au plus 60,00{NBSP}€ Sécu incluse pour une base de 30,00{NBSP}€.")
    assert f"généraliste, secteur 2, OPTAM, facturé 50,00{NBSP}€, base 30,00{NBSP}€ : Sécu 19,00{NBSP}€, contrat 29,00{NBSP}€, reste à charge 2,00{NBSP}€, dont participation forfaitaire de 2,00{NBSP}€" in e.figure


def test_per_day_line_with_its_limit(small, example_list):
    _, contract, product = small
    e = explain.explain(contract, _line(contract, "hospitalisation chambre_particuliere"), product, None, example_list)
    assert e.text == (
        f"50,00{NBSP}€ par jour en plus de la Sécu, dans la limite des frais réels ; "
        "dans la limite de 30 jours par année civile."
    )
    # 3 nights at the standard example's 67 € (H2): 150 € paid, 201 − 150 = 51 € left.
    assert f"(3 jours), facturé 201,00{NBSP}€" in e.figure
    assert f"contrat 150,00{NBSP}€, reste à charge 51,00{NBSP}€" in e.figure


def test_ticket_moderateur_and_sessions(small, example_list):
    _, contract, product = small
    tm = explain.explain(contract, _line(contract, "all"), product, None, example_list)
    assert tm.text.startswith("Le ticket modérateur")
    osteo = explain.explain(contract, _line(contract, "medecine_douce"), product, None, example_list)
    assert "par séance" in osteo.text and "3 séances par année civile" in osteo.text


def test_other_formula_kinds_have_their_sentence():
    unit = compile_text(
        'contract "K"\n  regime secu\n  effective 2025-01-01\n\nguarantees\n  all: TM\n'
        "  hospitalisation: 100% FR\n  optique monture: 100€ per rolling 24 months\n"
        "  optique verres: 150€ Sécu incluse\n  optique in network kalivia: +50€\n  medecine_douce: not covered\n",
        "k.garant",
    )
    assert unit.ok, [d.render() for d in unit.diagnostics]
    c = unit.contract
    texts = {ln.selector: explain.formula_text(ln.terms, ln.additive, explain.refined_lines(c, ln) if ln.additive else []) for ln in c.lines}
    assert texts["hospitalisation"] == "La totalité des frais réels, Sécu incluse"
    assert texts["optique monture"] == f"Un budget de 100,00{NBSP}€ par période de 24 mois glissants, en plus de la Sécu, dans la limite des frais réels"
    assert texts["optique verres"].startswith(f"150,00{NBSP}€ Sécu incluse")
    assert texts["optique in network kalivia"].startswith("En supplément de la garantie qu'elle complète (ligne")
    assert texts["medecine_douce"] == "Non couvert par le contrat"


def test_tableau_groups_lines_under_standard_headings(small, example_list):
    _, contract, product = small
    got = tableau.sections(contract, {None: product}, example_list)
    assert [s.title for s in got] == ["Soins courants", "Hospitalisation", "Optique", "Dentaire", "Aides auditives", "Autres garanties"]
    soins = got[0]
    assert [r.line.span.line for r in soins.rows] == [9, 10, 11]
    assert soins.rows[1].provider == "secteur 2, OPTAM"
    assert soins.rows[0].act == "Consultation — Médecin généraliste"
    assert soins.rows[1].formulas == (f"200{NBSP}% BRSS (plafond responsable)",)  # `200% BRSS cap`, in French


# ------------------------------------------------------------- examples
EXAMPLE_IDS = ["H1", "H2", "H3", "H4", "H5", "H6", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8",
               "D1", "D2", "D3", "D4", "O1", "O2", "O3", "O4", "O5", "O6", "A1", "A2"]  # EXAMPLES.md


def test_the_list_is_the_published_one(example_list):
    assert [e.id for e in example_list.examples if e.origin is None] == EXAMPLE_IDS
    # Garant's own additions (the GP in secteur 2, which the issue asks for)
    # say where they come from
    added = [e for e in example_list.examples if e.origin is not None]
    assert [e.id for e in added] == ["G1", "G2"] and all("ameli.fr" in e.origin for e in added)  # a public source, not a repository file


def test_every_example_computes_or_says_why_not(small, example_list):
    _, _, product = small
    for c in examples.compute(product, example_list):
        if c.computed:
            # computed only when the regime reproduces the published Sécu
            assert c.secu == c.example.published_secu, c.example.id
            assert c.price - c.secu - c.amc == c.rac
        else:
            assert c.reason, c.example.id
            assert c.secu is None and c.amc is None


def test_examples_figures_by_hand(small, example_list):
    _, _, product = small
    got = {c.example.id: c for c in examples.compute(product, example_list)}
    s1 = got["S1"]  # GP 30 €: Sécu 21 − 2 = 19, contract 100 % BRSS = 9, rac = PF 2
    assert (s1.secu, s1.amc, s1.rac) == (1900, 900, 200)
    g1, g2 = got["G1"], got["G2"]  # GP 50 €: OPTAM 200 % cap → 60 − 21 = 29 (rac PF 2); non-OPTAM 180 % cap → 41.40 − 16.10 = 25.30
    assert (g1.secu, g1.amc, g1.rac) == (1900, 2900, 200)
    assert (g2.secu, g2.amc, g2.rac) == (1410, 2530, 5000 - 1410 - 2530)
    s7 = got["S7"]  # specialist non-OPTAM 67 €, base 23: Sécu 16.10 − 2; 180 % = 41.40 − 16.10 = 25.30
    assert (s7.secu, s7.amc, s7.rac) == (1410, 2530, 6700 - 1410 - 2530)
    h2 = got["H2"]  # private room 67 €, 50 € a day
    assert (h2.secu, h2.amc, h2.rac) == (0, 5000, 1700)


def test_unknown_act_or_wrong_secu_is_not_computable(small):
    _, _, product = small
    listing = examples.load(
        "reference_date: 2025-01-01\nsource: test\nexamples:\n"
        "  - {id: X1, heading: optique, title: t, claim: {act: optique inconnu, price: '10.00', age: 40}, published: {base: '0', secu: '0'}}\n"
        "  - {id: X2, heading: soins_courants, title: t, claim: {act: consultation generaliste, provider: secteur1, price: '30.00', age: 40},"
        " published: {base: '30.00', secu: '21.00'}}\n"
    )
    x1, x2 = examples.compute(product, listing)
    assert not x1.computed and "inconnu" in x1.reason
    assert not x2.computed and "19,00" in x2.reason and "21,00" in x2.reason


# ---------------------------------------------------------------- chart
def test_chart_series_by_hand_and_deterministic(small, example_list):
    _, contract, product = small
    computed = examples.compute(product, example_list)
    series = chart.series(product, example_list, computed)
    s1 = next(s for s in series if s.ids == ("S1",))
    points = dict(s1.points)
    assert points[3000] == 200  # at the base, only the PF is left
    assert points[4000] == 1200  # 10 € above the base: dépassement + PF
    assert len(series) == len([c for c in computed if c.computed and c.example.consultation])
    by_family = chart.families(series)
    svg = chart.svg(by_family["generaliste"], "t")
    assert svg == chart.svg(chart.families(chart.series(product, example_list, computed))["generaliste"], "t")
    root = ET.fromstring(svg)
    polylines = root.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(polylines) == len(by_family["generaliste"])


# --------------------------------------------------------------- regime
def test_regime_history_newest_first_with_end_dates():
    units, _ = compile_paths([ROOT / "stdlib" / "secu.garant"])
    reg = units[0].regime
    h = regime.history(reg.params["consultation_G"])
    assert h.versions[0].value == f"30,00{NBSP}€" and str(h.versions[0].start) == "2024-12-22" and h.versions[0].end is None
    assert h.versions[1].value == f"26,50{NBSP}€" and str(h.versions[1].end) == "2024-12-21"
    assert "Convention médicale 2024-2029" in h.versions[0].reference
    rules = {a.node.split(".")[-1]: a for a in regime.act_rules(reg)}
    assert rules["chambre_particuliere"].not_reimbursed
    assert "generaliste" in rules


# ------------------------------------------------------------- escaping
def test_source_text_cannot_break_markdown():
    assert md("a | b *c* [x](y) <b>") == "a &#124; b &#42;c&#42; &#91;x&#93;(y) &lt;b&gt;"
    assert code("  x: 1 | 2") == "<code>&nbsp;&nbsp;x: 1 &#124; 2</code>"


def test_site_pages_escape_and_link_every_line(small):
    unit, contract, _ = small
    got = build_site([unit])
    index = got.pages["products/petit/index.md"]
    assert "Mutuelle &#42;Test&#42; &#124; Exemple" in index
    source = got.pages["products/petit/source.md"]
    for ln in contract.lines:
        assert f"(source.md#L{ln.span.line})" in index
        assert f"{{ #L{ln.span.line} }}" in source
    assert "regimes/secu/index.md" in got.pages
    assert got.pages["products/petit/rac-generaliste.svg"].startswith("<svg")  # one chart per doctor


def test_a_product_with_errors_gets_only_its_compliance_page(tmp_path):
    bad = tmp_path / "broken.garant"
    bad.write_text('contract "B"\n  regime secu\n  effective 2025-01-01\n\nguarantees\n  all: TM\n  consultation optm: 200% BRSS\n', encoding="utf-8")
    units, _ = compile_paths([bad])
    got = build_site(units)
    assert "products/b/conformite.md" in got.pages and "optm" in got.pages["products/b/conformite.md"]
    assert "exemples.md" not in " ".join(got.pages)
    assert any("error" in n for n in got.notes)


# ------------------------------------------------------------------- CLI
def test_garant_docs_writes_the_site(tmp_path):
    result = CliRunner().invoke(app, ["docs", str(ROOT / "stdlib"), str(ROOT / "contracts"), "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "index.md").is_file()
    assert (tmp_path / "products" / "essentiel-2025" / "exemples.md").is_file()
    assert (tmp_path / "regimes" / "secu" / "index.md").read_text(encoding="utf-8").count("| depuis |") >= 10


@pytest.mark.parametrize("repo_url", [None, "https://github.com/example-org/garant"])
def test_mkdocs_build_strict(tmp_path, repo_url):
    """The repository's site, generated pages included (mkdocs hook); with
    a repository address (GARANT_REPO_URL, read by mkdocs.yml) each line
    links to its file and line there, without one to the source pages."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "GARANT_REPO_URL"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    if repo_url:
        env["GARANT_REPO_URL"] = repo_url
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        capture_output=True, text=True, cwd=ROOT, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    built = tmp_path / "site" / "generated" / "products" / "essentiel-2025"
    assert (built / "index.html").is_file() and (built / "rac-generaliste.svg").is_file()  # one chart per doctor
    page = (built / "index.html").read_text(encoding="utf-8")
    # the generated French pages get a French interface (front matter
    # `language: fr`, theme override), the project's own pages keep English
    assert '<html lang="fr"' in page and "Table des matières" in page and "Table of contents" not in page
    cli_page = (tmp_path / "site" / "cli" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en"' in cli_page and "Table of contents" in cli_page
    # contracts/essentiel_2025.garant line 11: consultation generaliste secteur1
    if repo_url:
        assert re.search(repo_url + r'/blob/[0-9a-z]+/contracts/essentiel_2025\.garant#L11"', page)
    elif not _git_remote():
        assert 'href="source/#L11"' in page


def _git_remote() -> bool:
    from garant.compiler.docs import sources

    return sources.from_git(ROOT)[0] is not None


# --------------------------------------------------------- source links
def test_lines_link_to_their_file_and_line_on_the_hosting_site():
    from garant.compiler.docs.sources import SourceLinks

    units, _ = compile_paths([ROOT / "contracts" / "essentiel_2025.garant"])
    links = SourceLinks("https://git.example/o/r/blob/abc123/{path}#L{line}", ROOT)
    got = build_site(units, links=links)
    tableau_page = got.pages["products/essentiel-2025/index.md"]
    for ln in units[0].contract.lines:
        assert f"(https://git.example/o/r/blob/abc123/contracts/essentiel_2025.garant#L{ln.span.line})" in tableau_page, ln.text
    assert "source.md#L" not in tableau_page
    # the regime's histories link into stdlib/secu.garant: the GP
    # consultation's 30 € (from 2024-12-22) is declared in that file
    secu = (ROOT / "stdlib" / "secu.garant").read_text(encoding="utf-8").splitlines()
    n = next(i + 1 for i, text in enumerate(secu) if "2024-12-22" in text and "30" in text)
    assert f"(https://git.example/o/r/blob/abc123/stdlib/secu.garant#L{n})" in got.pages["regimes/secu/index.md"]
    # the source page names the hosted file too
    assert "(https://git.example/o/r/blob/abc123/contracts/essentiel_2025.garant#L1)" in got.pages["products/essentiel-2025/source.md"]


def test_a_source_outside_the_repository_links_to_its_source_page(tmp_path):
    from garant.compiler.docs.sources import SourceLinks

    links = SourceLinks("https://git.example/{path}#L{line}", ROOT)
    assert links.url(str(tmp_path / "elsewhere.garant"), 3) == "source.md#L3"
    assert links.url("contracts/x y.garant", 3) == "https://git.example/contracts/x%20y.garant#L3"
    assert SourceLinks().url("contracts/x.garant", 3) == "source.md#L3"


def test_repository_addresses_from_git_remotes():
    from garant.compiler.docs.sources import check_template, template_for, web_url

    assert web_url("git@github.com:acme/garant.git") == "https://github.com/acme/garant"
    assert web_url("https://user@gitlab.com/acme/sub/garant.git") == "https://gitlab.com/acme/sub/garant"
    assert web_url("ssh://git@bitbucket.org/acme/garant.git") == "https://bitbucket.org/acme/garant"
    assert web_url("/srv/git/garant.git") is None
    assert template_for("https://github.com/acme/garant", "abc") == "https://github.com/acme/garant/blob/abc/{path}#L{line}"
    assert template_for("https://gitlab.com/acme/garant/", "abc") == "https://gitlab.com/acme/garant/-/blob/abc/{path}#L{line}"
    assert template_for("https://bitbucket.org/acme/garant", "abc") == "https://bitbucket.org/acme/garant/src/abc/{path}#lines-{line}"
    assert template_for("https://intranet.example/garant", "abc") is None
    assert check_template("https://x/{path}#L{line}") is None
    assert "path" in check_template("https://x/#L{line}")
    assert "{lin}" in check_template("https://x/{path}#L{lin}")


def test_a_git_remote_gives_the_links(tmp_path):
    from garant.compiler.docs.sources import from_git

    repo = tmp_path / "r"
    repo.mkdir()
    run = lambda *a: subprocess.run(["git", "-C", str(repo), *a], check=True, capture_output=True)  # noqa: E731
    try:
        run("init", "-q")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available")
    assert from_git(repo)[0] is None  # no remote: the source pages
    run("remote", "add", "origin", "git@github.com:acme/garant.git")
    (repo / "a.garant").write_text("x\n", encoding="utf-8")
    run("add", "a.garant")
    run("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x")
    head = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    url, links = from_git(repo)
    assert url == "https://github.com/acme/garant"
    assert links.url(str(repo / "a.garant"), 7) == f"https://github.com/acme/garant/blob/{head}/a.garant#L7"


def test_garant_docs_source_url_option(tmp_path):
    import os

    here = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(app, ["docs", "contracts/essentiel_2025.garant", "-o", str(tmp_path), "--source-url", "https://h.example/{path}?line={line}"])
        bad = CliRunner().invoke(app, ["docs", "contracts/essentiel_2025.garant", "-o", str(tmp_path / "b"), "--source-url", "https://h.example/{file}"])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    page = (tmp_path / "products" / "essentiel-2025" / "index.md").read_text(encoding="utf-8")
    assert "(https://h.example/contracts/essentiel_2025.garant?line=11)" in page
    assert bad.exit_code == 2 and "{path}" in bad.output


def test_plan_page_with_its_coverage_examples():
    units, _ = compile_paths([ROOT / "contracts" / "acme_hmo.garant"])
    got = build_site(units)
    page = got.pages["products/acme-hmo-silver-2025/index.md"]
    # the plan's own terms and lines (contracts/acme_hmo.garant)
    assert "| Deductible | $1,500 individual, $3,000 family |" in page
    assert "| <code>specialist visit</code> | <code>copay $50, no deductible</code> | $50 copay, no deductible | [line 20](source.md#L20) |" in page
    # the three SBC examples, with HHS's total costs
    assert "Peg is having a baby" in page and "Mia's simple fracture" in page
    assert "| Total example cost | $12,700 | $5,600 | $2,800 |" in page
    assert not any("skipped" in n for n in got.notes)


def test_compliance_page_lists_the_responsable_rules():
    pytest.importorskip("garant.dsl.checker.responsable", reason="the responsable proofs (issue 4, deliverables 1-3) are not on this branch yet")
    units, _ = compile_paths([ROOT / "contracts" / "essentiel_2025.garant"])
    got = build_site(units)
    page = got.pages["products/essentiel-2025/conformite.md"]
    assert "## Règles du contrat responsable" in page
    rows = [ln for ln in page.splitlines() if re.match(r"\| R\d+ \|", ln)]
    # Every rule R1 … R12 has a row; none is broken: each is proved, depends
    # only on a base the regime does not state (claims carry it: optics,
    # hearing aids), is a warning (R9: `solidaire` not stated), or is not
    # checked, saying why (R10 before its confirmed version; R11, R12: no
    # such acts in the regime) — never passed silently.
    assert [r.split("|")[1].strip() for r in rows] == [f"R{n}" for n in range(1, 13)]
    assert rows and not any("non respectée" in r for r in rows)
    assert all(("respectée" in r) or ("dépend de la base" in r) or ("avertissement" in r) or ("non vérifiée" in r) for r in rows)
    for rule in ("R11", "R12"):
        (row,) = [r for r in rows if r.startswith(f"| {rule} ")]
        assert "| non vérifiée |" in row, row
    assert "n'a pas d'acte pour les prothèses capillaires" in page and "n'a pas d'acte pour les fauteuils roulants" in page
    # R7 (optics renewal) is among them, with its verdict
    assert any(r.startswith("| R7 ") and "respectée" in r for r in rows), rows


def test_examples_page_figures_match_the_insurers_published_sheet():
    """The examples the docs compute for APRIL Santé Mix Proximité at each
    level are the figures of the insurer's own sheet (tests/golden/
    sante_mix.yaml, copied from the published examples of 03/2025)."""
    import yaml

    golden = yaml.safe_load((ROOT / "tests" / "golden" / "sante_mix.yaml").read_text(encoding="utf-8"))
    published = {case["id"].removeprefix("sante-mix-"): case["levels"] for case in golden["cases"] if "levels" in case}
    units, _ = compile_paths([ROOT / "contracts" / "sante_mix_proximite.garant"])
    unit = units[0]
    product = load_unit(unit)
    listing = examples.load()
    compared = 0
    for level in unit.contract.levels:
        for c in examples.compute(product, listing, level):
            assert c.computed, (c.example.id, c.reason)
            if c.example.origin is not None:
                continue  # not on the insurer's sheet
            want = published[c.example.id][level]
            assert (c.amc, c.rac) == (parse_cents(want["amc"]), parse_cents(want["rac"])), (c.example.id, level)
            compared += 1
    assert compared == 26 * 6


def test_senior_gan_examples_page_gives_the_insurers_published_figures():
    """The second sheet the standard list comes from: for Complémentaire
    Senior GAN the docs compute, at each of its five levels, the figures of
    the insurer's sheet of 07/2025 (tests/golden/senior_gan.yaml, typed from
    it; the exact figure where the sheet misprints). H2 is left out: this
    sheet's room costs 66.59 €, the standard list's 67.00 €."""
    import yaml

    golden = yaml.safe_load((ROOT / "tests" / "golden" / "senior_gan.yaml").read_text(encoding="utf-8"))
    published = {case["id"].removeprefix("senior-gan-"): case for case in golden["cases"]}
    units, _ = compile_paths([ROOT / "contracts" / "senior_gan.garant"])
    unit = units[0]
    product = load_unit(unit)
    listing = examples.load()
    compared = set()
    for level in unit.contract.levels:
        for c in examples.compute(product, listing, level):
            assert c.computed, (c.example.id, c.reason)
            case = published.get(c.example.id)
            if c.example.origin is not None or case is None:
                continue  # not on the insurer's sheet
            if parse_cents(case["claims"][0]["price"]) != c.price:
                continue
            want = case["levels"][level]
            assert (c.amc, c.rac) == (parse_cents(want["amc"]), parse_cents(want["rac"])), (c.example.id, level)
            compared.add(c.example.id)
    assert len(compared) == 25 and "H2" not in compared, sorted(compared)


def test_two_versions_of_a_product_get_a_folder_each():
    review = ROOT / "tests" / "review"
    units, _ = compile_paths([review / "old.garant", review / "new_ok.garant"])
    got = build_site(units)
    assert [p["folder"] for p in got.products] == ["products/revue", "products/revue-2"]
    assert "products/revue-2/index.md" in got.pages


def test_compliance_page_has_the_coverage_report():
    pytest.importorskip("garant.dsl.checker.coverage", reason="the coverage report (issue 4, deliverable 3) is not on this branch yet")
    units, _ = compile_paths([ROOT / "contracts" / "essentiel_2025.garant"])
    page = build_site(units).pages["products/essentiel-2025/conformite.md"]
    assert f"## Couverture{NNBSP}: quelle ligne décide chaque soin" in page  # French typography
    assert "| actes | cas | résultat | lignes du contrat |" in page
    # contracts/essentiel_2025.garant line 12 decides the OPTAM consultations
    assert "| Consultation | OPTAM | couvert | [ligne 12](source.md#L12) <code>consultation secteur2 optam</code> |" in page


def test_multi_level_pages_render_as_tables():
    """Every example and every line is a row of a rendered table (a stray
    blank line would cut a Markdown table in two)."""
    import markdown

    units, _ = compile_paths([ROOT / "contracts" / "sante_mix_proximite.garant"])
    got = build_site(units)
    html = markdown.markdown(got.pages["products/sante-mix-proximite/exemples.md"], extensions=["tables", "attr_list", "admonition"])
    for example_id in EXAMPLE_IDS:
        assert f"<td><strong>{example_id}</strong> " in html, example_id
    assert html.count("<th style=\"text-align: right;\">N6</th>") == 5  # one table per heading with examples
    tableau = markdown.markdown(got.pages["products/sante-mix-proximite/index.md"], extensions=["tables", "attr_list", "admonition"])
    for line in units[0].contract.lines:
        assert f'<a href="source.md#L{line.span.line}">ligne {line.span.line}</a></td>' in tableau, line.text


def test_no_page_has_a_broken_table(bundled_site):
    """A table row cut from its table renders as a paragraph starting with
    `|`: none on any page of the bundled products and regimes."""
    import markdown

    got = bundled_site
    for path, text in got.pages.items():
        if path.endswith(".md"):
            html = markdown.markdown(text, extensions=["tables", "attr_list", "admonition"])
            assert "<p>|" not in html and "\n|" not in html.replace("<p>", ""), path


# ------------------------------------------------- French product pages
# Words a French product page must not show outside code (selectors and
# formulas as written), link targets and text marked lang="en" (the
# checker's own messages, quoted). Plans' pages stay English.
ENGLISH = {
    "covered", "uncovered", "overlap", "overlapping", "overlaps", "proved", "violation", "violated",
    "holds", "depends", "line", "lines", "rule", "rules", "price", "provider", "providers", "network",
    "allowed", "pays", "paid", "level", "levels", "claim", "outcome", "acts", "any", "other", "the",
    "of", "and", "at", "by", "in", "none", "sent", "states", "error", "errors", "warning", "warnings",
    "under", "months", "would", "per", "every", "must", "least", "most",
}


def _prose(text: str) -> str:
    """What a reader of the page reads as sentences: code, link targets,
    anchors, HTML tags, admonition keywords and lang="en" quotes left out."""
    text = re.sub(r'<span lang="en">.*?</span>', " ", text, flags=re.S)
    text = re.sub(r"<code>.*?</code>", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"\{ #[^}]*\}", " ", text)
    text = re.sub(r"^!!! \w+", " ", text, flags=re.M)
    text = re.sub(r"<[^>]+>", " ", text)
    return text


def english_words(pages: dict[str, str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path, text in pages.items():
        if path.endswith("/source.md") or not path.endswith((".md", ".svg")):
            continue
        words = {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ]+", _prose(text))} & ENGLISH
        if words:
            found[path] = words
    return found


def test_french_pages_have_no_english_left(bundled_site):
    got = bundled_site
    english_folders = {p["folder"] for p in got.products if p.get("kind")}  # US plans…
    english_folders |= {r["folder"] for r in got.regimes if r.get("english")}  # … and their regime
    assert [r["name"] for r in got.regimes if r.get("english")] == ["managed_care"]
    french_pages = {path: text for path, text in got.pages.items() if not any(path.startswith(f + "/") for f in english_folders)}
    assert any(path.endswith("conformite.md") for path in french_pages)
    assert english_words(french_pages) == {}


def test_the_english_word_scan_finds_english():
    """The scan of the test above is not blind: the checker's own coverage
    table (English) and an English sentence are caught; code is not."""
    units, _ = compile_paths([ROOT / "contracts" / "essentiel_2025.garant"])
    from garant.dsl.checker.coverage import coverage_markdown

    english = coverage_markdown(units[0])
    assert {"covered", "line", "providers", "outcome"} <= english_words({"x.md": english})["x.md"]
    assert english_words({"x.md": "La ligne <code>all: TM per day</code> [ligne 3](source.md#L3)"}) == {}
    assert english_words({"x.md": "R8 at most 1700.00€ in all allowed"})["x.md"] == {"at", "most", "in", "allowed"}


def test_compliance_counterexamples_in_french_by_hand(tmp_path):
    """Santé Mix Proximité N3, line 61 (dental prostheses, panier maîtrisé: 200% BRSS, cap
    1 400 € a year) without its fallback `then TM` (which the real contract
    has: with it the proof holds): the checker's counterexample is a
    5 000 € prosthesis on a 5 000 € base the claim sends; the Sécu pays
    60% = 3 000 €, the contract min(200% × 5 000 − 3 000, 1 400) = 1 400 €,
    4 400 € in all, under R1's floor of the whole base (5 000 €)."""
    source = (ROOT / "contracts" / "sante_mix_proximite.garant").read_text(encoding="utf-8")
    assert source.count(" shared protheses then TM") == 2
    path = tmp_path / "sante_mix_proximite.garant"
    path.write_text(source.replace(" shared protheses then TM", " shared protheses"), encoding="utf-8")
    units, _ = compile_paths([path])
    page = build_site(units).pages["products/sante-mix-proximite/conformite.md"]
    row = next(ln for ln in page.splitlines() if ln.startswith("| R1") and "| N3 |" in ln and "(source.md#L61)" in ln)
    assert "Prothèses dentaires — Panier à tarifs maîtrisés" in row
    assert f"| 5{NNBSP}000,00{NBSP}€ |" in row and f"| 4{NNBSP}400,00{NBSP}€ |" in row and f"au moins 5{NNBSP}000,00{NBSP}€" in row
    assert f"## Couverture{NNBSP}: quelle ligne décide chaque soin" in page
    assert "Renouvellements anticipés" in page


def test_plan_pages_stay_english():
    units, _ = compile_paths([ROOT / "contracts" / "acme_hmo.garant"])
    got = build_site(units)
    page = got.pages["products/acme-hmo-silver-2025/conformite.md"]
    assert page.startswith("# Acme HMO Silver 2025: compliance") and "conformité" not in page
    regime_page = got.pages["regimes/managed-care/index.md"]
    assert "## Benefit categories" in regime_page and "Régime" not in regime_page
    assert "- Primary care <code>primary&#95;care</code>" in regime_page


def test_regime_page_has_the_responsable_statements_with_their_history():
    """stdlib/secu.garant: R7's renewal from 2015-04-01 (two years from 16,
    one under 16), R3's ceiling at 225 % until 31 December 2016 then 200 %
    (décret 2017-736), R2's floor, and the network rule of the loi Le Roux,
    each with its reference and source line."""
    units, _ = compile_paths([ROOT / "stdlib" / "secu.garant"])
    page = build_site(units, include_stdlib_regimes=False).pages["regimes/secu/index.md"]
    secu = (ROOT / "stdlib" / "secu.garant").read_text(encoding="utf-8").splitlines()
    renewal = next(i + 1 for i, t in enumerate(secu) if t.startswith("renewal optique"))
    assert f"### R7{NNBSP}: Renouvellement de l'équipement d'optique {{ #renouvellement-l{renewal} }}" in page
    r7 = next(ln for ln in page.splitlines() if ln.startswith("| 1er avril 2015 | — | un équipement"))
    assert f"un équipement par période de 24 mois glissants à partir de 16 ans{NNBSP}; un équipement par période de 12 mois glissants avant 16 ans" in r7
    assert "CSS R871-2 3° dernier alinéa" in r7 and "sauf Optique — Lentilles de contact non remboursées" in page
    assert f"| 1er avril 2015 | 31 décembre 2016 | 225{NBSP}% de la base, Sécu incluse" in page
    assert f"| 1er janvier 2017 | — | 200{NBSP}% de la base, Sécu incluse" in page
    assert "| R2 | [Forfait journalier hospitalier, sans limitation de durée]" in page
    assert "| Soins courants — Honoraires médicaux | Loi n° 2014-57 du 27 janvier 2014 (loi Le Roux), CSS L863-8 |" in page


# -------------------------------------------------------------- glossary
def test_glossary_page_and_links_from_first_use(small):
    unit, _, _ = small
    got = build_site([unit])
    lexique = got.pages["glossaire.md"]
    for anchor in ("brss", "tm", "optam", "plv", "rac", "pf", "fr"):
        assert f"{{ #{anchor} }}" in lexique, anchor
    page = got.pages["products/petit/index.md"]
    # the tableau's intro names "Sécu incluse" and the participation
    # forfaitaire first: each links once to its entry, later uses do not
    assert page.count("](../../glossaire.md#secu-incluse)") == 1
    assert page.count("](../../glossaire.md#pf)") == 1
    assert page.count("](../../glossaire.md#optam)") == 1
    # later uses (the formulas, now in French) and headings are not linked
    assert f"200{NBSP}% BRSS (plafond responsable)" in page
    assert "# Petit\n" in page
    assert "glossaire.md" not in got.pages["products/petit/source.md"]


def test_glossary_links_skip_code_links_and_headings():
    from garant.compiler.docs.glossary import link_first_uses

    text = "# TM\n<code>TM</code> [le TM](x.md) `TM` puis le TM et le TM, OPTAM-CO, BRSS\n"
    got = link_first_uses(text, "g.md")
    assert got == "# TM\n<code>TM</code> [le TM](x.md) `TM` puis le [TM](g.md#tm) et le TM, [OPTAM-CO](g.md#optam), [BRSS](g.md#brss)\n"


def test_a_shared_renewal_window_is_said_once_per_line():
    """contracts/essentiel_2025.garant: the frame line (17) shares its
    renewal window `lunettes` with lines 18, 28-35 and 40."""
    units, _ = compile_paths([ROOT / "contracts" / "essentiel_2025.garant"])
    page = build_site(units).pages["products/essentiel-2025/index.md"]
    row = next(ln for ln in page.splitlines() if "(source.md#L17)" in ln)
    assert row.count("période commune avec") == 1
    assert f"période commune avec ligne 18, ligne 28, ligne 29, ligne 30, ligne 31, ligne 32, ligne 33, ligne 34, ligne 35, ligne 40{NNBSP}: un seul équipement pour toutes ces lignes" in row


def test_pages_never_print_the_machines_absolute_paths(bundled_site):
    """Sources compiled from absolute paths (as the mkdocs hook does) are
    shown relative to the repository: a published page names
    `contracts/essentiel_2025.garant`, not the build machine's folders."""
    got = bundled_site  # compiled from ROOT, an absolute path
    leaks = sorted(path for path, text in got.pages.items() if str(ROOT) in text)
    assert leaks == []
    assert "<code>contracts/essentiel&#95;2025.garant</code>" in got.pages["products/essentiel-2025/index.md"]


# ------------------------------------------------ shared worked figures
def test_a_tableau_shares_its_figures_work_and_says_the_same(example_list, monkeypatch):
    """`tableau.sections` explains every line at every level with one
    `figures.Figures` (combinations ranked once per line, the regime's
    refusals evaluated once per product): each explanation must be the one
    `explain` gives on its own, with nothing shared, and the sharing must
    save evaluations (a product with two levels, whose lines without a
    figure try the same refused acts at both)."""
    from garant.compiler.docs.levels import levels_of, views_of

    units, _ = compile_paths([str(ROOT / "contracts" / "collectif_entreprise.garant")])
    unit = units[0]
    contract, product = unit.contract, load_unit(unit)
    levels = levels_of(contract)
    assert len(levels) == 2
    counted = {"claims": 0}
    real = explain.evaluate

    def counting(product, claims, level=None):
        counted["claims"] += len(claims)
        return real(product, claims, level)

    monkeypatch.setattr(explain, "evaluate", counting)
    shared = tableau.sections(contract, {lv: product for lv in levels}, example_list)
    with_sharing, counted["claims"] = counted["claims"], 0
    views = views_of(contract)
    alone = {}
    for lv in levels:
        for line in views[lv].lines:
            alone[(lv, line.id)] = explain.explain(views[lv], line, product, lv, example_list)
    without = counted["claims"]
    rows = [row for section in shared for row in section.rows]
    compared = 0
    for row in rows:
        for lv, got in zip(levels, row.explanations):
            if got is not None:
                assert got == alone[(lv, row.line.id)], (lv, row.line.text)
                compared += 1
    assert compared == len(alone)
    no_figure = [lv for row in rows for lv, e in zip(levels, row.explanations) if e and (e.figure or "").startswith("Pas d'exemple chiffré")]
    assert set(no_figure) == set(levels)  # lines without a figure at both levels: the refusals shared
    assert with_sharing < without * 3 // 4, (with_sharing, without)


def test_the_refusals_shared_across_levels_come_before_any_contract_step():
    """`figures.Figures` evaluates a probe the regime refuses ("no rule /
    rate / base") once per product, not once per level: sound only while
    every step up to the one raising those refusals is the regime's, run
    before any step of the contract (whose lines the levels change)."""
    from garant.compiler.runtime.engine import Product
    from garant.compiler.runtime.steps import regime as regime_steps

    steps = Product.STEPS
    last = steps.index(regime_steps.regime_amo)
    assert steps.index(regime_steps.eligibility) < last
    assert all(step.__module__ == regime_steps.__name__ for step in steps[: last + 1]), [s.__name__ for s in steps[: last + 1]]
