"""The Jinja2 environment of the documentation back end.

Pages are Markdown for mkdocs-material, written from templates under
`templates/`. Every text that comes from a source file (titles, selectors,
formulas, references) enters a page through the `md` filter (prose) or the
`code` filter (inline code): both escape HTML and every character Markdown
would interpret, table pipes included, so a contract can neither break a
table nor inject markup. Output is deterministic: same sources, same bytes.
"""

from __future__ import annotations

import html
from importlib import resources

import jinja2

from garant.compiler.docs import french

_MARKDOWN_SPECIALS = {c: f"&#{ord(c)};" for c in "\\`*_{}[]|<>~"}


def md(value) -> str:
    """Text safe anywhere in Markdown, table cells included."""
    text = html.escape(str(value), quote=False)
    text = text.replace("&lt;", "\x00lt").replace("&gt;", "\x00gt").replace("&amp;", "\x00amp")
    text = "".join(_MARKDOWN_SPECIALS.get(ch, ch) for ch in text)
    text = text.replace("\x00lt", "&lt;").replace("\x00gt", "&gt;").replace("\x00amp", "&amp;")
    return " ".join(text.split("\n"))


def code(value) -> str:
    """Inline code safe in a table cell; leading spaces kept (indentation)."""
    text = str(value)
    stripped = text.lstrip(" ")
    pad = "&nbsp;" * (len(text) - len(stripped))
    return f"<code>{pad}{md(stripped)}</code>" if text.strip() else ""


def fr_count(n: int, one: str, many: str, none: str | None = None) -> str:
    """`3 avertissements`, `1 avertissement`, `aucun avertissement` (French: 0 and 1 take the singular)."""
    if n == 0 and none is not None:
        return none
    return f"{n} {one if n < 2 else many}"


def en_count(n: int, one: str, many: str, none: str | None = None) -> str:
    """`3 warnings`, `1 warning`, `no warning`."""
    if n == 0 and none is not None:
        return none
    return f"{n} {one if n == 1 else many}"


def environment() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: resources.files("garant.compiler.docs").joinpath("templates", name).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["md"] = md
    env.filters["code"] = code
    env.filters["euros"] = french.euros
    env.filters["percent"] = french.percent
    env.filters["date"] = french.date
    env.filters["split_lines"] = lambda s: str(s).split("\n")
    env.filters["fr_count"] = fr_count
    env.filters["en_count"] = en_count
    return env


_ENV: jinja2.Environment | None = None


def render(template: str, **context) -> str:
    global _ENV
    if _ENV is None:
        _ENV = environment()
    return _ENV.get_template(template).render(**context)
