"""`garant impact OLD NEW CLAIMS`: what a contract change does to a claims set.

Both products evaluate the same claims, partition by partition (the same
unit of work as `garant run`, so the same bounded memory); for each act
family and provider combination, the totals paid by the contract (AMC) and
left to the patient (reste à charge), old and new, and their differences.

- act family: the claim's act at the second level of the regime's
  taxonomy (`soins_courants.pharmacie`, `hospitalisation.chambre_particuliere`,
  `optique.monture`…), shown by its title;
- provider combination: the provider values the claim resolved to (sector,
  option, parcours, network), defaults left out (`secteur2 optam`,
  `hors_parcours`, `kalivia`; `—` for none).

For a managed-care plan, "paid" is what the plan pays and "RAC" what the
member pays. Only claims both products evaluate enter the totals (a claim one of them
rejects would make the difference meaningless); the others are counted
apart, by which side rejected them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from garant.batch.io import ClaimsFile
from garant.batch.partition import ROWS_PER_PARTITION, partitioned
from garant.batch.unit import evaluate_records, partition_key, resolve_product
from garant.compiler.runtime.decompte import Rejection
from garant.compiler.runtime.money import fmt


@dataclass
class Line:
    family: str  # node id
    title: str
    provider: str
    claims: int = 0
    old_paid: int = 0
    new_paid: int = 0
    old_rac: int = 0
    new_rac: int = 0

    @property
    def paid_change(self) -> int:
        return self.new_paid - self.old_paid

    @property
    def rac_change(self) -> int:
        return self.new_rac - self.old_rac

    def add(self, old, new) -> None:
        self.claims += 1
        paid, rac = shares(old)
        self.old_paid += paid
        self.old_rac += rac
        paid, rac = shares(new)
        self.new_paid += paid
        self.new_rac += rac


def shares(d) -> tuple[int, int]:
    """(paid by the product, left to the patient): AMC and reste à charge
    for a contract, plan paid and member paid for a plan."""
    amc = getattr(d, "amc", None)
    return (amc, d.rac) if amc is not None else (d.plan_paid, d.member_paid)


@dataclass
class ImpactReport:
    old: str
    new: str
    kind: str = "contract"  # or "plan": paid by the plan, paid by the member
    input: int = 0
    rejected_old_only: int = 0
    rejected_new_only: int = 0
    rejected_both: int = 0
    lines: dict = field(default_factory=dict)  # (family, provider) → Line

    @property
    def total(self) -> Line:
        t = Line("", "Total", "")
        for line in self.lines.values():
            for name in ("claims", "old_paid", "new_paid", "old_rac", "new_rac"):
                setattr(t, name, getattr(t, name) + getattr(line, name))
        return t

    def sorted_lines(self) -> list[Line]:
        return [self.lines[k] for k in sorted(self.lines)]


def family_of(product, node: str) -> str:
    chain = product.reader.ancestors.get(node, (node,))
    return chain[1] if len(chain) > 1 else chain[0]


def provider_of(product, claim) -> str:
    defaults = product.reader.dim_defaults
    names = product.reader.dims
    shown = [v for d, v in zip(names, claim.dims) if v is not None and v != defaults.get(d)]
    return " ".join(shown) or "—"


def impact(old, new, claims: str | Path, *, in_format: str | None = None, rows_per_partition: int = ROWS_PER_PARTITION,
           workdir: str | Path | None = None, progress=None) -> ImpactReport:
    old, new = resolve_product(old), resolve_product(new)
    source = ClaimsFile(claims, in_format)
    report = ImpactReport(old.name, new.name, getattr(old, "kind", "contract"))
    key = partition_key(old)
    if partition_key(new) != key:
        raise ValueError(f"`{old.name}` partitions claims by {key[0]}, `{new.name}` by {partition_key(new)[0]}: compare products of one kind")
    with partitioned(source, key, rows_per_partition, workdir, progress) as parts:
        report.input = sum(parts.rows) + len(source.malformed)
        report.rejected_both += len(source.malformed)
        evaluating = progress.add_task("evaluating", total=report.input) if progress else None
        done = len(source.malformed)
        for bucket, table in parts.tables():
            a = evaluate_records(old, table)
            b = evaluate_records(new, table)
            for ra, rb, claim in zip(a.results, b.results, a.claims):
                bad_a, bad_b = ra.__class__ is Rejection, rb.__class__ is Rejection
                if bad_a or bad_b:
                    if bad_a and bad_b:
                        report.rejected_both += 1
                    elif bad_a:
                        report.rejected_old_only += 1
                    else:
                        report.rejected_new_only += 1
                    continue
                family = family_of(old, claim.node)
                provider = provider_of(old, claim)
                line = report.lines.get((family, provider))
                if line is None:
                    line = report.lines[(family, provider)] = Line(family, old.titles.get(family, family), provider)
                line.add(ra, rb)
            parts.remove(bucket)
            done += table.num_rows
            if progress:
                progress.update(evaluating, completed=done)
    return report


def _signed(cents: int) -> str:
    return ("+" if cents > 0 else "") + fmt(cents)


HEAD = ("act family", "provider", "claims", "paid (old)", "paid (new)", "Δ paid", "RAC (old)", "RAC (new)", "Δ RAC")
PLAN_HEAD = ("benefit", "network", "claims", "plan paid (old)", "plan paid (new)", "Δ plan paid", "member paid (old)",
             "member paid (new)", "Δ member paid")


def _head(report) -> tuple[str, ...]:
    return PLAN_HEAD if report.kind == "plan" else HEAD


def _cells(line: Line) -> list[str]:
    return [line.title, line.provider, str(line.claims), fmt(line.old_paid), fmt(line.new_paid), _signed(line.paid_change),
            fmt(line.old_rac), fmt(line.new_rac), _signed(line.rac_change)]


def _footer(report: ImpactReport) -> str:
    rejected = report.rejected_old_only + report.rejected_new_only + report.rejected_both
    return (f"{report.input} claims; {report.total.claims} evaluated by both products; {rejected} left out "
            f"(rejected by the old product only: {report.rejected_old_only}, by the new only: {report.rejected_new_only}, "
            f"by both: {report.rejected_both})." + ("" if report.kind == "plan" else " Paid: by the contract (AMC); RAC: reste à charge."))


def rich_table(report: ImpactReport):
    from rich.table import Table

    table = Table(title=f"Impact: {report.old} → {report.new}", title_justify="left", caption=_footer(report), caption_justify="left")
    for i, h in enumerate(_head(report)):
        table.add_column(h, justify="right" if i >= 2 else "left")
    for line in report.sorted_lines():
        table.add_row(*_cells(line))
    table.add_section()
    table.add_row(*_cells(report.total), style="bold")
    return table


def markdown_report(report: ImpactReport) -> str:
    def row(cells):
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    out = [f"# Impact: {report.old} → {report.new}", "", row(_head(report)), "|" + "|".join("---" if i < 2 else "---:" for i in range(len(HEAD))) + "|"]
    out += [row(_cells(line)) for line in report.sorted_lines()]
    out.append(row([f"**{c}**" if c else "" for c in _cells(report.total)]))
    out += ["", _footer(report), ""]
    return "\n".join(out)
