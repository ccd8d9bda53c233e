"""`garant`: the command line. Each command only wires pipeline stages.

    check  → pipeline.compile_paths → print diagnostics
    build  → compile → compiler.python.generate → write modules
    eval   → compile → generate → load → Product.evaluate → print
    test   → testing.run_file
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from garant import __version__
from garant.dsl.diagnostics import GarantError, Severity

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Garant: rules-as-code for health insurance.")
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _print_diagnostics(units, problems, show_warnings: bool = True) -> tuple[int, int]:
    errors = warnings = 0
    for d in problems:
        err.print(d.render(), markup=False)
        errors += 1
    for unit in units:
        for d in unit.diagnostics:
            if d.severity is Severity.WARNING:
                warnings += 1
                if not show_warnings:
                    continue
            elif d.is_error:
                errors += 1
            err.print(d.render(unit.source), markup=False, style="red" if d.is_error else "yellow")
    return errors, warnings


@app.command()
def check(
    paths: List[Path] = typer.Argument(..., help="Files or folders of .garant sources."),
    no_warnings: bool = typer.Option(False, "--no-warnings", help="Print errors only."),
):
    """Parse and type-check; exit 1 on any error."""
    from garant.pipeline import compile_paths

    units, problems = compile_paths(paths)
    errors, warnings = _print_diagnostics(units, problems, not no_warnings)
    summary = f"{len(units)} file{'s' if len(units) != 1 else ''} checked: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    err.print(summary, style="bold red" if errors else "bold green", markup=False)
    raise typer.Exit(1 if errors or not units else 0)


@app.command()
def build(
    paths: List[Path] = typer.Argument(..., help="Files or folders of .garant sources."),
    output: Path = typer.Option(..., "-o", "--output", help="Directory for the generated modules."),
):
    """Generate one importable Python module per product."""
    from garant.api import python_source
    from garant.compiler.python.generate import module_name
    from garant.pipeline import compile_paths

    units, problems = compile_paths(paths)
    errors, _ = _print_diagnostics(units, problems, show_warnings=False)
    if errors:
        err.print(f"build stopped: {errors} error(s)", style="bold red", markup=False)
        raise typer.Exit(1)
    output.mkdir(parents=True, exist_ok=True)
    written = 0
    for unit in units:
        if unit.contract is None:
            continue
        target = output / f"{module_name(unit.contract)}.py"
        target.write_text(python_source(unit), encoding="utf-8")
        out.print(f"{unit.source.path} → {target}", markup=False)
        written += 1
    err.print(f"{written} module{'s' if written != 1 else ''} written to {output}", style="bold green", markup=False)


@app.command("eval")
def eval_(
    product: Path = typer.Argument(..., help="The product's .garant source."),
    claim: Path = typer.Option(..., "--claim", help="A JSON claim (object) or claims (array)."),
    format: str = typer.Option("text", "--format", help="text or json."),
    level: List[str] = typer.Option([], "--level", help="Level of a multi-level product: `N3` for every module, or `MODULE=N3` (repeat for each module; `MODULE=none` leaves an optional module out)."),
    trace: bool = typer.Option(False, "--trace", help="Print each décompte's trace (text format)."),
    regime: List[Path] = typer.Option([], "--regime", help="A regime file of your own (the bundled stdlib is always there)."),
):
    """Evaluate one claim or a list of claims and print the décomptes."""
    from garant.api import load_product

    if format not in ("text", "json"):
        err.print(f"error: --format must be text or json, not `{format}`", markup=False)
        raise typer.Exit(2)
    claims = _read_claims(claim)
    try:
        prod = load_product(product, regime)
    except GarantError as e:
        for d in e.diagnostics:
            err.print(d.render(_source_for(d)), markup=False)
        raise typer.Exit(1) from None
    prod = _at_levels(prod, product, level)
    results = prod.evaluate(claims)
    if format == "json":
        sys.stdout.write(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2) + "\n")
        return
    _print_table(prod, results, trace)


def _at_levels(prod, path: Path, specs: list[str]):
    """The product at the levels asked for (`--level`), or exit 2 saying why."""
    from garant.api import at_levels
    from garant.compiler.runtime.levels import LevelError

    try:
        return at_levels(prod, specs)
    except LevelError as e:
        err.print(f"{path}: error: {e}", markup=False)
        raise typer.Exit(2) from None


def _source_for(d):
    from garant.dsl.source import SourceFile

    if d.span is None:
        return None
    try:
        return SourceFile(d.span.file, Path(d.span.file).read_text(encoding="utf-8"))
    except OSError:
        return None


def _read_claims(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        err.print(f"{path}: error: cannot read claims: {e.strerror or e}", markup=False)
        raise typer.Exit(2) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        line_text = text.splitlines()[e.lineno - 1] if e.lineno - 1 < len(text.splitlines()) else ""
        err.print(f"{path}:{e.lineno}:{e.colno}: error: invalid JSON: {e.msg}\n  {line_text}\n  {' ' * (e.colno - 1)}^", markup=False)
        raise typer.Exit(2) from None
    if isinstance(data, dict):
        return [data]
    if not isinstance(data, list):
        err.print(f"{path}:1:1: error: expected a claim (JSON object) or a list of claims (JSON array)", markup=False)
        raise typer.Exit(2)
    return data


def _print_table(prod, results, trace: bool) -> None:
    table = Table(title=f"{prod.name} — décomptes", title_justify="left", show_lines=False)
    for col in ("id", "date", "act", "provider", "price", "base", "rate", "AMO", "PF", "franch.", "AMO net", "AMC", "RAC", "rule"):
        table.add_column(col, justify="right" if col in ("price", "base", "rate", "AMO", "PF", "franch.", "AMO net", "AMC", "RAC") else "left", no_wrap=col in ("id", "date", "rule"))
    notes = []
    for r in results:
        d = r.to_dict()
        if d["status"] == "rejected":
            table.add_row(str(d["id"]), "", "[red]rejected[/red]", "", "", "", "", "", "", "", "", "", "", "")
            notes.append((d["id"], f"[red]rejected:[/red] {_escape(d['reason'])}"))
            continue
        table.add_row(
            _escape(str(d["id"])), d["date"], _escape(d["act"]), _escape(d.get("provider") or ""), d["price"], d["base"], d["amo_rate"], d["amo"],
            d["participation_forfaitaire"], d["franchise"], d["amo_net"], d["amc"], f"[bold]{d['rac']}[/bold]", _escape(d["rule"] or ""),
        )
        for w in d["warnings"]:
            notes.append((d["id"], f"[yellow]warning:[/yellow] {_escape(w)}"))
        if trace:
            notes.append((d["id"], "trace:\n    " + _escape(r.trace_text()).replace("\n", "\n    ")))
    out.print(table)
    for cid, note in notes:
        out.print(f"  {_escape(str(cid))}: {note}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@app.command()
def test(
    paths: List[Path] = typer.Argument(..., help="Golden test files (.yaml) or folders."),
    update: bool = typer.Option(False, "--update", help="Rewrite expected figures after a deliberate change."),
):
    """Run golden tests: products, claims and expected décomptes side by side."""
    from garant.testing import run_file, update_file

    files = []
    for p in paths:
        files.extend(sorted(p.rglob("*.yaml")) if p.is_dir() else [p])
    failed = total = pending = figures = figures_ok = per_level = per_level_ok = 0
    for f in files:
        if update:
            n = update_file(f)
            out.print(f"{f}: {n} figure{'s' if n != 1 else ''} updated", markup=False)
            continue
        for result in run_file(f):
            total += 1
            figures += result.figures
            figures_ok += result.figures_ok
            per_level += result.level_figures
            per_level_ok += result.level_figures_ok
            if result.ok and result.pending:
                pending += 1
                out.print(f"[yellow]PENDING[/yellow] {_escape(str(f))} :: {_escape(result.id)}")
                out.print(f"     expected to fail until: {_escape(result.pending)}")
            elif result.ok:
                out.print(f"[green]PASS[/green] {_escape(str(f))} :: {_escape(result.id)}")
            else:
                failed += 1
                out.print(f"[red]FAIL[/red] {_escape(str(f))} :: {_escape(result.id)}")
                for p in result.problems:
                    out.print(f"     {_escape(p)}")
    if not update:
        out.print(f"{total - failed - pending} passed, {pending} pending, {failed} failed; figures: {figures_ok} of {figures} equal" + (f" (given level by level: {per_level_ok} of {per_level})" if per_level else ""), style="bold red" if failed else "bold green", markup=False)
        raise typer.Exit(1 if failed else 0)


@app.command()
def version():
    """Print the version."""
    out.print(f"garant {__version__}", markup=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
