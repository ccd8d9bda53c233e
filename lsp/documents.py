"""One open document, checked the way `garant check` checks it.

The document is compiled by the pipeline together with the regime files
beside it (a contract may name a regime its author wrote; `garant check
FOLDER` would see it too), so its diagnostics are the command line's,
word for word. The analysis also keeps what hover, completion and
definition need: the regime the document is written against, that
regime's vocabulary and syntax tree (for the exact place each word is
declared), and the checked contract or plan with its decision table.

A document that does not parse still gets a regime (the one its header
names, else the default of its kind), so completion and hover work while
the text is half written.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import attrs

from garant.dsl import ast, model
from garant.dsl.checker.regime import vocabulary
from garant.dsl.checker.selectors import Vocabulary
from garant.dsl.source import SourceFile
from garant.dsl.pipeline import Unit, compile_sources, load_regimes

_REGIME_HEADER = re.compile(r"^\s+regime\s+([^\W\d]\w*)\s*(?:#.*)?$", re.MULTILINE)
_FIRST_WORD = re.compile(r"^\s*([^\W\d]\w*)", re.MULTILINE)


@attrs.define
class Analysis:
    """What the pipeline learnt about one document, for the editor."""

    path: str
    text: str
    unit: Unit
    regime: model.Regime | None
    regime_tree: ast.RegimeFile | None
    vocab: Vocabulary | None
    regime_text: str = ""  # the regime's source, for the comments that describe its words
    regime_names: tuple[str, ...] = ()  # the regimes a header may name (stdlib and beside the file)

    @property
    def product(self) -> "model.Contract | None":
        return self.unit.product

    @property
    def lines(self) -> list[str]:
        return [ln.rstrip("\r") for ln in self.text.split("\n")]


def analyse(path: str, text: str, on_disk: bool = True) -> Analysis:
    """Check `text` (the document at `path`) with the regimes it can use;
    `on_disk` False for a document that is no file (an unsaved buffer):
    there is no folder to look in."""
    own = SourceFile(path, text)
    siblings = [s for s in _sibling_regimes(path) if not _same_file(s.path, path)] if on_disk else []
    units = compile_sources([own, *siblings])
    unit = units[0]
    regime_units = {u.regime.name: u for u in units if u.regime is not None}
    _, stdlib_units = load_regimes()
    for u in stdlib_units:
        if u.regime is not None:
            regime_units.setdefault(u.regime.name, u)
    regime = _regime_of(unit, text, regime_units)
    tree, regime_text = None, ""
    if regime is not None:
        owner = regime_units.get(regime.name)
        if owner is not None and isinstance(owner.tree, ast.RegimeFile):
            tree, regime_text = owner.tree, owner.source.text
    return Analysis(path, text, unit, regime, tree, vocabulary(regime) if regime is not None else None, regime_text,
                    tuple(sorted(regime_units)))


def _regime_of(unit: Unit, text: str, regime_units: dict[str, Unit]) -> model.Regime | None:
    if unit.product is not None:
        return unit.product.regime
    if unit.regime is not None:
        return unit.regime
    named = _REGIME_HEADER.search(text)
    if named:
        wanted = named.group(1).casefold()
        for name, u in regime_units.items():
            if name.casefold() == wanted:
                return u.regime
    first = _FIRST_WORD.search("\n".join(ln for ln in text.split("\n") if not ln.lstrip().startswith("#")))
    default = "managed_care" if first and first.group(1).casefold() == "plan" else "secu"
    u = regime_units.get(default)
    return u.regime if u is not None else None


def _same_file(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return a == b


def _sibling_regimes(path: str) -> list[SourceFile]:
    """The regime files in the document's folder (not its other products:
    their mistakes are not this document's)."""
    folder = Path(path).parent
    if not path or not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.glob("*.garant")):
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        first = _FIRST_WORD.search("\n".join(ln for ln in text.split("\n") if not ln.lstrip().startswith("#")))
        if first and first.group(1).casefold() == "regime":
            out.append(SourceFile(str(p), text))
    return out


def source_file(path: str) -> Path | None:
    """The file on disk a span's path names: the bundled stdlib's paths
    (`stdlib/secu.garant`) are resolved inside the installed package."""
    if path.startswith("stdlib/"):
        entry = resources.files("garant.stdlib") / path.removeprefix("stdlib/")
        return Path(str(entry))
    p = Path(path)
    return p if p.is_file() else None
