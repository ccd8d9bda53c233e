"""Checked contract → one importable, readable Python module.

The module is written from a Jinja2 template; every value that comes from
a source file (names, titles, references, selector words) enters the code
through `repr()` (the `py` filter) and every comment through the `comment`
filter, which escapes anything that could end the comment. Nothing of a
contract is ever pasted into code as text. Output is deterministic: the
same sources give the same bytes.
"""

from __future__ import annotations

from importlib import resources

import jinja2

from garant import __version__
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


def _py_table(value: dict, indent: int = 8) -> str:
    """A dict literal with one entry per line, for tables a reviewer reads."""
    if len(value) <= 1:
        return _py(value)
    pad = " " * (indent + 4)
    entries = "".join(f"{pad}{_py(k)}: {_py(v)},\n" for k, v in value.items())
    return "{\n" + entries + " " * indent + "}"


def _comment(value) -> str:
    """Text safe inside a `#` comment: no character can end the line."""
    text = str(value)
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _py_limit(lim: model.Limit) -> str:
    period = lim.period or model.Period("none")
    band = ""
    if lim.age_under is not None:
        band += f", age_under={_py(lim.age_under)}"
    if lim.age_from is not None:
        band += f", age_from={_py(lim.age_from)}"
    if getattr(lim, "shared", False):
        band += ", shared=True"
    return (
        f"_rules.Limit({_py(lim.kind)}, {_py(lim.amount)}, {_py(lim.param)}, {_py(period.kind)}, "
        f"{_py(period.months)}, {_py(lim.pool)}, {_py(lim.text)}, {_py(lim.span.where)}{band})"
    )


def _environment() -> jinja2.Environment:
    loader = jinja2.FunctionLoader(lambda name: resources.files("garant.compiler.python").joinpath("templates", name).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=False, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["py"] = _py
    env.filters["comment"] = _comment
    env.filters["py_limit"] = _py_limit
    env.filters["py_table"] = _py_table
    return env


def _value(v: model.ValueRef):
    return v.const if v.param is None else v.param


def _entry(v: model.ValueRef) -> tuple:
    """A table entry: (value, source line), or, for an entry that applies
    from an age on, (value, source line, age, value below it, its line)."""
    if v.min_age is not None and v.fallback is not None:
        return (_value(v), v.span.where, v.min_age, _value(v.fallback), v.fallback.span.where)
    return (_value(v), v.span.where)


def _regime_context(regime: model.Regime) -> dict:
    params = [
        {
            "name": p.name,
            "title": p.title,
            "unit": p.unit,
            "where": p.span.where,
            "starts": tuple(d.isoformat() for d in p.starts),
            "amounts": p.values,
            "sources": tuple(s.where for s in p.spans),
            "refs": p.refs,
            "limits": p.limits,
            "exempt_under": p.exempt_under,
            "exempt_reference": p.exempt_reference,
        }
        for p in regime.params.values()
    ]
    dims = [
        {
            "name": d.name,
            "default": d.default,
            "only_with": d.only_with,
            "starts": {v: s.isoformat() for v, s in d.starts.items()},
            "where": d.span.where,
        }
        for d in regime.dims
    ]
    words = sorted(
        (w, tuple((m.kind, m.target, m.dim, m.before.isoformat() if m.before else None) for m in ms))
        for w, ms in regime.vocabulary.items()
    )
    acts = []
    for a in regime.acts.values():
        if a.span is None:
            continue
        node = regime.nodes[a.node]
        acts.append(
            {
                "node": a.node,
                "title": node.title,
                "rule": a.span.where,
                "not_reimbursed": a.not_reimbursed,
                "base": None if a.base is None else {k: _entry(v) for k, v in a.base.entries.items()},
                "base_dims": a.base.dims if a.base else (),
                "rate": {} if a.rate is None else {k: _entry(v) for k, v in a.rate.entries.items()},
                "rate_dims": a.rate.dims if a.rate else (),
                "deductions": a.deductions,
                "price_limits": tuple((c, _value(pl.value), pl.of_base, pl.ref, pl.span.where) for c, pl in a.price_limits),
                "heavy_act": a.heavy_act,
            }
        )
    return {"regime": regime, "params": params, "dims": dims, "words": words, "nodes": list(regime.nodes.values()), "acts": acts}


def _line_entry(ln: model.Line, fn: str, terms, limits, text: str, level: str | None, module: str | None, column: str = "") -> dict:
    exprs = []
    for t in terms:
        if t.budget is not None:
            continue  # a budget pays from what remains of it: the engine's part
        kind = "amount_per_unit" if t.kind == "amount" and t.per_unit else t.kind
        exprs.append(_FORMULA[kind].format(value=t.value))
    return {
        "id": ln.id,
        "fn": fn,
        "where": ln.span.where,
        "text": text,
        "source_text": ln.text,
        "level": level,
        "column": column,
        "module": module,
        "expressions": exprs or ["0"],
        "per_unit": any(t.per_unit for t in terms),
        "limits": limits,
        "budgets": tuple(t.budget for t in terms if t.budget is not None),
    }


def generate_contract(contract: model.Contract) -> str:
    """One module per product. A product with levels gets every level in
    the same module: a line that differs by level has one function per
    level, and `PRODUCT.at(level)` (or `evaluate(claims, level=…)`)
    chooses. One module rather than one per level, so that modules chosen
    at different levels combine, and the regime's tables exist once."""
    regime = contract.regime
    lines = []
    levelled = []  # (line id, module, ((level, entry), …)) for lines that differ by level
    module_of = {m.name: m for m in contract.modules}
    for ln in contract.lines:
        module = ln.module if contract.modules else None
        if ln.columns:
            entries = []
            for n, col in enumerate(ln.columns, start=1):
                entry = _line_entry(ln, f"line_{ln.span.line}_level{n}", col.terms, col.limits,
                                    f"{ln.selector}: {col.text} ({col.level})", col.level, module, col.text)
                entries.append((col.level, entry))
                lines.append(entry)
            levelled.append((ln.id, module, tuple(entries)))
        else:
            lines.append(_line_entry(ln, f"line_{ln.span.line}", ln.terms, ln.limits, ln.text, None, module))
    single = [e for e in lines if e["level"] is None]
    shared: dict[tuple, str] = {}
    shared_decisions = []
    decisions = []
    for key, d in contract.decisions.items():
        c = d.ceiling
        ident = (d.lines, None if c is None else (c.percent, c.below_percent, c.below_key, c.ref, c.span.where))
        if ident not in shared:
            name = "D_" + "_".join(d.lines) + (f"_CAP{len(shared)}" if c else "")
            shared[ident] = name
            ceiling = None if c is None else {"percent": c.percent, "below_percent": c.below_percent, "below_key": c.below_key, "ref": c.ref, "where": c.span.where}
            shared_decisions.append((name, {"lines": d.lines, "ceiling": ceiling}))
        decisions.append((key, shared[ident]))
    gap_line = contract.guarantees_span.line if contract.guarantees_span else 1
    context = {
        "version": __version__,
        "contract": contract,
        "effective": contract.effective.isoformat() if contract.effective else None,
        "lines": lines,
        "single_lines": single,
        "levelled": levelled,
        "levels": contract.levels,
        "modules": [(m.name, m.levels, m.optional, m.follows, m.title, m.span.where) for m in contract.modules],
        "module_of": module_of,
        "groups": sorted(contract.groups.items(), key=lambda kv: list(regime.nodes).index(kv[0])),
        "shared_decisions": shared_decisions,
        "decisions": decisions,
        "decision_dims": contract.decision_dims,
        "gap_rule": f"{contract.path}:{gap_line}",
        **_regime_context(regime),
    }
    return _environment().get_template("contract.py.j2").render(**context)


def generate_plan(plan) -> str:
    """A checked `plan_model.Plan` → its module: the plan's terms and one
    cost sharing per benefit line as data, over the same taxonomy tables."""
    regime = plan.regime

    def where(span) -> str | None:
        return span.where if span is not None and span.line else None

    def accumulator(acc) -> dict | None:
        if acc is None:
            return None
        return {"individual": acc.individual, "family": acc.family, "where": where(acc.span), "text": acc.text}

    oon = plan.out_of_network
    benefits = []
    for ln in plan.lines:
        s = plan.sharing[ln.id]
        benefits.append(
            {
                "id": ln.id, "where": ln.span.where, "text": ln.text, "covered": s.covered, "deductible": s.deductible,
                "copay": s.copay, "coinsurance": s.coinsurance,
                "out_of_network": dict(ln.constraints).get(plan.status_dim) == "out_of_network",
                "visits": s.visits, "visits_where": where(s.visits_span), "visits_text": s.visits_text,
            }
        )
    ref = plan.referral
    context = {
        "version": __version__,
        "plan": plan,
        "effective": plan.effective.isoformat() if plan.effective else None,
        "deductible": accumulator(plan.deductible),
        "oop": accumulator(plan.out_of_pocket_max),
        "referral": None if ref is None else {"nodes": ref.nodes, "exceptions": ref.exceptions, "emergency_exempt": ref.emergency_exempt, "where": ref.span.where, "text": ref.text},
        "oon": {
            "covered": oon.covered, "sharing": oon.sharing, "allowed_percent": oon.allowed_percent,
            "deductible": accumulator(oon.deductible), "oop": accumulator(oon.out_of_pocket_max),
            "where": where(oon.span), "text": oon.text,
        },
        "benefits": benefits,
        "groups": sorted(plan.groups.items(), key=lambda kv: list(regime.nodes).index(kv[0])),
        "decisions": [(key, d.lines[0]) for key, d in plan.decisions.items()],
        "decision_dims": plan.decision_dims,
        "gap_rule": f"{plan.path}:{plan.benefits_span.line}",
        **_regime_context(regime),
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
