"""The documentation back end: checked model → Markdown for mkdocs-material.

A second back end over the same checked model as `compiler/python`: the
tableau de garanties explained in French, the standard reimbursement
examples computed by the product's generated evaluator, a chart of reste à
charge against price, the compliance report, the regime's parameter
histories, and each source with line anchors. `site.build` assembles the
pages; `write` puts them in a folder.
"""

from __future__ import annotations

from pathlib import Path


def write(pages: dict[str, str], output: str | Path) -> list[Path]:
    """Write the pages under `output` (only files whose text changed are
    rewritten, so a watching `mkdocs serve` is not woken for nothing)."""
    out = Path(output)
    written = []
    for rel, text in sorted(pages.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
