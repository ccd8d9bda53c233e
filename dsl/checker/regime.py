"""Regime AST → checked `model.Regime`.

Builds the taxonomy and the dimensions, checks the dated parameters
(ascending dates, a `ref` on every value, one unit per parameter), and
resolves each act's rule with inheritance: a node takes each field (base,
rate, deductions…) from the deepest `act` rule on its branch that sets it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import attrs

from garant.dsl import ast, model
from garant.dsl.checker import units
from garant.dsl.checker.selectors import Vocabulary, resolve, too_many_networks
from garant.dsl.diagnostics import Diagnostics, did_you_mean
from garant.dsl.names import fold
from garant.dsl.source import Span

CURRENCIES = ("EUR", "USD")


def check_regime(tree: ast.RegimeFile, text: str, diags: Diagnostics) -> model.Regime:
    units.check_name(tree.title, tree.span, diags, "the regime's title")
    currency = _currency(tree, diags)
    nodes = _taxonomy(tree, diags)
    dims = _dimensions(tree, nodes, diags)
    networks = tuple(n for decl in tree.networks for n, _ in decl.names)
    too_many_networks(networks, [sp for decl in tree.networks for _, sp in decl.names], diags, f"regime `{tree.name}`")
    vocab = Vocabulary(nodes, dims, networks)
    params = _parameters(tree, currency, diags)
    acts = _acts(tree, vocab, params, currency, diags)
    ceilings = _ceilings(tree, vocab, currency, diags)
    floors = _floors(tree, vocab, params, currency, diags)
    bans = _network_bans(tree, vocab, diags)
    renewals = _renewals(tree, vocab, params, currency, diags)
    rules = _rules(tree, diags)
    statuses = _statuses(tree, vocab, params, currency, diags)
    return model.Regime(
        name=tree.name,
        title=tree.title or tree.name,
        currency=currency,
        path=tree.path,
        dims=tuple(dims),
        nodes=nodes,
        params=params,
        acts=acts,
        networks=networks,
        ceilings=ceilings,
        vocabulary=vocab.words,
        source_hash=hashlib.sha256(text.encode()).hexdigest()[:16],
        floors=floors,
        network_bans=bans,
        renewals=renewals,
        rules=rules,
        statuses=statuses,
    )


def vocabulary(regime: model.Regime) -> Vocabulary:
    return Vocabulary(regime.nodes, regime.dims, regime.networks)


def _currency(tree: ast.RegimeFile, diags: Diagnostics) -> str:
    currency = None
    declared = False
    for h in tree.headers:
        if h.key == "currency":
            declared = True
            if h.value.upper() not in CURRENCIES:
                diags.error(h.span, f"unknown currency `{h.value}`", did_you_mean(h.value, CURRENCIES), code="currency")
            else:
                currency = h.value.upper()
        else:
            diags.error(h.span, f"`{h.key}` does not belong in a regime header", "a regime header declares its `currency`", code="header")
    if currency is None:
        if not declared:
            diags.error(tree.span, f"regime `{tree.name}` declares no currency", "add `  currency EUR` under the regime line", code="header")
        currency = "EUR"
    return currency


def _taxonomy(tree: ast.RegimeFile, diags: Diagnostics) -> dict[str, model.Node]:
    nodes: dict[str, model.Node] = {}

    def visit(node: ast.ActNode, parent: model.Node | None) -> str:
        node_id = f"{parent.id}.{node.name}" if parent else node.name
        if node_id in nodes:
            diags.error(node.span, f"act `{node.name}` is declared twice under the same parent", code="name")
            return node_id
        ancestors = (parent.ancestors if parent else ()) + (node_id,)
        placeholder = model.Node(node_id, node.name, node.title or node.name, parent.id if parent else None, ancestors, (), node.aliases, node.span)
        nodes[node_id] = placeholder
        kids = tuple(visit(child, placeholder) for child in node.children)
        nodes[node_id] = model.Node(node_id, node.name, node.title or node.name, placeholder.parent, ancestors, kids, node.aliases, node.span)
        return node_id

    for top in tree.acts:
        visit(top, None)
    if not nodes:
        diags.error(tree.span, f"regime `{tree.name}` declares no acts", "add an `acts` block with the act taxonomy", code="name")
    return nodes


def _dimensions(tree: ast.RegimeFile, nodes: dict[str, model.Node], diags: Diagnostics) -> list[model.Dim]:
    dims: list[model.Dim] = []
    seen_values: dict[str, str] = {}
    node_names = {fold(n.name) for n in nodes.values()}
    for d in tree.dimensions:
        if any(x.name == d.name for x in dims) or d.name == "network":
            diags.error(d.span, f"dimension `{d.name}` is declared twice" if d.name != "network" else "`network` is reserved for care networks", code="name")
            continue
        values = []
        for v, span in d.values:
            if fold(v) in seen_values:
                diags.error(span, f"value `{v}` already belongs to dimension `{seen_values[fold(v)]}`", "a word names one thing", code="name")
                continue
            if fold(v) in node_names:
                diags.error(span, f"value `{v}` is also the name of an act", "a word names one thing", code="name")
                continue
            seen_values[fold(v)] = d.name
            values.append(v)
        aliases = []
        for a in d.aliases:
            if a.target not in values:
                diags.error(a.span, f"alias target `{a.target}` is not a value of `{d.name}`", did_you_mean(a.target, values), code="name")
                continue
            before = units.parse_date(a.before, a.span, diags)
            if before is not None:
                aliases.append((a.alias, a.target, before))
        starts = {}
        for s in d.starts:
            if s.value not in values:
                diags.error(s.span, f"`{s.value}` is not a value of `{d.name}`", did_you_mean(s.value, values), code="name")
                continue
            date = units.parse_date(s.start, s.span, diags)
            if date is not None:
                starts[s.value] = date
        default = d.default
        if default is not None and default not in values:
            diags.error(d.default_span or d.span, f"default `{default}` is not a value of `{d.name}`", did_you_mean(default, values), code="name")
            default = None
        only_with = None
        if d.only_with is not None:
            owner = seen_values.get(fold(d.only_with))
            if owner is None or owner == d.name:
                diags.error(d.only_with_span or d.span, f"`only with {d.only_with}`: `{d.only_with}` is not a value of another dimension", did_you_mean(d.only_with, seen_values), code="name")
            else:
                only_with = (owner, d.only_with)
        dims.append(model.Dim(d.name, tuple(values), default, only_with, tuple(aliases), starts, d.span))
    return dims


def _parameters(tree: ast.RegimeFile, currency: str, diags: Diagnostics) -> dict[str, model.Param]:
    params: dict[str, model.Param] = {}
    for p in tree.parameters:
        if p.name in params:
            diags.error(p.span, f"parameter `{p.name}` is declared twice", code="name")
            continue
        if not p.values:
            diags.error(p.span, f"parameter `{p.name}` has no dated value", "add `from 2025-01-01: 30€ ref \"…\"`", code="param")
            continue
        unit = "percent" if p.values[0].value.kind == "percent" else "money"
        starts, values, refs, spans = [], [], [], []
        previous: dt.date | None = None
        for dv in p.values:
            date = units.parse_date(dv.start, dv.span, diags)
            if dv.ref is None:
                diags.error(dv.span, f"value of `{p.name}` from {dv.start} has no `ref`", 'every dated value names its legal source: `ref "Décret n° …"`', code="param")
            if dv.value.kind == "percent" and unit == "percent":
                value = units.percent_bp(dv.value, diags, f"parameter `{p.name}`")
            elif unit == "money" and dv.value.kind != "percent":
                value = units.money_cents(dv.value, currency, f"regime `{tree.name}`", diags)
            else:
                diags.error(dv.value.span, f"parameter `{p.name}` mixes units: its first value is {'a percentage' if unit == 'percent' else 'an amount'}, this one is not", code="unit")
                value = None
            if date is not None and previous is not None and date <= previous:
                diags.error(dv.span, f"dates of `{p.name}` must ascend: {dv.start} comes after {previous.isoformat()}", code="param")
            if date is not None:
                previous = date
            if date is None or value is None:
                continue
            starts.append(date)
            values.append(value)
            refs.append(dv.ref or "")
            spans.append(dv.span)
        limits = []
        for lim in p.limits:
            m = units.limit(lim, currency, f"regime `{tree.name}`", p.name, diags, params)
            if m is not None:
                limits.append(m)
        exempt_under = None
        exempt_reference = "start_of_year"
        for ex in p.exemptions:
            exempt_under = units.count_value(ex.age, diags, "exempt under", units.MAX_AGE)
            exempt_reference = ex.reference
        params[p.name] = model.Param(p.name, p.title or p.name, unit, tuple(starts), tuple(values), tuple(refs), tuple(spans), tuple(limits), exempt_under, exempt_reference, p.span)
    return params


def _value(v: ast.Value, unit: str, params: dict[str, model.Param], currency: str, owner: str, diags: Diagnostics, what: str) -> model.ValueRef | None:
    if isinstance(v, ast.NameRef):
        p = units.find_param(params, v.name)
        if p is None:
            diags.error(v.span, f"unknown parameter `{v.name}`", did_you_mean(v.name, params), code="name")
            return None
        if p.unit != unit:
            diags.error(v.span, f"{what} takes {'a percentage' if unit == 'percent' else 'an amount'}; parameter `{v.name}` holds {'percentages' if p.unit == 'percent' else 'amounts'}", code="unit")
            return None
        return model.ValueRef(unit, None, p.name, v.name, v.span)
    if unit == "percent":
        bp = units.percent_bp(v, diags, what)
        return None if bp is None else model.ValueRef(unit, bp, None, v.text, v.span)
    cents = units.money_cents(v, currency, owner, diags, f"an amount for {what}")
    return None if cents is None else model.ValueRef(unit, cents, None, v.text, v.span)


def _table(entries, unit, vocab: Vocabulary, params, currency, owner, diags: Diagnostics, what: str, span: Span):
    """Resolve `selector: value` entries into a table over every combination."""
    resolved = []
    for e in entries:
        constraints: dict[str, str | None] = {}
        if e.selector is not None:
            ok, _, constraints = resolve(e.selector, vocab, diags, allow_nodes=False, what=f"{what} entry")
            if not ok:
                continue
        value = _value(e.value, unit, params, currency, owner, diags, what)
        if value is None:
            continue
        if e.min_age is not None:
            age = units.count_value(e.min_age, diags, "from age", units.MAX_AGE)
            if age is None:
                continue
            value = attrs.evolve(value, min_age=age)
        resolved.append((constraints, value, e.span))
    dims = tuple(d for d in vocab.dims if any(d in c for c, _, _ in resolved))
    table: dict[tuple, model.ValueRef] = {}
    reported = set()
    for combo in combinations(dims, vocab):
        values = dict(zip(dims, combo))
        matching = [(c, v, s) for c, v, s in resolved if all(values.get(k) == val for k, val in c.items())]
        best = [m for m in matching if not any(set(o[0].items()) > set(m[0].items()) for o in matching)]
        # An entry from an age on and the same selector without one are the
        # two sides of an age band, not an overlap: the aged one is chosen.
        if any(b[1].min_age is not None for b in best) and any(b[1].min_age is None for b in best):
            best = [b for b in best if b[1].min_age is not None] + [b for b in best if b[1].min_age is None]
            best = best[:1] + [b for b in best[1:] if b[1].min_age is not None]
        if len(best) > 1 and len({(b[1].const, b[1].param, b[1].min_age) for b in best}) > 1:
            pair = tuple(sorted(b[2].line for b in best[:2]))
            if pair not in reported:
                reported.add(pair)
                diags.error(best[1][2], f"overlap in {what}: lines {pair[0]} and {pair[1]} both apply with different values", code="overlap")
        if best:
            chosen = best[0][1]
            if chosen.min_age is not None:
                # Below the age, the most specific entry without an age applies.
                plain = [m for m in matching if m[1].min_age is None]
                plain_best = [m for m in plain if not any(set(o[0].items()) > set(m[0].items()) for o in plain)]
                if not plain_best:
                    diags.error(best[0][2], f"{what} from age {chosen.min_age}: no entry applies below that age", "add an entry without an age condition", code="regime")
                else:
                    chosen = attrs.evolve(chosen, fallback=plain_best[0][1])
            table[combo] = chosen
    return model.Table(dims, table, span)


def combinations(dims: tuple[str, ...], vocab: Vocabulary):
    """Every combination of values (None = not given) that a claim can have."""
    choices = [
        (None,) if d == "network" else (vocab.dims[d].values if vocab.dims[d].default else (None,) + vocab.dims[d].values)
        for d in dims
    ]
    for combo in itertools.product(*choices):
        values = dict(zip(dims, combo))
        if _consistent(values, vocab):
            yield combo


def _consistent(values: dict, vocab: Vocabulary) -> bool:
    for name, value in values.items():
        d = vocab.dims.get(name)
        if d is not None and d.only_with and value is not None:
            req_dim, req_value = d.only_with
            if req_dim in values and values[req_dim] != req_value:
                return False
    return True


def _acts(tree: ast.RegimeFile, vocab: Vocabulary, params, currency, diags: Diagnostics) -> dict[str, model.RegimeAct]:
    owner = f"regime `{tree.name}`"
    rules: dict[str, dict] = {}
    for rule in tree.act_rules:
        sel = ast.Selector(tuple(ast.SelWord("name", w, s) for w, s in rule.words), rule.span)
        ok, node, constraints = resolve(sel, vocab, diags, allow_dims=False, what="act rule")
        if not ok or node is None:
            continue
        if node in rules:
            diags.error(rule.span, f"act `{vocab.path_text(node)}` has two rules", "merge them into one `act` block", code="name")
            continue
        fields: dict = {"span": rule.span}
        if rule.base_from_claim is not None:
            fields["base"] = None  # the claim carries the base: nothing inherited
            if rule.base:
                diags.error(rule.base_from_claim, "`base from claim` and a `base` in the same rule contradict each other", "keep one of them", code="regime")
        if rule.base:
            fields["base"] = _table(rule.base, "money", vocab, params, currency, owner, diags, "base", rule.base_span or rule.span)
        if rule.rates:
            fields["rate"] = _table(rule.rates, "percent", vocab, params, currency, owner, diags, "rate", rule.rates[0].span)
        if rule.applies:
            deds = []
            for a in rule.applies:
                p = units.find_param(params, a.parameter)
                if p is None:
                    diags.error(a.span, f"unknown parameter `{a.parameter}`", did_you_mean(a.parameter, params), code="name")
                    continue
                if p.unit != "money":
                    diags.error(a.span, f"`{a.parameter}` is a percentage; only amounts can be deducted", code="unit")
                    continue
                if a.heavy_acts:
                    fields["heavy_act"] = p.name
                    continue
                if a.per_unit is not None and a.per_unit.lower() not in units.PER_UNIT_WORDS:
                    diags.error(a.span, f"`per {a.per_unit}`: deductions apply per unit (box, trip, session…)", code="unit")
                deds.append((p.name, a.per_unit is not None))
            if deds or "heavy_act" not in fields:
                fields["deductions"] = tuple(deds)
        if rule.no_deductions is not None:
            if rule.applies:
                diags.error(rule.no_deductions, "`no deductions` and an `applies` in the same rule contradict each other", "keep one of them", code="regime")
            fields["deductions"] = ()
            fields["heavy_act"] = None
        if rule.not_reimbursed is not None:
            fields["not_reimbursed"] = True
            if rule.rates or rule.base:
                diags.error(rule.not_reimbursed, "an act that is not reimbursed has no base or rate", code="name")
        if rule.price_limits:
            pls = []
            for pl in rule.price_limits:
                constraints = {}
                if pl.selector is not None:
                    ok, _, constraints = resolve(pl.selector, vocab, diags, allow_nodes=False, what="price limit")
                    if not ok:
                        continue
                value = _value(pl.value, "percent" if pl.of_base else "money", params, currency, owner, diags, "price limit")
                if value is None:
                    continue
                min_age = None
                if pl.min_age is not None:
                    min_age = units.count_value(pl.min_age, diags, "from age", units.MAX_AGE)
                    if min_age is None:
                        continue
                pls.append((tuple(sorted(constraints.items())), model.PriceLimit(value, pl.of_base, pl.ref, pl.span, min_age)))
            fields["price_limits"] = tuple(pls)
        rules[node] = fields

    acts: dict[str, model.RegimeAct] = {}
    reported: set = set()
    for node_id, node in vocab.nodes.items():
        merged: dict = {}
        span = None
        for anc in node.ancestors:  # root first: deeper rules override
            r = rules.get(anc)
            if r is None:
                continue
            span = r["span"]
            for key in ("base", "rate", "deductions", "not_reimbursed", "price_limits", "heavy_act"):
                if key in r:
                    merged[key] = r[key]
            if r.get("not_reimbursed"):
                merged.pop("base", None)
                merged.pop("rate", None)
                merged.pop("deductions", None)
                merged.pop("heavy_act", None)
            elif "rate" in r or "base" in r:
                merged.pop("not_reimbursed", None)
        acts[node_id] = model.RegimeAct(
            node=node_id,
            base=merged.get("base"),
            rate=merged.get("rate"),
            deductions=merged.get("deductions", ()),
            not_reimbursed=merged.get("not_reimbursed", False),
            price_limits=merged.get("price_limits", ()),
            span=span,
            heavy_act=merged.get("heavy_act"),
        )
        if span is None:
            if not tree.act_rules:
                continue  # a taxonomy-only regime (managed care): its products price every claim themselves
            diags.warning(node.span, f"act `{vocab.path_text(node_id)}` has no rule: claims for it will be rejected", "add an `act` rule (or `not reimbursed`) on it or one of its parents", code="regime")
        elif not merged.get("not_reimbursed") and merged.get("rate") is None:
            diags.error(node.span, f"act `{vocab.path_text(node_id)}` has no rate", "add `rate N%` to its rule or a parent's", code="regime")
        elif not merged.get("not_reimbursed"):
            rate = merged["rate"]
            missing = [c for c in combinations(rate.dims, vocab) if c not in rate.entries] if rate.entries else []
            if missing and ("rate-holes", id(rate)) not in reported:
                reported.add(("rate-holes", id(rate)))
                shown = "; ".join(" ".join(v or f"no {d}" for d, v in zip(rate.dims, c)) for c in missing[:4])
                diags.error(rate.span, f"the rate of `{vocab.path_text(node_id)}` has no value for {shown}", "add an unconditional `rate N%` line (a rule's rate table replaces its parent's whole)", code="regime")
    return acts


def _dated(values, what: str, diags: Diagnostics):
    """(value, date) of a ceiling's or floor's dated values, each checked
    for its `ref` and for ascending dates (date None when unreadable)."""
    previous = None
    for v in values:
        date = units.parse_date(v.start, v.span, diags)
        if v.ref is None:
            diags.error(v.span, f"{what} value has no `ref`", 'name its legal source: `ref "CSS R871-2"`', code="param")
        if date is not None and previous is not None and date <= previous:
            diags.error(v.span, f"{what} dates must ascend", code="param")
        previous = date or previous
        yield v, date


def _ceilings(tree: ast.RegimeFile, vocab: Vocabulary, currency: str, diags: Diagnostics) -> tuple[model.Ceiling, ...]:
    out = []
    for c in tree.ceilings:
        ok, node, constraints = resolve(c.selector, vocab, diags, what="ceiling")
        if not ok:
            continue
        steps = []
        for v, date in _dated(c.values, "ceiling", diags):
            amount = None
            if v.of_base:
                pct = units.percent_bp(v.percent, diags, "a ceiling")
            else:  # an all-in amount (R8)
                pct = None
                amount = units.money_cents(v.percent, currency, f"regime `{tree.name}`", diags, "a ceiling: `N% BRSS` or an amount")
                if v.below_percent is not None:
                    diags.error(v.span, "`below` compares percentages of the base: write the ceiling in `% BRSS`", code="unit")
            if c.on_frame and v.of_base:
                # A `cap` line reads only `% BRSS` ceilings: the frame's share stays out of them.
                diags.error(v.span, "a ceiling `on the frame` is an amount (e.g. `100€`), not a percentage of the base", code="unit")
                continue
            below_pct = below_value = None
            if v.below_percent is not None:
                below_pct = units.percent_bp(v.below_percent, diags, "a ceiling")
                meanings = [m for m in vocab.words.get(fold(v.below_value or ""), ()) if m.kind == "value"]
                if not meanings:
                    diags.error(v.span, f"`below {v.below_value}`: not a value of a dimension", did_you_mean(v.below_value or "", vocab.spellings()), code="name")
                else:
                    below_value = (meanings[0].dim, meanings[0].target)
            if date is None or (pct is None and amount is None):
                continue
            steps.append(model.CeilingStep(date, pct, below_pct, below_value, v.ref, v.span, amount))
        out.append(model.Ceiling(c.title or c.selector.text, node, tuple(sorted(constraints.items(), key=lambda kv: kv[0])), tuple(steps), c.span, c.rule, c.first_euros, c.on_frame))
    return tuple(out)


def _floors(tree: ast.RegimeFile, vocab: Vocabulary, params, currency: str, diags: Diagnostics) -> tuple[model.Floor, ...]:
    out = []
    owner = f"regime `{tree.name}`"
    for f in tree.floors:
        ok, node, constraints = resolve(f.selector, vocab, diags, what="floor")
        if not ok:
            continue
        steps = []
        for v, date in _dated(f.values, "floor", diags):
            if v.value is None:
                kind, value = "price_limit", None
            elif v.of_base:
                kind, value = "percent", _value(v.value, "percent", params, currency, owner, diags, "a floor")
            else:
                kind, value = "amount", _value(v.value, "money", params, currency, owner, diags, "a floor")
            if date is None or (kind != "price_limit" and value is None):
                continue
            steps.append(model.FloorStep(date, kind, value, v.ref, v.span))
        exceptions = []
        for e in f.exceptions:
            ok, ex_node, ex_constraints = resolve(e.selector, vocab, diags, what="floor exception")
            if ok:
                exceptions.append(model.FloorException(ex_node, tuple(sorted(ex_constraints.items())), e.ref, e.span))
        out.append(model.Floor(f.title or f.selector.text, f.rule, node, tuple(sorted(constraints.items())), tuple(steps), tuple(exceptions), f.span, f.above_tm_only))
    return tuple(out)


def _network_bans(tree: ast.RegimeFile, vocab: Vocabulary, diags: Diagnostics) -> tuple[model.NetworkBan, ...]:
    out = []
    for b in tree.no_networks:
        ok, node, constraints = resolve(b.selector, vocab, diags, what="`no network` rule")
        if not ok:
            continue
        if b.ref is None:
            diags.error(b.span, "`no network` has no `ref`", 'name its legal source: `ref "Loi n° 2014-57 …"`', code="param")
        out.append(model.NetworkBan(node, tuple(sorted(constraints.items())), b.ref, b.span))
    return out and tuple(out) or ()


def _renewals(tree: ast.RegimeFile, vocab: Vocabulary, params, currency: str, diags: Diagnostics) -> tuple[model.Renewal, ...]:
    """`renewal` declarations (R7): dated `once per rolling N months` limits."""
    out = []
    owner = f"regime `{tree.name}`"
    for r in tree.renewals:
        ok, node, constraints = resolve(r.selector, vocab, diags, what="renewal")
        if not ok:
            continue
        steps = []
        for v, date in _dated(r.values, "renewal", diags):
            limits = []
            for lim in v.limits:
                got = units.limit(lim, currency, owner, "renewal", diags, params)
                if got is None:
                    continue
                once = got.kind == "once" or (not r.required and got.kind == "count")
                if not once or got.period is None or got.period.kind != "rolling":
                    diags.error(lim.span, "a renewal is written `once per rolling N months` (with an age band)", code="unit")
                    continue
                limits.append(got)
            if date is not None and limits:
                steps.append(model.RenewalStep(date, tuple(limits), v.ref, v.span))
        exceptions = []
        for e in r.exceptions:
            ok, ex_node, ex_constraints = resolve(e.selector, vocab, diags, what="renewal exception")
            if ok:
                exceptions.append(model.FloorException(ex_node, tuple(sorted(ex_constraints.items())), e.ref, e.span))
        out.append(model.Renewal(r.title or r.selector.text, r.rule, node, tuple(sorted(constraints.items())), tuple(steps), tuple(exceptions), r.span, r.required))
    return tuple(out)


# What a contract can state in its header about itself (dsl/grammar.lark
# `header_line`): the words a `contract states …` clause may name.
STATEMENTS = ("solidaire", "tiers_payant", "annual_statement")


def _rules(tree: ast.RegimeFile, diags: Diagnostics) -> tuple[model.RuleDecl, ...]:
    """`rule R9 "…"` declarations: the rules the compliance report lists."""
    out = []
    seen: dict[str, ast.RuleDecl] = {}
    for r in tree.rules:
        if r.name in seen:
            diags.error(r.span, f"rule {r.name} is declared twice (first on line {seen[r.name].span.line})", code="regime")
            continue
        seen[r.name] = r
        start = units.parse_date(r.start, r.span, diags) if r.start else None
        if (r.states or r.no_refund) and (start is None or r.ref is None):
            diags.error(r.span, f"rule {r.name} asks something of contracts without `from DATE ref \"…\"`", "say from which contract date it applies and its legal source", code="param")
        states = []
        for word, warning, span in r.states:
            known = {fold(w): w for w in STATEMENTS}
            if fold(word) not in known:
                diags.error(span, f"`contract states {word}`: a contract cannot state that", did_you_mean(word, STATEMENTS) or f"a contract states one of {', '.join(STATEMENTS)}", code="name")
                continue
            states.append((known[fold(word)], warning))
        out.append(model.RuleDecl(r.name, r.title, start, r.ref, tuple(states), r.no_refund, r.not_checked, r.span))
    return tuple(out)


RESERVED_SCHEME = "general"  # a claim's `scheme` when it names none: the regime's own rules


def _statuses(tree: ast.RegimeFile, vocab: Vocabulary, params, currency: str, diags: Diagnostics) -> tuple[model.Status, ...]:
    """`status NAME` and `scheme NAME` blocks: names unique per kind, rates
    on acts of the taxonomy, amounts that are the regime's parameters,
    and a `ref` on every clause (no figure without its source)."""
    seen: dict[tuple[str, str], Span] = {}
    out = []
    for decl in tree.statuses:
        key = (decl.kind, fold(decl.name))
        if key in seen:
            diags.error(decl.span, f"{decl.kind} `{decl.name}` is declared twice", f"the first is at {seen[key].where}", code="name")
            continue
        seen[key] = decl.span
        if decl.kind == "scheme" and fold(decl.name) == RESERVED_SCHEME:
            diags.error(decl.span, f"`{RESERVED_SCHEME}` is the regime's own scheme (a claim without `scheme`)", "name the local scheme", code="name")
            continue
        out.append(_status(decl, vocab, params, currency, diags))
    return tuple(out)


def _status(decl: ast.StatusDecl, vocab: Vocabulary, params, currency: str, diags: Diagnostics) -> model.Status:
    owner = f"{decl.kind} `{decl.name}`"
    rates = []
    for r in decl.rates:
        node = None
        if r.words:
            sel = ast.Selector(tuple(ast.SelWord("name", w, sp) for w, sp in r.words), r.span)
            ok, node, _ = resolve(sel, vocab, diags, allow_dims=False, what=f"{decl.kind} rate")
            if not ok or node is None:
                continue
        value = _value(r.value, "percent", params, currency, owner, diags, f"{owner}'s rate")
        _needs_ref(r.ref, r.span, owner, diags)
        if value is not None:
            rates.append((node, value, r.ref))
    exempt = []
    for names, ref, span in decl.exempt:
        _needs_ref(ref, span, owner, diags)
        for name, nspan in names:
            p = _money_param(name, nspan, params, diags)
            if p is not None:
                exempt.append((p, ref, span))
    reduced = []
    for (name, nspan), (repl, rspan), ref, span in decl.reduced:
        _needs_ref(ref, span, owner, diags)
        p, q = _money_param(name, nspan, params, diags), _money_param(repl, rspan, params, diags)
        if p is not None and q is not None:
            reduced.append((p, q, ref, span))
    if decl.increase:
        _needs_ref(decl.increase[0], decl.increase[1], owner, diags)
    return model.Status(decl.kind, decl.name, decl.title or decl.name, tuple(rates), tuple(exempt), tuple(reduced),
                        tuple(decl.increase), decl.span)


def _needs_ref(ref, span: Span, owner: str, diags: Diagnostics) -> None:
    if ref is None:
        diags.error(span, f"this clause of {owner} has no `ref`", 'name its legal source: `ref "CSS L160-14"`', code="param")


def _money_param(name: str, span: Span, params, diags: Diagnostics) -> str | None:
    p = units.find_param(params, name)
    if p is None:
        diags.error(span, f"unknown parameter `{name}`", did_you_mean(name, params), code="name")
        return None
    if p.unit != "money":
        diags.error(span, f"`{name}` is a percentage; a status exempts from or reduces amounts", code="unit")
        return None
    return p.name
