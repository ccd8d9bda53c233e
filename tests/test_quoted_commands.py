"""Every command quoted in README.md and docs/*.md, run again, prints what
the page says it prints (issue 18 item 9, issue 19).

What is a quoted command: each ```console block. Its `$ ` lines are the
commands, the lines under each its output (stdout and stderr, as a terminal
shows them). A `…` line stands for any number of lines. A block the test
cannot run (an install, a placeholder such as OLD NEW, a cluster) says why
on the line right above it: `<!-- not run: REASON -->`.

The commands of one page run in order, in one scratch folder holding the
repository's stdlib/, contracts/, examples/ and tests/, and every file the
page shows in a block titled with its name (```json title="mixed.json"),
so a page can show its input files and then use them.

After a deliberate change, one command rewrites the quoted outputs:

    .venv/bin/python tests/test_quoted_commands.py --update
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent

_FENCE = re.compile(r"^(```+|~~~+)(.*)$")
_TITLE = re.compile(r'title="([^"]+)"')
_NOT_RUN = re.compile(r"^<!-- not run: .+ -->$")


class Block:
    def __init__(self, page: Path, start: int, lines: list[str]):
        self.page, self.start, self.lines = page, start, lines  # start: the line of the opening fence (0-based)

    def commands(self) -> list[tuple[str, list[str]]]:
        out: list[tuple[str, list[str]]] = []
        for line in self.lines:
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif out:
                out[-1][1].append(line)
        return out


def scan(page: Path) -> tuple[list[Block], dict[str, str]]:
    """The page's console blocks to run, and its titled files."""
    lines = page.read_text(encoding="utf-8").split("\n")
    blocks, files = [], {}
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m or not m.group(2).strip() and not lines[i].startswith(("```", "~~~")):
            i += 1
            continue
        fence, info = m.group(1), m.group(2).strip()
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith(fence) and not lines[j][len(fence):].strip())
        body = lines[i + 1:end]
        title = _TITLE.search(info)
        if title:
            files[title.group(1)] = "\n".join(body) + "\n"
        if info.split()[0:1] == ["console"] and not (i > 0 and _NOT_RUN.match(lines[i - 1])):
            blocks.append(Block(page, i, body))
        i = end + 1
    return blocks, files


def scratch(tmp: Path, files: dict[str, str]) -> Path:
    for name in ("stdlib", "contracts", "examples", "tests"):
        (tmp / name).symlink_to(ROOT / name)
    for name, text in files.items():
        target = tmp / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp


def run(command: str, cwd: Path) -> list[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run(["bash", "-c", command + " 2>&1"], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return [ln.rstrip() for ln in done.stdout.rstrip("\n").split("\n")] if done.stdout.strip() else []


_VARYING = (
    (re.compile(r"\b\d+(\.\d+)? s\b"), "T s"),  # seconds taken
    (re.compile(r"[\d,]+ claims/s"), "N claims/s"),  # speed
    # a regime module's name ends with a hash of its text, which any change to the regime or the generator moves
    (re.compile(r"\b(garant_regime_\w+?_)[0-9a-f]{12}\b"), r"\1…"),
)


def normal(lines: list[str], tmp: Path | None = None) -> list[str]:
    out = []
    for line in lines:
        line = line.rstrip()
        if tmp is not None:
            line = line.replace(str(tmp) + "/", "").replace(str(tmp), ".")
        for pattern, repl in _VARYING:
            line = pattern.sub(repl, line)
        out.append(line)
    return out


def matches(quoted: list[str], got: list[str]) -> bool:
    """`quoted` equals `got`, a `…` line standing for any lines."""
    if not quoted:
        return not got
    if quoted[0].strip() == "…":
        return any(matches(quoted[1:], got[k:]) for k in range(len(got) + 1))
    return bool(got) and quoted[0] == got[0] and matches(quoted[1:], got[1:])


def all_files() -> dict[str, str]:
    """The titled files of every page: a page may use a file another shows."""
    out: dict[str, str] = {}
    for page in PAGES:
        out.update(scan(page)[1])
    return out


def _cases():
    for page in PAGES:
        blocks, _ = scan(page)
        if blocks:
            yield pytest.param(page, id=page.relative_to(ROOT).as_posix())


@pytest.mark.parametrize("page", list(_cases()))
def test_quoted_commands_print_what_the_page_says(page, tmp_path):
    blocks, _ = scan(page)
    where = scratch(tmp_path, all_files())
    problems = []
    for block in blocks:
        for command, quoted in block.commands():
            got = normal(run(command, where), where)
            if not matches(normal(quoted), got):
                problems.append(f"{page.name}:{block.start + 1}: $ {command}\n--- quoted\n" + "\n".join(quoted) + "\n--- printed\n" + "\n".join(got))
    assert not problems, "\n\n".join(problems) + "\n\n(after a deliberate change: .venv/bin/python tests/test_quoted_commands.py --update)"


def test_every_console_block_is_run_or_says_why():
    """No console block is left out silently: the ones not run say why."""
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").split("\n")
        for i, line in enumerate(lines):
            if line.strip() == "```console" and i > 0 and lines[i - 1].startswith("<!-- not run"):
                assert _NOT_RUN.match(lines[i - 1]), f"{page.name}:{i}: `<!-- not run: REASON -->`"


def test_the_matcher_is_not_blind():
    assert matches(["a", "…", "d"], ["a", "b", "c", "d"])
    assert not matches(["a", "…", "d"], ["a", "b", "c"])
    assert not matches(["1 claim"], ["1 claims"])
    assert normal(["2 claims in (1 partition, 0.3 s, 3,195 claims/s)"]) == ["2 claims in (1 partition, T s, N claims/s)"]


def update() -> int:
    """Rewrite every quoted output with what the command prints now."""
    import tempfile

    changed = 0
    for page in PAGES:
        blocks, _ = scan(page)
        files = all_files()
        if not blocks:
            continue
        lines = page.read_text(encoding="utf-8").split("\n")
        with tempfile.TemporaryDirectory() as tmp:
            where = scratch(Path(tmp), files)
            bodies = []
            for block in blocks:  # in order: a command may use what an earlier one wrote
                new = []
                for command, quoted in block.commands():
                    got = [ln.replace(str(where) + "/", "").replace(str(where), ".") for ln in run(command, where)]
                    new += [f"$ {command}", *(quoted if matches(normal(quoted), normal(got)) else got)]
                bodies.append(new)
            for block, new in reversed(list(zip(blocks, bodies))):  # from the end: line numbers stay valid
                if lines[block.start + 1: block.start + 1 + len(block.lines)] != new:
                    lines[block.start + 1: block.start + 1 + len(block.lines)] = new
                    changed += 1
        page.write_text("\n".join(lines), encoding="utf-8")
    print(f"{changed} block{'s' if changed != 1 else ''} rewritten")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_quoted_commands.py --update")
    sys.exit(update())
