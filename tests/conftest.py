"""Collects golden YAML files (tests/golden/*.yaml) as pytest items.

Each case of a golden file becomes one test named after its `id`; a
failure prints every mismatching figure. `pytest --update-golden` rewrites
the expected figures instead of comparing them (review the diff).
Cases listed in a file's `pending:` map are expected to fail for the
reason given (strict: a pending case that starts passing fails the run, so
the marker is removed as soon as the work lands).
"""

from __future__ import annotations

import pytest

from garant.compiler.golden import _Products, load_file, run_case, update_file


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite expected figures of golden files")


def pytest_collect_file(parent, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "golden":
        return GoldenFile.from_parent(parent, path=file_path)
    return None


class GoldenFile(pytest.File):
    def collect(self):
        if self.config.getoption("--update-golden"):
            update_file(self.path)
        data = load_file(self.path)
        products = _Products(data, self.path.parent)
        pending = data.get("pending", {}) or {}
        for case in data.get("cases", []):
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
        result = run_case(self.case, self.products)
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
