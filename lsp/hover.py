"""Hover: what a selector word is, and which guarantee line decides it.

On `secteur2` in `consultation secteur2: 150% BRSS` the hover says that
`secteur2` is a value of the regime's dimension `secteur` (with the
regime's own words about it) and, from the checked contract's decision
table, which line decides the claims that line's selector names: the line
itself, or, for the claims a more specific line takes over, that line.
It is the `garant check --coverage` answer for one line, where you write.
"""

from __future__ import annotations

from garant.dsl import model
from garant.lsp.documents import Analysis
from garant.lsp.lookup import Found, code_part, description, in_string, lookup
from garant.lsp.positions import word_at

_MAX_CASES = 8


def hover_markdown(analysis: Analysis, line: int, column: int) -> tuple[str, tuple[int, int, int]] | None:
    """Markdown for the word at (line, column), 0-based code points, with
    the word's line and columns; None where there is nothing to say."""
    lines = analysis.lines
    if not 0 <= line < len(lines):
        return None
    text = code_part(lines[line])
    if column > len(text) or in_string(text, column):
        return None
    got = word_at([text], 0, column)
    if got is None:
        return None
    word, start, end = got
    found = lookup(analysis, word)
    product_line = _line_at(analysis, line + 1)
    if found:
        parts = [_describe(f, analysis) for f in found]
    elif word.casefold() == "all" and product_line is not None and product_line.node is None and start < text.find(":"):
        parts = [f"**all** — every act of regime `{analysis.regime.name}`, whatever the provider: the line more specific lines override"]
    else:
        return None
    if product_line is not None:
        parts.append(deciding_lines(analysis.product, product_line))
    return "\n\n---\n\n".join(parts), (line, start, end)


def _describe(f: Found, analysis: Analysis) -> str:
    regime = analysis.regime
    where = f"\n\nDeclared at `{f.span.file}:{f.span.line}`." if f.span else ""
    if f.kind == "node":
        node = f.node
        path = " › ".join(regime.nodes[a].name for a in node.ancestors)
        out = f"**{node.name}** — act *{node.title}* of regime `{regime.name}`\n\n{path}"
        if node.children:
            out += "\n\nBelow it: " + ", ".join(f"`{regime.nodes[c].name}`" for c in node.children)
        if node.aliases:
            out += "\n\nAlso written: " + ", ".join(f"`{a}`" for a in node.aliases)
        return out + where
    if f.kind in ("value", "dimension", "alias"):
        dim = f.dim
        values = ", ".join(f"`{v}`" for v in dim.values)
        if f.kind == "value":
            out = f"**{f.name}** — value of dimension `{dim.name}` of regime `{regime.name}` ({values})"
        elif f.kind == "alias":
            target = next((t for a, t, _ in dim.aliases if a.casefold() == f.name.casefold()), "?")
            out = f"**{f.name}** — alias of `{target}` (dimension `{dim.name}`) for care before {f.before}; selectors write `{target}`"
        else:
            out = f"**{dim.name}** — dimension of regime `{regime.name}`: {values}"
        facts = []
        if dim.default:
            facts.append(f"a claim that names no `{dim.name}` is `{dim.default}`")
        if dim.only_with:
            facts.append(f"exists only with `{dim.only_with[1]}`")
        if f.kind == "value" and f.name in dim.starts:
            facts.append(f"from {dim.starts[f.name]}")
        if facts:
            said = "; ".join(facts)
            out += "\n\n" + said[0].upper() + said[1:] + "."
        about = description(analysis.regime_text, dim.span.line) if dim.span else ""
        if about:
            out += f"\n\n{about}"
        return out + where
    if f.kind == "parameter":
        source = analysis.regime_text.split("\n")
        dated = [source[sp.line - 1].strip() for sp in f.param.spans if 0 < sp.line <= len(source)]
        shown = "\n".join(dated)
        return f"**{f.name}** — parameter *{f.param.title}* of regime `{regime.name}`" + (f"\n\n```\n{shown}\n```" if dated else "") + where
    if f.kind == "regime":
        return f"**{regime.name}** — regime *{regime.title}* ({regime.currency}): {len(regime.nodes)} acts, {len(regime.dims)} dimensions" + where
    whose = f"regime `{regime.name}`" if f.owner == "regime" else "this contract's header"
    return f"**{f.name}** — care network (réseau de soins) declared by {whose}; `in network {f.name}` selects claims made in it" + where


def _line_at(analysis: Analysis, number: int) -> model.Line | None:
    product = analysis.product
    if product is None:
        return None
    return next((ln for ln in product.lines if ln.span.line == number), None)


def deciding_lines(product, line: model.Line) -> str:
    """Which lines decide the claims `line`'s selector names, from the
    checked decision table (spec §3.1: the most specific line wins)."""
    nodes = product.regime.nodes
    dims = product.decision_dims
    wanted = [(dims.index(d) + 1, v) for d, v in line.constraints if d in dims]
    covered_in: dict[int, list[str]] = {}
    cases: dict[tuple[str, ...], list[tuple]] = {}
    for key, decision in product.decisions.items():
        if any(key[i] != v for i, v in wanted):
            continue
        gid = key[0]
        if gid not in covered_in:
            covered_in[gid] = [n for n in product.group_members[gid] if line.node is None or line.node in nodes[n].ancestors]
        if covered_in[gid]:
            cases.setdefault(decision.lines, []).append(key)
    if not cases:
        return f"No claim reaches line {line.span.line}: no decision of the contract names it."
    if len(cases) == 1 and next(iter(cases))[0] == line.id:
        return f"**Line {line.span.line} decides** every claim `{line.selector}` names."
    every = [set(column) for column in zip(*(k[1:] for keys in cases.values() for k in keys))]
    out = [f"Claims `{line.selector}` names are decided by:"]
    for ids, keys in cases.items():
        shown = " + ".join(_line_ref(product, i) for i in ids)
        out.append(f"- {shown} for {_summary(keys, covered_in, dims, every, nodes)}")
    return "\n".join(out)


def _summary(keys: list[tuple], covered_in: dict[int, list[str]], dims: tuple[str, ...], every: list[set], nodes: dict[str, model.Node]) -> str:
    """The acts and provider values of some decisions, said briefly: a
    dimension whose every value goes to the same lines is not named."""
    covered = list(dict.fromkeys(n for gid in dict.fromkeys(k[0] for k in keys) for n in covered_in[gid]))
    tops = [n for n in covered if nodes[n].parent not in covered]
    acts = ", ".join(f"`{nodes[n].name}`" for n in tops[:_MAX_CASES]) + (" …" if len(tops) > _MAX_CASES else "")
    conds = []
    for i, d in enumerate(dims):
        mine = list(dict.fromkeys(k[i + 1] for k in keys))
        if set(mine) == every[i]:
            continue
        said = [(f"in network {v}" if v else "outside any network") if d == "network" else (v or f"no {d}") for v in mine]
        conds.append(" or ".join(said))
    return acts + (f" {', '.join(conds)}" if conds else "")


def _line_ref(product, line_id: str) -> str:
    ln = product.line(line_id)
    return f"line {ln.span.line} (`{ln.text.strip()}`)"
