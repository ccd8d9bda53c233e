"""A `Diff` for people: rich tables in a terminal, Markdown for a
pull-request comment. Amounts in the product's currency, deltas signed, new compliance
errors first (they are what fails the job)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from garant.compiler.docs.french import euros
from garant.compiler.docs.render import code, md
from garant.compiler.review.diff import Diff


def money(cents: int | None, currency: str = "EUR") -> str:
    if cents is None:
        return "n/c"
    if currency == "USD":
        sign = "−" if cents < 0 else ""
        cents = abs(cents)
        return f"{sign}${cents // 100:,}.{cents % 100:02d}"
    return euros(cents)


def _delta(cents: int | None, currency: str = "EUR") -> str:
    if cents is None:
        return "—"
    return ("+" if cents > 0 else "") + money(cents, currency)


def _level(level) -> str:
    return f" [{level}]" if level else ""


def _changed_examples(diff: Diff):
    return [e for e in diff.examples if e.old_rac != e.new_rac]


def markdown(diff: Diff) -> str:
    out = [f"### `garant diff`: {md(diff.name)}", "", f"{code(diff.old_label)} → {code(diff.new_label)}", ""]
    if diff.new_errors:
        out += ["**Compliance broken**: errors `garant check` reports on the new version only:", ""]
        out += [f"- {code(str(d.span) if d.span else '')} {md(d.message)}" + (f" ({md(d.hint)})" if d.hint else "") for d in diff.new_errors]
        out.append("")
    else:
        out += ["No new compliance error.", ""]
    if diff.fixed_errors:
        out += ["Errors fixed by this change:", ""]
        out += [f"- {md(d.message)}" for d in diff.fixed_errors]
        out.append("")
    out += ["#### Guarantee lines", ""]
    if diff.lines:
        out += ["| change | selector | before | after |", "|---|---|---|---|"]
        for c in diff.lines:
            before = f"{code(c.old)} (line {c.old_line})" if c.old is not None else "—"
            after = f"{code(c.new)} (line {c.new_line})" if c.new is not None else "—"
            out.append(f"| {c.kind}{md(_level(c.level))} | {code(c.selector)} | {before} | {after} |")
    else:
        out.append("No guarantee line changed.")
    out += ["", f"#### {diff.examples_title}", ""]
    changed = _changed_examples(diff)
    if changed:
        out += ["| example | before | after | change |", "|---|--:|--:|--:|"]
        for e in changed:
            c = diff.currency
            out.append(f"| {md(e.id)} {md(e.title)}{md(_level(e.level))} | {money(e.old_rac, c)} | {money(e.new_rac, c)} | **{_delta(e.delta, c)}** |")
        if any(e.old_rac is None or e.new_rac is None for e in changed):
            out += ["", "n/c: not computable with this regime yet."]
    elif diff.examples:
        out.append(f"No change on the {len({e.id for e in diff.examples})} examples.")
    else:
        out.append("Not compared.")
    for note in diff.notes:
        out += ["", f"*{md(note)}*"]
    return "\n".join(out) + "\n"


def terminal(diff: Diff, console: Console) -> None:
    console.print(f"[bold]{escape(diff.name)}[/bold]: {escape(diff.old_label)} → {escape(diff.new_label)}")
    if diff.new_errors:
        console.print("[bold red]compliance broken[/bold red]: new errors on NEW")
        for d in diff.new_errors:
            console.print(escape(d.render()), style="red")
    else:
        console.print("[green]no new compliance error[/green]")
    for d in diff.fixed_errors:
        console.print(f"[green]fixed:[/green] {escape(d.message)}")
    if diff.lines:
        table = Table(title="guarantee lines", title_justify="left")
        for col in ("change", "selector", "before", "after"):
            table.add_column(col)
        for c in diff.lines:
            colour = {"added": "green", "removed": "red"}.get(c.kind, "yellow")
            table.add_row(
                f"[{colour}]{c.kind}[/{colour}]{escape(_level(c.level))}",
                escape(c.selector),
                escape(f"{c.old}  (line {c.old_line})") if c.old is not None else "—",
                escape(f"{c.new}  (line {c.new_line})") if c.new is not None else "—",
            )
        console.print(table)
    else:
        console.print("no guarantee line changed")
    changed = _changed_examples(diff)
    if changed:
        table = Table(title=diff.examples_title, title_justify="left")
        for col, just in (("example", "left"), ("before", "right"), ("after", "right"), ("change", "right")):
            table.add_column(col, justify=just)
        for e in changed:
            d = e.delta
            colour = "red" if d and d > 0 else "green"
            table.add_row(
                escape(f"{e.id} {e.title}{_level(e.level)}"),
                money(e.old_rac, diff.currency),
                money(e.new_rac, diff.currency),
                f"[{colour}]{_delta(d, diff.currency)}[/{colour}]",
            )
        console.print(table)
    elif diff.examples:
        console.print(f"no change on the {len({e.id for e in diff.examples})} examples")
    for note in diff.notes:
        console.print(f"[yellow]{escape(note)}[/yellow]")
