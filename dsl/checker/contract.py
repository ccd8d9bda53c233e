"""Contract AST → checked `model.Contract`.

Checks the header (the regime must exist, one effective date, networks),
each guarantee line (selector words, units and currency of every term and
limit), then hands the lines to `resolution` for the decision table.
"""

from __future__ import annotations

import hashlib

import attrs

from garant.dsl import ast, model
from garant.dsl.checker import units
from garant.dsl.checker.regime import vocabulary
from garant.dsl.checker.resolution import decide
from garant.dsl.checker.responsable import check_compliance
from garant.dsl.checker.selectors import resolve
from garant.dsl.diagnostics import Diagnostics, did_you_mean
from garant.dsl.names import fold
from garant.dsl.source import SourceFile


def check_contract(tree: ast.ContractFile, source: SourceFile, regimes: dict[str, model.Regime], diags: Diagnostics) -> model.Contract | None:
    headers = _headers(tree, regimes, diags)
    regime = headers["regime"]
    if regime is None:
        return None
    currency = regime.currency
    owner = f"contract \"{tree.name}\""
    if headers["currency"] is not None and headers["currency"] != currency:
        diags.error(headers["currency_span"], f"currency: contract \"{tree.name}\" is in {headers['currency']} but regime `{regime.name}` is in {currency}", code="currency")
    vocab = vocabulary(regime)
    networks = tuple(dict.fromkeys(list(regime.networks) + headers["networks"]))
    lines: list[model.Line] = []
    seen: dict[tuple, model.Line] = {}
    for g in tree.guarantees:
        line = _line(g, source, vocab, networks, currency, owner, diags)
        if line is None:
            continue
        key = (line.node, line.constraints, line.additive)
        if key in seen:
            other = seen[key]
            diags.error(g.selector.span, f"line {g.span.line} repeats the selector of line {other.span.line} (`{other.selector}`)", "merge the two lines", code="overlap")
            continue
        seen[key] = line
        lines.append(line)
    decision = decide(lines, regime, vocab, headers["effective"], tree, diags)
    contract = model.Contract(
        name=tree.name,
        insurer=headers["insurer"],
        path=tree.path,
        regime=regime,
        effective=headers["effective"],
        responsable=headers["responsable"],
        currency=currency,
        networks=networks,
        lines=tuple(lines),
        decision_dims=decision.dims,
        groups=decision.groups,
        group_members=decision.group_members,
        decisions=decision.table,
        source_hash=hashlib.sha256(source.text.encode()).hexdigest()[:16],
        guarantees_span=tree.guarantees_span,
    )
    if not diags.has_errors:
        # The law, proved on the formulas (a broken table would only add noise).
        check_compliance(contract, diags)
    return contract


def _headers(tree: ast.ContractFile, regimes: dict[str, model.Regime], diags: Diagnostics) -> dict:
    out = {"insurer": None, "regime": None, "effective": None, "responsable": False, "currency": None, "currency_span": None, "networks": []}
    seen: dict[str, ast.Header] = {}
    for h in tree.headers:
        if h.key in seen and h.key != "network":
            diags.error(h.span, f"`{h.key}` is given twice (first on line {seen[h.key].span.line})", code="header")
            continue
        seen[h.key] = h
        if h.key == "regime":
            regime = {fold(k): v for k, v in regimes.items()}.get(fold(h.value))
            if regime is None:
                known = ", ".join(f"`{r}`" for r in sorted(regimes)) or "none"
                hint = did_you_mean(h.value, regimes) or f"known regimes: {known}; give a regime file of your own beside the contract (`garant eval … --regime FILE`)"
                diags.error(h.span, f"unknown regime `{h.value}`", hint, code="regime")
            out["regime"] = regime
        elif h.key == "effective":
            out["effective"] = units.parse_date(h.value, h.span, diags)
        elif h.key == "network":
            out["networks"].append(h.value)
        elif h.key == "currency":
            out["currency"] = h.value.upper()
            out["currency_span"] = h.span
        else:
            out[h.key] = h.value
    if "regime" not in seen:
        diags.error(tree.span, f"contract \"{tree.name}\" names no regime", "add `  regime secu` to its header", code="regime")
    return out


def _line(g: ast.Guarantee, source: SourceFile, vocab, networks, currency: str, owner: str, diags: Diagnostics) -> model.Line | None:
    ok, node, constraints = resolve(g.selector, vocab, diags, allow_network=True, extra_networks=networks, what="selector")
    line_id = f"L{g.span.line}"
    terms: list[model.Term] = []
    limits: list[model.Limit] = []
    for t in g.formula.terms:
        term, budget = _term(t, currency, owner, f"{line_id}.{len(terms) + 1}", diags)
        if term is None:
            ok = False
            continue
        terms.append(attrs.evolve(term, budget=budget) if budget is not None else term)
    if any(t.kind == "not_covered" for t in terms) and len(terms) > 1:
        diags.error(g.formula.span, "`not covered` cannot be added to other terms", code="formula")
        ok = False
    if g.formula.additive and any(t.kind == "not_covered" for t in terms):
        diags.error(g.formula.span, "`+not covered` adds nothing", "write `not covered` to replace the line it refines", code="formula")
        ok = False
    for lim in g.limits:
        m = units.limit(lim, currency, owner, line_id, diags)
        if m is None:
            ok = False
            continue
        limits.append(m)
    if not ok:
        return None
    return model.Line(
        id=line_id,
        selector=g.selector.text,
        node=node,
        constraints=tuple(sorted(constraints.items(), key=lambda kv: kv[0])),
        terms=tuple(terms),
        additive=g.formula.additive,
        limits=tuple(limits),
        span=g.span,
        text=source.line_text(g.span.line).strip(),
    )


def _term(t: ast.Term, currency: str, owner: str, line_id: str, diags: Diagnostics) -> tuple[model.Term | None, model.Limit | None]:
    q = t.quantity
    text = _term_text(t)
    if t.kind in ("pct_brss", "pct_fr"):
        bp = units.percent_bp(q, diags, "BRSS" if t.kind == "pct_brss" else "FR")
        return (None if bp is None else model.Term(t.kind, bp, False, t.cap, text, t.span)), None
    if t.kind == "ticket_moderateur":
        return model.Term("ticket_moderateur", None, False, False, text, t.span), None
    if t.kind == "not_covered":
        return model.Term("not_covered", None, False, False, text, t.span), None
    if t.kind == "cent_pour_cent_sante":
        if q.kind != "percent" or q.value != 100:
            diags.error(q.span, f"`{q.text} santé`: the 100% Santé basket is written `100% santé`", code="formula")
            return None, None
        return model.Term("cent_pour_cent_sante", 10000, False, False, text, t.span), None
    cents = units.money_cents(q, currency, owner, diags)
    if cents is None:
        return None, None
    if t.kind == "amount":
        return model.Term("amount", cents, False, False, text, t.span), None
    if t.kind == "secu_incluse":
        return model.Term("secu_incluse", cents, False, False, text, t.span), None
    # amount_per: per day / per session (per unit), or a budget per period
    p = t.period
    unit = (p.unit or "").lower()
    if p.kind == "one_unit" and unit in units.PER_UNIT_WORDS and unit not in ("year", "years", "month", "months"):
        return model.Term("amount", cents, True, False, text, t.span), None
    per = units.period(p, diags)
    if per is None:
        return None, None
    budget = model.Limit("amount", cents, None, per, line_id, t.span, f"{q.text} per {per.text}")
    return model.Term("budget", cents, False, False, text, t.span), budget


def _term_text(t: ast.Term) -> str:
    q = t.quantity.text if t.quantity is not None else ""
    return {
        "pct_brss": f"{q} BRSS" + (" cap" if t.cap else ""),
        "pct_fr": f"{q} FR",
        "ticket_moderateur": "TM",
        "not_covered": "not covered",
        "cent_pour_cent_sante": "100% santé",
        "amount": q,
        "secu_incluse": f"{q} Sécu incluse",
    }.get(t.kind, f"{q} per {t.period.unit if t.period and t.period.unit else 'period'}" if t.period else q)
