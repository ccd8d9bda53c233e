"""Checked contract → one importable, readable Python module.

The module is written from a Jinja2 template; every value that comes from
a source file (names, titles, references, selector words) enters the code
through `repr()` (the `py` filter) and every comment through the `comment`
filter, which escapes anything that could end the comment. Nothing of a
contract is ever pasted into code as text. Output is deterministic: the
same sources give the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import jinja2

from garant import __version__
from garant.compiler.python.layout import Call, Code, Commented, Layout
from garant.dsl import model

_FORMULA = {
    "pct_brss": "_f.pct_brss(price, base, amo, {value!r})",
    "ticket_moderateur": "_f.ticket_moderateur(price, base, amo)",
    "pct_fr": "_f.pct_fr(price, amo, {value!r})",
    "amount": "_f.amount(price, amo, {value!r})",
    "amount_per_unit": "_f.amount_per_unit(price, amo, {value!r}, quantity)",
    "secu_incluse": "_f.secu_incluse(price, amo, {value!r})",
    "budget": "_f.rest(price, amo)",
    "cent_pour_cent_sante": "_f.cent_pour_cent_sante(price, amo, ceiling)",
    "not_covered": "0",
}
# In a `+` refinement line, `N% BRSS` adds N% × BR (language.md §Refinements).
_ADDED = {"pct_brss": "_f.pct_brss_added(base, {value!r})"}


def _py(value) -> str:
    """A Python literal for a value from a source file: never pasted text."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    if isinstance(value, tuple):
        inner = ", ".join(_py(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return _py(tuple(value))
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    raise TypeError(f"cannot render {type(value).__name__} as a literal")


def _comment(value) -> str:
    """Text safe inside a `#` comment: no character can end the line."""
    text = str(value)
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


LAYOUT = Layout(literal=_py, comment=_comment)


def _period(lim) -> model.Period:
    return lim.period or model.Period("none")


def _limit(lim: model.Limit, then_fn: str | None = None) -> Call:
    period = _period(lim)
    return Call(
        "_rules.Limit", lim.kind, lim.amount, param=lim.param, period=period.kind, months=period.months or None,
        pool=lim.pool, text=lim.text, where=lim.span.where, age_under=lim.age_under, age_from=lim.age_from,
        shared=True if getattr(lim, "shared", False) else None,
        side=True if getattr(lim, "side", False) else None,
        then=Code(then_fn) if then_fn and getattr(lim, "then", None) else None,
    )


def _environment() -> jinja2.Environment:
    def read(name: str) -> str:
        return resources.files("garant.compiler.python").joinpath("templates", name).read_text(encoding="utf-8")

    env = jinja2.Environment(loader=jinja2.FunctionLoader(read), autoescape=False, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["py"] = _py
    env.filters["comment"] = _comment
    env.globals["block"] = LAYOUT.block
    env.globals["comments"] = LAYOUT.comments
    return env


def _value(v: model.ValueRef):
    return v.const if v.param is None else v.param


def _entry(v: model.ValueRef):
    """A table entry: (value, source line), or, for an entry that applies
    from an age on, a `FromAge` naming the value below it too."""
    if v.min_age is not None and v.fallback is not None:
        return Call("_rules.FromAge", _value(v), v.span.where, age=v.min_age, below=_value(v.fallback),
                    below_where=v.fallback.span.where)
    return (_value(v), v.span.where)


def _param(p) -> Commented:
    call = Call(
        "_rules.Param", p.name, p.title, p.unit,
        starts=tuple(d.isoformat() for d in p.starts),
        values=tuple(p.values),
        sources=tuple(s.where for s in p.spans),
        refs=tuple(p.refs),
        limits=tuple(_limit(lim) for lim in p.limits) or None,
        exempt_under=p.exempt_under,
        exempt_reference=p.exempt_reference if p.exempt_under is not None else None,
    )
    return Commented(call, f"{p.span.where}  {p.title}")


def _act(a: model.RegimeAct, node: model.Node) -> Commented:
    kwargs: dict = {}
    if a.not_reimbursed:
        kwargs["not_reimbursed"] = True
    else:
        if a.base is not None:
            kwargs["base_dims"] = a.base.dims
            kwargs["base"] = {k: _entry(v) for k, v in a.base.entries.items()}
        kwargs["rate_dims"] = a.rate.dims if a.rate else ()
        kwargs["rate"] = {} if a.rate is None else {k: _entry(v) for k, v in a.rate.entries.items()}
        kwargs["deductions"] = tuple(Call("_rules.Deduction", name, per_unit=per_unit or None) for name, per_unit in a.deductions) or None
        kwargs["heavy_act"] = a.heavy_act or None
    if a.price_limits:
        kwargs["price_limits"] = tuple(
            Call("_rules.PriceLimit", c, _value(pl.value), pl.of_base, pl.ref, pl.span.where, **({"min_age": pl.min_age} if pl.min_age is not None else {}))
            for c, pl in a.price_limits
        )
    return Commented(Call("_rules.RegimeAct", node.title, a.span.where, **kwargs), f"{a.span.where}  {node.title}")


def _status(st: model.Status, nodes: dict) -> Commented:
    """A status or scheme as the runtime reads it (`rules.Status`)."""
    call = Call(
        "_rules.Status", st.kind, st.name, st.title, st.span.where,
        rates=tuple((node, _value(v), v.span.where, ref) for node, v, ref in st.rates) or None,
        exempt=tuple((p, span.where, ref) for p, ref, span in st.exempt) or None,
        reduced=tuple((p, q, span.where, ref) for p, q, ref, span in st.reduced) or None,
        increase=(st.increase[1].where, st.increase[0]) if st.increase else None,
    )
    return Commented(call, f"{st.span.where}  {st.title}")


def regime_module_name(regime: model.Regime) -> str:
    """The module a regime compiles into: `garant_regime_<name>_<hash>`, the
    hash of the module's text. Every product over the regime imports it;
    two texts of a regime (another version of it, of Garant, or another
    path in its comments) never take each other's name in `sys.modules`."""
    stem = re.sub(r"[^a-z0-9_]", "_", regime.name.lower()) or "regime"
    digest = hashlib.sha256(generate_regime(regime).encode("utf-8")).hexdigest()
    return f"garant_regime_{stem}_{digest[:12]}"


_RECENT: list[tuple[model.Regime, str]] = []  # the last regimes generated, with their text


def generate_regime(regime: model.Regime) -> str:
    """The regime's own module: its dated parameters, provider dimensions,
    words, act taxonomy and the rule of each act (inheritance applied).
    Generated once per regime object (each of its products names it)."""
    for known, text in _RECENT:
        if known is regime:
            return text
    text = _generate_regime(regime)
    _RECENT[:] = [(regime, text)] + _RECENT[:7]
    return text


def _generate_regime(regime: model.Regime) -> str:
    dims = tuple(
        Commented(Call("_rules.Dimension", d.name, d.default, d.only_with, {v: s.isoformat() for v, s in d.starts.items()}),
                  d.span.where)
        for d in regime.dims
    )
    words = {
        w: tuple(Call("_rules.Meaning", m.kind, m.target, dim=m.dim, before=m.before.isoformat() if m.before else None)
                 for m in ms)
        for w, ms in sorted(regime.vocabulary.items())
    }
    for node in regime.nodes.values():
        if node.ancestors != tuple(".".join(node.id.split(".")[: i + 1]) for i in range(node.id.count(".") + 1)):
            raise ValueError(f"act `{node.id}`: its id is not its dotted path from the top")
    acts = {a.node: _act(a, regime.nodes[a.node]) for a in regime.acts.values() if a.span is not None}
    context = {
        "version": __version__,
        "regime": regime,
        "params": {p.name: _param(p) for p in regime.params.values()},
        "dims": dims,
        "words": words,
        "titles": {node.id: node.title for node in regime.nodes.values()},
        "acts": acts,
        "statuses": {st.name: _status(st, regime.nodes) for st in regime.statuses if st.kind == "status"},
        "schemes": {st.name: _status(st, regime.nodes) for st in regime.statuses if st.kind == "scheme"},
    }
    return _environment().get_template("regime.py.j2").render(**context)


def _formula(terms, additive: bool = False) -> str:
    """The body of a line's function: `return` its terms' sum."""
    exprs = []
    for t in terms:
        if t.budget is not None:
            continue  # a budget pays from what remains of it: the engine's part
        kind = "amount_per_unit" if t.kind == "amount" and t.per_unit else t.kind
        template = _ADDED.get(kind) if additive else None
        exprs.append((template or _FORMULA[kind]).format(value=t.value))
    one = "    return " + (" + ".join(exprs) or "0")
    if len(one) <= LAYOUT.width:
        return one
    return "    return (\n" + "\n".join(f"        {'+ ' if i else ''}{e}" for i, e in enumerate(exprs)) + "\n    )"


def _function(ln: model.Line, fn: str, terms, level: str | None = None, column: str = "") -> dict:
    """A guarantee line's formula as a function of the claim's figures."""
    notes = [f"{ln.span.where}  {ln.text}"] + ([f"at level {level}: {column}"] if level is not None else [])
    return {"fn": fn, "comments": notes, "body": _formula(terms, ln.additive)}


def _line(ln: model.Line, fn: str, terms, limits, text: str, module: str | None) -> Call:
    then_fn = f"line_{ln.span.line}_then"
    waiting = ln.waiting
    return Call(
        "_rules.Line", ln.id, Code(fn), ln.span.where, text,
        per_unit=True if any(t.per_unit for t in terms) else None,
        module=module,
        budgets=tuple(_limit(t.budget, then_fn) for t in terms if t.budget is not None) or None,
        limits=tuple(_limit(lim, then_fn) for lim in limits) or None,
        waiting=None if waiting is None else Call(
            "_rules.Waiting", waiting.months, waiting.days, Code("product_waiting" if waiting.product else f"line_{ln.span.line}_waiting"),
            waiting.text, waiting.span.where),
    )


def _clause_functions(ln: model.Line) -> list[dict]:
    """The formulas a line's clauses pay instead of its own: the fallback
    after its cap (`then`), the waiting period's (`waiting`)."""
    out = []
    then = next((lim.then for c in (ln.columns or (ln,)) for lim in c.limits if getattr(lim, "then", None)), None)
    spent = "the cap"
    if not then:  # a budget's fallback (`100€ per calendar year then TM`)
        then = next((t.budget.then for c in (ln.columns or (ln,)) for t in c.terms if t.budget is not None and t.budget.then), None)
        spent = "the budget"
    if then:
        out.append({"fn": f"line_{ln.span.line}_then", "comments": [f"{ln.span.where}  once {spent} is spent: then {' + '.join(t.text for t in then)}"],
                    "body": _formula(then)})
    if ln.waiting is not None and not ln.waiting.product:  # the header's is one function (`generate_contract`)
        w = ln.waiting
        out.append({"fn": f"line_{ln.span.line}_waiting", "comments": [f"{w.span.where}  {w.text}"], "body": _formula(w.terms)})
    return out


def _rule(ln: model.Line) -> Commented:
    """The line as the resolution reads it: its act and provider values."""
    call = Call("_rules.Rule", ln.id, ln.node, dict(ln.constraints) or None,
                adds=True if ln.additive else None, module=ln.module if ln.additive else None,
                cap=True if ln.ceiling else None)
    return Commented(call, f"{ln.span.where}  {ln.selector}")


def _ceilings(contract: model.Contract) -> tuple:
    """The responsable ceilings a `cap` line can meet, at the step in force
    on the contract's effective date (as the checker reads them): in % of
    the base, or an all-in amount per item where a `cap` line's act meets it."""
    if not any(ln.ceiling for ln in contract.lines):
        return ()
    out = []
    effective = contract.effective
    nodes = contract.regime.nodes
    for c in contract.regime.ceilings:
        steps = [st for st in c.steps if effective is None or st.start <= effective]
        if not steps:
            continue
        st = steps[-1]
        if st.percent is not None:
            call = Call("_rules.CeilingRule", c.node, dict(c.constraints) or None, st.percent,
                        below_percent=st.below_percent, below=st.below_value, ref=st.ref, where=st.span.where)
        elif model.amount_ceiling_met(c, contract.lines, nodes):
            call = Call("_rules.CeilingRule", c.node, dict(c.constraints) or None, None,
                        ref=st.ref, where=st.span.where, amount=st.amount)
        else:
            continue
        out.append(Commented(call, f"{st.span.where}  {c.title}"))
    return tuple(out)


def generate_contract(contract: model.Contract) -> str:
    """One module per product; it imports its regime's module. A product
    with levels gets every level in the same module: a line that differs
    by level has one function per level, and `PRODUCT.at(level)` (or
    `evaluate(claims, level=…)`) chooses. One module rather than one per
    level, so that modules chosen at different levels combine."""
    regime = contract.regime
    functions = []
    lines = {}
    for ln in contract.lines:
        module = ln.module if contract.modules else None
        if ln.columns:
            by_level = {}
            for n, col in enumerate(ln.columns, start=1):
                fn = f"line_{ln.span.line}_level{n}"
                functions.append(_function(ln, fn, col.terms, col.level, col.text))
                by_level[col.level] = _line(ln, fn, col.terms, col.limits, f"{ln.selector}: {col.text} ({col.level})", module)
            lines[ln.id] = Call("_rules.Levels", ln.id, module, by_level)
        else:
            fn = f"line_{ln.span.line}"
            functions.append(_function(ln, fn, ln.terms))
            lines[ln.id] = _line(ln, fn, ln.terms, ln.limits, ln.text, module)
        functions.extend(_clause_functions(ln))
    if contract.waiting is not None:
        w = contract.waiting
        functions.append({"fn": "product_waiting", "comments": [f"{w.span.where}  {w.text} (every line without its own)"], "body": _formula(w.terms)})
    modules = tuple(
        Commented(Call("_rules.Module", m.name, m.levels, optional=m.optional or None, follows=m.follows),
                  f"{m.span.where}  {m.title}")
        for m in contract.modules
    )
    gap_line = contract.guarantees_span.line if contract.guarantees_span else 1
    context = {
        "version": __version__,
        "contract": contract,
        "regime": regime,
        "regime_module": regime_module_name(regime),
        "effective": contract.effective.isoformat() if contract.effective else None,
        "functions": functions,
        "lines": lines,
        "levels": contract.levels,
        "modules": modules,
        "rules": tuple(_rule(ln) for ln in contract.lines),
        "ceilings": _ceilings(contract),
        "decision_dims": contract.decision_dims,
        "gap_rule": f"{contract.path}:{gap_line}",
    }
    return _environment().get_template("contract.py.j2").render(**context)


def generate_plan(plan) -> str:
    """A checked `plan_model.Plan` → its module: the plan's terms and one
    cost sharing per benefit line as data; it imports its regime's module."""
    regime = plan.regime
    order = {node: i for i, node in enumerate(regime.nodes)}

    def where(span) -> str | None:
        return span.where if span is not None and span.line else None

    def accumulator(pool: str, acc) -> Call | None:
        if acc is None:
            return None
        return Call("_acc.Accumulator", pool, omit_none=False, individual=acc.individual, family=acc.family,
                    where=where(acc.span), text=acc.text)

    def sharing(s, line_where, text, out_of_network: bool, emergency: bool) -> Call:
        return Call("_pr.Sharing", covered=s.covered, deductible=s.deductible, copay=s.copay, coinsurance=s.coinsurance,
                    where=line_where, text=text, out_of_network=out_of_network, visits=s.visits,
                    visits_where=where(s.visits_span), visits_text=s.visits_text if s.visits is not None else None,
                    cap=s.cap, cap_family=s.cap_family or None, cap_where=where(s.cap_span), cap_text=s.cap_text if s.cap is not None else None,
                    emergency=emergency or None)

    def under_emergency(node) -> bool:
        return plan.emergency_node is not None and node in regime.nodes and plan.emergency_node in regime.nodes[node].ancestors

    oon = plan.out_of_network
    benefits = {}
    for ln in plan.lines:
        s = plan.sharing[ln.id]
        out = dict(ln.constraints).get(plan.status_dim) == "out_of_network"
        benefits[ln.id] = Commented(sharing(s, ln.span.where, ln.text, out, out and under_emergency(ln.node)), f"{ln.span.where}  {ln.text}")
    ref = plan.referral
    oon_where = where(oon.span)
    oon_sharing = None
    if oon.sharing:
        oon_sharing = Call("_pr.Sharing", covered=oon.sharing.covered, deductible=oon.sharing.deductible,
                           copay=oon.sharing.copay, coinsurance=oon.sharing.coinsurance, where=oon_where,
                           text=oon.sharing.text, out_of_network=True)
    context = {
        "version": __version__,
        "plan": plan,
        "effective": plan.effective.isoformat() if plan.effective else None,
        "deductible": accumulator("deductible", plan.deductible),
        "deductible_note": f"{where(plan.deductible.span)}  deductible {plan.deductible.text}",
        "oop": accumulator("out_of_pocket_max", plan.out_of_pocket_max),
        "oop_note": f"{where(plan.out_of_pocket_max.span)}  out-of-pocket maximum {plan.out_of_pocket_max.text}",
        "referral": None if ref is None else Call("_pr.Referral", ref.nodes, ref.exceptions, ref.emergency_exempt,
                                                  ref.span.where, ref.text),
        "referral_note": None if ref is None else f"{ref.span.where}  {ref.text}",
        "oon": Call(
            "_pr.OutOfNetwork", omit_none=False, covered=oon.covered, sharing=oon_sharing,
            allowed_percent=oon.allowed_percent,
            deductible=accumulator("out_of_network_deductible", oon.deductible),
            out_of_pocket_max=accumulator("out_of_network_out_of_pocket_max", oon.out_of_pocket_max),
            where=oon_where, text=oon.text,
        ),
        "oon_note": f"{oon_where}  out of network: {oon.text}",
        "rx_deductible": accumulator("rx_deductible", plan.rx_deductible),
        "rx_note": None if plan.rx_deductible is None else f"{where(plan.rx_deductible.span)}  prescription drug deductible {plan.rx_deductible.text} (care under `drugs`)",
        "no_surprises": None if plan.no_surprises is None else Call("_pr.NoSurprises", plan.no_surprises.allowed_percent, plan.no_surprises.span.where, plan.no_surprises.text),
        "nsa_note": None if plan.no_surprises is None else f"{plan.no_surprises.span.where}  {plan.no_surprises.text} (42 U.S.C. 300gg-111)",
        "benefits": benefits,
        "groups": {node: group for node, group in sorted(plan.groups.items(), key=lambda kv: order[kv[0]])},
        "decisions": {key: d.lines[0] for key, d in plan.decisions.items()},
        "decision_dims": plan.decision_dims,
        "gap_rule": f"{plan.path}:{plan.benefits_span.line}",
        "regime": regime,
        "regime_module": regime_module_name(regime),
    }
    return _environment().get_template("plan.py.j2").render(**context)


def generate_product(product) -> str:
    """The module of a checked product, contract or plan."""
    if isinstance(product, model.Contract):
        return generate_contract(product)
    return generate_plan(product)


def module_name(contract: model.Contract) -> str:
    """A Python module name for a product, from its file name."""
    import re
    from pathlib import Path

    stem = re.sub(r"\W", "_", Path(contract.path).stem.lower())
    if not stem or stem[0].isdigit():
        stem = f"product_{stem}"
    return stem
