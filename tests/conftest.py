"""Golden YAML files (tests/golden/*.yaml) are collected as pytest items by
Garant's own pytest plugin, compiler/pytest_golden.py, registered by the
package's `pytest11` entry point (so `pip install -e .` is needed, as CI
does); `pytest --update-golden` rewrites their expected figures.

`--update-generated` rewrites the expected generated modules under
tests/generated/, `--update-decisions` the decisions of tests/decisions/*.test.
"""


def pytest_addoption(parser):
    parser.addoption("--update-generated", action="store_true", help="rewrite the expected generated modules in tests/generated")
    parser.addoption("--update-decisions", action="store_true", help="rewrite the decisions of tests/decisions/*.test")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def bundled_site():
    """The documentation site of the bundled stdlib and contracts
    (`compile_paths` + `build_site`, as `garant build stdlib contracts`),
    built once per session: several docs tests read it, none changes it,
    and each build takes seconds."""
    from pathlib import Path

    from garant.compiler.driver import build_site
    from garant.dsl.pipeline import compile_paths

    root = Path(__file__).resolve().parent.parent
    units, _ = compile_paths([root / "stdlib", root / "contracts"])
    return build_site(units)
