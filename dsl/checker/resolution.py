"""The resolution rule of spec §3.1, decided once at compile time.

For every act group (taxonomy nodes that the same lines and ceilings can
match) and every combination of the dimensions the contract's lines name,
the most specific matching line wins. Specificity is a partial order: line
A is more specific than B when A's act is B's or below it and A names every
dimension value B names. Two matching lines neither of which is more
specific, with different formulas, are an overlap (an error naming both);
combinations no line covers are gaps (warnings).

The result, a flat table `(group, values…) → Decision`, is what the
generated evaluator looks up: one dict access per claim.
"""

from __future__ import annotations

import datetime as dt
import itertools

import attrs

from garant.dsl import ast, model
from garant.dsl.checker.selectors import Vocabulary
from garant.dsl.diagnostics import Diagnostics


@attrs.frozen
class DecisionTable:
    dims: tuple[str, ...]
    groups: dict[str, int]
    group_members: dict[int, tuple[str, ...]]
    table: dict[tuple, model.Decision]


def node_matches(line_node: str | None, node: model.Node) -> bool:
    return line_node is None or line_node in node.ancestors


def more_specific_or_equal(a: model.Line, b: model.Line, nodes: dict[str, model.Node]) -> bool:
    if b.node is not None:
        if a.node is None or b.node not in nodes[a.node].ancestors:
            return False
    return set(b.constraints) <= set(a.constraints)


def _same_effect(a: model.Line, b: model.Line) -> bool:
    def strip(ln):
        return tuple(
            (
                tuple((t.kind, t.value, t.per_unit, t.ceiling, t.budget and (t.budget.amount, t.budget.period)) for t in c.terms),
                tuple((l.kind, l.amount, l.param, l.period, l.age_under, l.age_from) for l in c.limits),
            )
            for c in (ln.columns or (ln,))
        )

    return a.module == b.module and strip(a) == strip(b)


def _maximal(lines: list[model.Line], nodes) -> list[model.Line]:
    return [a for a in lines if not any(b is not a and more_specific_or_equal(b, a, nodes) and not more_specific_or_equal(a, b, nodes) for b in lines)]


def decide(lines: list[model.Line], regime: model.Regime, vocab: Vocabulary, effective: dt.date | None, tree: ast.ContractFile, diags: Diagnostics) -> DecisionTable:
    nodes = regime.nodes
    named = {dim for ln in lines for dim, _ in ln.constraints}
    if any(ln.ceiling for ln in lines):
        # A `cap` line is clamped by the ceiling of each act and provider it
        # decides (R3 on non-OPTAM doctors, R4 hors parcours): the ceilings'
        # dimensions must tell the claims apart even if no line names them.
        named |= {d for c in regime.ceilings if any(s.percent is not None for s in c.steps) for d, _ in c.constraints}
        # The amount ceilings (R8, R6) only where a `cap` line can meet them.
        named |= {d for c in regime.ceilings if model.amount_ceiling_met(c, lines, nodes) for d, _ in c.constraints}
    dims = tuple(d.name for d in regime.dims if d.name in named) + (("network",) if "network" in named else ())
    networks_used = tuple(dict.fromkeys(v for ln in lines for d, v in ln.constraints if d == "network" and v is not None))

    # Act groups: nodes that the same lines and ceilings can match behave alike.
    signature_to_group: dict[tuple, int] = {}
    groups: dict[str, int] = {}
    members: dict[int, list[str]] = {}
    group_lines: dict[int, list[model.Line]] = {}
    group_ceilings: dict[int, list[model.Ceiling]] = {}
    for node in nodes.values():
        matching = [ln for ln in lines if node_matches(ln.node, node)]
        if not matching:
            continue
        # Only the ceilings a `cap` can read (in % BRSS, or an all-in amount) tell acts apart.
        ceilings = [c for c in regime.ceilings if (c.node is None or c.node in node.ancestors)
                    and (any(s.percent is not None for s in c.steps) or model.amount_ceiling_met(c, lines, nodes))]
        sig = (tuple(ln.id for ln in matching), tuple(id(c) for c in ceilings))
        gid = signature_to_group.setdefault(sig, len(signature_to_group) + 1)
        groups[node.id] = gid
        members.setdefault(gid, []).append(node.id)
        group_lines[gid] = matching
        group_ceilings[gid] = ceilings

    table: dict[tuple, model.Decision] = {}
    reported: set[tuple] = set()
    gaps: dict[int, list[dict]] = {}
    for gid, candidates in group_lines.items():
        for combo in _combinations(dims, vocab, networks_used):
            values = dict(zip(dims, combo))
            matching = [ln for ln in candidates if all(values.get(d) == v for d, v in ln.constraints)]
            base = [ln for ln in matching if not ln.additive]
            winner = _winner(base, nodes, values, members[gid], vocab, reported, diags)
            # One addition per module: a renfort adds to what the others pay.
            refinements = []
            for module in dict.fromkeys(ln.module for ln in matching if ln.additive):
                extra = [ln for ln in matching if ln.additive and ln.module == module]
                refinements.append(_winner(extra, nodes, values, members[gid], vocab, reported, diags))
            if winner is None:
                for refinement in refinements:
                    if ("adds", refinement.id) not in reported:
                        reported.add(("adds", refinement.id))
                        diags.error(refinement.span, f"`+` line adds to no line for {_describe(members[gid], values, vocab)}", "write a line it can add to, or drop the `+`", code="formula")
                gaps.setdefault(gid, []).append(values)
                continue
            parts = (winner.id,) + tuple(r.id for r in refinements)
            ceiling = _ceiling_for(winner, group_ceilings[gid], values, dims, gid, effective, diags, reported)
            table[(gid,) + combo] = model.Decision(parts, ceiling)

    _report_gaps(gaps, members, nodes, groups, vocab, tree, diags)
    return DecisionTable(dims, groups, {g: tuple(m) for g, m in members.items()}, table)


def _combinations(dims, vocab: Vocabulary, networks_used):
    choices = []
    for d in dims:
        if d == "network":
            choices.append((None,) + networks_used)
        else:
            dim = vocab.dims[d]
            choices.append(dim.values if dim.default else (None,) + dim.values)
    for combo in itertools.product(*choices):
        values = dict(zip(dims, combo))
        consistent = True
        for name, value in values.items():
            dim = vocab.dims.get(name)
            if dim is not None and dim.only_with and value is not None:
                req_dim, req_value = dim.only_with
                # A claim naming `optam` is read as `secteur2 optam`.
                if req_dim in values and values[req_dim] != req_value:
                    consistent = False
        if consistent:
            yield combo


def _winner(lines, nodes, values, member_nodes, vocab, reported, diags) -> model.Line | None:
    if not lines:
        return None
    best = _maximal(lines, nodes)
    first = best[0]
    for other in best[1:]:
        if _same_effect(first, other):
            continue
        pair = tuple(sorted((first.span.line, other.span.line)))
        if pair in reported:
            continue
        reported.add(pair)
        a, b = sorted((first, other), key=lambda ln: ln.span.line)
        diags.error(
            b.span,
            f"overlap: line {a.span.line} (`{a.selector}`) and line {b.span.line} (`{b.selector}`) both decide "
            f"{_describe(member_nodes, values, vocab)}, with different formulas, and neither is more specific",
            "add a line that names both conditions, or make one line more specific",
            code="overlap",
        )
    return first


def _ceiling_for(line, ceilings, values, dims, gid, effective, diags, reported) -> model.CeilingUse | None:
    """Spec §3.2 `cap`: every responsable ceiling on the decision's act and
    values, at the step in force on the contract's effective date: the
    first in `% BRSS` (with its `below` reference) and the lowest all-in
    amount per item."""
    if not line.ceiling:
        return None
    use = None
    amount = None
    for c in ceilings:
        if c.on_frame or not all(values.get(d) == v for d, v in c.constraints):
            continue
        steps = [s for s in c.steps if effective is None or s.start <= effective]
        if not steps:
            continue
        step = steps[-1]
        if step.percent is None:
            if step.amount is not None and (amount is None or step.amount < amount.amount):
                amount = step
            continue
        if use is not None:
            continue
        below_key = None
        if step.below_value is not None:
            dim, value = step.below_value
            if dim in dims:
                below_values = dict(values)
                below_values[dim] = value
                below_key = (gid,) + tuple(below_values[d] for d in dims)
        use = model.CeilingUse(step.percent, step.below_percent, below_key, step.ref, step.span)
    if amount is None:
        return use
    if use is None:
        return model.CeilingUse(None, None, None, amount.ref, amount.span, amount.amount, amount.ref, amount.span)
    return attrs.evolve(use, amount=amount.amount, amount_ref=amount.ref, amount_span=amount.span)


def _describe(member_nodes, values, vocab: Vocabulary) -> str:
    tops = [n for n in member_nodes if vocab.nodes[n].parent not in member_nodes]
    acts = ", ".join(vocab.path_text(n) for n in tops[:3]) + (" …" if len(tops) > 3 else "")
    conds = []
    for d, v in values.items():
        if d == "network":
            conds.append(f"in network {v}" if v else "outside any named network")
        elif v is None:
            conds.append(f"no {d}")
        else:
            conds.append(v)
    return f"`{acts}`" + (f" with {' '.join(conds)}" if conds else "")


def _report_gaps(gaps, members, nodes, groups, vocab, tree, diags: Diagnostics) -> None:
    where = tree.guarantees_span
    for gid, combos in gaps.items():
        shown = "; ".join(_describe(members[gid], v, vocab) for v in combos[:3])
        more = f" (and {len(combos) - 3} more combinations)" if len(combos) > 3 else ""
        diags.warning(where, f"gap: no line covers {shown}{more}", "claims there get nothing from this contract", code="gap")
    def fully_uncovered(node_id: str) -> bool:
        return node_id not in groups and all(fully_uncovered(c) for c in nodes[node_id].children)

    uncovered = [n for n in nodes.values() if fully_uncovered(n.id) and (n.parent is None or not fully_uncovered(n.parent))]
    if uncovered:
        names = ", ".join(f"`{vocab.path_text(n.id)}`" for n in uncovered[:8]) + (f" and {len(uncovered) - 8} more" if len(uncovered) > 8 else "")
        diags.warning(where, f"gap: no line covers {names}", "claims for these acts get nothing from this contract; add lines or `all: …`", code="gap")
