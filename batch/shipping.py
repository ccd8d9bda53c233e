"""A product in a form that travels to another process or machine.

A Dask or Spark worker cannot be handed a loaded product (a live module is
not something to pickle), nor count on the driver's files being at the
same path. It is handed a `ShippedProduct`: plain text and hashes — the
Python module the compiler generated from the product's sources, the
levels it is evaluated at, and the SHA-256 of the `.garant` sources it
came from. Each worker process loads the module once (`load()`, cached by
the module's hash) and evaluates every partition it is given with it.

Shipping the generated module rather than the `.garant` text means a
worker runs exactly the code the driver checked: it needs only Garant's
runtime, not the compiler, the grammar or the same copy of the bundled
regime (a worker with another stdlib cannot silently change the numbers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

_LOADED: dict[tuple[str, tuple[str, ...]], object] = {}  # (module hash, levels) → product, per worker process


@dataclass(frozen=True)
class ShippedProduct:
    path: str  # the product's source path, as the driver named it (for messages)
    name: str  # the product's title
    kind: str  # "contract" or "plan"
    source_sha256: str  # of the product's .garant text, then each regime file's given with --regime
    python: str  # the generated module
    python_sha256: str
    levels: tuple[str, ...] = ()

    def load(self):
        """The loaded product at its levels, once per process."""
        key = (self.python_sha256, self.levels)
        product = _LOADED.get(key)
        if product is None:
            from garant.compiler.python.load import load_module

            module = load_module(self.python, f"garant_shipped.p_{self.python_sha256[:16]}", f"<garant:{self.path}>")
            # levels were checked on the driver (`ship`); a worker needs only the runtime
            product = _LOADED[key] = module.PRODUCT.at(list(self.levels)) if self.levels else module.PRODUCT
        return product

    def describe(self) -> dict:
        """What a manifest records of the product."""
        return {"path": self.path, "name": self.name, "kind": self.kind, "source_sha256": self.source_sha256,
                "python_sha256": self.python_sha256, "levels": list(self.levels)}


def ship(product_ref) -> ShippedProduct:
    """A `(path, regimes[, levels])` reference (what `garant run` passes
    around), compiled here once; raises `GarantError` on a bad source and
    `LevelError` on a wrong level, as `garant eval` does."""
    if isinstance(product_ref, (str, Path)):
        product_ref = (str(product_ref), ())
    path, regimes, *levels = product_ref
    levels = tuple(levels[0]) if levels else ()
    from garant.compiler.driver import _product_unit, at_levels, python_source
    from garant.dsl.diagnostics import GarantError
    from garant.dsl.pipeline import compile_paths

    units, problems = compile_paths([path, *regimes])
    regime_errors = [d for u in units[1:] for d in u.diagnostics if d.is_error]
    if regime_errors:
        raise GarantError(regime_errors)
    unit = _product_unit(units, problems)
    python = python_source(unit)
    digest = hashlib.sha256()
    for source in (path, *regimes):
        digest.update(Path(source).read_bytes())
    shipped = ShippedProduct(
        path=str(path),
        name=str(getattr(unit.product, "name", "") or Path(path).stem),
        kind="contract",
        source_sha256=digest.hexdigest(),
        python=python,
        python_sha256=hashlib.sha256(python.encode()).hexdigest(),
        levels=tuple(str(x) for x in levels),
    )
    product = at_levels(shipped.load() if not levels else replace(shipped, levels=()).load(), list(levels))  # a wrong level fails here, not on every worker
    return replace(shipped, kind=getattr(product, "kind", "contract"))
