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
    coverage: bool = typer.Option(False, "--coverage", help="Also print, per contract, which line decides each act family and provider combination (gaps, overlaps) and the contrat responsable rules' verdicts."),
):
    """Parse and type-check; exit 1 on any error."""
    from garant.dsl.pipeline import compile_paths

    units, problems = compile_paths(paths)
    errors, warnings = _print_diagnostics(units, problems, not no_warnings)
    if coverage:
        from garant.dsl.checker.coverage import print_coverage

        for unit in units:
            print_coverage(out, unit)
    summary = f"{len(units)} file{'s' if len(units) != 1 else ''} checked: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}"
    err.print(summary, style="bold red" if errors else "bold green", markup=False)
    raise typer.Exit(1 if errors or not units else 0)


@app.command()
def build(
    paths: List[Path] = typer.Argument(..., help="Files or folders of .garant sources."),
    output: Path = typer.Option(..., "-o", "--output", help="Directory for the generated modules (and, under docs/, their documentation)."),
    with_docs: bool = typer.Option(True, "--docs/--no-docs", help="Also write the documentation pages under OUTPUT/docs (as `garant docs`)."),
):
    """Generate one importable Python module per product, and its documentation."""
    from garant.compiler.driver import python_source
    from garant.compiler.python.generate import module_name
    from garant.dsl.pipeline import compile_paths

    units, problems = compile_paths(paths)
    errors, _ = _print_diagnostics(units, problems, show_warnings=False)
    if errors:
        err.print(f"build stopped: {errors} error(s)", style="bold red", markup=False)
        raise typer.Exit(1)
    output.mkdir(parents=True, exist_ok=True)
    written = 0
    for unit in units:
        if unit.product is None:
            continue
        target = output / f"{module_name(unit.product)}.py"
        target.write_text(python_source(unit), encoding="utf-8")
        out.print(f"{unit.source.path} → {target}", markup=False)
        written += 1
    err.print(f"{written} module{'s' if written != 1 else ''} written to {output}", style="bold green", markup=False)
    if with_docs:
        _write_docs(units, output / "docs")


def _write_docs(units, output: Path, source_url: str | None = None) -> int:
    """The documentation pages of `units` under `output`; returns how many
    pages there are. Shared by `build` (spec §6: modules and their
    documentation) and `docs`. Lines link to `source_url` (a template with
    {path} and {line}), else to the git remote's hosting site, else to the
    generated source pages."""
    from garant.compiler.docs import sources, write
    from garant.compiler.driver import build_site

    if source_url:
        _, found = sources.from_git(Path.cwd())
        links = sources.SourceLinks(source_url, found.root)
    else:
        _, links = sources.from_git(Path.cwd())
    site = build_site(units, links=links)
    for note in site.notes:
        err.print(note, style="yellow", markup=False)
    changed = write(site.pages, output)
    err.print(f"{len(site.pages)} page{'s' if len(site.pages) != 1 else ''} in {output} ({len(changed)} changed)", style="bold green", markup=False)
    return len(site.pages)


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
    from garant.compiler.driver import load_product

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
    elif prod.kind == "plan":
        _print_plan_table(prod, results, trace)
    else:
        _print_table(prod, results, trace)
    internal = [r for r in results if getattr(r, "internal", False)]
    if internal:  # every claim is printed; the defect is said, and the status shows it
        raise internal_error(f"{len(internal)} claim{'s' if len(internal) != 1 else ''} could not be evaluated ({', '.join(str(r.id) for r in internal[:5])})")


def _at_levels(prod, path: Path, specs: list[str]):
    """The product at the levels asked for (`--level`), or exit 2 saying why."""
    from garant.compiler.driver import at_levels
    from garant.core.levels import LevelError

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
        return SourceFile(d.span.file, Path(d.span.file).read_bytes().decode("utf-8"))
    except (OSError, UnicodeError):
        return None


def _read_claims(path: Path) -> list:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        err.print(f"{path}: error: cannot read claims: {e.strerror or e}", markup=False)
        raise typer.Exit(2) from None
    from decimal import Decimal

    try:
        # numbers with a fraction read exactly (`26.505000000000001` stays
        # what it says, not the float nearest to it): amounts are checked
        # to the cent, never rounded silently
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as e:
        line_text = text.splitlines()[e.lineno - 1] if e.lineno - 1 < len(text.splitlines()) else ""
        err.print(f"{path}:{e.lineno}:{e.colno}: error: invalid JSON: {e.msg}\n  {line_text}\n  {' ' * (e.colno - 1)}^", markup=False)
        raise typer.Exit(2) from None
    except ValueError as e:  # an integer of more than 4,300 digits
        err.print(f"{path}: error: invalid claims: {e}", markup=False)
        raise typer.Exit(2) from None
    except RecursionError:
        err.print(f"{path}: error: invalid claims: arrays or objects nested too deeply", markup=False)
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
        _add_closing_notes(notes, d, r, trace)
    _print_with_notes(table, notes)


def _print_plan_table(prod, results, trace: bool) -> None:
    """Explanations of benefits of a plan: one row per claim."""
    table = Table(title=f"{prod.name} ({prod.plan_kind}) — explanation of benefits", title_justify="left")
    amounts = ("billed", "allowed", "deductible", "copay", "coins.", "plan paid", "member paid")
    for col in ("id", "date", "member", "act", "provider", *amounts, "rule"):
        table.add_column(col, justify="right" if col in amounts else "left", no_wrap=col in ("id", "date", "rule"))
    notes = []
    for r in results:
        d = r.to_dict()
        if d["status"] == "rejected":
            table.add_row(_escape(str(d["id"])), "", "", "[red]rejected[/red]", *[""] * (len(amounts) + 2))
            notes.append((d["id"], f"[red]rejected:[/red] {_escape(d['reason'])}"))
            continue
        table.add_row(
            _escape(str(d["id"])), d["date"], _escape(d["beneficiary"]), _escape(d["act"]), _escape(d.get("provider") or ""), d["price"], d["allowed"],
            d["deductible"], d["copay"], d["coinsurance"], d["plan_paid"], f"[bold]{d['member_paid']}[/bold]", _escape(d["rule"] or ""),
        )
        if d["denied"]:
            notes.append((d["id"], f"[red]denied:[/red] {_escape(d['denied'])}"))
        if d["balance_billed"] != "0.00":
            notes.append((d["id"], f"balance billed: {d['balance_billed']} (the member's, in member paid)"))
        if d["over_limit"] != "0.00":
            notes.append((d["id"], f"over the visit limit: {d['over_limit']} (the member's, in member paid)"))
        _add_closing_notes(notes, d, r, trace)
    _print_with_notes(table, notes)


def _add_closing_notes(notes: list, d: dict, result, trace: bool) -> None:
    """Warnings, then the trace when asked: the notes every kind of product prints under its table."""
    for w in d["warnings"]:
        notes.append((d["id"], f"[yellow]warning:[/yellow] {_escape(w)}"))
    if trace:
        notes.append((d["id"], "trace:\n    " + _escape(result.trace_text()).replace("\n", "\n    ")))


def _print_with_notes(table, notes: list) -> None:
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
    from garant.compiler.golden import run_file, update_file

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


# ---------------------------------------------------------------- batch
def _load_or_exit(product: Path, regime: List[Path], level: List[str] = ()):
    """The product (at its levels), compiled once per process (the batch
    unit's cache), or exit 1 with its diagnostics (2 for a level choice)."""
    from garant.batch.unit import resolve_product
    from garant.core.levels import LevelError

    try:
        return resolve_product(_product_ref(product, regime, level))
    except GarantError as e:
        for d in e.diagnostics:
            err.print(d.render(_source_for(d)), markup=False)
        raise typer.Exit(1) from None
    except LevelError as e:
        err.print(f"{product}: error: {e}", markup=False)
        raise typer.Exit(2) from None


def _product_ref(product: Path, regime: List[Path], level: List[str] = ()) -> tuple:
    """What batch workers compile a product from: path, regimes, levels."""
    return (str(product), tuple(str(r) for r in regime), tuple(level))


def _progress(enabled: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, disable=not enabled, transient=False)


@app.command("run")
def run_(
    product: Path = typer.Argument(..., help="The product's .garant source."),
    claims: Path = typer.Argument(..., help="Claims file: CSV or Parquet (spec §5 field names)."),
    output: Path = typer.Option(..., "-o", "--output", help="Décomptes file (rejections go beside it: OUT.rejections.EXT), or a dataset folder (a name without suffix)."),
    format: Optional[str] = typer.Option(None, "--format", help="csv or parquet for the outputs (default: OUT's suffix, else the input's)."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="csv or parquet (default: the claims file's suffix)."),
    rejections: Optional[Path] = typer.Option(None, "--rejections", help="Rejections file (default: OUT.rejections.EXT)."),
    trace: bool = typer.Option(False, "--trace", help="Add each décompte's trace as a column (large)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Partitions evaluated in parallel processes."),
    rows_per_partition: int = typer.Option(20_000, "--rows-per-partition", help="Target claims per partition (bounds memory)."),
    workdir: Optional[Path] = typer.Option(None, "--workdir", help="Folder for the partition files (default: the system's temp)."),
    regime: List[Path] = typer.Option([], "--regime", help="A regime file of your own (the bundled stdlib is always there)."),
    level: List[str] = typer.Option([], "--level", help="Level of a multi-level product, as for `garant eval`."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    evaluator: str = typer.Option("vector", "--evaluator", help="vector: whole columns at a time, the scalar engine for what it does not take; scalar: claim by claim (the oracle). Same output."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="The claims CSV's text encoding: utf-8 (default), or cp1252 / latin-1 for a French spreadsheet export. A field that is not text in it rejects its claim."),
    engine: str = typer.Option("local", "--engine", help="local (this machine), dask or spark. OUT named without a suffix (always, with dask and spark) is a Parquet dataset folder, committed with a manifest."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="--engine dask: a running scheduler (tcp://host:8786); default: a local cluster."),
    workers: Optional[int] = typer.Option(None, "--workers", help="--engine dask without --scheduler: worker processes (default: one per core)."),
    master: Optional[str] = typer.Option(None, "--master", help="--engine spark: master URL (local[2], spark://host:7077…); default: spark-submit's, else local[*]."),
):
    """Evaluate a claims file (CSV, Parquet) into décomptes and rejections, with progress."""
    from garant.batch.io import ClaimsFileError
    from garant.batch.run import CountMismatch, run
    from garant.batch.unit import EVALUATORS

    from garant.batch.io import _encoding
    from garant.batch.run import check_workdir

    if evaluator not in EVALUATORS:
        err.print(f"error: --evaluator must be one of {', '.join(EVALUATORS)}, not `{evaluator}`", markup=False)
        raise typer.Exit(2)
    try:  # options that can be refused before anything is compiled or written
        check_workdir(workdir)
        encoding = _encoding(encoding)
        if encoding != "utf-8" and (engine != "local" or _is_dataset(output)):
            raise ClaimsFileError("--encoding: dataset outputs and --engine read UTF-8 claims only; convert the file (iconv -f cp1252 -t utf-8), or write -o FILE.csv / FILE.parquet")
    except ClaimsFileError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    _load_or_exit(product, regime, level)
    if engine != "local" or _is_dataset(output):
        _run_dataset(engine, _product_ref(product, regime, level), claims, output, input_format=input_format, trace=trace,
                     rows_per_partition=rows_per_partition, workdir=workdir, jobs=jobs, no_progress=no_progress,
                     scheduler=scheduler, workers=workers, master=master, evaluator=evaluator)
        return
    try:
        with _progress(not no_progress) as progress:
            report = run(_product_ref(product, regime, level), claims, output, out_format=format, in_format=input_format,
                         rejections=rejections, trace=trace, rows_per_partition=rows_per_partition, workdir=workdir, jobs=jobs,
                         progress=progress, evaluator=evaluator, encoding=encoding)
    except ClaimsFileError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    except OSError as e:  # a full disk, a folder one may not write to: no output was put in place
        where = f"{e.filename}: " if e.filename else ""
        err.print(f"error: {where}{e.strerror or e}; nothing was written (any previous output is unchanged)", markup=False)
        raise typer.Exit(2) from None
    except CountMismatch as e:  # a defect: say it, with the counts, and fail
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(3) from None
    err.print(
        f"{report.input} claims in: {report.evaluated} evaluated, {report.rejected} rejected "
        f"({report.partitions} partition{'s' if report.partitions != 1 else ''}, {report.seconds:.1f} s, {report.claims_per_second:,.0f} claims/s)",
        style="bold red" if report.rejected else "bold green", markup=False)
    if evaluator == "vector" and report.input:
        err.print(f"vectorised evaluator: {report.scalar_claims:,} claims ({report.scalar_claims / report.input:.1%}) taken by the scalar engine", markup=False)
    err.print(f"décomptes → {report.decomptes}\nrejections → {report.rejections}", markup=False)


def _is_dataset(output: Path) -> bool:
    from garant.batch.dataset import is_dataset_path

    return is_dataset_path(output)


def _run_dataset(engine: str, product_ref, claims: Path, output: Path, *, input_format, no_progress: bool, **options) -> None:
    """`garant run` into a dataset (batch/engines), errors as one line each."""
    from garant.batch.dataset import DatasetError
    from garant.batch.engines import EngineUnavailable
    from garant.batch.engines.driver import run_dataset
    from garant.batch.io import ClaimsFileError
    from garant.batch.run import CountMismatch

    try:
        with _progress(not no_progress and engine == "local") as progress:
            report = run_dataset(engine, product_ref, claims, output, in_format=input_format, progress=progress, **options)
    except (ClaimsFileError, DatasetError, EngineUnavailable) as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    except CountMismatch as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(3) from None
    err.print(
        f"{report.input} claims in: {report.evaluated} evaluated, {report.rejected} rejected "
        f"({report.engine}, {report.partitions} partition{'s' if report.partitions != 1 else ''}, {report.seconds:.1f} s, {report.claims_per_second:,.0f} claims/s)",
        style="bold red" if report.rejected else "bold green", markup=False)
    err.print(f"dataset → {report.out} (décomptes/, rejections/, _manifest.json)", markup=False)


@app.command()
def impact(
    old: Path = typer.Argument(..., help="The product as it is (.garant)."),
    new: Path = typer.Argument(..., help="The product changed (.garant)."),
    claims: Path = typer.Argument(..., help="Claims file: CSV or Parquet."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", "-o", help="Also write the report as Markdown."),
    input_format: Optional[str] = typer.Option(None, "--input-format", help="csv or parquet (default: the file's suffix)."),
    rows_per_partition: int = typer.Option(20_000, "--rows-per-partition", help="Target claims per partition (bounds memory)."),
    regime: List[Path] = typer.Option([], "--regime", help="A regime file of your own."),
    level: List[str] = typer.Option([], "--level", help="Level of multi-level products (both), as for `garant eval`."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
):
    """What a contract change does to a set of claims: paid by the contract and reste à charge, old vs new."""
    from garant.batch.impact import impact as compute, markdown_report, rich_table
    from garant.batch.io import ClaimsFileError

    old_p, new_p = _load_or_exit(old, regime, level), _load_or_exit(new, regime, level)
    try:
        with _progress(not no_progress) as progress:
            report = compute(old_p, new_p, claims, in_format=input_format, rows_per_partition=rows_per_partition, progress=progress)
    except (ClaimsFileError, ValueError) as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    out.print(rich_table(report))
    if markdown is not None:
        markdown.write_text(markdown_report(report), encoding="utf-8")
        err.print(f"Markdown → {markdown}", markup=False)


@app.command()
def synth(
    n: int = typer.Argument(..., help="How many claims."),
    output: Path = typer.Option(..., "-o", "--output", help="CSV or Parquet file (by suffix, or --format)."),
    seed: int = typer.Option(2025, "--seed", help="Same N and seed → same claims, on any machine."),
    format: Optional[str] = typer.Option(None, "--format", help="csv or parquet."),
    beneficiaries: Optional[int] = typer.Option(None, "--beneficiaries", help="How many members (default N/20)."),
):
    """Write N reproducible synthetic claims (contracts/essentiel_2025 acts and providers)."""
    from garant.batch.io import ClaimsFileError
    from garant.batch.synth import write_claims

    try:
        written = write_claims(output, n, seed, fmt=format, beneficiaries=beneficiaries)
    except ClaimsFileError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    err.print(f"{written} claims (seed {seed}) → {output}", style="bold green", markup=False)


@app.command()
def docs(
    paths: List[Path] = typer.Argument(..., help="Files or folders of .garant sources (products and regimes)."),
    output: Path = typer.Option(..., "-o", "--output", help="Directory for the Markdown pages (mkdocs-material)."),
    source_url: Optional[str] = typer.Option(
        None, "--source-url", metavar="TEMPLATE",
        help="Link each line to its source on the hosting site, e.g. https://github.com/ORG/REPO/blob/main/{path}#L{line} "
        "({path}: the file relative to the repository). Default: from the git remote, else the generated source pages.",
    ),
):
    """Write the documentation pages: tableaux, euro examples, compliance, regime histories."""
    from garant.compiler.docs.sources import check_template
    from garant.dsl.pipeline import compile_paths

    if source_url is not None and (why := check_template(source_url)):
        err.print(f"error: --source-url: {why}", markup=False)
        raise typer.Exit(2)
    units, problems = compile_paths(paths)
    errors, _ = _print_diagnostics(units, problems, show_warnings=False)
    _write_docs(units, output, source_url)
    if errors:
        err.print(f"{errors} error(s): products with errors have only their compliance and source pages", style="bold red", markup=False)
    raise typer.Exit(1 if errors or problems else 0)


@app.command()
def diff(
    versions: List[str] = typer.Argument(..., help="OLD NEW (each a file or path@gitrev), or with --against: the files to compare."),
    format: str = typer.Option("text", "--format", help="text, or markdown (for a pull-request comment)."),
    against: Optional[str] = typer.Option(None, "--against", help="Compare each FILE given with FILE@REV (e.g. HEAD, origin/main): for hooks and CI."),
):
    """What changed between two versions of a product; exit 1 when NEW breaks compliance."""
    from garant.compiler.review import render as review
    from garant.compiler.driver import compare_versions as compare
    from garant.compiler.review.diff import DiffError, read_side, side

    if format not in ("text", "markdown"):
        err.print(f"error: --format must be text or markdown, not `{format}`", markup=False)
        raise typer.Exit(2)
    if against is None:
        if len(versions) != 2:
            err.print("error: give OLD and NEW (files or path@gitrev), or --against REV and the files", markup=False)
            raise typer.Exit(2)
        pairs = [(versions[0], versions[1])]
    else:
        pairs = []
        for path in versions:
            try:
                read_side(f"{path}@{against}")
            except DiffError:
                err.print(f"{path}: not in {against}: a new file, nothing to compare", markup=False)
                continue
            pairs.append((f"{path}@{against}", path))
    broken = False
    for old, new in pairs:
        try:
            result = compare(side(old), side(new))
        except DiffError as e:
            err.print(f"error: {e}", markup=False)
            raise typer.Exit(2) from None
        broken = broken or result.breaks_compliance
        if format == "markdown":
            sys.stdout.write(review.markdown(result) + "\n")
        else:
            review.terminal(result, out)
    raise typer.Exit(1 if broken else 0)


@app.command()
def examples(
    product: Path = typer.Argument(..., help="A plan's .garant source."),
    lines: bool = typer.Option(False, "--lines", help="Also print each service line of each example."),
):
    """The ACA SBC coverage examples (having a baby, type 2 diabetes, a simple fracture) under a plan."""
    from garant.compiler.docs import sbc
    from garant.compiler.driver import load_product

    try:
        prod = load_product(product)
        results = sbc.run(prod)
    except GarantError as e:
        for d in e.diagnostics:
            err.print(d.render(_source_for(d)), markup=False)
        raise typer.Exit(1) from None
    except ValueError as e:
        err.print(f"{product}: error: {e}", markup=False)
        raise typer.Exit(1) from None
    _print_sbc(prod, results, lines)


def _usd(cents: int) -> str:
    from garant.compiler.docs.plan import usd

    return usd(cents)


def _sharing_text(sharing) -> str:
    from garant.compiler.docs.plan import sharing_text

    return sharing_text(sharing, say_deductible=False)


def _print_sbc(prod, results, lines: bool) -> None:
    out.print(f"[bold]{_escape(prod.name)}[/bold] ({prod.plan_kind}) — coverage examples (Summary of Benefits and Coverage)")
    overall = prod.deductible.individual
    out.print(f"  The plan's overall deductible: {_usd(overall) if overall is not None else 'none'}")
    out.print(f"  Specialist: {_escape(_sharing_text(prod.sharing_for('specialist.visit')))}")
    out.print(f"  Hospital (facility): {_escape(_sharing_text(prod.sharing_for('inpatient.hospital_facility')))}")
    table = Table(title_justify="left", show_lines=False)
    table.add_column("")
    for r in results:
        table.add_column(_escape(r.example.title), justify="right")
    table.add_row("Total example cost", *[_usd(r.total_cost) for r in results])
    table.add_row("[italic]In this example, the member would pay:[/italic]", *[""] * len(results))
    table.add_row("  Deductibles", *[_usd(r.deductible) for r in results])
    table.add_row("  Copayments", *[_usd(r.copay) for r in results])
    table.add_row("  Coinsurance", *[_usd(r.coinsurance) for r in results])
    table.add_row("  Limits or exclusions", *[_usd(r.excluded) for r in results])
    table.add_row("[bold]The total the member would pay is[/bold]", *[f"[bold]{_usd(r.member_total)}[/bold]" for r in results])
    table.add_row("The plan would pay", *[_usd(r.plan_paid) for r in results])
    out.print(table)
    out.print(
        "Self-only coverage, all care in network, premiums excluded, each example on its own. The totals are HHS's; "
        "the service lines adding up to them are Garant's own breakdown (CMS's per-line data is not published)."
    )
    if not lines:
        return
    for r in results:
        detail = Table(title=_escape(f"{r.example.title} — {r.example.description}"), title_justify="left")
        for col in ("date", "service", "SBC category", "benefit", "allowed", "deductible", "copay", "coins.", "excluded", "plan paid"):
            detail.add_column(col, justify="right" if col in ("allowed", "deductible", "copay", "coins.", "excluded", "plan paid") else "left")
        for service, date, d in r.lines:
            denied = d.denied is not None
            detail.add_row(
                date.isoformat(), _escape(service.service), _escape(service.category), _escape(service.act), _usd(service.allowed),
                _usd(d.deductible), _usd(d.copay), _usd(d.coinsurance), _usd(d.member_paid if denied else 0), _usd(d.plan_paid),
            )
        out.print(detail)


@app.command()
def lsp():
    """Run the language server on stdin/stdout, for editors (docs/editors.md)."""
    try:
        from garant.lsp.server import serve
    except ModuleNotFoundError as missing:
        if (missing.name or "").split(".")[0] not in ("pygls", "lsprotocol"):
            raise
        err.print(f"garant lsp needs {missing.name.split('.')[0]}, of the `editor` extra: pip install 'garant[editor]'", markup=False)
        raise typer.Exit(2)
    serve()


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
):
    """Serve the HTTP JSON API (OpenAPI at /docs) and the web playground at /."""
    from garant.service.run import serve as run_service

    run_service(host, port)


@app.command()
def schema(output: Path = typer.Option(..., "-o", "--output", help="Directory for claim.json and decompte.json.")):
    """Write the JSON Schemas of the claim and décompte formats."""
    from garant.service.schemas import write

    for path in write(output):
        out.print(str(path), markup=False)


@app.command()
def version():
    """Print the version."""
    out.print(f"garant {__version__}", markup=False)


# Exit statuses, the same for every command:
EXIT_OK = 0
EXIT_ERRORS = 1  # errors found in the input (sources, claims, options)
EXIT_USAGE = 2  # a command line Garant cannot run (click's usage errors; unreadable files)
EXIT_INTERNAL = 3  # a defect of Garant itself: never the user's fault, always a bug report
EXIT_INTERRUPTED = 130  # SIGINT (Ctrl-C), as shells count it
BUG_REPORT = "this is a defect of Garant, not of your input: please report it with the command and the files that gave it"


def internal_error(what: str) -> "typer.Exit":
    """Say `what` went wrong inside Garant, ask for a bug report, and
    return the exit to raise (status 3)."""
    err.print(f"garant: internal error: {what}\n{BUG_REPORT} (set GARANT_TRACEBACK=1 to see where it failed)", markup=False)
    return typer.Exit(EXIT_INTERNAL)


def main(argv: Optional[List[str]] = None) -> None:
    """The `garant` command: never a traceback. An exception that escapes
    a command is a defect of Garant: one message asking for a bug report,
    exit status 3 (the traceback with GARANT_TRACEBACK=1); Ctrl-C is one
    line and status 130."""
    import os

    try:
        status = app(args=argv, standalone_mode=False)
        if status == EXIT_INTERRUPTED:  # click's Ctrl-C, returned as its status
            status = _interrupted()
    except KeyboardInterrupt:
        status = _interrupted()
    except BrokenPipeError:  # `garant … | head`: the reader left
        status = EXIT_OK
    except Exception as e:  # noqa: BLE001 - the one place that catches everything
        # click's own exceptions (typer may ship its own copy of click, so
        # they are known by what they do): usage errors show themselves
        if callable(getattr(e, "show", None)) and isinstance(getattr(e, "exit_code", None), int):
            e.show()
            status = e.exit_code
        elif type(e).__name__ == "Abort":  # click's form of Ctrl-C
            status = _interrupted()
        else:
            what = "nested too deeply for Garant to follow" if isinstance(e, RecursionError) else f"{type(e).__name__}: {e}"
            status = internal_error(what).exit_code
            _maybe_traceback(os)
    sys.exit(status if isinstance(status, int) else EXIT_OK)


def _interrupted() -> int:
    err.print("garant: interrupted: any output not completed was left out (the previous one, if any, is unchanged)", markup=False)
    return EXIT_INTERRUPTED


def _maybe_traceback(os) -> None:
    if os.environ.get("GARANT_TRACEBACK"):
        import traceback

        traceback.print_exc()


if __name__ == "__main__":
    main()
