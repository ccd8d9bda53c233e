"""`garant`: the command line. Each command only wires pipeline stages.

    check  → pipeline.compile_paths → print diagnostics
    build  → compile → compiler.python.generate → write modules
    eval   → compile → generate → load → Product.evaluate → print
    test   → testing.run_file
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from garant import __version__
from garant.dsl.diagnostics import GarantError, Severity

app = typer.Typer(add_completion=True, no_args_is_help=True, help="Garant: rules-as-code for health insurance.")
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 claim`, `3 claims`, `0 claims`: every count a person reads."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


# The choices of the options that take one: --help lists them, the shell
# completes them, and Typer refuses any other value with the list.
class TextFormat(str, enum.Enum):
    text = "text"
    json = "json"


class ReviewFormat(str, enum.Enum):
    text = "text"
    markdown = "markdown"


class EvalFormat(str, enum.Enum):
    text = "text"
    json = "json"
    fhir = "fhir"


class FileFormat(str, enum.Enum):
    csv = "csv"
    parquet = "parquet"


class RunFormat(str, enum.Enum):
    csv = "csv"
    parquet = "parquet"
    fhir = "fhir"


class Evaluator(str, enum.Enum):  # garant.batch.unit.EVALUATORS (a test keeps them equal)
    vector = "vector"
    scalar = "scalar"


class Engine(str, enum.Enum):
    local = "local"
    dask = "dask"
    spark = "spark"


def _value(choice):
    """An enum option's plain string (None stays None)."""
    return choice.value if isinstance(choice, enum.Enum) else choice


def _plain_help_types() -> None:
    """Typer's --help shows Python type names (`<list[Path]>`, `<bool>`,
    `<str>`). A reader wants the kind of value (PATH, TEXT, INTEGER) or the
    choices, and nothing after a flag. Typer offers no setting for it, so
    its one method that formats the type column is wrapped here (tests in
    tests/test_cli_help.py see it if a Typer upgrade moves it)."""
    from typer import core

    names = {"path": "PATH", "file": "FILE", "directory": "FOLDER", "str": "TEXT", "int": "INTEGER", "float": "NUMBER"}

    def display(self, ctx):
        if getattr(self, "is_flag", False) or getattr(self, "count", False):
            return None
        if isinstance(self, core.TyperOption) and self.metavar is not None:
            return self.metavar
        label = self.display_type(ctx).strip("<>")
        if label.startswith("list[") and label.endswith("]"):
            label = label[5:-1]
        if self.type_descriptor.is_choice:
            return "[" + label + "]"
        return names.get(label.lower(), label.upper())

    for cls in (core.TyperOption, core.TyperArgument):
        cls.display_type_rich = display


_plain_help_types()


def _print_version(value: bool) -> None:
    if value:
        out.print(f"garant {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
):
    """Garant: rules-as-code for health insurance."""


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

    _say_empty_folders(paths)
    units, problems = compile_paths(paths)
    errors, warnings = _print_diagnostics(units, problems, not no_warnings)
    if coverage:
        from garant.dsl.checker.coverage import print_coverage

        for unit in units:
            print_coverage(out, unit)
    summary = f"{plural(len(units), 'file')} checked: {plural(errors, 'error')}, {plural(warnings, 'warning')}"
    if not units and not problems:
        summary += ": nothing to check (give .garant files, or folders holding some)"
    elif warnings and not errors:
        summary += " (no error: the products build; each warning names something to check)"
    err.print(summary, style="bold red" if errors or not units else "bold green", markup=False)
    raise typer.Exit(1 if errors or not units else 0)


def _say_empty_folders(paths) -> None:
    """A folder with no .garant file in it is most likely the wrong folder:
    say so, rather than checking nothing in silence."""
    for p in paths:
        if p.is_dir() and next(p.rglob("*.garant"), None) is None:
            err.print(f"{p}: no .garant file in this folder", style="yellow", markup=False)


@app.command()
def build(
    paths: List[Path] = typer.Argument(..., help="Files or folders of .garant sources."),
    output: Path = typer.Option(..., "-o", "--output", help="Directory for the generated modules (and, under docs/, their documentation)."),
    with_docs: bool = typer.Option(True, "--docs/--no-docs", help="Also write the documentation pages under OUTPUT/docs (as `garant docs`)."),
):
    """Generate one importable Python module per product, and its documentation."""
    from garant.compiler.driver import one_build

    with one_build():  # proofs and modules made once, read again by the docs
        _build(paths, output, with_docs)


def _build(paths: List[Path], output: Path, with_docs: bool) -> None:
    from garant.compiler.driver import python_source, regime_source
    from garant.compiler.python.generate import module_name
    from garant.dsl.pipeline import compile_paths

    _say_empty_folders(paths)
    units, problems = compile_paths(paths)
    errors, _ = _print_diagnostics(units, problems, show_warnings=False)
    if errors:
        err.print(f"build stopped: {plural(errors, 'error')}", style="bold red", markup=False)
        raise typer.Exit(1)
    output.mkdir(parents=True, exist_ok=True)
    written = 0
    for unit in units:
        if unit.product is None:
            continue
        regime_text, regime_module, _ = regime_source(unit)  # the module the product's imports, beside it
        regime_target = output / f"{regime_module}.py"
        if not regime_target.exists() or regime_target.read_text(encoding="utf-8") != regime_text:
            regime_target.write_text(regime_text, encoding="utf-8")
            out.print(f"{unit.product.regime.path} → {regime_target}", markup=False)
        target = output / f"{module_name(unit.product)}.py"
        target.write_text(python_source(unit), encoding="utf-8")
        out.print(f"{unit.source.path} → {target}", markup=False)
        written += 1
    err.print(f"{plural(written, 'module')} written to {output}", style="bold green", markup=False)
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
    err.print(f"{plural(len(site.pages), 'page')} in {output} ({len(changed)} changed)", style="bold green", markup=False)
    return len(site.pages)


@app.command("eval")
def eval_(
    product: Path = typer.Argument(..., help="The product's .garant source."),
    claim: Path = typer.Option(..., "--claim", help="A JSON claim (object) or claims (array)."),
    format: EvalFormat = typer.Option(EvalFormat.text, "--format", help="A table to read, JSON for a program, or FHIR (plans: R4 ExplanationOfBenefit resources, one per line)."),
    level: List[str] = typer.Option([], "--level", help="Level of a multi-level product: `N3` for every module, or `MODULE=N3` (repeat for each module; `MODULE=none` leaves an optional module out)."),
    trace: bool = typer.Option(False, "--trace", help="Print each décompte's trace (text format)."),
    regime: List[Path] = typer.Option([], "--regime", help="A regime file of your own (the bundled stdlib is always there)."),
):
    """Evaluate one claim or a list of claims and print the décomptes."""
    from garant.compiler.driver import load_product

    format = _value(format)
    claims = _read_claims(claim)
    try:
        prod = load_product(product, regime)
    except GarantError as e:
        for d in e.diagnostics:
            err.print(d.render(_source_for(d)), markup=False)
        raise typer.Exit(1) from None
    prod = _at_levels(prod, product, level)
    if format == "fhir":
        _print_fhir(prod, product, claims)
        return
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


def _print_fhir(prod, path: Path, claims: list) -> None:
    """`eval --format fhir`: NDJSON, one ExplanationOfBenefit per claim (compiler/fhir.py)."""
    from garant.compiler import fhir

    try:
        fhir.check_product(prod, path)
        resources = fhir.resources(prod, claims, [r.to_dict() for r in prod.evaluate(claims)])
    except fhir.FhirError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    sys.stdout.write(fhir.ndjson(resources))


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
        if _looks_like_csv(text):
            err.print(f"{path}: error: this looks like CSV, not JSON: `--claim` reads JSON claims; "
                      f"for a CSV or Parquet claims file, use `garant run PRODUCT {path} -o OUT.csv`", markup=False)
            raise typer.Exit(2) from None
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


def _looks_like_csv(text: str) -> bool:
    """A claims CSV's first line is a header of field names separated by
    commas or semicolons, which JSON never starts with."""
    first = text.lstrip("\ufeff").lstrip().split("\n", 1)[0]
    if not first or first[0] in "{[":
        return False
    return any(len(cells := [c.strip().strip('"').lower() for c in first.split(sep)]) > 1 and {"id", "date", "act"} & set(cells)
               for sep in (",", ";", "\t"))


def _claim_name(d: dict) -> str:
    """How a décompte names its claim: its id, or `claim #N` (its place in
    the file, from 1) when it has none — `garant run` writes the same."""
    from garant.compiler.runtime.claims import claim_name

    return claim_name(d.get("id"), d.get("index"))


def _print_table(prod, results, trace: bool) -> None:
    table = Table(title=f"{prod.name} — décomptes", title_justify="left", show_lines=False)
    for col in ("id", "date", "act", "provider", "price", "base", "rate", "AMO", "PF", "franch.", "AMO net", "AMC", "RAC", "rule"):
        table.add_column(col, justify="right" if col in ("price", "base", "rate", "AMO", "PF", "franch.", "AMO net", "AMC", "RAC") else "left", no_wrap=col in ("id", "date", "rule"))
    notes = []
    any_marked = False
    for r in results:
        d = r.to_dict()
        if d["status"] == "rejected":
            table.add_row(_escape(_claim_name(d)), "", "[red]rejected[/red]", "", "", "", "", "", "", "", "", "", "", "")
            notes.append((_claim_name(d), f"[red]rejected:[/red] {_escape(d['reason'])}"))
            continue
        figures = _regime_figures(d)
        any_marked = any_marked or bool(d.get("given"))
        table.add_row(
            _escape(_claim_name(d)), d["date"], _escape(d["act"]), _escape(d.get("provider") or ""), d["price"], *figures,
            d["amo_net"], d["amc"], f"[bold]{d['rac']}[/bold]", _escape(d["rule"] or ""),
        )
        _add_closing_notes(notes, d, r, trace)
    _print_with_notes(table, notes)
    if any_marked:
        out.print(GIVEN_LEGEND, markup=False, highlight=False)


GIVEN_LEGEND = "  = the Sécu's figure, as sent (agrees with Garant's regime); ≠ the Sécu's figure, used, differs from Garant's (see the warning)"


def _regime_figures(d: dict) -> list:
    """The base, rate, AMO, PF and franchise cells; a figure the Sécu's
    statement gave is marked `=` where it agrees with Garant's own regime
    computation, `≠` where it differs (the JSON's `given` and `differs`)."""
    given, differs = d.get("given") or (), d.get("differs") or ()
    return [d[f] + (" ≠" if f in differs else " =") if f in given else d[f]
            for f in ("base", "amo_rate", "amo", "participation_forfaitaire", "franchise")]


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
            table.add_row(_escape(_claim_name(d)), "", "", "[red]rejected[/red]", *[""] * (len(amounts) + 2))
            notes.append((_claim_name(d), f"[red]rejected:[/red] {_escape(d['reason'])}"))
            continue
        table.add_row(
            _escape(_claim_name(d)), d["date"], _escape(d["beneficiary"]), _escape(d["act"]), _escape(d.get("provider") or ""), d["price"], d["allowed"],
            d["deductible"], d["copay"], d["coinsurance"], d["plan_paid"], f"[bold]{d['member_paid']}[/bold]", _escape(d["rule"] or ""),
        )
        if d["denied"]:
            notes.append((_claim_name(d), f"[red]denied:[/red] {_escape(d['denied'])}"))
        if d["balance_billed"] != "0.00":
            notes.append((_claim_name(d), f"balance billed: {d['balance_billed']} (the member's, in member paid)"))
        if d["over_limit"] != "0.00":
            notes.append((_claim_name(d), f"over a limit: {d['over_limit']} (the member's, in member paid)"))
        _add_closing_notes(notes, d, r, trace)
    _print_with_notes(table, notes)


def _add_closing_notes(notes: list, d: dict, result, trace: bool) -> None:
    """Warnings, then the trace when asked: the notes every kind of product prints under its table."""
    for w in d["warnings"]:
        notes.append((_claim_name(d), f"[yellow]warning:[/yellow] {_escape(w)}"))
    if trace:
        notes.append((_claim_name(d), "trace:\n    " + _escape(result.trace_text()).replace("\n", "\n    ")))


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
            out.print(f"{f}: {plural(n, 'figure')} updated", markup=False)
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
        out.print(f"{total - failed - pending} passed, {pending} pending, {failed} failed; figures: {figures_ok:,} of {plural(figures, 'figure')} equal" + (f" (given level by level: {per_level_ok} of {per_level})" if per_level else ""), style="bold red" if failed else "bold green", markup=False)
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
    """The progress of a long command, on stderr: counts in claims (the
    `reading` task, measured in bytes of a CSV, shows its share only), the
    time spent and the time left."""
    from rich.progress import BarColumn, Progress, ProgressColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
    from rich.text import Text

    class Counted(ProgressColumn):
        def render(self, task) -> Text:
            if task.description.strip() == "reading" or task.total is None:
                return Text("")
            return Text(f"{int(task.completed):,}/{int(task.total):,} {'claim' if task.total == 1 else 'claims'}")

    return Progress(TextColumn("{task.description:>10}"), BarColumn(bar_width=20), TaskProgressColumn(), Counted(),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(compact=True), console=err, disable=not enabled, transient=False)


@app.command("run")
def run_(
    product: Path = typer.Argument(..., help="The product's .garant source."),
    claims: Path = typer.Argument(..., help="Claims file: CSV or Parquet (spec §5 field names)."),
    output: Path = typer.Option(..., "-o", "--output", help="Décomptes file (rejections go beside it: OUT.rejections.EXT), or a dataset folder (a name without suffix)."),
    format: Optional[RunFormat] = typer.Option(None, "--format", help="The outputs' format (default: OUT's suffix, else the input's); fhir (plans): one NDJSON file of FHIR R4 ExplanationOfBenefit resources, rejections included."),
    input_format: Optional[FileFormat] = typer.Option(None, "--input-format", help="The claims file's format (default: its suffix)."),
    rejections: Optional[Path] = typer.Option(None, "--rejections", help="Rejections file (default: OUT.rejections.EXT)."),
    trace: bool = typer.Option(False, "--trace", help="Add each décompte's trace as a column (large)."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Partitions evaluated in parallel processes."),
    rows_per_partition: int = typer.Option(20_000, "--rows-per-partition", help="Target claims per partition (bounds memory)."),
    workdir: Optional[Path] = typer.Option(None, "--workdir", help="Folder for the partition files (default: the system's temp)."),
    regime: List[Path] = typer.Option([], "--regime", help="A regime file of your own (the bundled stdlib is always there)."),
    level: List[str] = typer.Option([], "--level", help="Level of a multi-level product, as for `garant eval`."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    evaluator: Evaluator = typer.Option(Evaluator.vector, "--evaluator", help="vector: whole columns at a time, the scalar engine for what it does not take; scalar: claim by claim (the oracle). Same output."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="The claims CSV's text encoding: utf-8 (default), or cp1252 / latin-1 for a French spreadsheet export. A field that is not text in it rejects its claim."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local (this machine), dask or spark. OUT named without a suffix (always, with dask and spark) is a Parquet dataset folder, committed with a manifest."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="--engine dask: a running scheduler (tcp://host:8786); default: a local cluster."),
    workers: Optional[int] = typer.Option(None, "--workers", help="--engine dask without --scheduler: worker processes (default: one per core)."),
    master: Optional[str] = typer.Option(None, "--master", help="--engine spark: master URL (local[2], spark://host:7077…); default: spark-submit's, else local[*]."),
    reconcile: Optional[Path] = typer.Option(None, "--reconcile", help="Write the reconciliation with the Sécu's statement (claims whose base, rate, AMO, PF or franchise differ from the regime's, by field and act family) as CSV."),
):
    """Evaluate a claims file (CSV, Parquet) into décomptes and rejections, with progress."""
    from garant.batch.io import ClaimsFileError
    from garant.batch.run import CountMismatch, run
    from garant.batch.unit import EVALUATORS

    from garant.batch.io import _encoding
    from garant.batch.run import check_workdir

    format, input_format, evaluator, engine = _value(format), _value(input_format), _value(evaluator), _value(engine)
    if evaluator not in EVALUATORS:
        err.print(f"error: --evaluator must be one of {', '.join(EVALUATORS)}, not `{evaluator}`", markup=False)
        raise typer.Exit(2)
    try:  # options that can be refused before anything is compiled or written
        check_workdir(workdir)
        encoding = _encoding(encoding)
        if reconcile is not None and (engine != "local" or _is_dataset(output) or format == "fhir"):
            raise ClaimsFileError("--reconcile: the reconciliation is written by local runs into a file (-o FILE.csv / FILE.parquet), not by dataset, FHIR or --engine runs")
        if encoding != "utf-8" and (engine != "local" or _is_dataset(output) or format == "fhir"):
            raise ClaimsFileError("--encoding: dataset outputs, FHIR and --engine read UTF-8 claims only; convert the file (iconv -f cp1252 -t utf-8), or write -o FILE.csv / FILE.parquet")
    except ClaimsFileError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    loaded = _load_or_exit(product, regime, level)
    if format == "fhir":
        _run_fhir(loaded, _product_ref(product, regime, level), claims, output, engine=engine, rejections=rejections, in_format=input_format,
                  rows_per_partition=rows_per_partition, workdir=workdir, jobs=jobs, no_progress=no_progress, evaluator=evaluator)
        return
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
        f"{plural(report.input, 'claim')} in: {report.evaluated:,} evaluated, {report.rejected:,} rejected "
        f"({plural(report.partitions, 'partition')}, {report.seconds:.1f} s, {report.claims_per_second:,.0f} claims/s)",
        style="bold red" if report.rejected else "bold green", markup=False)
    if evaluator == "vector" and report.input:
        err.print(f"vectorised evaluator: {plural(report.scalar_claims, 'claim')} ({report.scalar_claims / report.input:.1%}) taken by the scalar engine", markup=False)
    err.print(f"décomptes → {report.decomptes}\nrejections → {report.rejections}", markup=False)
    _reconciliation(report.reconciliation, reconcile)


def _reconciliation(summary, path: Optional[Path]) -> None:
    """`garant run`'s closing table of the Sécu's statement against the regime; `--reconcile FILE` as CSV."""
    if summary is None:
        return
    if summary.claims:
        err.print(summary.table())
    if path is not None:
        summary.write_csv(path)
        err.print(f"reconciliation → {path}", markup=False)


def _run_fhir(loaded, product_ref, claims: Path, output: Path, *, engine: str, rejections, no_progress: bool, **options) -> None:
    """`garant run --format fhir`: the run into Parquet files in a temporary
    folder, then those as FHIR resources (compiler/fhir.py)."""
    import tempfile

    from garant.batch.io import ClaimsFileError
    from garant.batch.run import CountMismatch, run
    from garant.compiler import fhir

    if engine != "local" or rejections is not None:
        err.print("error: --format fhir writes one NDJSON file, rejected claims included (outcome `error`): "
                  "not with --engine dask|spark nor --rejections", markup=False)
        raise typer.Exit(2)
    try:
        fhir.check_product(loaded, product_ref[0])
        with tempfile.TemporaryDirectory(dir=options.get("workdir")) as tmp, _progress(not no_progress) as progress:
            decomptes, rejected = Path(tmp) / "decomptes.parquet", Path(tmp) / "rejections.parquet"
            report = run(product_ref, claims, decomptes, out_format="parquet", rejections=rejected, progress=progress, **options)
            fhir.write_run(loaded, decomptes, rejected, output)
    except fhir.FhirError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    except ClaimsFileError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    except CountMismatch as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(3) from None
    except OSError as e:
        err.print(f"{output}: error: cannot write: {e.strerror or e}", markup=False)
        raise typer.Exit(2) from None
    err.print(f"{report.input} claims in: {report.evaluated} evaluated, {report.rejected} rejected → {output} "
              f"({report.input} ExplanationOfBenefit resources, NDJSON)", style="bold red" if report.rejected else "bold green", markup=False)


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
        f"{plural(report.input, 'claim')} in: {report.evaluated:,} evaluated, {report.rejected:,} rejected "
        f"({report.engine}, {plural(report.partitions, 'partition')}, {report.seconds:.1f} s, {report.claims_per_second:,.0f} claims/s)",
        style="bold red" if report.rejected else "bold green", markup=False)
    err.print(f"dataset → {report.out} (décomptes/, rejections/, _manifest.json)", markup=False)


@app.command()
def impact(
    old: Path = typer.Argument(..., help="The product as it is (.garant)."),
    new: Path = typer.Argument(..., help="The product changed (.garant)."),
    claims: Path = typer.Argument(..., help="Claims file: CSV or Parquet."),
    markdown: Optional[Path] = typer.Option(None, "--markdown", "-o", help="Also write the report as Markdown."),
    input_format: Optional[FileFormat] = typer.Option(None, "--input-format", help="The claims file's format (default: its suffix)."),
    rows_per_partition: int = typer.Option(20_000, "--rows-per-partition", help="Target claims per partition (bounds memory)."),
    regime: List[Path] = typer.Option([], "--regime", help="A regime file of your own."),
    level: List[str] = typer.Option([], "--level", help="Level of multi-level products (both), as for `garant eval`."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
):
    """What a contract change does to a set of claims: paid by the contract and reste à charge, old vs new."""
    from garant.batch.impact import impact as compute, markdown_report, rich_table
    from garant.batch.io import ClaimsFileError

    input_format = _value(input_format)
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
    format: Optional[FileFormat] = typer.Option(None, "--format", help="The file's format (default: its suffix)."),
    beneficiaries: Optional[int] = typer.Option(None, "--beneficiaries", help="How many members (default N/20)."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
):
    """Write N reproducible synthetic claims (contracts/essentiel_2025 acts and providers)."""
    from garant.batch.io import ClaimsFileError
    from garant.batch.synth import write_claims

    try:
        with _progress(not no_progress) as progress:
            writing = progress.add_task("writing", total=n)
            written = write_claims(output, n, seed, fmt=_value(format), beneficiaries=beneficiaries, chunk=min(100_000, max(1_000, n // 50)),
                                   on_chunk=lambda done: progress.update(writing, completed=done))
            progress.update(writing, completed=written)
    except ClaimsFileError as e:
        err.print(f"error: {e}", markup=False)
        raise typer.Exit(2) from None
    err.print(f"{plural(written, 'claim')} (seed {seed}) → {output}", style="bold green", markup=False)


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
    from garant.compiler.driver import one_build
    from garant.dsl.pipeline import compile_paths

    if source_url is not None and (why := check_template(source_url)):
        err.print(f"error: --source-url: {why}", markup=False)
        raise typer.Exit(2)
    with one_build():  # the check's responsable proofs, read again by the compliance pages
        units, problems = compile_paths(paths)
        errors, _ = _print_diagnostics(units, problems, show_warnings=False)
        _write_docs(units, output, source_url)
    if errors:
        err.print(f"{plural(errors, 'error')}: products with errors have only their compliance and source pages", style="bold red", markup=False)
    raise typer.Exit(1 if errors or problems else 0)


@app.command()
def diff(
    versions: List[str] = typer.Argument(..., help="OLD NEW (each a file or path@gitrev), or with --against: the files to compare."),
    format: ReviewFormat = typer.Option(ReviewFormat.text, "--format", help="text, or markdown (for a pull-request comment)."),
    against: Optional[str] = typer.Option(None, "--against", help="Compare each FILE given with FILE@REV (e.g. HEAD, origin/main): for hooks and CI."),
):
    """What changed between two versions of a product; exit 1 when NEW breaks compliance."""
    from garant.compiler.review import render as review
    from garant.compiler.driver import compare_versions as compare
    from garant.compiler.review.diff import DiffError, read_side, side

    format = _value(format)
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
def export(
    product: Path = typer.Argument(..., help="The product's .garant source."),
    output: Path = typer.Option(..., "-o", "--output", help="The workbook to write (.xlsx)."),
):
    """Write the tableau de garanties as a spreadsheet: one column per level, one row per line, grouped by family."""
    from garant.compiler.sheets.export import write
    from garant.dsl.pipeline import compile_paths

    units, problems = compile_paths([product])
    errors, _ = _print_diagnostics(units, problems, show_warnings=False)
    if errors or not units or units[0].product is None:
        if not errors:
            err.print(f"{product}: error: not a product: expected a `contract` or `plan` file", markup=False)
        raise typer.Exit(1)
    try:
        write(units[0], output)
    except OSError as e:
        err.print(f"{output}: error: cannot write: {e.strerror or e}", markup=False)
        raise typer.Exit(2) from None
    err.print(f"{product} → {output}", style="bold green", markup=False)


@app.command("import")
def import_(
    sheet: Path = typer.Argument(..., help="A workbook (.xlsx) laid out as `garant export` writes it."),
    output: Path = typer.Option(..., "-o", "--output", help="The .garant source to write."),
):
    """Turn a tableau de garanties spreadsheet into a .garant source, checked; errors name their cell."""
    from garant.compiler.sheets.importer import convert

    outcome = convert(sheet, str(output))
    for is_error, message in outcome.messages:
        err.print(message, markup=False, style="red" if is_error else "yellow")
    if outcome.text is None:
        err.print(f"import stopped: {output} not written", style="bold red", markup=False)
        raise typer.Exit(1)
    try:
        output.write_text(outcome.text, encoding="utf-8")
    except OSError as e:
        err.print(f"{output}: error: cannot write: {e.strerror or e}", markup=False)
        raise typer.Exit(2) from None
    err.print(f"{sheet} → {output}", style="bold green", markup=False)


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
