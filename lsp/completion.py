"""Completion, by where the cursor is (cheap context, read from the text):

- at the start of a top-level line: the words that open a file or a block;
- on a header line: the header keywords (and regime names after `regime`);
- at the start of a guarantee line: the regime's act words (and `all`);
- inside a selector, after its first word: dimension values (not those of
  a dimension the selector already names), the acts below the one named,
  `in network` and the networks;
- after the `:`: the formula and limit keywords.

The words come from the checked regime's vocabulary and from the Lark
grammar (keywords.py), never from a list of their own.
"""

from __future__ import annotations

import re

from lsprotocol import types

from garant.dsl.names import fold
from garant.lsp import keywords as kw
from garant.lsp.documents import Analysis
from garant.lsp.lookup import code_part, in_string

_TRAILING_WORD = re.compile(r"[^\W\d]?\w*$")
_BLOCK_START = re.compile(r"^([^\W\d]\w*)")


def complete(analysis: Analysis, line: int, column: int, regimes: list[str] = ()) -> list[types.CompletionItem]:
    lines = analysis.lines
    if not 0 <= line < len(lines):
        return []
    before = lines[line][:column]
    if code_part(before) != before or in_string(before, len(before)):
        return []  # in a comment or a string
    partial = _TRAILING_WORD.search(before).group()
    head = before[: len(before) - len(partial)]
    block = _block(lines, line)
    if not head:
        return _keywords(kw.TOP_LEVEL + (kw.REGIME_ITEMS if block == "regime" else ()))
    words = head.split()
    if block in ("contract", "plan"):
        if not words:
            return _keywords(kw.CONTRACT_HEADER if block == "contract" else kw.PLAN_HEADER)
        if [fold(w) for w in words] == ["regime"]:
            return [types.CompletionItem(label=r, kind=types.CompletionItemKind.Module) for r in regimes]
        return []
    if block not in ("guarantees", "benefits", "module"):
        return _keywords(kw.keywords()) if words else _keywords(kw.REGIME_ITEMS if block == "regime" else kw.keywords())
    if ":" in head:
        return _keywords(kw.FORMULA_WORDS + kw.keywords(), sort="1")
    if not words:
        return _act_words(analysis) + _keywords(("all",) + (kw.MODULE_CLAUSES if block == "module" else ()), sort="2")
    if [fold(w) for w in words[-2:]] == ["in", "network"]:
        return _networks(analysis)
    return _inside_selector(analysis, words)


def _block(lines: list[str], line: int) -> str:
    """The top-level line the cursor's line belongs to (`contract`,
    `guarantees`, `module`…), lower-cased; "" before any."""
    for i in range(line, -1, -1):
        text = lines[i]
        if text[:1].strip() and not text.startswith("#"):
            m = _BLOCK_START.match(text)
            return fold(m.group(1)) if m else ""
    return ""


def _keywords(words, sort: str = "3") -> list[types.CompletionItem]:
    return [types.CompletionItem(label=w, kind=types.CompletionItemKind.Keyword, sort_text=f"{sort}{w}") for w in dict.fromkeys(words)]


def _act_words(analysis: Analysis) -> list[types.CompletionItem]:
    regime = analysis.regime
    if regime is None:
        return []
    out = []
    for node in regime.nodes.values():
        out.append(types.CompletionItem(
            label=node.name,
            kind=types.CompletionItemKind.Class,
            detail=node.title,
            documentation=" › ".join(regime.nodes[a].name for a in node.ancestors),
            sort_text=f"1{node.depth:02d}{node.name}",  # the broad families first
        ))
    return out


def _networks(analysis: Analysis) -> list[types.CompletionItem]:
    regime = analysis.regime
    names = list(regime.networks) if regime else []
    for h in getattr(analysis.unit.tree, "headers", ()):
        if h.key == "network" and isinstance(h.value, str):
            names.append(h.value)
    return [types.CompletionItem(label=n, kind=types.CompletionItemKind.Reference, detail="care network") for n in dict.fromkeys(names)]


def _inside_selector(analysis: Analysis, words: list[str]) -> list[types.CompletionItem]:
    vocab, regime = analysis.vocab, analysis.regime
    if vocab is None:
        return []
    named_dims = set()
    named_nodes = []
    for w in words:
        for m in vocab.words.get(fold(w), ()):
            if m.kind == "value":
                named_dims.add(m.dim)
            elif m.kind == "node":
                named_nodes.append(m.target)
    out = []
    for dim in regime.dims:
        if dim.name in named_dims:
            continue
        for value in dim.values:
            out.append(types.CompletionItem(
                label=value, kind=types.CompletionItemKind.EnumMember,
                detail=f"{dim.name}", sort_text=f"1{value}",
            ))
    below = [c for n in named_nodes for c in regime.nodes[n].children]
    for child in dict.fromkeys(below):
        node = regime.nodes[child]
        out.append(types.CompletionItem(label=node.name, kind=types.CompletionItemKind.Class, detail=node.title, sort_text=f"0{node.name}"))
    if "network" not in named_dims:
        out.extend(_keywords(("in network", "out of network"), sort="2"))
    return out
