"""What compliance officers and members read on the generated pages
(issue 19, items 1-4): public sources only, the "no base" sentence only
where true, small readable charts, French throughout."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from garant.compiler.docs import chart, explain, french
from garant.compiler.docs.render import en_count, fr_count
from garant.compiler.runtime.decompte import Rejection

ROOT = Path(__file__).resolve().parent.parent
NBSP, NNBSP = "\u00a0", "\u202f"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def built(bundled_site):
    return bundled_site  # conftest: one build per session


def _prose_pages(built):
    """The pages people read, not the listings of the sources."""
    return {p: t for p, t in built.pages.items() if p.endswith(".md") and not p.endswith("/source.md")}


# ---------------------------------------------------- 1. public sources
def test_pages_cite_public_sources_not_repository_files(built):
    leaks = re.compile(r"shared/|domain/|EXAMPLES\.md|SECU\.md|RESPONSABLE\.md|\bseeds?\b|\d{3}_[0-9a-f]{16}", re.IGNORECASE)
    found = {p: sorted(set(leaks.findall(t))) for p, t in _prose_pages(built).items() if leaks.search(t)}
    assert found == {}


def test_the_examples_page_names_the_insurers_sheets(built):
    text = built.pages["products/essentiel-2025/exemples.md"]
    assert "APRIL Santé Mix Proximité (exemples de remboursement, 03/2025)" in text
    assert "ameli.fr" in text  # the two examples Garant adds cite the Assurance Maladie's tariffs


# ------------------------------------ 2. "no base" only where it is so
def test_the_no_base_sentence_only_when_every_act_lacks_its_base():
    no_base = Rejection("p0", "the regime has no base for `optique verres` with classe_optique (none): send the claim's `base`")
    other = Rejection("p1", "`quantity` 0 is not a plausible number")
    assert "ne donne pas encore la base" in explain.no_figure([no_base, no_base])
    assert "ne donne pas encore la base" not in explain.no_figure([no_base, other])
    assert "ne donne pas encore la base" not in explain.no_figure([])


def _bullets(text: str, line: int) -> list[str]:
    """The per-level bullets under the tableau line `line` of a multi-level page."""
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("- **") and f"(source.md#L{line})" in ln)
    out = []
    for ln in lines[start + 1:]:
        if not ln.startswith("    - "):
            break
        out.append(ln)
    return out


def test_sante_mix_consultation_line_has_its_worked_figure(built):
    """Line 49 (`consultation: 100% | … BRSS cap`): the regime gives the GP's
    30 € base (NGAP G, from 2024-12-22); the insurer's own example S1
    computes with it. At N1, 100 % BRSS: Sécu 30 × 70 % − 2 € = 19 €, the
    contract 30 − 21 = 9 €, 2 € (the participation forfaitaire) left."""
    bullets = _bullets(built.pages["products/sante-mix-proximite/index.md"], 49)
    assert len(bullets) == 6
    assert not any("ne donne pas encore la base" in b for b in bullets)
    assert f"facturé 30,00{NBSP}€, base 30,00{NBSP}€{NNBSP}: Sécu 19,00{NBSP}€, contrat 9,00{NBSP}€" in bullets[0]


def test_class_b_equipment_lines_use_the_regimes_base(built):
    """Lines 69-71, class B equipment: the regime states its base, 0.15 €
    (3 × 0.05 €, stdlib/secu.garant `base_optique_classe_b_equipement`)."""
    text = built.pages["products/sante-mix-proximite/index.md"]
    for line in (69, 70, 71):
        bullets = _bullets(text, line)
        assert not any("ne donne pas encore la base" in b for b in bullets), line
        assert all(f"base 0,15{NBSP}€" in b for b in bullets), line


# --------------------------------------------------------------- 3. charts
def _text_boxes(root, width_per_char: float = 6.4):
    """(x0, y0, x1, y1) of every line of text, from its anchor and length
    (sans-serif at 11-12 px: at most ~6.4 px a character)."""
    boxes = []
    for t in root.iter(f"{SVG}text"):
        size = float(t.get("font-size", root.get("font-size", "11")))
        parts = list(t.iter(f"{SVG}tspan")) or [t]
        y = float(t.get("y"))
        for part in parts:
            y += float(part.get("dy", "0")) if part is not t else 0
            content = "".join(part.itertext()).strip()
            if not content:
                continue
            x = float(part.get("x", t.get("x")))
            w = len(content) * width_per_char * size / 11
            anchor = t.get("text-anchor", "start")
            x0 = x - w if anchor == "end" else x - w / 2 if anchor == "middle" else x
            middle = t.get("dominant-baseline") == "middle"
            y0, y1 = (y - size / 2, y + size / 2) if middle else (y - size * 0.8, y + size * 0.2)
            boxes.append((x0, y0, x0 + w, y1, content, t.get("class")))
    return boxes


def _charts(built):
    return {p: ET.fromstring(t) for p, t in built.pages.items() if p.endswith(".svg")}


def test_every_text_of_every_chart_is_inside_its_viewbox(built):
    charts = _charts(built)
    assert len(charts) >= 3
    for path, root in charts.items():
        _, _, width, height = (float(v) for v in root.get("viewBox").split())
        for x0, y0, x1, y1, content, _ in _text_boxes(root):
            assert x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height, (path, content, (x0, y0, x1, y1))


def test_each_chart_has_distinct_colour_blind_safe_colours_and_a_label_per_line(built):
    for path, root in _charts(built).items():
        lines = list(root.iter(f"{SVG}polyline"))
        colours = [ln.get("stroke") for ln in lines]
        assert len(set(colours)) == len(colours), path
        assert set(colours) <= set(chart.OKABE_ITO), path
        labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
        assert len(labels) == len(lines), path
        assert [t.get("fill") for t in labels] == colours, path  # each label in its line's colour


def test_no_two_labels_overlap(built):
    for path, root in _charts(built).items():
        boxes = [b for b in _text_boxes(root) if b[5] == "label"]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                overlap = a[0] < b[2] and b[0] < a[2] and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5
                assert not overlap, (path, a[4], b[4])


def test_one_small_chart_per_act_family(built):
    names = sorted(p.rsplit("/", 1)[1] for p in built.pages if p.startswith("products/essentiel-2025/") and p.endswith(".svg"))
    assert names == ["rac-generaliste.svg", "rac-pediatre.svg", "rac-specialiste.svg"]
    root = ET.fromstring(built.pages["products/essentiel-2025/rac-generaliste.svg"])
    labels = ["".join(t.itertext()).split() for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert [" ".join(w) for w in labels] == ["secteur 1", "secteur 2, OPTAM", "secteur 2, hors OPTAM"]
    assert float(root.get("width")) <= 400


def test_label_stacking_keeps_labels_apart_and_inside():
    placed = chart._stack([100.0, 101.0, 102.0, 240.0], [13, 26, 13, 13], 10, 246)
    order = sorted(range(4), key=lambda i: placed[i])
    for a, b in zip(order, order[1:]):
        assert placed[b] - placed[a] >= [13, 26, 13, 13][a] - 0.001
    assert min(placed) >= 10 and max(placed) <= 246


def test_identical_curves_are_one_line_named_after_both():
    a = chart.Series("secteur 1", "#0072B2", ((100, 0), (200, 100)), "generaliste", ("S1",))
    b = chart.Series("secteur 2, OPTAM", "#D55E00", ((100, 0), (200, 100)), "generaliste", ("G1",))
    (merged,) = chart.families([a, b])["generaliste"]
    assert merged.label == "secteur 1 = secteur 2, OPTAM" and merged.ids == ("S1", "G1")


# --------------------------------------------------------------- 4. French
def test_counts_agree_in_french_and_english():
    assert fr_count(3, "avertissement", "avertissements") == "3 avertissements"
    assert fr_count(1, "avertissement", "avertissements") == "1 avertissement"
    assert fr_count(0, "erreur", "erreurs", "aucune erreur") == "aucune erreur"
    assert en_count(1, "warning", "warnings") == "1 warning" and en_count(2, "warning", "warnings") == "2 warnings"


def test_no_page_writes_a_plural_with_parentheses_or_an_empty_header(built):
    for path, text in _prose_pages(built).items():
        assert not re.search(r"\w\(s\)", text), path
        assert not re.search(r"^\|( \|)+\n\|(-+\|)+", text, re.MULTILINE), path  # a header row of empty cells


def test_product_page_counts_its_warnings_in_words(built):
    text = built.pages["products/essentiel-2025/index.md"]
    assert re.search(r"aucune erreur, (1 avertissement|\d+ avertissements)\]", text)


def test_formulas_and_limits_in_french_on_french_pages(built):
    text = built.pages["products/essentiel-2025/index.md"]
    row = next(ln for ln in text.splitlines() if ln.startswith("| **Chambre particulière**"))
    # contracts/essentiel_2025.garant: `50€ per day, max 30 days per calendar year`
    assert f"| 50{NBSP}€ par jour{NNBSP}; 30 jours au plus par année civile |" in row
    for english in ("per day", "max ", "calendar", "rolling", "once", "shared"):
        assert english not in row


def test_short_formulas_by_kind():
    assert french.euros_short(5000) == f"50{NBSP}€" and french.euros_short(2650) == f"26,50{NBSP}€"


def test_french_typography_before_high_punctuation():
    assert french.typeset("Exemple : Sécu 19 € ; contrat 9 € ! Pourquoi ?") == f"Exemple{NNBSP}: Sécu 19 €{NNBSP}; contrat 9 €{NNBSP}! Pourquoi{NNBSP}?"
    assert french.typeset("Conformité: aucune") == f"Conformité{NNBSP}: aucune"
    page = "---\nlanguage: fr\n---\n\nVoir : <code>a: b</code> [x](https://e.org/a:b) et https://e.org/?q=1 !!! note\n!!! note \"Titre\"\n"
    out = french.typeset_markdown(page)
    assert out.startswith("---\nlanguage: fr\n---\n")
    assert f"Voir{NNBSP}:" in out and "<code>a: b</code>" in out and "(https://e.org/a:b)" in out
    assert '\n!!! note "Titre"\n' in out
    assert french.typeset_markdown("Mutuelle &#42;Test&#42; &#124; Exemple : oui") == f"Mutuelle &#42;Test&#42; &#124; Exemple{NNBSP}: oui"  # entities stay whole


def test_french_pages_have_no_plain_space_before_high_punctuation(built):
    english = {p["folder"] for p in built.products if p.get("kind")} | {r["folder"] for r in built.regimes if r.get("english")}
    for path, text in _prose_pages(built).items():
        if any(path.startswith(f + "/") for f in english):
            continue
        body = re.sub(r"<code>.*?</code>|`[^`]*`|\]\([^)]*\)|\{[^}]*\}|https?://\S+|<[^>]+>", "", text.split("---\n", 2)[-1])
        bad = [ln for ln in body.splitlines() if re.search(r"[ \u00a0][:;?!](\s|$)", ln) and not ln.lstrip().startswith(("!!!", "???"))]
        assert bad == [], (path, bad[:3])


def test_a_worked_figure_says_what_the_patient_keeps_by_law(built):
    """Confort Plus line 13, secteur 1 hors parcours: the Sécu pays
    30 % × 30 € − 2 € = 7 €, the contract 30 − 9 = 21 €; the 2 € left are
    the participation forfaitaire, which the line now says."""
    text = built.pages["products/confort-plus/index.md"]
    row = next(ln for ln in text.splitlines() if "(source.md#L13)" in ln and ln.startswith("| **"))
    assert f"Sécu 7,00{NBSP}€, contrat 21,00{NBSP}€, reste à charge 2,00{NBSP}€, dont participation forfaitaire de 2,00{NBSP}€" in row


def test_navigation_follows_the_pages_language(built):
    from garant.compiler import mkdocs_hook

    nav = mkdocs_hook._section(built, "generated")
    titles = {}
    for item in nav:
        for name, pages in item.items():
            if isinstance(pages, list):
                titles[name] = [next(iter(p)) for p in pages if isinstance(p, dict)]
    assert titles["Essentiel 2025"] == ["Tableau de garanties", "Exemples de remboursement", "Conformité", "Source"]
    plan = next(p["name"] for p in built.products if p.get("kind"))
    assert "Compliance" in titles[plan] and "Conformité" not in titles[plan]


# --------------------------------------- the tool's own docs (issue 18.9)
def test_the_regime_page_lists_every_act_and_dimension_of_secu():
    from garant.dsl.pipeline import load_regimes

    _, units = load_regimes()
    reg = next(u.regime for u in units if u.regime is not None and u.regime.name == "secu")
    tree = ["  " * (n.depth - 1) + n.name + (f"   (alias {', '.join(n.aliases)})" if n.aliases else "") for n in reg.nodes.values()]
    text = (ROOT / "docs" / "regime.md").read_text(encoding="utf-8")
    block = text.split("### The act taxonomy of `secu` { #the-act-taxonomy-of-secu }\n\n```text\n", 1)[1].split("```", 1)[0]
    assert block.rstrip("\n").split("\n") == tree
    for dim in reg.dims:
        for value in dim.values:
            assert f"`{value}`" in text, value


def test_the_docs_no_longer_say_levels_plans_or_compliance_are_missing():
    for name in ("language.md", "decompte.md", "cli.md", "index.md"):
        text = (ROOT / "docs" / name).read_text(encoding="utf-8")
        for stale in ("Plans are not implemented", "Not implemented yet", "None of this is implemented", "declares no levels\".\n"):
            assert stale not in text, (name, stale)


def test_solidaire_is_documented():
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    assert "| `solidaire` |" in text and "R9" in text
