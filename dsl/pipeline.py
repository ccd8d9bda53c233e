"""The pipeline, stage by stage: read → parse → check → (generate).

    source = read(path)                    # text
    tree, diags = parse_source(source)     # AST
    model = check(tree, regimes)           # checked model
    module = generate_python(model)        # compiler/python

Regimes named by products are found in the bundled stdlib (or next to the
files being checked, for a regime the user writes). Nothing here raises on
a user's mistake: every problem is a diagnostic.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Iterable

import attrs

from garant.dsl import ast, model, plan_model
from garant.dsl.checker.contract import check_contract
from garant.dsl.checker.plan import check_plan
from garant.dsl.checker.regime import check_regime
from garant.dsl.diagnostics import Diagnostic, Diagnostics
from garant.dsl.parser import parse_source
from garant.dsl.source import SourceFile, Span


@attrs.define
class Unit:
    """One source file and everything the pipeline learnt about it."""

    source: SourceFile
    tree: ast.SourceTree | None = None
    regime: model.Regime | None = None
    contract: model.Contract | None = None
    plan: "plan_model.Plan | None" = None
    diagnostics: list[Diagnostic] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @property
    def product(self) -> "model.Contract | plan_model.Plan | None":
        return self.contract if self.contract is not None else self.plan


def read(path: str | Path) -> SourceFile | Diagnostic:
    p = Path(path)
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # bytes of another encoding, kept by the OS as surrogates
        return _io_error(path, "the file name is not valid UTF-8: rename the file")
    try:
        # bytes decoded as they are: no newline translation, so a lone CR
        # stays a CR (the parser refuses it) instead of becoming a line end
        # that an editor or a reviewer may not show
        return SourceFile(str(path), p.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return _io_error(path, "no such file")
    except IsADirectoryError:
        return _io_error(path, "is a directory")
    except UnicodeDecodeError as err:
        return _io_error(path, f"not UTF-8 text ({err.reason} at byte {err.start})")
    except OSError as err:
        return _io_error(path, err.strerror or str(err))


def _io_error(path, message: str) -> Diagnostic:
    from garant.dsl.diagnostics import Severity

    return Diagnostic(Severity.ERROR, Span(str(path), 1, 1), message, None, "io")


def stdlib_sources() -> list[SourceFile]:
    root = resources.files("garant.stdlib")
    out = []
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".garant"):
            out.append(SourceFile(f"stdlib/{entry.name}", entry.read_text(encoding="utf-8")))
    return out


_REGIME_CACHE: dict[tuple, tuple[dict[str, model.Regime], list[Unit]]] = {}


def load_regimes(extra: Iterable[Unit] = ()) -> tuple[dict[str, model.Regime], list[Unit]]:
    """The stdlib regimes (checked once per process), plus any regime given."""
    key = ()
    if key not in _REGIME_CACHE:
        units = [_check_regime_unit(s) for s in stdlib_sources()]
        _REGIME_CACHE[key] = ({u.regime.name: u.regime for u in units if u.regime is not None and u.ok}, units)
    regimes, units = _REGIME_CACHE[key]
    regimes = dict(regimes)
    for u in extra:
        if u.regime is not None and u.ok:
            regimes[u.regime.name] = u.regime
    return regimes, units


def _check_regime_unit(source: SourceFile) -> Unit:
    unit = Unit(source)
    tree, diags = parse_source(source)
    unit.tree = tree
    unit.diagnostics.extend(diags)
    if isinstance(tree, ast.RegimeFile):
        d = Diagnostics()
        unit.regime = check_regime(tree, source.text, d)
        unit.diagnostics.extend(d.items)
    return unit


def compile_sources(sources: list[SourceFile]) -> list[Unit]:
    """Parse and check several files; regimes first, so products can use them."""
    units = []
    for source in sources:
        unit = Unit(source)
        tree, diags = parse_source(source)
        unit.tree = tree
        unit.diagnostics.extend(diags)
        units.append(unit)
    own_regimes = []
    for unit in units:
        if isinstance(unit.tree, ast.RegimeFile):
            d = Diagnostics()
            unit.regime = check_regime(unit.tree, unit.source.text, d)
            unit.diagnostics.extend(d.items)
            own_regimes.append(unit)
    regimes, _ = load_regimes(own_regimes)
    for unit in units:
        if isinstance(unit.tree, ast.ContractFile):
            d = Diagnostics()
            unit.contract = check_contract(unit.tree, unit.source, regimes, d)
            unit.diagnostics.extend(d.items)
        elif isinstance(unit.tree, ast.PlanFile):
            d = Diagnostics()
            unit.plan = check_plan(unit.tree, unit.source, regimes, d)
            unit.diagnostics.extend(d.items)
    for unit in units:
        unit.diagnostics = Diagnostics(unit.diagnostics).sorted()
    return units


def compile_paths(paths: Iterable[str | Path]) -> tuple[list[Unit], list[Diagnostic]]:
    """Files and folders (searched for *.garant) → checked units."""
    sources, problems = [], []
    for path in expand(paths):
        got = read(path)
        if isinstance(got, SourceFile):
            sources.append(got)
        else:
            problems.append(got)
    return compile_sources(sources), problems


def expand(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(p.rglob("*.garant")))
        else:
            out.append(p)
    return out


def compile_text(text: str, path: str = "<text>") -> Unit:
    return compile_sources([SourceFile(path, text)])[0]
