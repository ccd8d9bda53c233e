"""The library entry points, for programs and tests.

    product = garant.compiler.driver.load_product("contracts/essentiel.garant")
    results = product.evaluate([{"id": "c1", ...}])

Each function runs the pipeline stages in order and stops with a
`GarantError` (carrying located diagnostics) when the source has errors.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from garant.compiler.python.generate import generate_product, module_name
from garant.compiler.python.load import load_module
from garant.compiler.runtime.engine import Product
from garant.dsl.diagnostics import GarantError
from garant.dsl.source import SourceFile
from garant.dsl.pipeline import Unit, compile_paths, compile_sources


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
    return generate_product(unit.product)


def load_unit(unit: Unit) -> Product:
    source = python_source(unit)
    digest = hashlib.sha256(source.encode()).hexdigest()[:12]
    module = load_module(source, f"garant_generated.{module_name(unit.product)}_{digest}", f"<garant:{unit.source.path}>")
    return module.PRODUCT


def load_product(path: str | Path, regimes: list[str | Path] = ()) -> Product:
    """Compile a product (with any regime files of the user's given beside
    the bundled stdlib) and load its evaluator."""
    units, problems = compile_paths([path, *regimes])
    regime_errors = [d for u in units[1:] for d in u.diagnostics if d.is_error]
    if regime_errors:
        raise GarantError(regime_errors)
    return load_unit(_product_unit(units, problems))


def load_product_text(text: str, path: str = "<text>") -> Product:
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
