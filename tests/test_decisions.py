"""Which line decides each act and provider combination, as data files.

Each `tests/decisions/*.test` file holds a small contract and, below it,
for every act family (the acts the same lines can match) and every
combination of the provider values the contract's lines read, the line
that decides it (spec §3.1), computed from the checker's decision table
(`contract.decisions`), level by level for a product with levels:

    [source]
    contract "…"
    …
    [decisions]
    soins_courants.honoraires_medicaux.consultation secteur2 optam → line 10: consultation secteur2 optam: 200% BRSS

The test recomputes the decisions and compares; `pytest
--update-decisions` rewrites the section below `[decisions]` instead
(review the diff: it is the resolution rule's behaviour on that source).
Like mypy's `.test` files, a case is read at a glance and written by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from garant.dsl.source import SourceFile
from garant.dsl.pipeline import compile_sources

HERE = Path(__file__).resolve().parent / "decisions"
FILES = sorted(HERE.glob("*.test"))
SOURCE, DECISIONS = "[source]\n", "[decisions]\n"


def _split(text: str) -> tuple[str, str, str]:
    """(what precedes [source], the source, the decisions)."""
    head, _, rest = text.partition(SOURCE)
    source, found, decisions = rest.partition(DECISIONS)
    assert found, "a .test file has a [source] section then a [decisions] section"
    return head, source, decisions


def _consistent(values: dict, dims: dict) -> bool:
    """A combination a claim can have: `optam` comes with `secteur2`."""
    for name, value in values.items():
        dim = dims.get(name)
        if dim is not None and dim.only_with and value is not None:
            req_dim, req_value = dim.only_with
            if req_dim in values and values[req_dim] != req_value:
                return False
    return True


def _family(contract, group: int) -> str:
    members = contract.group_members[group]
    tops = [n for n in members if contract.regime.nodes[n].parent not in members]
    return ", ".join(tops)


def _decisions(contract) -> list[str]:
    """One line per act family and combination, in the table's order."""
    import itertools

    dims = {d.name: d for d in contract.regime.dims}
    networks = tuple(dict.fromkeys(v for ln in contract.lines for d, v in ln.constraints if d == "network" and v is not None))
    choices = []
    for name in contract.decision_dims:
        if name == "network":
            choices.append((None,) + networks)
        else:
            choices.append(dims[name].values if dims[name].default else (None,) + dims[name].values)
    lines = {ln.id: ln for ln in contract.lines}
    out = []
    for group in sorted(contract.group_members):
        family = _family(contract, group)
        for combo in itertools.product(*choices):
            values = dict(zip(contract.decision_dims, combo))
            if not _consistent(values, dims):
                continue
            shown = " ".join(
                (f"in network {v}" if v else "outside any network") if d == "network" else v
                for d, v in values.items() if v is not None or d == "network"
            )
            d = contract.decisions.get((group,) + combo)
            if d is None:
                verdict = "nothing (a gap)"
            else:
                verdict = " + ".join(f"line {lines[i].span.line}: {lines[i].text}" for i in d.lines)
                if d.ceiling is not None and d.ceiling.percent is not None:
                    verdict += f" (ceiling {d.ceiling.percent / 100:g}% of the base, {d.ceiling.span.where})"
                if d.ceiling is not None and d.ceiling.amount is not None:
                    verdict += f" (ceiling {d.ceiling.amount / 100:g}€ all-in per item, {d.ceiling.amount_span.where})"
            out.append(f"{family}{' ' + shown if shown else ''} → {verdict}")
    return out


def render(source: str, name: str) -> str:
    units = compile_sources([SourceFile(f"{name}.garant", source)])
    unit = units[0]
    errors = [f"{d.span}: {d.message}" for d in unit.diagnostics if d.is_error]
    assert not errors, errors
    contract = unit.contract
    out = []
    for level, view in contract.level_views():
        if level:
            out.append(f"at level {level}:")
        out.extend(("  " if level else "") + line for line in _decisions(view))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_decisions(path, request):
    head, source, decisions = _split(path.read_text(encoding="utf-8"))
    got = render(source, path.stem)
    if request.config.getoption("--update-decisions"):
        path.write_text(head + SOURCE + source + DECISIONS + got, encoding="utf-8", newline="\n")
        decisions = got
    assert got == decisions, f"{path.name}: the decisions differ; run `pytest tests/test_decisions.py --update-decisions` and review the diff"


def test_there_are_decision_files():
    assert len(FILES) >= 3
