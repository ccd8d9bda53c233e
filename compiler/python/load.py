"""Generated source → a live module, without touching the disk.

`garant eval PRODUCT` compiles on the fly; the module is the very text
`garant build` would write, executed under a synthetic name, so the eval
path and the build path cannot diverge.

A product module imports its regime's module by name (`import
garant_regime_secu_<hash> as _regime`, the hash of the regime module's
text): `load_regime` registers that module in `sys.modules` under that
name first, once per process — every product of the regime shares it.
"""

from __future__ import annotations

import sys
import types


def load_module(source: str, name: str, filename: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = filename
    code = compile(source, filename, "exec")
    sys.modules.setdefault(name, module)
    exec(code, module.__dict__)
    return module


def load_regime(source: str, name: str, filename: str) -> types.ModuleType:
    """The regime module `name`, loaded from `source` unless this process
    has it already (its name holds the hash of its text)."""
    module = sys.modules.get(name)
    if module is None:
        module = types.ModuleType(name)
        module.__file__ = filename
        code = compile(source, filename, "exec")
        exec(code, module.__dict__)
        sys.modules[name] = module  # registered once complete: a failed load leaves nothing behind
    return module


def load_product(source: str, name: str, filename: str, regime: tuple[str, str, str]) -> types.ModuleType:
    """A product module, after its regime module: `regime` is (source,
    module name, filename)."""
    load_regime(*regime)
    return load_module(source, name, filename)
