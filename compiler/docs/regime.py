"""The regime as a legislation explorer: every dated parameter's history
(newest first, with its reference and source line), every act rule, the
contrat responsable ceilings. Read from the checked `model.Regime`."""

from __future__ import annotations

import datetime as dt

import attrs

from garant.compiler.docs import french
from garant.compiler.docs.render import md
from garant.dsl import model


def anchor(param: str) -> str:
    """The anchor of a parameter's history on the regime page."""
    return param.lower().replace("_", "-")


def param_link(regime: model.Regime, name: str) -> str:
    """Markdown: the parameter's title, linked to its history."""
    p = regime.params.get(name)
    return f"[{md(p.title if p else name)}](#{anchor(name)})"


@attrs.frozen
class Version:
    start: dt.date
    end: dt.date | None  # the day before the next value; None: in force
    value: str
    reference: str
    line: int


@attrs.frozen
class ParamHistory:
    name: str
    title: str
    versions: tuple[Version, ...]  # newest first
    limits: tuple[str, ...]
    exempt: str | None
    line: int
    anchor: str


@attrs.frozen
class ActRule:
    node: str
    label: str
    depth: int
    rate: tuple[tuple[str, str], ...]  # (provider, value as Markdown)
    base: tuple[tuple[str, str], ...]
    deductions: tuple[str, ...]  # Markdown
    not_reimbursed: bool
    price_limits: tuple[str, ...]
    line: int | None


def value_text(unit: str, v: int) -> str:
    return french.percent(v) if unit == "percent" else french.euros(v)


def ref_text(regime: model.Regime, v: model.ValueRef | None) -> str:
    """A value of a rule, as Markdown: a constant, or the parameter linked."""
    if v is None:
        return "—"
    if v.param is not None:
        text = param_link(regime, v.param)
    else:
        text = value_text(v.unit, v.const)
    if v.min_age is not None:
        below = ref_text(regime, v.fallback) if v.fallback is not None else "—"
        text = f"{text} à partir de {v.min_age} ans ({below} avant)"
    return text


def history(param: model.Param) -> ParamHistory:
    versions = []
    for i, start in enumerate(param.starts):
        end = param.starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(param.starts) else None
        versions.append(Version(start, end, value_text(param.unit, param.values[i]), param.refs[i] if i < len(param.refs) else "", param.spans[i].line))
    limits = tuple(french.limit(lim) for lim in param.limits)
    exempt = f"exonération avant {param.exempt_under} ans" if param.exempt_under is not None else None
    return ParamHistory(param.name, param.title, tuple(reversed(versions)), limits, exempt, param.span.line, anchor(param.name))


def _table(regime: model.Regime, table: model.Table | None) -> tuple[tuple[str, str], ...]:
    if table is None:
        return ()
    out = []
    for key, value in table.entries.items():
        who = ", ".join(french.word(v) for v in key if v is not None) or "tous"
        out.append((who, ref_text(regime, value)))
    return tuple(out)


def act_rules(regime: model.Regime) -> list[ActRule]:
    """The rules written in the regime (inheritance applied), in taxonomy
    order; nodes without a rule of their own are skipped."""
    out = []
    for node_id, node in regime.nodes.items():
        act = regime.acts.get(node_id)
        parent = regime.acts.get(node.parent) if node.parent else None
        if act is None or act.span is None or (parent is not None and parent.span == act.span):
            continue  # no rule of its own: it inherits its parent's
        limits = []
        for constraints, pl in act.price_limits:
            who = ", ".join(french.word(v) for _, v in constraints) or "tous"
            what = f"{french.percent(pl.value.const)} de la base" if pl.of_base and pl.value.const is not None else ref_text(regime, pl.value)
            limits.append(f"{md(who)} : {what}" + (f" ({md(pl.ref)})" if pl.ref else ""))
        out.append(
            ActRule(
                node=node_id,
                label=french.act_label(regime.nodes, node_id),
                depth=node.depth,
                rate=_table(regime, act.rate),
                base=_table(regime, act.base),
                deductions=tuple(param_link(regime, p) + (" (par unité)" if per_unit else "") for p, per_unit in act.deductions),
                not_reimbursed=act.not_reimbursed,
                price_limits=tuple(limits),
                line=act.span.line,
            )
        )
    return out


def ceilings(regime: model.Regime) -> list[dict]:
    out = []
    for c in regime.ceilings:
        steps = []
        for s in sorted(c.steps, key=lambda s: s.start, reverse=True):
            if s.percent is None:  # an all-in amount (R8)
                text = f"{french.euros(s.amount)} Sécu incluse"
            else:
                text = f"{french.percent(s.percent)} de la base, Sécu incluse"
            if s.below_percent is not None and s.below_value is not None:
                text += f", et {french.percent(s.below_percent)} de la base sous la garantie {french.word(s.below_value[1])}"
            steps.append({"start": s.start, "text": text, "ref": s.ref or "", "line": s.span.line})
        out.append({"title": c.title, "steps": steps, "line": c.span.line})
    return out


# ------------------------------------------- the contrat responsable rules
@attrs.frozen
class StatementStep:
    start: dt.date
    end: dt.date | None  # the day before the next step; None: in force
    text: str  # Markdown
    ref: str
    line: int


@attrs.frozen
class Statement:
    """A rule the responsable checker reads from the regime (a floor, a
    ceiling, a renewal period), with its history like a parameter's."""

    kind: str  # "plancher" | "plafond" | "renouvellement"
    rule: str | None
    title: str
    scope: str  # the acts it binds, in words (Markdown)
    notes: tuple[str, ...]  # exceptions, `only above TM` (Markdown)
    steps: tuple[StatementStep, ...]  # newest first
    line: int
    anchor: str


def scope_text(regime: model.Regime, node: str | None, constraints) -> str:
    act = french.act_in_family(regime.nodes, node) if node is not None else "Tous les actes remboursés"
    order = tuple(d.name for d in regime.dims) + ("network",)
    provider = french.constraints(constraints, order)
    return md(f"{act}, {provider}" if provider else act)


def _history(steps, text_of) -> tuple[StatementStep, ...]:
    ordered = sorted(steps, key=lambda s: s.start)
    out = []
    for i, s in enumerate(ordered):
        end = ordered[i + 1].start - dt.timedelta(days=1) if i + 1 < len(ordered) else None
        out.append(StatementStep(s.start, end, text_of(s), s.ref or "", s.span.line))
    return tuple(reversed(out))


def _floor_text(regime: model.Regime, s: model.FloorStep) -> str:
    if s.kind == "price_limit":
        return "la totalité de la facture jusqu'au prix limite de vente (honoraire limite de facturation), Sécu incluse"
    if s.kind == "percent":
        return f"{ref_text(regime, s.value)} de la base, Sécu incluse, dans la limite des frais réels"
    return f"{ref_text(regime, s.value)}, Sécu incluse, dans la limite des frais réels"


def _ceiling_text(s: model.CeilingStep) -> str:
    if s.percent is None:
        text = f"{french.euros(s.amount)} Sécu incluse"
    else:
        text = f"{french.percent(s.percent)} de la base, Sécu incluse"
    if s.below_percent is not None and s.below_value is not None:
        text += f", et {french.percent(s.below_percent)} de la base de moins que la garantie {french.word(s.below_value[1])}"
    return text


def _renewal_text(s: model.RenewalStep) -> str:
    return " ; ".join(french.limit(lim).replace("une prise en charge", "un équipement", 1) for lim in s.limits)


def _exceptions(regime: model.Regime, exceptions) -> tuple[str, ...]:
    return tuple(
        f"sauf {scope_text(regime, e.node, e.constraints)}" + (f" ({md(e.ref)})" if e.ref else "") for e in exceptions
    )


def statements(regime: model.Regime) -> list[Statement]:
    """Every floor, ceiling and renewal of the regime, in source order."""
    out = []
    for f in getattr(regime, "floors", ()):
        notes = (("seulement là où le contrat paie plus que le ticket modérateur",) if f.above_tm_only else ()) + _exceptions(regime, f.exceptions)
        out.append(Statement("plancher", f.rule, f.title, scope_text(regime, f.node, f.constraints), notes,
                             _history(f.steps, lambda s: _floor_text(regime, s)), f.span.line, f"plancher-l{f.span.line}"))
    for c in regime.ceilings:
        notes = ("sur la part de la monture : ce que la monture ajoute à la prise en charge de l'équipement, Sécu incluse",) if getattr(c, "on_frame", False) else ()
        out.append(Statement("plafond", getattr(c, "rule", None), c.title, scope_text(regime, c.node, c.constraints), notes,
                             _history(c.steps, _ceiling_text), c.span.line, f"plafond-l{c.span.line}"))
    for r in getattr(regime, "renewals", ()):
        out.append(Statement("renouvellement", r.rule, r.title, scope_text(regime, r.node, r.constraints), _exceptions(regime, r.exceptions),
                             _history(r.steps, _renewal_text), r.span.line, f"renouvellement-l{r.span.line}"))
    return sorted(out, key=lambda s: s.line)


def network_bans(regime: model.Regime) -> list[dict]:
    """The acts whose cover may not depend on a care network."""
    return [
        {"scope": scope_text(regime, b.node, b.constraints), "ref": b.ref or "", "line": b.span.line}
        for b in getattr(regime, "network_bans", ())
    ]
