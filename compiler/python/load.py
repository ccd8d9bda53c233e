"""Generated source → a live module, without touching the disk.

`garant eval PRODUCT` compiles on the fly; the module is the very text
`garant build` would write, executed under a synthetic name, so the eval
path and the build path cannot diverge.
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
