"""Hostile file names and product names (issue 14, items 1 and 2).

A contract reaches Garant from a pull request: its *file name* and the
names written in it are an attacker's as much as its text. A file name
with a newline and Python after it must never run that Python (generated
modules paste `file:line` into comments); a product named with HTML must
never be live markup in the documentation site (nav titles, page titles,
headings).
"""

from __future__ import annotations

import html.parser
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from garant.cli import app

ROOT = Path(__file__).resolve().parent.parent
ESSENTIEL = ROOT / "contracts" / "essentiel_2025.garant"
PPO = ROOT / "contracts" / "acme_ppo.garant"
CLAIMS = ROOT / "examples" / "claims.json"

# A file name that, pasted raw after `# ` inside a generated function,
# becomes an indented statement of that function: it runs on every
# evaluation of the line. `open("PWNED", "w")` leaves a file behind.
PAYLOAD_NAME = 'x\n    open("PWNED", "w")  #.garant'
# The same at module level (comments outside functions).
PAYLOAD_TOP = 'y\nopen("PWNED", "w")  #.garant'


def _copy(src: Path, folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copyfile(src, target)
    return target


@pytest.fixture
def in_tmp(tmp_path):
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(here)


@pytest.mark.parametrize("name", [PAYLOAD_NAME, PAYLOAD_TOP, "z\r    open('PWNED', 'w')  #.garant"])
@pytest.mark.parametrize("source", [ESSENTIEL, PPO], ids=["contract", "plan"])
def test_no_code_runs_from_a_file_name_on_eval(in_tmp, name, source):
    path = _copy(source, in_tmp, name)
    claims = CLAIMS if source == ESSENTIEL else ROOT / "examples" / "plan_claims.json"
    result = CliRunner().invoke(app, ["eval", str(path), "--claim", str(claims), "--format", "json"])
    assert not (in_tmp / "PWNED").exists(), "Python from the file name ran"
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_no_code_runs_from_a_file_name_on_build_and_import(in_tmp):
    path = _copy(ESSENTIEL, in_tmp, PAYLOAD_NAME)
    result = CliRunner().invoke(app, ["build", str(path), "-o", str(in_tmp / "out"), "--no-docs"])
    assert result.exit_code == 0, result.output
    # the product's module (beside it, the module of its regime, which it imports)
    module = next(p for p in (in_tmp / "out").glob("*.py") if not p.name.startswith("garant_regime_"))
    text = module.read_text(encoding="utf-8")
    # the name is in the module only inside string literals and comments:
    # no call of `open` anywhere in its syntax tree
    import ast

    calls = [n.func.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "open" not in calls
    done = subprocess.run([sys.executable, "-c", f"import runpy, sys; sys.path.insert(0, {str(module.parent)!r}); m = runpy.run_path({str(module)!r}); "
                           "from garant.compiler.runtime.claims import *; "
                           "print(len(m['PRODUCT'].evaluate([{'id': 'c', 'date': '2025-03-01', 'act': 'pharmacie', 'price': '10.00', 'base': '10.00', 'amo_rate': 65}])))"],
                          capture_output=True, text=True, cwd=in_tmp)
    assert done.returncode == 0, done.stderr
    assert not (in_tmp / "PWNED").exists(), "Python from the file name ran"


def test_no_code_runs_from_a_file_name_on_run(in_tmp):
    path = _copy(ESSENTIEL, in_tmp, PAYLOAD_NAME)
    claims = in_tmp / "claims.csv"
    claims.write_text("id,date,act,price,base,amo_rate\nc1,2025-03-01,pharmacie,10.00,10.00,65\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["run", str(path), str(claims), "-o", str(in_tmp / "out.csv"), "--no-progress", "--evaluator", "scalar"])
    assert result.exit_code == 0, result.output
    assert not (in_tmp / "PWNED").exists(), "Python from the file name ran"


def test_file_name_in_a_rule_field_is_one_printable_line(in_tmp):
    path = _copy(ESSENTIEL, in_tmp, PAYLOAD_NAME)
    result = CliRunner().invoke(app, ["eval", str(path), "--claim", str(CLAIMS), "--format", "json"])
    import json

    rules = [d["rule"] for d in json.loads(result.stdout) if d.get("rule")]
    assert rules and all("\n" not in r and "/x\\u000a    open(" in r for r in rules)


# ----------------------------------------------------------------- HTML
HOSTILE = '<img src=x onerror=alert(1)><script>alert(2)</script>'


class _Tags(html.parser.HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _live_markup(page: str) -> list[str]:
    """Tags that came from a source: an <img> whose src is `x`, an
    onerror handler, or a <script> whose text is the payload."""
    parser = _Tags()
    parser.feed(page)
    found = [f"<{t} {a}>" for t, a in parser.tags if a.get("src") == "x" or "onerror" in a]
    if "<script>alert(2)</script>" in page:
        found.append("<script>alert(2)</script>")
    return found


def _hostile_contract(folder: Path) -> Path:
    text = ESSENTIEL.read_text(encoding="utf-8")
    text = text.replace('contract "Essentiel 2025"', f'contract "{HOSTILE}"').replace('insurer "Mutuelle Exemple"', f'insurer "{HOSTILE}"')
    assert HOSTILE in text
    path = folder / "hostile.garant"
    path.write_text(text, encoding="utf-8")
    return path


def test_mkdocs_site_has_no_markup_from_a_source(tmp_path):
    """A site with a product named with live HTML, built by mkdocs with
    the hook: no page has a tag that came from the source."""
    pytest.importorskip("mkdocs")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n", encoding="utf-8")
    (docs / "generated").mkdir()
    _hostile_contract(tmp_path)
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Hostile\n"
        "docs_dir: docs\n"
        "theme:\n  name: material\n"
        f"hooks:\n  - {ROOT / 'compiler' / 'mkdocs_hook.py'}\n"
        f"extra:\n  garant:\n    paths: [{ROOT / 'stdlib'}, hostile.garant]\n"
        "nav:\n  - Home: index.md\n  - Produits: generated/index.md\n",
        encoding="utf-8",
    )
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env.pop("GARANT_REPO_URL", None)
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-f", str(tmp_path / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    pages = list((tmp_path / "site").rglob("*.html"))
    assert len(pages) > 3
    live = {str(p.relative_to(tmp_path)): _live_markup(p.read_text(encoding="utf-8")) for p in pages}
    live = {k: v for k, v in live.items() if v}
    assert not live, live
    # and the name is still there, as text
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in index and "&amp;lt;img" not in index


def test_nav_section_titles_are_escaped():
    from garant.compiler import mkdocs_hook
    from garant.compiler.driver import build_site
    from garant.dsl.pipeline import compile_text

    unit = compile_text(_hostile_text(), "hostile.garant")
    got = build_site([unit])
    section = mkdocs_hook._section(got, "generated")
    titles = _titles(section)
    assert titles and not any("<" in t for t in titles), titles
    assert any("&lt;img src=x onerror=alert(1)&gt;" in t for t in titles)


def _hostile_text() -> str:
    return ESSENTIEL.read_text(encoding="utf-8").replace('contract "Essentiel 2025"', f'contract "{HOSTILE}"')


def _titles(nav) -> list[str]:
    out = []
    if isinstance(nav, list):
        for item in nav:
            out.extend(_titles(item))
    elif isinstance(nav, dict):
        for title, value in nav.items():
            out.append(title)
            out.extend(_titles(value))
    return out


def test_garant_docs_pages_have_no_markup_from_a_file_name(tmp_path):
    """`garant docs` on a file whose *name* is markup: the Markdown pages
    carry it as text only (mkdocs passes raw HTML in Markdown through)."""
    folder = tmp_path / "src"
    folder.mkdir()
    _copy(ESSENTIEL, folder, "<img src=x onerror=alert(1)>.garant")
    here = os.getcwd()
    os.chdir(folder)
    try:
        result = CliRunner().invoke(app, ["docs", "<img src=x onerror=alert(1)>.garant", "-o", str(tmp_path / "out")])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    import markdown

    for page in (tmp_path / "out").rglob("*.md"):
        rendered = markdown.markdown(page.read_text(encoding="utf-8"), extensions=["tables", "attr_list"])
        assert not _live_markup(rendered), page
