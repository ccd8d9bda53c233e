"""The pytest plugin of golden tests (entry point `pytest11: garant`).

Installed with Garant, it makes `pytest` collect golden files, in this
repository or in a separate contracts repository: every `*.yaml` / `*.yml`
file in a folder named `golden` (or in the folders named by the ini option
`garant_golden_dirs`) that holds `cases:`. Each case becomes one test named
after its `id`; a failure prints every mismatching figure. Paths in a case
(`path: ../contracts/x.garant`) are relative to the golden file (or to the
directory pytest runs in). `pytest --update-golden` rewrites the expected
figures instead of comparing them (review the diff). Cases listed in a
file's `pending:` map are expected to fail for the reason given (strict: a
pending case that starts passing fails the run).

The cases run through the same `run_case` as `garant test`. Disable the
plugin with `pytest -p no:garant`.
"""

from __future__ import annotations

import pytest


def _golden():
    from garant.compiler import golden

    return golden


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite expected figures of Garant golden files")
    parser.addini("garant_golden_dirs", "names of the folders whose YAML files are Garant golden files", type="linelist", default=["golden"])


def pytest_collect_file(parent, file_path):
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    if file_path.parent.name not in parent.config.getini("garant_golden_dirs"):
        return None
    return GoldenFile.from_parent(parent, path=file_path)


class GoldenFile(pytest.File):
    def collect(self):
        golden = _golden()
        if self.config.getoption("--update-golden"):
            golden.update_file(self.path)
        data = golden.load_file(self.path)
        if not isinstance(data, dict) or "cases" not in data:
            return  # a YAML file of another kind in the folder
        products = golden._Products(data, self.path.parent)
        pending = data.get("pending", {}) or {}
        for case in data.get("cases", []) or []:
            item = GoldenCase.from_parent(self, name=str(case["id"]), case=case, products=products)
            if case["id"] in pending:
                item.add_marker(pytest.mark.xfail(reason=pending[case["id"]], strict=True))
            yield item


class GoldenCase(pytest.Item):
    def __init__(self, *, case, products, **kw):
        super().__init__(**kw)
        self.case = case
        self.products = products

    def runtest(self):
        result = _golden().run_case(self.case, self.products)
        if not result.ok:
            raise GoldenMismatch(result)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, GoldenMismatch):
            r = excinfo.value.result
            source = self.case.get("source", "")
            return f"{r.id} ({source})\n" + "\n".join(f"  {p}" for p in r.problems)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, f"golden: {self.name}"


class GoldenMismatch(Exception):
    def __init__(self, result):
        super().__init__(result.id)
        self.result = result
