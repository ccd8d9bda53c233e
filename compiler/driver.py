"""The library entry points, for programs and tests.

    product = garant.compiler.driver.load_product("contracts/essentiel.garant")
    results = product.evaluate([{"id": "c1", ...}])

Each function runs the pipeline stages in order and stops with a
`GarantError` (carrying located diagnostics) when the source has errors.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import marshal
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from garant.compiler import cache
from garant.compiler.python.load import load_product as load_generated, load_regime
from garant.compiler.runtime.engine import Product
from garant.dsl.diagnostics import Diagnostic, GarantError
from garant.dsl.source import SourceFile

if TYPE_CHECKING:  # the front end is imported only to compile (not on a cached run)
    from garant.dsl.pipeline import Unit


def _product_unit(units: list[Unit], problems) -> Unit:
    if problems:
        raise GarantError(list(problems))
    unit = units[0]
    if not unit.ok:
        raise GarantError([d for d in unit.diagnostics if d.is_error])
    if unit.product is None:
        from garant.dsl.diagnostics import Diagnostic, Severity
        from garant.dsl.source import Span

        raise GarantError([Diagnostic(Severity.ERROR, Span(unit.source.path, 1, 1), "not a product: expected a `contract` or `plan` file", None, "usage")])
    return unit


def python_source(unit: Unit) -> str:
    """The product's module (it imports its regime's: `regime_source`)."""
    from garant.compiler.python.generate import generate_product

    return _once("product", unit.product, lambda: generate_product(unit.product))


def regime_source(unit: Unit) -> tuple[str, str, str]:
    """(text, module name, filename) of the module of the product's regime."""
    from garant.compiler.python.generate import generate_regime, regime_module_name

    regime = unit.product.regime
    return _once("regime", regime, lambda: (generate_regime(regime), regime_module_name(regime), f"<garant:{regime.path}>"))


def _module_of(unit: Unit) -> tuple[str, str, str]:
    """(generated source, module name, file name) of a checked product."""
    from garant.compiler.python.generate import module_name

    source = python_source(unit)
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    return source, f"garant_generated.{module_name(unit.product)}_{digest}", f"<garant:{unit.source.path}>"


def load_unit(unit: Unit) -> Product:
    source, name, filename = _module_of(unit)
    return load_generated(source, name, filename, regime_source(unit)).PRODUCT


def load_product(path: str | Path, regimes: list[str | Path] = (), *, on_warning: Callable[[Diagnostic], None] | None = None) -> Product:
    """Compile a product (with any regime files of the user's given beside
    the bundled stdlib) and load its evaluator.

    An unchanged product is not compiled again: the generated module (and
    its bytecode) is kept in the cache folder (`compiler/cache.py`), keyed
    by the sources' hashes, with the check's warnings — `on_warning` is
    called with each of them whether the product was checked now or
    earlier. Errors are never stored: a product with errors is checked
    (and its errors raised) every time."""
    sources = cache.read_sources([path, *regimes])
    key = None if sources is None else cache.product_key(sources, cache.stdlib_sources())
    entry = cache.lookup(key)
    if entry is None:
        entry = _compile_entry(path, regimes, sources)
        cache.store(key, entry)  # only reached without errors
    if on_warning is not None:
        for d in entry.warnings:
            on_warning(d)
    if entry.regime is not None:
        load_regime(*entry.regime)
    return _exec_module(entry.code_object(), entry.name, entry.filename).PRODUCT


def _compile_entry(path, regimes, sources) -> cache.Entry:
    """Check and generate (the sources as hashed, when they could be read);
    raises `GarantError` on any error."""
    from garant.dsl.pipeline import compile_paths, compile_sources

    units, problems = compile_paths([path, *regimes]) if sources is None else (compile_sources(sources), [])
    regime_errors = [d for u in units[1:] for d in u.diagnostics if d.is_error]
    if regime_errors:
        raise GarantError(regime_errors)
    unit = _product_unit(units, problems)
    source, name, filename = _module_of(unit)
    code = compile(source, filename, "exec")
    warnings = tuple(d for u in units for d in u.diagnostics if not d.is_error)
    return cache.Entry(source, name, filename, warnings, marshal.dumps(code), regime_source(unit))


def _exec_module(code: types.CodeType, name: str, filename: str) -> types.ModuleType:
    """`compiler.python.load.load_module`, from a code object."""
    module = types.ModuleType(name)
    module.__file__ = filename
    sys.modules.setdefault(name, module)
    exec(code, module.__dict__)
    return module


def load_product_text(text: str, path: str = "<text>") -> Product:
    from garant.dsl.pipeline import compile_sources

    units = compile_sources([SourceFile(path, text)])
    return load_unit(_product_unit(units, []))


def at_levels(product: Product, specs) -> Product:
    """A product at the levels `garant eval --level` names (`["N3"]`,
    `["hospitalisation=N2", "frais_de_sante=N4"]`); a one-level product
    takes no level. Raises `LevelError` with a message for people."""
    from garant.core.levels import LevelError

    specs = [specs] if isinstance(specs, str) else list(specs or [])
    if not product.modules:
        if specs:
            raise LevelError(f"{product.path} declares no levels; --level {' '.join(specs)} does not apply")
        return product
    if not specs:
        product.evaluate([])  # raises, naming the levels to choose from
    return product.at(specs)


# What one `garant build` / `garant docs` run computes once and reads twice
# (see `one_build`); None outside such a run.
_BUILD: dict | None = None


@contextlib.contextmanager
def one_build():
    """A build in one process: `garant build` and `garant docs` check the
    sources, write the modules, then document them (and the docs load each
    product's evaluator). Within this, what the two halves both compute is
    computed once, per object:

    - the contrat responsable proofs of a checked contract: the checker
      proves the law (`responsable.check_compliance`) and the compliance
      pages read the same proofs (`responsable.compliance_report`); both
      go through `responsable.responsable_findings`, which proves each
      checked contract once within `responsable.remembering()`;
    - the generated module of a product and of its regime (`python_source`,
      `regime_source`), written by `build`, then loaded for the docs.

    The cyclic garbage collector is paused meanwhile, as the evaluator and
    the docs pause it (`Product.evaluate`, `docs.site.build`): a build
    makes millions of short-lived objects and few cycles, and with the
    checked models alive each of its full passes scans them all (a sixth
    of the check's time on the bundled contracts, for 5 MB more memory).

    Outside it (tests, the language server, the service, a library caller)
    every call computes afresh. Objects are kept alive with what was
    computed from them, so an id is never reused meanwhile."""
    global _BUILD
    from garant.dsl.checker import responsable

    outer, _BUILD = _BUILD, {}
    collecting = gc.isenabled()
    gc.disable()
    try:
        with responsable.remembering():
            yield
    finally:
        if collecting:
            gc.enable()
        _BUILD = outer


def _once(kind: str, obj, make: Callable):
    """`make()`, computed once per `obj` within `one_build` (else each time)."""
    if _BUILD is None:
        return make()
    got = _BUILD.get((kind, id(obj)))
    if got is None or got[0] is not obj:
        got = _BUILD[(kind, id(obj))] = (obj, make())
    return got[1]


def build_site(units, **options):
    """The documentation site of checked units (`compiler.docs.site.build`),
    each product handed to the docs back end with its evaluator."""
    from garant.compiler.docs.site import build

    return build(units, load=load_unit, **options)


def compare_versions(old: Unit, new: Unit, example_list=None):
    """What changed between two checked versions of a product
    (`compiler.review.diff.compare`), their examples evaluated on both."""
    from garant.compiler.review.diff import compare

    return compare(old, new, example_list, load=load_unit)
