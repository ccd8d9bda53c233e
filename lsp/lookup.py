"""What a word of a document names, and where it is declared.

Hover, completion and go-to-definition all start from the same question:
given a word (`consultation`, `secteur2`, `kalivia`), what does the
regime say it is? The answer comes from the checked regime's vocabulary
(the same table the checker resolves selectors with), so the editor and
the checker cannot disagree; the declaring places come from the regime's
syntax tree, which keeps a span for every name.
"""

from __future__ import annotations

import attrs

from garant.dsl import ast, model
from garant.dsl.names import fold
from garant.dsl.source import Span
from garant.lsp.documents import Analysis


@attrs.frozen
class Found:
    """One meaning of a word."""

    kind: str  # "node" | "value" | "alias" | "dimension" | "network" | "regime" | "parameter"
    name: str  # the declared spelling
    span: Span | None  # where it is declared
    node: model.Node | None = None
    dim: model.Dim | None = None
    param: model.Param | None = None
    before: object = None  # an alias's end date
    owner: str = ""  # "regime" or "contract" (a network the contract header declares)


def code_part(line: str) -> str:
    """The line without its comment (a `#` outside a string)."""
    in_string = False
    for i, ch in enumerate(line):
        if ch == '"':
            in_string = not in_string
        elif ch == "#" and not in_string:
            return line[:i]
    return line


def in_string(line: str, column: int) -> bool:
    return line[:column].count('"') % 2 == 1


def lookup(analysis: Analysis, word: str) -> list[Found]:
    vocab, regime = analysis.vocab, analysis.regime
    if vocab is None or regime is None:
        return []
    key = fold(word)
    out: list[Found] = []
    value_spans, dim_spans, network_spans = _declared(analysis.regime_tree)
    for m in vocab.words.get(key, ()):
        if m.kind == "node":
            node = regime.nodes[m.target]
            out.append(Found("node", node.name, node.span, node=node))
        elif m.kind == "value":
            dim = vocab.dims[m.dim]
            out.append(Found("value", m.target, value_spans.get((dim.name, m.target), dim.span), dim=dim))
        elif m.kind == "alias":
            dim = vocab.dims[m.dim]
            out.append(Found("alias", word, dim.span, dim=dim, before=m.before))
    for d in regime.dims:
        if fold(d.name) == key:
            out.append(Found("dimension", d.name, dim_spans.get(d.name, d.span), dim=d))
    for p in regime.params.values():  # `base consultation_G` in a regime, `max plafond per …`
        if fold(p.name) == key:
            out.append(Found("parameter", p.name, p.span, param=p))
    if key == fold(regime.name) and analysis.regime_tree is not None:
        out.append(Found("regime", regime.name, analysis.regime_tree.span))
    network = vocab.networks.get(key)
    if network is not None:
        out.append(Found("network", network, network_spans.get(network), owner="regime"))
    else:
        tree = analysis.unit.tree
        for h in getattr(tree, "headers", ()):
            if h.key == "network" and isinstance(h.value, str) and fold(h.value) == key:
                out.append(Found("network", h.value, h.span, owner="contract"))
    return out


def _declared(tree: ast.RegimeFile | None) -> tuple[dict, dict, dict]:
    values: dict[tuple[str, str], Span] = {}
    dims: dict[str, Span] = {}
    networks: dict[str, Span] = {}
    if tree is None:
        return values, dims, networks
    for d in tree.dimensions:
        dims[d.name] = d.span
        for value, span in d.values:
            values[(d.name, value)] = span
    for n in tree.networks:
        for name, span in n.names:
            networks[name] = span
    return values, dims, networks


def description(regime_text: str, line: int) -> str:
    """The comments that document a declaration: the comment block right
    above its line, then the indented comments right below it (how the
    stdlib explains a dimension: `dimension option: …` then `# OPTAM and
    OPTAM-CO replaced…`)."""
    lines = regime_text.split("\n")
    i = line - 1
    if not 0 <= i < len(lines):
        return ""
    above = []
    j = i - 1
    while j >= 0 and lines[j].strip().startswith("#") and _indent(lines[j]) == _indent(lines[i]):
        above.insert(0, lines[j].strip()[1:].strip())
        j -= 1
    below = []
    j = i + 1
    while j < len(lines) and lines[j].strip().startswith("#") and _indent(lines[j]) > _indent(lines[i]):
        below.append(lines[j].strip()[1:].strip())
        j += 1
    return " ".join(t for t in above + below if t)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
