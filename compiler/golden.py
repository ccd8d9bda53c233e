"""Golden tests as data: products, claims and expected décomptes side by side.

A golden file is YAML in the shape of shared/golden/seeds.yaml:

    products:  {name: <Garant source>}        # inline products
    cases:
      - id, source (citation), note
        product: name | path: contracts/x.garant
        claims: [...]                         # spec §5 fields
        expect: [{field: "decimal string", warnings_contain: "…", rejected: "…"}]
                                              # `rule: file:line` matches by path suffix
      - id, check: <Garant source>, expect_check: {ok: bool, error_mentions: [...]}
      - a product with levels: `levels: {N1: {amc: …, rac: …}, N2: …}` gives
        the figures at each level (a dict for a one-claim case, else a list
        per claim); `expect`, if given, holds at every level. Each level is
        evaluated as `garant eval --level N1` does (a key may also read
        `hospitalisation=N2 frais_de_sante=N4`). A key `published_amc` (any
        `published_…`) records what the source printed where it differs
        from the exact figure; it is shown, not compared.

Only the fields an expectation names are compared, so a case states the
figures its source document gives and nothing more. `garant test` and the
pytest plugin (tests/conftest.py) both run cases through `run_case`;
`update_file` rewrites the expected figures after a deliberate change.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import yaml

from garant.compiler.driver import load_product, load_product_text
from garant.dsl.diagnostics import GarantError
from garant.dsl.pipeline import compile_text


@attrs.define
class CaseResult:
    id: str
    ok: bool
    problems: list[str] = attrs.field(factory=list)
    actual: list[dict] = attrs.field(factory=list)
    pending: str | None = None
    figures: int = 0  # figures compared
    figures_ok: int = 0  # … and found equal
    level_figures: int = 0  # of which given level by level (`levels:`)
    level_figures_ok: int = 0


def load_file(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def _claims(claims: list[dict]) -> list[dict]:
    return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in c.items()} for c in claims]


class _Products:
    def __init__(self, data: dict, base_dir: Path):
        self.data = data
        self.base_dir = base_dir
        self.cache: dict = {}

    def get(self, case: dict):
        if "path" in case:
            key = ("path", case["path"])
            if key not in self.cache:
                path = Path(case["path"])
                if not path.is_absolute() and not path.exists():
                    path = self.base_dir / path
                self.cache[key] = load_product(path)
            return self.cache[key]
        name = case["product"]
        key = ("inline", name)
        if key not in self.cache:
            self.cache[key] = load_product_text(self.data["products"][name], f"{name}.garant")
        return self.cache[key]


def run_case(case: dict, products: _Products) -> CaseResult:
    cid = str(case.get("id"))
    if "check" in case:
        unit = compile_text(case["check"], f"{cid}.garant")
        errors = [d.message for d in unit.diagnostics if d.is_error]
        want = case.get("expect_check", {})
        problems = []
        if want.get("ok", True) != (not errors):
            problems.append(f"expected check ok={want.get('ok', True)}, got errors: {errors or 'none'}")
        for word in want.get("error_mentions", []):
            if not any(word in e for e in errors):
                problems.append(f"no error mentions `{word}` (errors: {errors or 'none'})")
        return CaseResult(cid, not problems, problems, [{"errors": errors}])
    try:
        product = products.get(case)
    except GarantError as err:
        return CaseResult(cid, False, [f"product does not compile: {d}" for d in err.diagnostics])
    if "levels" in case:
        return _run_levels(cid, case, product)
    results = [r.to_dict() for r in product.evaluate(_claims(case["claims"]))]
    expects = case.get("expect", [])
    problems: list[str] = []
    counted = _compare(expects, results, problems, "")
    return CaseResult(cid, not problems, problems, results, figures=counted[0], figures_ok=counted[1])


def _run_levels(cid: str, case: dict, product) -> CaseResult:
    """One case, evaluated afresh at each level it names."""
    from garant.compiler.driver import at_levels
    from garant.core.levels import LevelError

    problems: list[str] = []
    actual: list[dict] = []
    total = ok = other = other_ok = 0
    for level, want in case["levels"].items():
        specs = str(level).replace(",", " ").split()
        try:
            at = at_levels(product, specs)
        except LevelError as err:
            problems.append(f"level {level}: {err}")
            continue
        results = [r.to_dict() for r in at.evaluate(_claims(case["claims"]))]
        actual.extend({"level": str(level), **r} for r in results)
        per_claim = want if isinstance(want, list) else [{}] * (len(results) - 1) + [want]
        got = _compare(per_claim, results, problems, f"level {level}, ")
        total += got[0]
        ok += got[1]
        common = case.get("expect")
        if common:
            got = _compare(common, results, problems, f"level {level}, ")
            other += got[0]
            other_ok += got[1]
    return CaseResult(cid, not problems, problems, actual, figures=total + other, figures_ok=ok + other_ok,
                      level_figures=total, level_figures_ok=ok)


def _compare(expects: list[dict], results: list[dict], problems: list[str], where: str) -> tuple[int, int]:
    """Compare the figures an expectation names; returns (compared, equal)."""
    total = ok = 0
    if len(expects) != len(results):
        problems.append(f"{where}{len(expects)} expectations for {len(results)} claims")
    for n, (want, got) in enumerate(zip(expects, results), start=1):
        for key, value in want.items():
            if key.startswith("published_"):
                continue
            before = len(problems)
            if key == "warnings_contain":
                if not any(value in w for w in got.get("warnings", [])):
                    problems.append(f"{where}claim {n}: no warning contains `{value}` (warnings: {got.get('warnings')})")
            elif key == "denied_contains":
                if value not in (got.get("denied") or ""):
                    problems.append(f"{where}claim {n}: denial does not mention `{value}` (denied: {got.get('denied')})")
            elif key == "rejected":
                if got.get("status") != "rejected" or value not in got.get("reason", ""):
                    problems.append(f"{where}claim {n}: expected a rejection mentioning `{value}`, got {got.get('status')}: {got.get('reason', '')}")
            elif key == "rule":
                # The product's path depends on where the suite runs from:
                # compare `file:line` by path suffix.
                actual = got.get("rule") or ""
                if not (actual == value or actual.endswith("/" + value)):
                    problems.append(f"{where}claim {n}: rule = {actual!r}, expected {value!r}")
            elif got.get(key) != value:
                problems.append(f"{where}claim {n}: {key} = {got.get(key)!r}, expected {value!r}")
            total += 1
            ok += len(problems) == before
    return total, ok


def run_file(path: str | Path) -> list[CaseResult]:
    """Run every case; a case listed under `pending:` must fail (and says
    why), and one that passes while pending is reported as a failure."""
    data = load_file(path)
    products = _Products(data, Path(path).parent)
    pending = data.get("pending", {}) or {}
    results = []
    for case in data.get("cases", []):
        result = run_case(case, products)
        reason = pending.get(case.get("id"))
        if reason is not None:
            if result.ok:
                result = CaseResult(result.id, False, [f"passes but is listed as pending ({reason}): remove it from `pending`"], result.actual)
            else:
                result = CaseResult(result.id, True, [f"pending: {reason}"], result.actual)
                result.pending = reason
        results.append(result)
    return results


def update_file(path: str | Path) -> int:
    """Rewrite the expected figures of every evaluation case; returns how many changed.

    Only the keys an expectation already names are refreshed: a deliberate
    change shows up as a reviewable diff of figures, nothing more. The file
    is rewritten by a round-trip YAML editor (ruamel.yaml), so its comments
    (the arithmetic of hand-computed cases, citations), key order and block
    texts stay as they were written; only the changed figures move.
    """
    from ruamel.yaml import YAML

    data = load_file(path)
    products = _Products(data, Path(path).parent)
    editor = YAML()  # round-trip: keeps comments and layout
    editor.preserve_quotes = True
    editor.width = 4096
    with open(path, encoding="utf-8") as f:
        document = editor.load(f)
    changed = 0
    for index, case in enumerate(data.get("cases", [])):
        if "claims" not in case or "levels" in case:
            continue  # figures per level come from the source document: never rewritten
        result = run_case(case, products)
        written = document["cases"][index].get("expect", [])
        for position, (want, got) in enumerate(zip(case.get("expect", []), result.actual)):
            for key in list(want):
                if key.endswith("_contain") or key == "rejected":
                    continue
                if got.get(key) != want[key]:
                    written[position][key] = got.get(key)
                    changed += 1
    if changed:
        with open(path, "w", encoding="utf-8") as f:
            editor.dump(document, f)
    return changed
