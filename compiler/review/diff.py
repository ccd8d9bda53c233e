"""What changed between two versions of a product, for a reviewer.

    old, new = side("contracts/x.garant@main"), side("contracts/x.garant")
    d = compare_versions(old, new)   # garant.compiler.driver

Both versions go through the whole pipeline (parse, check, generate). The
comparison reads the checked models and the generated evaluators:
guarantee lines matched by selector (act and provider values, `+` or not)
are added, removed or changed; each standard example's reste à charge is
computed on both; errors `garant check` reports on NEW and not on OLD are
new compliance errors, which is what fails a CI job.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Callable

import attrs

from garant.compiler.docs import examples as standard
from garant.compiler.docs.levels import formula_of, levels_of, line_at
from garant.dsl.diagnostics import Diagnostic
from garant.dsl.source import SourceFile
from garant.dsl.pipeline import Unit, compile_sources


@attrs.frozen
class LineChange:
    kind: str  # "added" | "removed" | "changed"
    selector: str
    old: str | None  # formula and limits as written
    new: str | None
    old_line: int | None
    new_line: int | None
    level: str | None = None


@attrs.frozen
class ExampleChange:
    id: str
    title: str
    old_rac: int | None  # None: not computable on that side
    new_rac: int | None
    level: str | None = None

    @property
    def delta(self) -> int | None:
        if self.old_rac is None or self.new_rac is None:
            return None
        return self.new_rac - self.old_rac


@attrs.frozen
class Diff:
    old_label: str
    new_label: str
    name: str
    lines: tuple[LineChange, ...]
    examples: tuple[ExampleChange, ...]
    new_errors: tuple[Diagnostic, ...]
    fixed_errors: tuple[Diagnostic, ...]
    notes: tuple[str, ...] = ()
    currency: str = "EUR"
    examples_title: str = "Standard examples: reste à charge"

    @property
    def breaks_compliance(self) -> bool:
        return bool(self.new_errors)


class DiffError(Exception):
    """A side that cannot be read at all (no such file, unknown revision)."""


# ------------------------------------------------------------------ sides
def read_side(spec: str) -> SourceFile:
    """A file, or `path@gitrev` read with `git show rev:path` (the path as
    given, relative to the current directory). An existing file whose name
    contains `@` is read as a file."""
    if Path(spec).is_file() or "@" not in spec:
        try:
            return SourceFile(spec, Path(spec).read_text(encoding="utf-8"))
        except OSError as err:
            raise DiffError(f"{spec}: cannot read: {err.strerror or err}") from None
        except UnicodeDecodeError as err:
            raise DiffError(f"{spec}: not UTF-8 text ({err.reason})") from None
    path, rev = spec.rsplit("@", 1)
    if not rev:
        raise DiffError(f"{spec}: no revision after `@`")
    rel = path if path.startswith(("/", "./", "../")) else f"./{path}"
    try:
        done = subprocess.run(["git", "show", f"{rev}:{rel}"], capture_output=True, check=False)
    except OSError as err:
        raise DiffError(f"{spec}: cannot run git: {err.strerror or err}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffError(f"{spec}: git show {rev}:{rel} failed: {message[-1] if message else 'unknown error'}")
    try:
        return SourceFile(spec, done.stdout.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise DiffError(f"{spec}: not UTF-8 text ({err.reason})") from None


def side(spec: str) -> Unit:
    return compile_sources([read_side(spec)])[0]


# ------------------------------------------------------------ comparison
def _key(line) -> tuple:
    return (line.node, line.constraints, line.additive)


def _effect(line, level) -> tuple:
    limits = line_at(line, level).limits
    return (formula_of(line, level), tuple((lim.kind, lim.amount, lim.param, lim.period, lim.pool) for lim in limits))


def _written(line, level) -> str:
    return formula_of(line, level)


def line_changes(old, new) -> list[LineChange]:
    """Guarantee lines of two checked contracts, matched by selector."""
    out = []
    levels = tuple(dict.fromkeys(levels_of(old) + levels_of(new)))
    old_lines = {_key(ln): ln for ln in old.lines}
    new_lines = {_key(ln): ln for ln in new.lines}
    for level in levels:
        for key, ln in new_lines.items():
            before = old_lines.get(key)
            if before is None:
                if level == levels[0]:
                    out.append(LineChange("added", ln.selector, None, _written(ln, level), None, ln.span.line))
            elif _effect(before, level) != _effect(ln, level):
                out.append(LineChange("changed", ln.selector, _written(before, level), _written(ln, level), before.span.line, ln.span.line, level))
        if level == levels[0]:
            for key, ln in old_lines.items():
                if key not in new_lines:
                    out.append(LineChange("removed", ln.selector, _written(ln, level), None, ln.span.line, None))
    return out


def _error_key(d: Diagnostic) -> tuple:
    """Errors compared without their positions (lines move in an edit)."""
    return (d.code, re.sub(r"\b(line|ligne)s? \d+", r"\1 N", d.message))


def error_changes(old: Unit, new: Unit) -> tuple[list[Diagnostic], list[Diagnostic]]:
    olds = [d for d in old.diagnostics if d.is_error]
    news = [d for d in new.diagnostics if d.is_error]
    old_keys = {_error_key(d) for d in olds}
    new_keys = {_error_key(d) for d in news}
    return [d for d in news if _error_key(d) not in old_keys], [d for d in olds if _error_key(d) not in new_keys]


def example_changes(old: Unit, new: Unit, example_list: standard.ExampleList, load: Callable) -> list[ExampleChange]:
    out = []
    old_product, new_product = load(old), load(new)
    old_levels, new_levels = levels_of(old.contract), levels_of(new.contract)
    for level in new_levels:
        before_level = level if level in old_levels else old_levels[0] if old_levels == (None,) else None
        if before_level is None and old_levels != (None,):
            continue  # a level the old version did not have: no before
        before = standard.compute(old_product, example_list, before_level)
        after = standard.compute(new_product, example_list, level)
        for b, a in zip(before, after):
            out.append(ExampleChange(a.example.id, a.example.title, b.rac if b.computed else None, a.rac if a.computed else None, level))
    return out


def plan_changes(old: Unit, new: Unit, load: Callable) -> tuple[list[LineChange], list[ExampleChange]]:
    """Plans: benefit lines by selector, and the member's total of each SBC
    coverage example (what `garant examples` prints)."""
    from garant.compiler.docs import sbc

    lines = line_changes(old.plan, new.plan)
    changes: list[ExampleChange] = []
    if old.ok and new.ok:
        try:
            before, after = sbc.run(load(old)), sbc.run(load(new))
        except ValueError:
            return lines, changes
        for b, a in zip(before, after):
            changes.append(ExampleChange(a.example.id, a.example.title, b.member_total, a.member_total))
    return lines, changes


def compare(old: Unit, new: Unit, example_list: standard.ExampleList | None = None, *, load: Callable) -> Diff:
    """What changed from `old` to `new`; `load` (unit → evaluator) comes
    from the driver (`garant.compiler.driver.compare_versions`)."""
    new_errors, fixed = error_changes(old, new)
    notes = []
    product = new.product or old.product
    name = product.name if product is not None else new.source.path
    lines: list[LineChange] = []
    changes: list[ExampleChange] = []
    if getattr(old, "plan", None) is not None and getattr(new, "plan", None) is not None:
        lines, changes = plan_changes(old, new, load)
        if not (old.ok and new.ok):
            notes.append("coverage examples not compared: " + ("OLD" if not old.ok else "NEW") + " does not pass `garant check`")
    elif old.contract is not None and new.contract is not None:
        lines = line_changes(old.contract, new.contract)
        if old.ok and new.ok:
            changes = example_changes(old, new, example_list or standard.load(), load)
        else:
            notes.append("standard examples not compared: " + ("OLD" if not old.ok else "NEW") + " does not pass `garant check`")
    else:
        for label, unit in (("OLD", old), ("NEW", new)):
            if unit.product is None:
                notes.append(f"{label} ({unit.source.path}) is not a product that checks: lines not compared")
    is_plan = getattr(new, "plan", None) is not None
    return Diff(
        old.source.path, new.source.path, name, tuple(lines), tuple(changes), tuple(new_errors), tuple(fixed), tuple(notes),
        currency=getattr(product, "currency", "EUR") or "EUR",
        examples_title="SBC coverage examples: the member would pay" if is_plan else "Standard examples: reste à charge",
    )
