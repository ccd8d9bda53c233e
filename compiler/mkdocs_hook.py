"""mkdocs hook: the generated pages, built fresh at every `mkdocs build`.

Listed under `hooks:` in mkdocs.yml. It runs the same back end as `garant
docs` on the sources named in `extra.garant.paths` (default: stdlib and
contracts, relative to mkdocs.yml) and serves the pages under
`extra.garant.dir` (default `generated/`) without writing them into
`docs/`: nothing generated is committed, so nothing goes stale. The nav
entry whose page is `<dir>/index.md` becomes a section with every product
and regime. A source with errors is a warning, so `mkdocs build --strict`
fails on it.

Each documented line links to its file and line on the hosting site:
`extra.garant.source_url` (a template with {path} and {line}), else
`repo_url` (set it in mkdocs.yml, or through GARANT_REPO_URL), else the
git remote (which then also becomes `repo_url`); with none of them, to
the generated source pages.
"""

from __future__ import annotations

import html
import logging
import os
from pathlib import Path

log = logging.getLogger("mkdocs.hooks.garant")

_SITE: dict = {}


def _settings(config) -> tuple[list[str], str]:
    extra = (config.extra or {}).get("garant", {}) or {}
    return list(extra.get("paths", ["stdlib", "contracts"])), str(extra.get("dir", "generated")).strip("/")


def _links(config, root: Path):
    from garant.compiler.docs import sources

    extra = (config.extra or {}).get("garant", {}) or {}
    template = extra.get("source_url")
    if template:
        why = sources.check_template(str(template))
        if why:
            log.warning(f"extra.garant.source_url: {why}")
        return sources.SourceLinks(str(template), root)
    if config.repo_url:
        links = sources.from_repo_url(config.repo_url, root, config.edit_uri)
        if links.template is None:
            log.info(f"repo_url {config.repo_url}: unknown host, lines link to the generated source pages (set extra.garant.source_url)")
        return links
    repo, links = sources.from_git(root)
    if repo is not None:
        config.repo_url = repo
    return links


def _generate(config):
    from garant.compiler.driver import build_site as build, one_build
    from garant.dsl.pipeline import compile_paths

    paths, _ = _settings(config)
    root = Path(config.config_file_path).resolve().parent
    links = _links(config, root)
    here = os.getcwd()
    os.chdir(root)  # so that sources are named relative to the project, on every machine
    try:
        with one_build():  # the check's proofs, read again by the compliance pages
            units, problems = compile_paths(paths)
            for d in problems:
                log.warning(d.render())
            for unit in units:
                for d in unit.diagnostics:
                    if d.is_error:
                        log.warning(d.render(unit.source))
            return build(units, links=links)
    finally:
        os.chdir(here)


def _title(text) -> str:
    """A nav title from a source (a product's name, a regime's title):
    themes paste nav titles into every page's HTML unescaped, so a name
    written with markup would be live on the whole site. Escaped here, it
    is shown as the text it is."""
    return html.escape(str(text), quote=True)


def _section(site, prefix: str) -> list:
    products = []
    for p in site.products:
        first = "Benefits and coverage examples" if p.get("kind") else "Tableau de garanties"
        pages = [{first: f"{prefix}/{p['folder']}/index.md"}]
        if f"{p['folder']}/exemples.md" in site.pages:
            pages.append({"Exemples de remboursement": f"{prefix}/{p['folder']}/exemples.md"})
        pages.append({("Compliance" if p.get("kind") else "Conformité"): f"{prefix}/{p['folder']}/conformite.md"})  # the page's language
        pages.append({"Source": f"{prefix}/{p['folder']}/source.md"})
        products.append({_title(p["name"]): pages})
    regimes = [
        {_title(r["title"] or r["name"]): [{("Benefit categories" if r.get("english") else "Paramètres et règles"): f"{prefix}/{r['folder']}/index.md"}, {"Source": f"{prefix}/{r['folder']}/source.md"}]}
        for r in site.regimes
    ]
    section = [{"Vue d'ensemble": f"{prefix}/index.md"}, {"Lexique": f"{prefix}/glossaire.md"}, *products]
    if regimes:
        section.append({"Régimes": regimes})
    return section


def _replace(nav, target: str, section: list) -> bool:
    if not isinstance(nav, list):
        return False
    for i, item in enumerate(nav):
        if isinstance(item, dict):
            for title, value in item.items():
                if value == target:
                    nav[i] = {title: section}
                    return True
                if _replace(value, target, section):
                    return True
    return False


def on_config(config):
    _, prefix = _settings(config)
    site = _generate(config)
    _SITE["site"] = site
    if config.nav is not None:
        _replace(config.nav, f"{prefix}/index.md", _section(site, prefix))
    return config


def on_files(files, config):
    from mkdocs.structure.files import File

    _, prefix = _settings(config)
    site = _SITE.get("site")
    if site is None:
        return files
    for rel, text in sorted(site.pages.items()):
        files.append(File.generated(config, f"{prefix}/{rel}", content=text))
    return files
