"""Plan AST → checked `plan_model.Plan`.

Checks the header (the kind and what it implies for the network, the
primary care physician and referrals; USD amounts; individual and family
deductibles and maximums), each benefit line (selector words against the
managed-care taxonomy, units and currency of every term), then hands the
lines to the contracts' own `resolution` for the decision table, gaps and
overlaps. Errors are located and suggested as for contracts.
"""

from __future__ import annotations

import hashlib

import attrs

from garant.dsl import ast, model
from garant.dsl.checker import plan_ehb, units
from garant.dsl.checker.regime import vocabulary
from garant.dsl.checker.resolution import decide
from garant.dsl.checker.selectors import resolve
from garant.dsl.diagnostics import Diagnostic, Diagnostics, did_you_mean
from garant.dsl.names import fold
from garant.dsl.plan_model import KIND_RULES, KINDS, Accumulator, CostSharing, NoSurprises, OutOfNetwork, Plan, Referral
from garant.dsl.source import SourceFile, Span

DEFAULT_REGIME = "managed_care"
EMERGENCY = "emergency"  # `unless emergency`, `except … emergency`: the claim's flag, or care under this node
# Ancillary services at an in-network facility that no notice and consent
# waives (42 U.S.C. 300gg-132(b)(3): "diagnostic services (including
# radiology and laboratory services)"): care under these categories.
ANCILLARY_CATEGORIES = ("diagnostic", "imaging")


def check_plan(tree: ast.PlanFile, source: SourceFile, regimes: dict[str, model.Regime], diags: Diagnostics) -> Plan | None:
    units.check_name(tree.name, tree.span, diags, "the plan's name")
    h = _headers(tree, diags)
    regime = _regime(tree, h, regimes, diags)
    if regime is None:
        return None
    currency = regime.currency
    owner = f"plan \"{tree.name}\""
    if "currency" in h and h["currency"].value.upper() != currency:
        diags.error(h["currency"].span, f"currency: plan \"{tree.name}\" is in {h['currency'].value} but regime `{regime.name}` is in {currency}", code="currency")
    vocab = vocabulary(regime)
    kind = _kind(tree, h, diags)
    rules = KIND_RULES.get(kind)
    deductible = _accumulator(h.get("deductible"), "deductible", currency, owner, diags)
    oop = _accumulator(h.get("out_of_pocket_max"), "out-of-pocket maximum", currency, owner, diags)
    _deductible_within_maximum(deductible, oop, diags)
    rx_deductible, drugs_node = _rx_deductible(h.get("rx_deductible"), regime, oop, currency, owner, diags)
    no_surprises = _no_surprises(h.get("no_surprises"), source, regime, diags)
    grandfathered = plan_ehb.grandfathered(h.get("grandfathered"), diags)
    pcp = "primary_care_physician" in h
    referral = _referral(h.get("referral"), vocab, source, diags)
    if rules is not None:
        _kind_rules(kind, rules, h, tree, diags)
    oon = _out_of_network(h, kind, rules, currency, owner, source, diags)
    emergency_node = next((n.id for n in regime.nodes.values() if fold(n.name) == EMERGENCY), None)
    status_dim = next((d.name for d in regime.dims if {"in_network", "out_of_network"} <= set(d.values)), None)
    if status_dim is None:
        diags.error(h["regime"].span if "regime" in h else tree.span, f"regime `{regime.name}` has no provider dimension with the values `in_network` and `out_of_network`", "plans are written over `managed_care`", code="regime")
        return None

    year_start = (1, 1)
    if "year" in h and h["year"].value is not None:
        start = units.parse_date(h["year"].value, h["year"].span, diags)
        if start is not None:
            if (start.month, start.day) == (2, 29):
                diags.error(h["year"].span, "a plan year cannot start on 29 February", "start it on 1 March", code="plan")
            else:
                year_start = (start.month, start.day)
    lines: list[model.Line] = []
    sharing: dict[str, CostSharing] = {}
    seen: dict[tuple, model.Line] = {}
    for b in tree.benefits:
        got = _benefit(b, source, vocab, currency, owner, year_start, diags)
        if got is None:
            continue
        line, cost = got
        if rules is not None and not rules.out_of_network_covered and dict(line.constraints).get("network_status") == "out_of_network" and cost.covered:
            diags.error(b.selector.span, f"an {kind} covers no out-of-network care beyond emergencies (which it pays at the in-network level)", "drop the line, or write `not covered`", code="plan")
            continue
        key = (line.node, line.constraints)
        if key in seen:
            other = seen[key]
            diags.error(b.selector.span, f"line {b.span.line} repeats the selector of line {other.span.line} (`{other.selector}`)", "merge the two lines", code="overlap")
            continue
        seen[key] = line
        lines.append(line)
        sharing[line.id] = cost
        plan_ehb.check_dollar_cap(b, line, cost, regime, grandfathered, diags)
    own = Diagnostics()
    decision = decide(lines, regime, vocab, None, tree, own)
    diags.extend(_plan_wording(d) for d in own.items)
    _preventive_at_no_cost(regime, decision, lines, sharing, status_dim, diags)
    _emergency_out_of_network(emergency_node, regime, decision, lines, sharing, status_dim, no_surprises, diags)
    effective = units.parse_date(h["effective"].value, h["effective"].span, diags) if "effective" in h else None
    return Plan(
        name=tree.name,
        insurer=h["insurer"].value if "insurer" in h else None,
        path=tree.path,
        kind=kind or "HMO",
        regime=regime,
        currency=currency,
        network=h["network"].value if "network" in h else None,
        effective=effective,
        year_start=year_start,
        deductible=deductible,
        out_of_pocket_max=oop,
        pcp_required=pcp,
        referral=referral,
        out_of_network=oon,
        emergency_node=emergency_node,
        status_dim=status_dim,
        lines=tuple(lines),
        sharing=sharing,
        decision_dims=decision.dims,
        groups=decision.groups,
        group_members=decision.group_members,
        decisions=decision.table,
        source_hash=hashlib.sha256(source.text.encode()).hexdigest()[:16],
        benefits_span=tree.benefits_span,
        header_spans={k: v.span for k, v in h.items()},
        rx_deductible=rx_deductible,
        drugs_node=drugs_node,
        no_surprises=no_surprises,
        grandfathered=grandfathered,
    )


# ------------------------------------------------------------------ header
def _headers(tree: ast.PlanFile, diags: Diagnostics) -> dict[str, ast.Header]:
    seen: dict[str, ast.Header] = {}
    for header in tree.headers:
        if header.key in seen:
            diags.error(header.span, f"`{header.key.replace('_', ' ')}` is given twice (first on line {seen[header.key].span.line})", code="header")
            continue
        seen[header.key] = header
    return seen


def _regime(tree: ast.PlanFile, h: dict, regimes: dict[str, model.Regime], diags: Diagnostics) -> model.Regime | None:
    name = h["regime"].value if "regime" in h else DEFAULT_REGIME
    span = h["regime"].span if "regime" in h else tree.span
    regime = {fold(k): v for k, v in regimes.items()}.get(fold(name))
    if regime is None:
        known = ", ".join(f"`{r}`" for r in sorted(regimes)) or "none"
        diags.error(span, f"unknown regime `{name}`", did_you_mean(name, regimes) or f"known regimes: {known}", code="regime")
    return regime


def _kind(tree: ast.PlanFile, h: dict, diags: Diagnostics) -> str | None:
    header = h.get("kind")
    if header is None:
        diags.error(tree.span, f"plan \"{tree.name}\" names no kind", "add `  kind HMO` (or PPO, EPO, POS) to its header", code="plan")
        return None
    kind = header.value.upper()
    if kind not in KINDS:
        hint = did_you_mean(header.value, KINDS) or "a plan is an HMO, PPO, EPO or POS"
        diags.error(header.span, f"unknown plan kind `{header.value}`", hint, code="plan")
        return None
    return kind


def _accumulator(header: ast.Header | None, what: str, currency: str, owner: str, diags: Diagnostics) -> Accumulator:
    if header is None:
        return Accumulator(None, None, Span("", 0, 0), "none")
    found: dict[str, int] = {}
    spans: dict[str, Span] = {}
    texts = []
    for quantity, who, span in header.value:
        if who in found:
            diags.error(span, f"the {who} {what} is given twice", code="plan")
            continue
        cents = units.money_cents(quantity, currency, owner, diags, f"an amount for the {what}")
        if cents is None:
            continue
        found[who] = cents
        spans[who] = quantity.span
        texts.append(f"{quantity.text} {who}")
    individual, family = found.get("individual"), found.get("family")
    if individual is not None and family is not None and family < individual:
        diags.error(
            spans["family"],
            f"the family {what} ({_usd(family)}) is smaller than the individual one ({_usd(individual)})",
            "a family limit covers several members: it is at least the individual limit (often twice it)",
            code="plan",
        )
    return Accumulator(individual, family, header.span, ", ".join(texts))


def _deductible_within_maximum(deductible: Accumulator, oop: Accumulator, diags: Diagnostics, what: str = "deductible") -> None:
    for who in ("individual", "family"):
        d, m = getattr(deductible, who), getattr(oop, who)
        if d is not None and m is not None and d > m:
            diags.error(
                oop.span if what == "deductible" else deductible.span,
                f"the {who} out-of-pocket maximum ({_usd(m)}) is below the {who} {what} ({_usd(d)})",
                "the deductible counts toward the out-of-pocket maximum: the maximum is at least the deductible",
                code="plan",
            )


def _rx_deductible(header: ast.Header | None, regime: model.Regime, oop: Accumulator, currency: str, owner: str, diags: Diagnostics) -> tuple[Accumulator | None, str | None]:
    """`rx deductible $250 individual, $500 family`: prescription drugs'
    own deductible, in place of the plan's deductible for care under the
    regime's `drugs` category. What the member pays toward it counts
    toward the plan's out-of-pocket maximum, so it is at most that maximum."""
    if header is None:
        return None, None
    node = next((n.id for n in regime.nodes.values() if fold(n.name) == "drugs" and n.parent is None), None)
    if node is None:
        diags.error(header.span, f"regime `{regime.name}` has no `drugs` category for a prescription drug deductible", "plans are written over `managed_care`", code="plan")
        return None, None
    acc = _accumulator(header, "prescription drug deductible", currency, owner, diags)
    _deductible_within_maximum(acc, oop, diags, "prescription drug deductible")
    return acc, node


def _no_surprises(header: ast.Header | None, source: SourceFile, regime: model.Regime, diags: Diagnostics) -> NoSurprises | None:
    """`no surprises act` (optionally `: allowed 80%, in network
    facilities, air ambulance`): emergencies out of network, and when said
    non-emergency care by out-of-network providers at in-network
    facilities and out-of-network air ambulances, at in-network cost
    sharing, without balance billing (docs/plans.md)."""
    if header is None:
        return None
    options = header.value or {}
    allowed = None
    q = options.get("allowed")
    if q is not None:
        allowed = units.percent_bp(q, diags, "`allowed`")
        if allowed is not None and not 0 < allowed <= 10000:
            diags.error(q.span, f"`allowed {q.text}`: the recognized amount is a share of the billed price, above 0% and at most 100%", code="unit")
            return None
    text = source.line_text(header.span.line).split("#", 1)[0].strip()
    ancillary = tuple(n.id for n in regime.nodes.values() if n.parent is None and fold(n.name) in ANCILLARY_CATEGORIES)
    return NoSurprises(allowed, header.span, text, bool(options.get("facilities")), bool(options.get("air_ambulance")), ancillary)


def _kind_rules(kind: str, rules, h: dict, tree: ast.PlanFile, diags: Diagnostics) -> None:
    where = h["kind"].span
    article = "an" if kind[0] in "AEHIOU" else "a"
    if rules.pcp_required and "primary_care_physician" not in h:
        diags.error(where, f"{article} {kind} requires a primary care physician", "add `  primary_care_physician required` to the header", code="plan")
    if not rules.pcp_required and "primary_care_physician" in h:
        diags.error(h["primary_care_physician"].span, f"{article} {kind} does not require a primary care physician", "drop the line, or make the plan an HMO or POS", code="plan")
    if rules.referral_required and "referral" not in h:
        diags.error(where, f"{article} {kind} requires referrals to specialists", "add `  referral required for specialist except obgyn, emergency, preventive`", code="plan")
    if not rules.referral_required and "referral" in h:
        diags.error(h["referral"].span, f"{article} {kind} requires no referral to see a specialist", "drop the line, or make the plan an HMO or POS", code="plan")


def _referral(header: ast.Header | None, vocab, source: SourceFile, diags: Diagnostics) -> Referral | None:
    if header is None:
        return None
    for_words, except_words = header.value
    nodes = [n for n in (_node(w, s, vocab, diags, "referral") for w, s in for_words) if n]
    exceptions, emergency = [], False
    for word, span in except_words:
        if fold(word) == EMERGENCY:
            emergency = True
            continue
        node = _node(word, span, vocab, diags, "referral exception")
        if node:
            exceptions.append(node)
    return Referral(tuple(nodes), tuple(exceptions), emergency, header.span, source.line_text(header.span.line).strip())


def _node(word: str, span: Span, vocab, diags: Diagnostics, what: str) -> str | None:
    selector = ast.Selector((ast.SelWord("name", word, span),), span)
    ok, node, _ = resolve(selector, vocab, diags, allow_dims=False, what=what)
    return node if ok else None


def _out_of_network(h: dict, kind, rules, currency: str, owner: str, source: SourceFile, diags: Diagnostics) -> OutOfNetwork:
    header = h.get("out_of_network")
    separate = {k: h.get(k) for k in ("out_of_network_deductible", "out_of_network_out_of_pocket_max")}
    article = "an" if kind and kind[0] in "AEHIOU" else "a"
    if rules is not None and not rules.out_of_network_covered:
        for key, extra in separate.items():
            if extra is not None:
                diags.error(extra.span, f"{article} {kind} has no out-of-network level: `{key.replace('_', ' ')}` does not apply", "drop the line", code="plan")
        if header is not None and [t.kind for t in header.value] != ["not_covered_unless_emergency"]:
            hint = "write `out of network: not covered unless emergency`"
            if [t.kind for t in header.value] == ["not_covered"]:
                diags.error(header.span, f"{article} {kind} covers emergencies out of network", hint, code="plan")
            else:
                diags.error(header.span, f"{article} {kind} covers no out-of-network care beyond emergencies", hint + ", or make the plan a PPO or POS", code="plan")
        span = header.span if header is not None else None
        return OutOfNetwork(False, None, None, None, None, span, "not covered unless emergency")
    if header is None:
        if rules is not None:
            diags.error(h["kind"].span, f"{article} {kind} covers out-of-network care at a lower level: say which", "add e.g. `  out of network: coinsurance 40%`", code="plan")
        return OutOfNetwork(False, None, None, None, None, None, "not covered unless emergency")
    allowed = None
    terms = []
    for t in header.value:
        if t.kind in ("not_covered", "not_covered_unless_emergency"):
            diags.error(t.span, f"{article} {kind} covers out-of-network care at a lower level, not `not covered`", "give its terms, e.g. `coinsurance 40%`, or make the plan an HMO or EPO", code="plan")
            return OutOfNetwork(False, None, None, None, None, header.span, "not covered unless emergency")
        if t.kind == "allowed":
            allowed = units.percent_bp(t.quantity, diags, "`allowed`")
            if allowed is not None and allowed > 10000:
                diags.error(t.quantity.span, f"`allowed {t.quantity.text}`: the plan allows at most the billed price", "the allowed amount out of network is a share of the billed price, at most 100%", code="unit")
                allowed = None
            continue
        terms.append(t)
    text = source.line_text(header.span.line).split("#", 1)[0].split(":", 1)[-1].strip()  # the terms, after `out of network:`
    cost = _sharing(terms, currency, owner, text, header.span, diags)
    ded = _accumulator(separate["out_of_network_deductible"], "out-of-network deductible", currency, owner, diags) if separate["out_of_network_deductible"] else None
    oop = _accumulator(separate["out_of_network_out_of_pocket_max"], "out-of-network out-of-pocket maximum", currency, owner, diags) if separate["out_of_network_out_of_pocket_max"] else None
    if ded is not None and oop is not None:
        _deductible_within_maximum(ded, oop, diags)
    return OutOfNetwork(True, cost, allowed, ded, oop, header.span, text)


# ---------------------------------------------------------------- benefits
def _benefit(b: ast.Benefit, source: SourceFile, vocab, currency: str, owner: str, year_start, diags: Diagnostics) -> tuple[model.Line, CostSharing] | None:
    ok, node, constraints = resolve(b.selector, vocab, diags, what="benefit")
    text = source.line_text(b.span.line).strip()
    cost = _sharing(b.terms, currency, owner, text, b.span, diags)
    got = _benefit_limits(b, currency, owner, year_start, diags)
    if not ok or cost is None or got is None:
        return None
    limits, cap = got
    if (limits or cap) and not cost.covered:
        span = limits[0].span if limits else cap[3]
        diags.error(span, "a line that is `not covered` has no limit", "drop the limit", code="plan")
        return None
    if limits:
        lim = limits[0]
        cost = attrs.evolve(cost, visits=lim.amount, visits_text=lim.text, visits_span=lim.span)
    if cap:
        cost = attrs.evolve(cost, cap=cap[0], cap_family=cap[1], cap_text=cap[2], cap_span=cap[3])
    terms = (
        model.Term("covered" if cost.covered else "not_covered", None, False, False, "covered" if cost.covered else "not covered", b.span),
        model.Term("deductible", int(cost.deductible), False, False, "deductible", b.span),
        model.Term("copay", cost.copay, False, False, "copay", b.span),
        model.Term("coinsurance", cost.coinsurance, False, False, "coinsurance", b.span),
    )
    line = model.Line(
        id=f"L{b.span.line}",
        selector=b.selector.text,
        node=node,
        constraints=tuple(sorted(constraints.items(), key=lambda kv: kv[0])),
        terms=terms,
        additive=False,
        limits=tuple(limits),
        span=b.span,
        text=text,
    )
    return line, cost


def _benefit_limits(b: ast.Benefit, currency: str, owner: str, year_start, diags: Diagnostics) -> tuple[list[model.Limit], tuple | None] | None:
    """A benefit line's limits: at most one visit limit (`max 20 visits per
    year`, per member) and one dollar cap (`max $2,000 per plan year`, per
    member; `max $4,000 per family per plan year`). Both run per plan year.
    Returns (visit limits, (cents, family, text, span) or None); None when a
    limit is in error."""
    visits, caps = [], []
    for lim in b.limits:
        if lim.kind not in ("max", "max_family"):
            diags.error(lim.span, f"a benefit line takes a visit limit (`max 20 visits per year`) or a dollar cap (`max $2,000 per plan year`), not `{lim.kind}`", code="plan")
            return None
        per = _plan_period(lim.period, year_start, diags)
        if per is None:
            return None
        q = lim.quantity
        if isinstance(q, ast.Quantity) and q.kind == "money" or lim.kind == "max_family":
            cap = _dollar_cap(lim, per, currency, owner, diags)
            if cap is None:
                return None
            caps.append(cap)
            continue
        m = units.limit(attrs.evolve(lim, period=ast.Period("one_unit", None, "year", lim.period.span)), currency, owner, f"L{b.span.line}", diags)
        if m is None:
            return None
        if m.amount is None or m.amount < 1:
            diags.error(lim.quantity.span, "a visit limit allows at least one visit", code="plan")
            return None
        visits.append(attrs.evolve(m, text=f"max {q.text}{' ' + lim.unit if lim.unit else ''} per {per}"))
    for found, what in ((visits, "visit limit"), (caps, "dollar cap")):
        if len(found) > 1:
            diags.error(found[1].span if what == "visit limit" else found[1][3], f"one {what} per benefit line", code="plan")
            return None
    return visits, (caps[0] if caps else None)


def _plan_period(p: ast.Period, year_start, diags: Diagnostics) -> str | None:
    """A plan's limits run per plan year: `per year`, `per plan year`, or
    `per calendar year` when the plan year is the calendar year."""
    if p.kind == "plan_year":
        return "plan year"
    if p.kind not in ("calendar_year", "one_unit") or (p.unit or "year").lower() not in ("year", "years"):
        diags.error(p.span, "a plan's limits run per plan year", "write `per plan year` (or `per year`)", code="plan")
        return None
    if p.kind == "calendar_year" and year_start != (1, 1):
        diags.error(p.span, "this plan's year is not the calendar year: its limits run per plan year", "write `per plan year`", code="plan")
        return None
    return "calendar year" if p.kind == "calendar_year" else "year"


def _dollar_cap(lim: ast.Limit, per: str, currency: str, owner: str, diags: Diagnostics) -> tuple | None:
    """`max $2,000 per plan year`: what the plan pays for the benefit in a
    plan year, per member (or per family), in cents."""
    q = lim.quantity
    if not isinstance(q, ast.Quantity) or q.kind != "money":
        shown = getattr(q, "text", None) or getattr(q, "name", "")
        diags.error(q.span if q is not None else lim.span, f"a family limit is a dollar cap, got `{shown}`", "write e.g. `max $4,000 per family per plan year`; a visit limit runs per member", code="plan")
        return None
    cents = units.money_cents(q, currency, owner, diags, "a dollar cap")
    if cents is None:
        return None
    if cents <= 0:
        diags.error(q.span, f"a dollar cap of {q.text} pays nothing", "write `not covered` instead", code="plan")
        return None
    family = lim.kind == "max_family"
    return cents, family, f"max {q.text} per {'family per ' if family else ''}{per}", lim.span


def _sharing(terms, currency: str, owner: str, text: str, span: Span, diags: Diagnostics) -> CostSharing | None:
    """Benefit terms → the member's share. None when a term is in error."""
    ok = True
    copay = coinsurance = None
    deductible: bool | None = None
    not_covered = None
    seen: dict[str, ast.CostShare] = {}
    for t in terms:
        if t.kind in ("copay", "flat_copay"):
            if copay is not None or "copay" in seen:
                diags.error(t.span, "two copays on one line", "a line has one copay per visit", code="plan")
                ok = False
                continue
            seen["copay"] = t
            cents = units.money_cents(t.quantity, currency, owner, diags, "a copay amount")
            if cents is None:
                ok = False
            copay = cents
        elif t.kind == "coinsurance":
            if "coinsurance" in seen:
                diags.error(t.span, "two coinsurance rates on one line", code="plan")
                ok = False
                continue
            seen["coinsurance"] = t
            bp = units.percent_bp(t.quantity, diags, "coinsurance")
            if bp is not None and bp > 10000:
                diags.error(t.quantity.span, f"coinsurance {t.quantity.text} is more than 100%", "coinsurance is the member's share of the allowed amount", code="unit")
                bp = None
            if bp is None:
                ok = False
            coinsurance = bp
            if t.after_deductible:
                deductible = _deductible_word(deductible, True, t.span, diags)
        elif t.kind == "no_deductible":
            deductible = _deductible_word(deductible, False, t.span, diags)
        elif t.kind == "after_deductible":
            deductible = _deductible_word(deductible, True, t.span, diags)
        elif t.kind == "not_covered":
            not_covered = t
        else:  # out-of-network-only terms never reach a benefit line (the grammar keeps them out)
            diags.error(t.span, "this term belongs on the `out of network:` line", code="plan")
            ok = False
    if not_covered is not None and len(terms) > 1:
        diags.error(not_covered.span, "`not covered` stands alone on its line", "drop the other terms", code="plan")
        ok = False
    if deductible is False and "copay" not in seen and "coinsurance" not in seen and not_covered is None:
        diags.error(span, "`no deductible` alone: the member would pay nothing; say so with `$0, no deductible`", code="plan")
        ok = False
    if not ok:
        return None
    if not_covered is not None:
        return CostSharing(False, False, 0, 0, text)
    return CostSharing(True, deductible is not False, copay or 0, coinsurance or 0, text)


def _deductible_word(current: bool | None, value: bool, span: Span, diags: Diagnostics) -> bool | None:
    if current is not None and current != value:
        diags.error(span, "`no deductible` and `after deductible` contradict each other", "keep one of them", code="plan")
        return current
    return value


def _preventive_at_no_cost(regime: model.Regime, decision, lines: list[model.Line], sharing: dict[str, CostSharing], status_dim: str, diags: Diagnostics) -> None:
    """In network, preventive care is $0 with no deductible under the ACA
    (MANAGED_CARE.md, step 3): a warning names a line that charges for it."""
    node = next((n.id for n in regime.nodes.values() if fold(n.name) == "preventive" and n.parent is None), None)
    group = decision.groups.get(node) if node else None
    if group is None:
        return
    by_id = {ln.id: ln for ln in lines}
    reported = set()
    for key, d in decision.table.items():
        values = dict(zip(decision.dims, key[1:]))
        if key[0] != group or values.get(status_dim) == "out_of_network" or d.lines[0] in reported:
            continue
        cost = sharing[d.lines[0]]
        if cost.covered and not cost.deductible and not cost.copay and not cost.coinsurance:
            continue
        reported.add(d.lines[0])
        line = by_id[d.lines[0]]
        diags.warning(line.span, f"line {line.span.line} (`{line.selector}`) charges for in-network preventive care", "under the ACA preventive care is covered at $0 with no deductible: add `preventive: $0, no deductible`", code="aca")


def _emergency_out_of_network(emergency_node, regime: model.Regime, decision, lines: list[model.Line], sharing: dict[str, CostSharing],
                              status_dim: str, no_surprises: NoSurprises | None, diags: Diagnostics) -> None:
    """A line written for emergency care out of network (`emergency_room
    out of network: …`) that charges more than the in-network line: with
    `no surprises act` an error (42 U.S.C. 300gg-111(a)(1)(C)(ii): no
    greater cost sharing than in network); without it, a warning, and the
    line applies as written. Under the option every such line is unused
    (emergencies out of network take the in-network line): a warning."""
    if emergency_node is None:
        return
    in_network = {}
    for key, d in decision.table.items():
        if dict(zip(decision.dims, key[1:])).get(status_dim) == "in_network":
            in_network.setdefault(key[0], d.lines[0])
    by_id = {ln.id: ln for ln in lines}
    for line in lines:
        node = regime.nodes.get(line.node) if line.node else None
        if node is None or emergency_node not in node.ancestors or dict(line.constraints).get(status_dim) != "out_of_network":
            continue
        other = in_network.get(decision.groups.get(line.node))
        more = None if other is None else _charges_more(sharing[line.id], sharing[other])
        _report_emergency_line(line, by_id.get(other), more, no_surprises, diags)


def _charges_more(out: CostSharing, inn: CostSharing) -> str | None:
    """How an out-of-network line charges more than the in-network one, or None."""
    if not inn.covered:
        return None
    if not out.covered:
        return "it does not cover the care"
    if out.deductible and not inn.deductible:
        return "it applies the deductible"
    if out.copay > inn.copay:
        return f"its copay {_usd(out.copay)} is above {_usd(inn.copay)}"
    if out.coinsurance > inn.coinsurance:
        return f"its coinsurance {out.coinsurance / 100:g}% is above {inn.coinsurance / 100:g}%"
    return None


def _report_emergency_line(line: model.Line, inn: model.Line | None, more: str | None, no_surprises: NoSurprises | None, diags: Diagnostics) -> None:
    against = f"line {inn.span.line} (`{inn.selector}`)" if inn is not None else "the in-network line"
    if no_surprises is not None and more is not None:
        diags.error(line.span, f"line {line.span.line} charges emergency care out of network more than {against}: {more}",
                    f"the No Surprises Act (line {no_surprises.span.line}) allows no greater cost sharing than in network: drop the line, or charge what {against} charges", code="nsa")
    elif no_surprises is not None:
        diags.warning(line.span, f"line {line.span.line} is never applied: under `no surprises act` emergency care out of network is paid by {against}", "drop the line", code="nsa")
    elif more is not None:
        diags.warning(line.span, f"line {line.span.line} charges emergency care out of network more than {against}: {more}",
                      "the No Surprises Act (42 U.S.C. 300gg-111, plan years from 2022) forbids it: add `no surprises act` to the header and drop the line", code="nsa")


def _plan_wording(d: Diagnostic) -> Diagnostic:
    """The shared resolution speaks of contracts; say `plan` here."""
    replace = lambda text: text.replace("this contract", "this plan").replace("contract", "plan") if text else text
    return attrs.evolve(d, message=replace(d.message), hint=replace(d.hint))


def _usd(cents: int) -> str:
    dollars, rest = divmod(cents, 100)
    return f"${dollars:,}" + (f".{rest:02d}" if rest else "")
