"""Selectors: the words before `:` resolved against the regime's vocabulary.

A word names a taxonomy node (at any depth), a value of a dimension, or
(for claims) a dimension alias. Words that name nodes must lie on one
branch of the taxonomy; the deepest one is the selector's node. Two values
of one dimension are an error, and so is a word nobody declared (with a
"did you mean" from every word the regime knows).
"""

from __future__ import annotations

from typing import Iterable

from garant.core.acts import pick_node
from garant.dsl import ast, model
from garant.dsl.diagnostics import Diagnostics, did_you_mean
from garant.dsl.names import fold
from garant.dsl.source import Span


# Bounds (issue 14): the longest selector of the bundled sources has 5
# words, the regime 5 networks; checking grows with both (each unknown
# word is compared with every spelling), so they are bounded well above.
MAX_SELECTOR_WORDS = 32
MAX_NETWORKS = 200


def too_many_networks(names, spans, diags: Diagnostics, where: str) -> bool:
    """One error when more than MAX_NETWORKS networks are declared."""
    if len(names) <= MAX_NETWORKS:
        return False
    diags.error(spans[MAX_NETWORKS], f"{len(names)} networks declared in {where}: at most {MAX_NETWORKS}", None, code="selector")
    return True


class Vocabulary:
    """Word → meanings, plus the taxonomy's ancestry, for resolution."""

    def __init__(self, nodes: dict[str, model.Node], dims: Iterable[model.Dim], networks: Iterable[str]):
        self.nodes = nodes
        self._ancestors = {n.id: n.ancestors for n in nodes.values()}
        self.dims = {d.name: d for d in dims}
        self.networks = {fold(n): n for n in networks}
        words: dict[str, list[model.Meaning]] = {}
        for node in nodes.values():
            for name in (node.name, *node.aliases):
                words.setdefault(fold(name), []).append(model.Meaning("node", node.id))
        for d in self.dims.values():
            for v in d.values:
                words.setdefault(fold(v), []).append(model.Meaning("value", v, d.name))
            for alias, target, before in d.aliases:
                words.setdefault(fold(alias), []).append(model.Meaning("alias", target, d.name, before))
        self.words = {k: tuple(v) for k, v in words.items()}
        self._by_name = {k: [m.target for m in v if m.kind == "node"] for k, v in self.words.items()}

    def spellings(self) -> list[str]:
        out = [n.name for n in self.nodes.values()]
        for n in self.nodes.values():
            out.extend(n.aliases)
        for d in self.dims.values():
            out.extend(d.values)
        return out

    def node_for(self, words: list[tuple[str, list[str]]]) -> tuple[str | None, str | None]:
        """Pick the node the node-words designate, or explain why not.

        `words` pairs each word with its candidate node ids. Returns
        (node id, None) or (None, reason).
        """
        if not words:
            return None, None
        node, reason = pick_node(words, self._ancestors)
        if node is None and reason and reason.startswith("ambiguous"):
            found = [c for _, cands in words for c in cands]
            paths = ", ".join(sorted({f"`{' '.join(self.nodes[a].name for a in self.nodes[c].ancestors)}`" for c in found if self.nodes[c].name in {w for w, _ in words}}))
            return None, f"ambiguous act: could be {paths}"
        return node, reason

    def path_text(self, node_id: str) -> str:
        """The shortest spelling that names the node unambiguously
        (`consultation generaliste` rather than its full path)."""
        ancestors = self.nodes[node_id].ancestors
        for size in range(1, len(ancestors) + 1):
            names = [self.nodes[a].name for a in ancestors[-size:]]
            candidates = [(n, list(self._by_name.get(fold(n), ()))) for n in names]
            node, _ = self.node_for(candidates)
            if node == node_id:
                return " ".join(names)
        return " ".join(self.nodes[a].name for a in ancestors)


def resolve(
    selector: ast.Selector,
    vocab: Vocabulary,
    diags: Diagnostics,
    *,
    allow_nodes: bool = True,
    allow_dims: bool = True,
    allow_network: bool = False,
    extra_networks: Iterable[str] = (),
    what: str = "selector",
) -> tuple[bool, str | None, dict[str, str | None]]:
    """Resolve a selector. Returns (ok, node id or None, {dimension: value})."""
    if len(selector.words) > MAX_SELECTOR_WORDS:
        diags.error(selector.span, f"a {what} of {len(selector.words)} words: at most {MAX_SELECTOR_WORDS}",
                    "a selector names an act and a few provider words, e.g. `consultation generaliste secteur1`", code="selector")
        return False, None, {}
    ok = True
    node_words: list[tuple[str, list[str]]] = []
    node_spans: list[Span] = []
    constraints: dict[str, str | None] = {}
    constraint_spans: dict[str, Span] = {}
    networks = dict(vocab.networks)
    networks.update({fold(n): n for n in extra_networks})
    for w in selector.words:
        if w.kind in ("in_network", "out_of_network"):
            if not allow_network:
                diags.error(w.span, f"a network condition is not allowed in a {what}", code="selector")
                ok = False
                continue
            value = None
            if w.kind == "in_network":
                value = networks.get(fold(w.name))
                if value is None:
                    hint = did_you_mean(w.name, networks.values()) or "declare it in the contract header: `network NAME`"
                    diags.error(w.span, f"unknown network `{w.name}`", hint, code="selector")
                    ok = False
                    continue
            if "network" in constraints:
                diags.error(w.span, "two network conditions in one selector", code="selector")
                ok = False
                continue
            constraints["network"] = value
            constraint_spans["network"] = w.span
            continue
        if fold(w.name) == "all" and len(selector.words) == 1 and allow_nodes:
            return True, None, {}
        meanings = vocab.words.get(fold(w.name))
        if not meanings:
            hint = did_you_mean(w.name, vocab.spellings())
            diags.error(w.span, f"unknown word `{w.name}` in {what}", hint, code="selector")
            ok = False
            continue
        nodes = [m.target for m in meanings if m.kind == "node"]
        values = [m for m in meanings if m.kind == "value"]
        if nodes and (allow_nodes or not values):
            if not allow_nodes:
                diags.error(w.span, f"`{w.name}` is an act; this {what} takes provider words only", code="selector")
                ok = False
                continue
            node_words.append((w.name, nodes))
            node_spans.append(w.span)
            continue
        if values:
            if not allow_dims:
                diags.error(w.span, f"`{w.name}` is a value of `{values[0].dim}`; this {what} takes act words only", code="selector")
                ok = False
                continue
            m = values[0]
            if m.dim in constraints:
                diags.error(
                    w.span,
                    f"two values of dimension `{m.dim}` in one {what}: `{constraints[m.dim]}` and `{m.target}`",
                    "a claim has one value per dimension; write two lines",
                    code="selector",
                )
                ok = False
                continue
            constraints[m.dim] = m.target
            constraint_spans[m.dim] = w.span
            continue
        alias = meanings[0]
        diags.error(
            w.span,
            f"`{w.name}` is an alias of `{alias.target}` for care before {alias.before}; selectors name `{alias.target}`",
            f"write `{alias.target}`",
            code="selector",
        )
        ok = False
    node = None
    if node_words and ok:  # after an unknown word, what the others name alone would only echo it
        node, reason = vocab.node_for(node_words)
        if node is None:
            span = node_spans[0]
            diags.error(Span(span.file, span.line, span.column, node_spans[-1].end_line, node_spans[-1].end_column), f"{reason}", "name one act, from the general to the particular (e.g. `consultation generaliste`)", code="selector")
            ok = False
    # A value that only exists with another (`optam` only with `secteur2`) implies it.
    for dim_name, value in list(constraints.items()):
        d = vocab.dims.get(dim_name)
        if d is not None and d.only_with and value is not None:
            req_dim, req_value = d.only_with
            have = constraints.get(req_dim)
            if have is not None and have != req_value:
                diags.error(constraint_spans[dim_name], f"`{value}` only exists with `{req_value}`, not with `{have}`", code="selector")
                ok = False
            elif have is None and req_dim not in constraints:
                constraints[req_dim] = req_value  # `optam` says `secteur2` too
    return ok, node, constraints
