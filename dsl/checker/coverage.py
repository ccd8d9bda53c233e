"""The gap and overlap report: for every act family and provider
combination, which line decides, which are uncovered, which overlap.

    rows = report(contract)            # structured: CoverageReport
    render_markdown(rows)              # a Markdown table (the docs)
    coverage_markdown(unit)            # the same, from a pipeline unit
    rich_table(rows)                   # `garant check --coverage`
    print_coverage(console, unit)      # both tables of `--coverage`

It reads the resolution of spec §3.1 the checker decided once
(`resolution.decide`): an *act family* is a group of taxonomy nodes the
same lines can match; for each family the provider combinations (values of
the dimensions the contract's lines name) with the same outcome are shown
on one row, the most frequent outcome as "other providers".
"""

from __future__ import annotations

import attrs

from garant.dsl import model
from garant.dsl.checker.regime import vocabulary
from garant.dsl.checker.resolution import _combinations, _maximal, _same_effect, node_matches

COVERED = "covered"
UNCOVERED = "uncovered"
OVERLAP = "overlap"


@attrs.frozen
class CoverageRow:
    acts: tuple[str, ...]  # node ids: the family's top nodes
    acts_text: str  # `consultation generaliste, …`
    providers: str  # "any provider", "secteur2 non_optam; …", "other providers"
    combinations: tuple[dict, ...]  # the provider combinations of this row
    status: str  # COVERED | UNCOVERED | OVERLAP
    lines: tuple[str, ...]  # `file:line` of the deciding line (then its `+` refinement), or of the overlapping lines
    texts: tuple[str, ...]  # those lines as written


@attrs.frozen
class CoverageReport:
    contract: str
    path: str
    dims: tuple[str, ...]
    rows: tuple[CoverageRow, ...]

    @property
    def uncovered(self) -> tuple[CoverageRow, ...]:
        return tuple(r for r in self.rows if r.status == UNCOVERED)

    @property
    def overlaps(self) -> tuple[CoverageRow, ...]:
        return tuple(r for r in self.rows if r.status == OVERLAP)


def _combo_text(values: dict, vocab) -> str:
    words = []
    for d, v in sorted(values.items(), key=lambda kv: (kv[0] == "network", kv[0])):
        if d == "network":
            words.append(f"in network {v}" if v else "out of network")
        elif v is None:
            words.append(f"no {d}")
        else:
            words.append(v)
    return " ".join(words) or "any provider"


def _summarise(values_list: list[dict], dims: tuple[str, ...], choices: dict[str, tuple], consistent) -> list[dict]:
    """Fewer, shorter combinations: a dimension whose every possible value
    appears (the others fixed) is dropped — `secteur2 optam` rather than
    `secteur2 optam out of network; secteur2 optam in network kalivia`."""
    current = [dict(v) for v in values_list]
    changed = True
    while changed:
        changed = False
        for d in dims:
            groups: dict[tuple, list[dict]] = {}
            for v in current:
                if d not in v:
                    continue
                rest = tuple(sorted((k, x) for k, x in v.items() if k != d))
                groups.setdefault(rest, []).append(v)
            new = [v for v in current if d not in v]
            for rest, members in groups.items():
                others = dict(rest)
                possible = {x for x in choices[d] if consistent({**others, d: x})}
                if {m[d] for m in members} >= possible:
                    new.append(others)
                    changed = True
                else:
                    new.extend(members)
            current = [dict(t) for t in dict.fromkeys(tuple(sorted(v.items())) for v in new)]
    return current


def _line_text(line: model.Line) -> str:
    return line.text.split("#")[0].strip()


def _outcome(lines: list[model.Line], values: dict, nodes) -> tuple[str, tuple[model.Line, ...]]:
    matching = [ln for ln in lines if all(values.get(d) == v for d, v in ln.constraints)]
    base = [ln for ln in matching if not ln.additive]
    extra = [ln for ln in matching if ln.additive]
    if not base:
        return UNCOVERED, ()
    best = _maximal(base, nodes)
    distinct = [best[0]] + [b for b in best[1:] if not _same_effect(best[0], b)]
    if len(distinct) > 1:
        return OVERLAP, tuple(sorted(distinct, key=lambda ln: ln.span.line))
    chosen = (best[0],)
    if extra:
        chosen += (_maximal(extra, nodes)[0],)
    return COVERED, chosen


def _consistency(combos: list[dict]):
    """`consistent(partial)`: whether some combination agrees with the
    partial values. Each (dimension, value) holds the set of combinations
    carrying it as the bits of an integer, so a test is a few ANDs rather
    than a scan of every combination (a network line multiplies them: the
    scan made one extra line cost minutes)."""
    bits: dict[tuple, int] = {}
    for i, c in enumerate(combos):
        for kv in c.items():
            bits[kv] = bits.get(kv, 0) | (1 << i)
    everything = (1 << len(combos)) - 1

    def consistent(partial: dict) -> bool:
        held = everything
        for kv in partial.items():
            held &= bits.get(kv, 0)
            if not held:
                return False
        return True

    return consistent


def report(contract: model.Contract) -> CoverageReport:
    regime = contract.regime
    vocab = vocabulary(regime)
    nodes = regime.nodes
    dims = contract.decision_dims
    networks = tuple(dict.fromkeys(v for ln in contract.lines for d, v in ln.constraints if d == "network" and v is not None))
    combos = [dict(zip(dims, c)) for c in _combinations(dims, vocab, networks)]
    choices = {d: tuple(dict.fromkeys(c[d] for c in combos)) for d in dims}
    consistent = _consistency(combos)

    rows: list[CoverageRow] = []
    members = sorted(contract.group_members.items(), key=lambda kv: list(nodes).index(kv[1][0]))
    for gid, member_nodes in members:
        tops = tuple(n for n in member_nodes if nodes[n].parent not in member_nodes)
        acts_text = ", ".join(vocab.path_text(n) for n in tops[:4]) + (" …" if len(tops) > 4 else "")
        lines = [ln for ln in contract.lines if node_matches(ln.node, nodes[member_nodes[0]])]
        by_outcome: dict[tuple, list[dict]] = {}
        for values in combos:
            status, chosen = _outcome(lines, values, nodes)
            by_outcome.setdefault((status, tuple(ln.id for ln in chosen)), []).append(values)
        common = max(by_outcome, key=lambda k: len(by_outcome[k]))
        for (status, ids), values_list in by_outcome.items():
            chosen = [contract.line(i) for i in ids]
            if len(by_outcome) == 1:
                providers = "any provider"
            elif (status, ids) == common:
                providers = "other providers"
            else:
                providers = "; ".join(_combo_text(v, vocab) for v in _summarise(values_list, dims, choices, consistent))
            rows.append(CoverageRow(tops, acts_text, providers, tuple(values_list), status,
                                    tuple(ln.span.where for ln in chosen), tuple(_line_text(ln) for ln in chosen)))
    # Acts no line can match at all.
    def uncovered(node_id: str) -> bool:
        return node_id not in contract.groups and all(uncovered(c) for c in nodes[node_id].children)

    for n in nodes.values():
        if uncovered(n.id) and (n.parent is None or not uncovered(n.parent)):
            rows.append(CoverageRow((n.id,), vocab.path_text(n.id), "any provider", (), UNCOVERED, (), ()))
    order = {n: i for i, n in enumerate(nodes)}
    rows.sort(key=lambda r: order[r.acts[0]])
    return CoverageReport(contract.name, contract.path, dims, tuple(rows))


_STATUS_WORDS = {COVERED: "decided by", UNCOVERED: "uncovered", OVERLAP: "overlap"}


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(rep: CoverageReport) -> str:
    """A Markdown table: act family | providers | outcome | line(s)."""
    out = [
        "| acts | providers | outcome | line(s) |",
        "|---|---|---|---|",
    ]
    for r in rep.rows:
        lines = "<br>".join(f"`{_md(t)}` (line {w.rsplit(':', 1)[-1]})" for w, t in zip(r.lines, r.texts)) or "—"
        outcome = {COVERED: "covered", UNCOVERED: "**uncovered**", OVERLAP: "**overlap**"}[r.status]
        out.append(f"| {_md(r.acts_text)} | {_md(r.providers)} | {outcome} | {lines} |")
    gaps, overlaps = len(rep.uncovered), len(rep.overlaps)
    out += ["", f"{len(rep.rows)} rows: {gaps} uncovered, {overlaps} overlapping."]
    return "\n".join(out) + "\n"


def coverage_markdown(unit) -> str | None:
    """The report of a checked pipeline unit's contract, in Markdown."""
    contract = getattr(unit, "contract", None)
    if contract is None or not getattr(contract, "group_members", None):
        return None
    return render_markdown(report(contract))


def rich_table(rep: CoverageReport):
    """The report as a rich Table, for the terminal."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Coverage of \"{rep.contract}\" ({rep.path})", show_lines=False)
    table.add_column("acts")
    table.add_column("providers")
    table.add_column("outcome")
    table.add_column("line(s)")
    styles = {COVERED: "green", UNCOVERED: "yellow", OVERLAP: "red"}
    for r in rep.rows:
        lines = "\n".join(f"{w}: {t}" for w, t in zip(r.lines, r.texts)) or "—"
        table.add_row(Text(r.acts_text), Text(r.providers), Text(r.status, style=styles[r.status]), Text(lines))
    return table


def rich_rule_table(contract: model.Contract):
    """The contrat responsable rules and their verdicts (R1, R2…)."""
    from rich.table import Table
    from rich.text import Text

    from garant.dsl.checker.responsable import DEPENDS_ON_BASE, HOLDS, NOT_APPLICABLE, NOT_CHECKED, UNCONFIRMED, WARNING, compliance_report, report_reason

    table = Table(title=f"Contrat responsable rules, \"{contract.name}\" (effective {contract.effective})")
    for col in ("rule", "verdict", "lines", "counterexample / reference"):
        table.add_column(col)
    words = {
        HOLDS: ("proved", "green"),
        DEPENDS_ON_BASE: ("depends on the claim's base", "yellow"),
        UNCONFIRMED: ("depends on an unconfirmed amount", "yellow"),
        WARNING: ("warning", "yellow"),
        NOT_APPLICABLE: ("not applicable", "dim"),
        NOT_CHECKED: ("not checked", "magenta"),
    }
    for r in compliance_report(contract):
        word, style = words.get(r.status, ("violated", "red"))
        lines = ", ".join(w.rsplit(":", 1)[-1] for w in r.lines)
        detail = "\n".join(dict.fromkeys(f.message for f in r.findings)) or (r.ref or "")
        if r.status in (NOT_APPLICABLE, NOT_CHECKED):
            detail = report_reason(r) + (f"\n{r.ref}" if r.ref else "")
        elif r.reasons:  # parts of the rule no statement proves
            detail += "\n" + "\n".join(f"not checked: « {x} »" for x in r.reasons)
        table.add_row(Text(f"{r.rule} {r.title}"), Text(word, style=style), Text(lines), Text(detail))
    return table


def print_coverage(console, unit) -> None:
    """`garant check --coverage` for one checked unit: the coverage table,
    and for a responsable contract that checks, the rules' verdicts."""
    contract = getattr(unit, "contract", None)
    if contract is None or not getattr(contract, "group_members", None):
        return
    console.print(rich_table(report(contract)))
    if contract.responsable and unit.ok:
        console.print(rich_rule_table(contract))
