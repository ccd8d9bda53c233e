"""Contract AST → checked `model.Contract`.

Checks the header (the regime must exist, one effective date, networks),
each guarantee line (selector words, units and currency of every term and
limit), then hands the lines to `resolution` for the decision table.
"""

from __future__ import annotations

import hashlib

import attrs

from garant.dsl import ast, model
from garant.dsl.checker import clauses, units
from garant.dsl.checker.selectors import MAX_NETWORKS
from garant.dsl.checker.regime import STATEMENTS, vocabulary
from garant.dsl.checker.resolution import decide
from garant.dsl.checker.responsable import check_compliance
from garant.dsl.checker.selectors import resolve
from garant.dsl.diagnostics import Diagnostics, did_you_mean
from garant.dsl.names import fold
from garant.dsl.source import SourceFile


def check_contract(tree: ast.ContractFile, source: SourceFile, regimes: dict[str, model.Regime], diags: Diagnostics) -> model.Contract | None:
    units.check_name(tree.name, tree.span, diags, "the contract's name")
    headers = _headers(tree, regimes, diags)
    regime = headers["regime"]
    if regime is None:
        return None
    if regime.acts and all(a.span is None for a in regime.acts.values()):
        where = next((h.span for h in tree.headers if h.key == "regime"), tree.span)
        diags.error(where, f"regime `{regime.name}` has no reimbursement rules for a contract to complement", "a product over it is a `plan` file (`plan \"…\"`, `kind`, `benefits`)", code="regime")
        return None
    currency = regime.currency
    owner = f"contract \"{tree.name}\""
    if headers["currency"] is not None and headers["currency"] != currency:
        diags.error(headers["currency_span"], f"currency: contract \"{tree.name}\" is in {headers['currency']} but regime `{regime.name}` is in {currency}", code="currency")
    vocab = vocabulary(regime)
    networks = tuple(dict.fromkeys(list(regime.networks) + headers["networks"]))
    product_levels, modules = check_modules(tree, headers["levels"], diags)
    by_module = {m.name: m for m in modules}
    lines: list[model.Line] = []
    seen: dict[tuple, model.Line] = {}
    for g in tree.guarantees:
        module = by_module.get(g.module or DEFAULT_MODULE)
        line = _line(g, source, vocab, networks, currency, owner, diags, module)
        if line is None:
            continue
        # Additions of different modules may name the same acts.
        key = (line.node, line.constraints, line.additive, line.module if line.additive else None)
        if key in seen:
            other = seen[key]
            diags.error(g.selector.span, f"line {g.span.line} repeats the selector of line {other.span.line} (`{other.selector}`)", "merge the two lines", code="overlap")
            continue
        seen[key] = line
        lines.append(line)
    waiting = headers["waiting"]
    if waiting is not None:
        waiting = clauses.waiting(waiting, currency, owner, diags, terms_of, product=True)
        lines = [ln if ln.waiting is not None or waiting is None else attrs.evolve(ln, waiting=waiting) for ln in lines]
    lines = clauses.resolve_towards(lines, diags)
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
        levels=product_levels,
        modules=modules,
        states=frozenset(k for k in STATEMENTS if headers.get(k)),
        responsable_span=next((h.span for h in tree.headers if h.key == "responsable"), None),
        waiting=waiting,
    )
    if not diags.has_errors:
        # The law, proved on the formulas (a broken table would only add noise).
        check_compliance(contract, diags)
    return contract


def _headers(tree: ast.ContractFile, regimes: dict[str, model.Regime], diags: Diagnostics) -> dict:
    out = {"insurer": None, "regime": None, "effective": None, "responsable": False, "currency": None, "currency_span": None, "networks": [], "levels": None,
           "waiting": None}
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
            if len(out["networks"]) == MAX_NETWORKS + 1:
                diags.error(h.span, f"more than {MAX_NETWORKS} networks declared in the contract: at most {MAX_NETWORKS}", None, code="selector")
        elif h.key == "currency":
            out["currency"] = h.value.upper()
            out["currency_span"] = h.span
        else:
            out[h.key] = h.value
    if "regime" not in seen:
        diags.error(tree.span, f"contract \"{tree.name}\" names no regime", "add `  regime secu` to its header", code="regime")
    return out


def _line(g: ast.Guarantee, source: SourceFile, vocab, networks, currency: str, owner: str, diags: Diagnostics,
          module: model.Module | None = None) -> model.Line | None:
    ok, node, constraints = resolve(g.selector, vocab, diags, allow_network=True, extra_networks=networks, what="selector")
    line_id = f"L{g.span.line}"
    per_level = g.formula.per_level or any(lim.columns for lim in g.limits)
    levels = module.levels if module is not None else ()
    if per_level and not _columns_fit(g, module, diags):
        return None
    additive = g.formula.additive or (module is not None and module.optional)
    formulas = g.formula.columns or (g.formula.terms,)
    checked_terms: list[tuple[model.Term, ...]] = []
    for n, column in enumerate(formulas):
        terms = _terms(column, g.formula, currency, owner, line_id, diags, several=len(formulas) > 1)
        if terms is None:
            ok = False
        checked_terms.append(terms or ())
    if len(formulas) > 1 and all(all(t.kind == "not_covered" for t in col) for col in checked_terms) and g.formula.additive:
        diags.error(g.formula.span, "`+not covered` adds nothing at any level", "write `not covered` to replace the line it refines", code="formula")
        ok = False
    count = len(levels) if per_level else 1
    checked_limits: list[list[model.Limit]] = [[] for _ in range(count)]
    budget_only = bool(checked_terms) and all(clauses.formula_then_fits(col) for col in checked_terms)
    ok = clauses.check_thens(g, diags, budget_only or not ok) and ok
    budget_then = clauses.then_of_budget(g, currency, owner, line_id, diags, terms_of) if budget_only else None
    if budget_then is False:
        ok = False
    checked_terms = [clauses.with_budget_then(col, budget_then) for col in checked_terms]
    towards = clauses.towards(g, line_id)
    for lim in g.limits:
        values = lim.columns or (lim.quantity,) * count
        then = clauses.then_terms(lim, currency, owner, line_id, diags, terms_of)
        if then is False:
            ok = False
            continue
        for n in range(count):
            if lim.kind not in ("once",) and values[n] is None:
                continue  # `none`: no limit at this level
            m = units.limit(attrs.evolve(lim, quantity=values[n], columns=(), then=None), currency, owner, line_id, diags, sides=True)
            if m is None:
                ok = False
                break
            checked_limits[n].append(clauses.with_then(m, then))
    for n in range(count):
        checked_limits[n].extend(towards)
    waiting = clauses.waiting(g.waiting, currency, owner, diags, terms_of) if g.waiting is not None else None
    if g.waiting is not None and waiting is None:
        ok = False
    if not ok:
        return None
    columns: tuple[model.Column, ...] = ()
    if per_level:
        columns = tuple(
            model.Column(level, checked_terms[n if len(checked_terms) > 1 else 0], tuple(checked_limits[n]),
                         _column_text(checked_terms[n if len(checked_terms) > 1 else 0], checked_limits[n], g.formula.additive))
            for n, level in enumerate(levels)
        )
    return model.Line(
        id=line_id,
        selector=g.selector.text,
        node=node,
        constraints=tuple(sorted(constraints.items(), key=lambda kv: kv[0])),
        terms=checked_terms[0],
        additive=additive,
        limits=tuple(checked_limits[0]),
        span=g.span,
        text=source.line_text(g.span.line).strip(),
        module=module.name if module is not None else DEFAULT_MODULE,
        columns=columns,
        waiting=waiting,
    )


def _columns_fit(g: ast.Guarantee, module: model.Module | None, diags: Diagnostics) -> bool:
    """A line written per level has one column per level of its module."""
    if module is None:
        diags.error(g.formula.span if g.formula.per_level else g.span, f"line {g.span.line} gives one formula per level (`|`), but the product declares no levels",
                    "declare them in the header, e.g. `  levels N1, N2, N3`", code="levels")
        return False
    ok = True
    want = len(module.levels)
    names = ", ".join(module.levels)
    where = f"module `{module.name}`" if module.name != DEFAULT_MODULE else "the product"
    if g.formula.per_level and len(g.formula.columns) != want:
        diags.error(g.formula.span, f"line {g.span.line} has {len(g.formula.columns)} columns but {where} has {want} levels ({names})",
                    "give one formula for every level, or one per level in level order", code="levels")
        ok = False
    for lim in g.limits:
        if lim.columns and len(lim.columns) != want:
            diags.error(lim.span, f"the limit of line {g.span.line} has {len(lim.columns)} columns but {where} has {want} levels ({names})",
                        "give one value for every level, or one per level (`none` where there is no limit)", code="levels")
            ok = False
    return ok


def terms_of(column, formula: ast.Formula, currency: str, owner: str, line_id: str, diags: Diagnostics) -> tuple[model.Term, ...] | None:
    """A formula written in a clause (`then …`, `waiting …: …`), checked as a line's."""
    return _terms(column, formula, currency, owner, line_id, diags, several=False)


def _terms(column, formula: ast.Formula, currency: str, owner: str, line_id: str, diags: Diagnostics, several: bool) -> tuple[model.Term, ...] | None:
    ok = True
    terms: list[model.Term] = []
    for t in column:
        term, budget = _term(t, currency, owner, f"{line_id}.{len(terms) + 1}", diags)
        if term is None:
            ok = False
            continue
        terms.append(attrs.evolve(term, budget=budget) if budget is not None else term)
    if any(t.kind == "not_covered" for t in terms) and len(terms) > 1:
        diags.error(formula.span, "`not covered` cannot be added to other terms", code="formula")
        ok = False
    if formula.additive and not several and any(t.kind == "not_covered" for t in terms):
        diags.error(formula.span, "`+not covered` adds nothing", "write `not covered` to replace the line it refines", code="formula")
        ok = False
    return tuple(terms) if ok else None


def _column_text(terms, limits, additive: bool) -> str:
    text = ("+" if additive else "") + " + ".join(t.text for t in terms)
    return ", ".join([text] + [lim.text for lim in limits])


DEFAULT_MODULE = "guarantees"


def check_modules(tree: ast.ContractFile, header_levels, diags: Diagnostics) -> tuple[tuple[str, ...], tuple[model.Module, ...]]:
    """The product's levels and modules. A product with neither is a
    one-level product (no modules); lines of a `guarantees` block belong to
    an implicit module of that name, at the product's levels."""
    levels = _level_names(header_levels, "the product", diags) if header_levels else ()
    if not levels and not tree.modules:
        return (), ()
    declared: dict[str, ast.Module] = {}
    for m in tree.modules:
        if fold(m.name) in declared:
            diags.error(m.span, f"module `{m.name}` is declared twice (first on line {declared[fold(m.name)].span.line})", code="levels")
            continue
        declared[fold(m.name)] = m
    modules: list[model.Module] = []
    if any(g.module is None for g in tree.guarantees):
        if not levels:
            diags.error(tree.guarantees_span, "a product with modules declares its levels", "add `  levels N1, N2, N3` to the header", code="levels")
            return (), ()
        modules.append(model.Module(DEFAULT_MODULE, "Garanties", levels, False, None, tree.guarantees_span))
    own: dict[str, tuple[str, ...]] = {}
    for m in declared.values():
        own[m.name] = _level_names(m.levels, f"module `{m.name}`", diags) if m.levels else levels
    for m in declared.values():
        follows = None
        module_levels = own[m.name]
        if m.follows is not None:
            # On an error the module keeps its own levels, so that its lines
            # are still checked (and not reported again as level-less).
            target = next((d for d in declared.values() if fold(d.name) == fold(m.follows[0])), None)
            if target is None or target is m:
                hint = did_you_mean(m.follows[0], [d.name for d in declared.values() if d is not m])
                diags.error(m.follows[1], f"`level of {m.follows[0]}`: no other module of that name", hint, code="levels")
            elif m.levels:
                diags.error(m.follows[1], f"module `{m.name}` both declares its levels and takes those of `{target.name}`", "keep one", code="levels")
            elif target.follows is not None:
                diags.error(m.follows[1], f"module `{target.name}` itself takes the level of another module", "name the module that has its own level", code="levels")
            else:
                follows = target.name
                module_levels = own[target.name]
        if not module_levels:
            diags.error(m.span, f"module `{m.name}` has no levels", "declare the product's levels in its header (`  levels N1, N2`) or the module's own (`  levels A, B`)", code="levels")
            continue
        modules.append(model.Module(m.name, m.title or m.name, module_levels, m.optional, follows, m.span))
    if not levels:  # the levels of the required modules (optional ones come on top)
        levels = tuple(dict.fromkeys(lv for m in modules if not m.optional for lv in m.levels))
    return levels, tuple(modules)


def _level_names(names, owner: str, diags: Diagnostics) -> tuple[str, ...]:
    out: dict[str, str] = {}
    for name, span in names:
        if fold(name) in out:
            diags.error(span, f"level `{name}` is listed twice for {owner}", code="levels")
            continue
        out[fold(name)] = name
    return tuple(out.values())


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
    }.get(t.kind, f"{q} per {_period_text(t.period)}" if t.period else q)


def _period_text(p: ast.Period) -> str:
    if p.kind == "calendar_year":
        return "calendar year"
    if p.kind == "rolling":
        return f"rolling {p.count.text} {p.unit}"
    if p.kind == "n_units":
        return f"{p.count.text} {p.unit}"
    return p.unit or "period"
