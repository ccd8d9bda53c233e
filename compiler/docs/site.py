"""Checked units → the pages of the documentation site.

    products/<slug>/index.md        tableau de garanties, explained
    products/<slug>/exemples.md     the standard examples, with the chart
    products/<slug>/conformite.md   the compliance report
    products/<slug>/source.md       the source, one anchor per line
    regimes/<name>/index.md         parameter histories, act rules, ceilings
    regimes/<name>/source.md
    index.md                        what was documented

`build` returns the pages as a dict (relative path → text) so that the
`garant docs` command writes them to a folder and the mkdocs hook serves
them without writing anything.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Callable

import attrs

from garant.compiler.docs import chart, compliance, compliance_fr, french, glossary, regime as regime_pages, tableau
from garant.compiler.docs import examples as standard
from garant.compiler.docs.levels import levels_of
from garant.compiler.docs.render import render
from garant.compiler.docs.sources import SourceLinks


@attrs.define
class Site:
    pages: dict[str, str] = attrs.field(factory=dict)
    notes: list[str] = attrs.field(factory=list)  # files skipped, and why
    products: list[dict] = attrs.field(factory=list)
    regimes: list[dict] = attrs.field(factory=list)
    links: SourceLinks = attrs.field(factory=SourceLinks)
    # unit → its loaded evaluator, handed over by the driver
    # (`garant.compiler.driver.build_site`): the docs back end reads checked
    # models and evaluates examples, but never compiles anything itself.
    load: Callable = attrs.field(default=None)

    def render(self, template: str, unit, **context) -> str:
        """A page of `unit`'s folder; `src(n)` is the link to line n of its
        source, `shown` the source's name as the page prints it."""
        path = unit.source.path
        return render(template, src=lambda n: self.links.url(path, n), shown=self.shown(path), **context)

    def shown(self, path: str) -> str:
        """The source's path as a reader should see it: relative to the
        repository (or the working folder), or to the installed package for
        the bundled stdlib, never the machine's absolute path."""
        rel = self.links.relative(path)
        if rel is not None:
            return rel
        package = Path(__file__).resolve().parents[2]
        try:
            return Path(path).resolve().relative_to(package).as_posix()
        except ValueError:
            return Path(path).name

    def folder(self, kind: str, name: str) -> str:
        """A folder of its own for each product: two products of the same
        name (two versions side by side) get `-2`, `-3`…"""
        base = f"{kind}/{french.slug(name)}"
        taken = {p["folder"] for p in self.products} | {r["folder"] for r in self.regimes}
        folder, n = base, 1
        while folder in taken:
            n += 1
            folder = f"{base}-{n}"
        return folder


def build(units, *, load: Callable, example_list: standard.ExampleList | None = None, include_stdlib_regimes: bool = True,
          links: SourceLinks | None = None) -> Site:
    """`links`: where a documented line links (sources.py); by default the
    generated source page of its product. `load`: unit → evaluator, from the
    driver.

    The cyclic garbage collector is paused meanwhile (as the evaluator
    pauses it, `Product.evaluate`): the pages are made of short-lived
    tuples and strings with no cycle among them, and with the checked
    models alive its passes took a fifth of the docs' time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(units, load, example_list, include_stdlib_regimes, links)
    finally:
        if enabled:
            gc.enable()


def _build(units, load: Callable, example_list: standard.ExampleList | None, include_stdlib_regimes: bool, links: SourceLinks | None) -> Site:
    from garant.dsl.pipeline import load_regimes

    example_list = example_list or standard.load()
    site = Site(links=links or SourceLinks(), load=load)
    regimes_done: set[str] = set()
    for unit in units:
        if unit.regime is not None:
            _regime(site, unit)
            regimes_done.add(unit.regime.name)
        elif unit.contract is not None:
            _product(site, unit, example_list)
        elif getattr(unit, "plan", None) is not None:
            _plan(site, unit)
        else:
            site.notes.append(f"{unit.source.path}: skipped: not a contract, a plan or a regime")
    if include_stdlib_regimes:
        _, stdlib_units = load_regimes()
        for unit in stdlib_units:
            used = any(p["regime"] == unit.regime.name for p in site.products) if unit.regime else False
            if unit.regime is not None and unit.regime.name not in regimes_done and used:
                _regime(site, unit)
                regimes_done.add(unit.regime.name)
    site.pages["index.md"] = render("index.md.j2", products=site.products, regimes=site.regimes, notes=site.notes)
    site.pages["glossaire.md"] = render("glossary.md.j2", entries=glossary.ENTRIES)
    _link_glossary(site)
    _mark_french(site)
    return site


def _french_pages(site: Site) -> list[str]:
    """The Markdown pages written in French: all but a US plan's and its
    regime's."""
    english = {p["folder"] for p in site.products if p.get("kind")} | {r["folder"] for r in site.regimes if r.get("english")}
    return [path for path in site.pages if path.endswith(".md") and (path.rsplit("/", 1)[0] if "/" in path else "") not in english]


def _link_glossary(site: Site) -> None:
    """On every French page, the first use of each term links to the
    glossary (plans and their regime are in English: left alone)."""
    for path in _french_pages(site):
        if path.endswith("/source.md") or path == "glossaire.md":
            continue
        up = "../" * path.count("/")
        site.pages[path] = glossary.link_first_uses(site.pages[path], f"{up}glossaire.md")


def _mark_french(site: Site) -> None:
    """`language: fr` in each French page's front matter: the theme override
    (compiler/docs/theme) then gives the page a French interface — its table
    of contents, search box and `lang` attribute — on a site whose own
    pages are in English."""
    for path in _french_pages(site):
        text = site.pages[path] if path.endswith("/source.md") else french.typeset_markdown(site.pages[path])
        if text.startswith("---\n"):
            site.pages[path] = "---\nlanguage: fr\n" + text[len("---\n"):]
        else:
            site.pages[path] = "---\nlanguage: fr\n---\n\n" + text


def _source_page(site: Site, unit, title: str) -> str:
    lines = unit.source.text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    hosted = site.links.url(unit.source.path, 1)
    return render("source.md.j2", title=title, path=unit.source.path, shown=site.shown(unit.source.path), hosted=None if hosted.startswith("source.md") else hosted, lines=[(i + 1, text.rstrip("\r")) for i, text in enumerate(lines)])


def _regime(site: Site, unit) -> None:
    reg = unit.regime
    folder = site.folder("regimes", reg.name)
    params = [regime_pages.history(p) for p in reg.params.values()]
    if reg.currency == "USD":  # the regime of US plans: in English, as they are
        site.pages[f"{folder}/index.md"] = site.render("regime_en.md.j2", unit, regime=reg, path=unit.source.path, params=params, nodes=list(reg.nodes.values()))
        site.pages[f"{folder}/source.md"] = _source_page(site, unit, reg.title or reg.name)
        site.regimes.append({"name": reg.name, "title": reg.title, "folder": folder, "english": True})
        return
    site.pages[f"{folder}/index.md"] = site.render(
        "regime.md.j2",
        unit,
        regime=reg,
        path=unit.source.path,
        params=params,
        acts=regime_pages.act_rules(reg),
        nodes=list(reg.nodes.values()),
        statements=regime_pages.statements(reg),
        bans=regime_pages.network_bans(reg),
    )
    site.pages[f"{folder}/source.md"] = _source_page(site, unit, reg.title or reg.name)
    site.regimes.append({"name": reg.name, "title": reg.title, "folder": folder, "english": False})


def _common_pages(site: Site, unit, product, kind: str | None):
    """What every product has (an entry in the index, the compliance report,
    the source); (folder, report), or None when the product has errors and
    gets nothing more."""
    folder = site.folder("products", product.name)
    report = compliance.report(unit)
    responsable = bool(getattr(product, "responsable", False))
    site.products.append({"name": product.name, "folder": folder, "regime": product.regime.name, "responsable": responsable, "errors": report.errors, "path": unit.source.path, "shown": site.shown(unit.source.path), "kind": kind})
    if kind:  # a US plan: its pages are in English
        site.pages[f"{folder}/conformite.md"] = site.render("compliance_en.md.j2", unit, contract=product, report=report, path=unit.source.path)
    else:
        site.pages[f"{folder}/conformite.md"] = site.render(
            "compliance.md.j2", unit, contract=product, report=report, path=unit.source.path,
            levels=len(levels_of(product)) > 1 if unit.ok else False,
            titles=compliance_fr.DIAGNOSTIC_TITLES, severities=compliance_fr.SEVERITIES, renewal_note=compliance_fr.renewal_note(product),
        )
    site.pages[f"{folder}/source.md"] = _source_page(site, unit, product.name)
    if not unit.ok:
        site.pages[f"{folder}/index.md"] = site.render("product_errors.md.j2", unit, contract=product, report=report)
        site.notes.append(f"{unit.source.path}: {report.errors} error{'s' if report.errors != 1 else ''}: only the compliance report and the source are documented")
        return None
    return folder, report


def _plan(site: Site, unit) -> None:
    from garant.compiler.docs import plan as plan_pages

    plan = unit.plan
    common = _common_pages(site, unit, plan, plan.kind)
    if common is None:
        return
    folder, report = common
    results, error = plan_pages.coverage_examples(site.load(unit))
    site.pages[f"{folder}/index.md"] = site.render(
        "plan.md.j2",
        unit,
        plan=plan,
        path=unit.source.path,
        terms=plan_pages.terms(plan),
        benefits=plan_pages.benefits(plan),
        examples=results,
        examples_error=error,
        report=report,
        usd=plan_pages.usd,
    )


def _product(site: Site, unit, example_list: standard.ExampleList) -> None:
    contract = unit.contract
    regime_folder = f"regimes/{french.slug(contract.regime.name)}"
    common = _common_pages(site, unit, contract, None)
    if common is None:
        return
    folder, report = common
    levels = levels_of(contract)
    product = site.load(unit)  # one evaluator; the level is chosen per evaluation
    products = {lv: product for lv in levels}
    computed = {lv: standard.compute(products[lv], example_list, lv) for lv in levels}
    computable_ids = {c.example.id for c in computed[levels[0]] if c.computed}
    usable = attrs.evolve(example_list, examples=tuple(e for e in example_list.examples if e.id in computable_ids))
    sections = tableau.sections(contract, products, usable)
    charts = []
    for lv in levels:
        for family, drawn in chart.families(chart.series(products[lv], example_list, computed[lv], lv)).items():
            title = chart.family_title(family)
            svg = chart.svg(drawn, title + (f" — {lv}" if lv else ""))
            if svg is not None:
                name = f"rac-{french.slug(family)}{'-' + french.slug(lv) if lv else ''}.svg"
                site.pages[f"{folder}/{name}"] = svg
                charts.append({"level": lv, "file": name, "title": title})
    date = standard.product_date(products[levels[0]], example_list.reference_date)
    site.pages[f"{folder}/index.md"] = site.render(
        "product.md.j2",
        unit,
        contract=contract,
        path=unit.source.path,
        levels=levels,
        sections=sections,
        report=report,
        regime_link=f"../../{regime_folder}/index.md",
    )
    rows = []
    for i, example in enumerate(example_list.examples):
        per_level = [computed[lv][i] for lv in levels]
        rows.append({"example": example, "results": per_level, "first": per_level[0]})
    site.pages[f"{folder}/exemples.md"] = site.render(
        "examples.md.j2",
        unit,
        contract=contract,
        levels=levels,
        rows=rows,
        headings=french.HEADINGS,
        heading_titles=french.HEADING_TITLES,
        charts=charts,
        date=date,
        source=example_list.source,
        path=unit.source.path,
    )
