"""Diagnostics as data: broken sources and the errors they must produce.

Every `tests/diagnostics/*.garant` file is a broken (or suspicious) source.
The line an error must point at carries a trailing comment

    consultation optm: 200% BRSS  # error: did you mean `optam`

(`# warning: …` for a warning). Where a trailing comment is impossible or
would change the meaning (an unterminated text, the end of the file), an
annotation on a line of its own names the line: `# error@12: …`.

For each file the test checks that
* every annotation is met: a diagnostic of that severity on that line whose
  message or hint contains the text (case-insensitive);
* every error the checker reports is annotated (no unexpected error);
  warnings need not be annotated;
* `garant check` on the file exits 1 when the file has an error annotation,
  0 otherwise (through the Python API: the CLI's own `compile_paths`).
Syntax errors are also checked for their rendering (`file:line:col: error:`,
the source line, a caret under it) and for parser jargon leaking through.

To add a case: write the file, annotate it, run this test.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from garant.dsl.diagnostics import Diagnostic, Severity
from garant.dsl.pipeline import compile_paths, compile_text

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "diagnostics"
GARANT = ROOT / ".venv" / "bin" / "garant"
FILES = sorted(CORPUS.glob("*.garant"))

_ANNOTATION = re.compile(r"#\s*(?P<severity>error|warning)(?:@(?P<line>\d+))?\s*:\s*(?P<text>.*?)\s*$")
# What lark says when nobody translates it; none of it may reach a user.
LARK_JARGON = (
    "UnexpectedToken", "UnexpectedCharacters", "UnexpectedEOF", "UnexpectedInput", "Expected one of",
    "Previous tokens", "Token(", "$END", "__ANON", "_NL", "_INDENT", "_DEDENT", "Traceback", "lark",
)


class Annotation:
    def __init__(self, severity: Severity, line: int, text: str, written_on: int):
        self.severity = severity
        self.line = line
        self.text = text
        self.written_on = written_on

    def matches(self, d: Diagnostic) -> bool:
        if d.severity is not self.severity or d.span is None or d.span.line != self.line:
            return False
        haystack = (d.message + "\n" + (d.hint or "")).casefold()
        return self.text.casefold() in haystack

    def __repr__(self) -> str:
        return f"line {self.line}: {self.severity.value}: {self.text!r}"


def source_lines(text: str) -> list[str]:
    """Lines as the compiler numbers them: split at `\n` only (`str.splitlines`
    would also split at form feeds, U+2028 and the like)."""
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    return lines[:-1] if lines and lines[-1] == "" else lines


def annotations(text: str) -> list[Annotation]:
    out = []
    for number, line in enumerate(source_lines(text), start=1):
        m = _ANNOTATION.search(line)
        if not m:
            continue
        severity = Severity.ERROR if m["severity"] == "error" else Severity.WARNING
        target = int(m["line"]) if m["line"] else number
        out.append(Annotation(severity, target, m["text"], number))
    return out


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _check(path: Path):
    text = path.read_text(encoding="utf-8")
    unit = compile_text(text, _rel(path))
    return text, unit


def _report(unit) -> str:
    return "\n".join(d.render(unit.source) for d in unit.diagnostics) or "(no diagnostics)"


def test_corpus_size_and_annotations():
    assert len(FILES) >= 35, f"only {len(FILES)} diagnostic cases"
    for path in FILES:
        notes = annotations(path.read_text(encoding="utf-8"))
        assert notes, f"{path.name} has no `# error:` / `# warning:` annotation"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_diagnostics(path: Path):
    text, unit = _check(path)
    notes = annotations(text)
    n_lines = len(source_lines(text))
    for note in notes:
        assert 1 <= note.line <= n_lines, f"{path.name}:{note.written_on}: annotation points at line {note.line}, outside the file"
    problems = []
    for note in notes:
        if not any(note.matches(d) for d in unit.diagnostics):
            on_line = [d for d in unit.diagnostics if d.span is not None and d.span.line == note.line]
            seen = "; ".join(f"{d.severity.value}: {d.message}" for d in on_line) or "nothing on that line"
            problems.append(f"missing {note!r} (got {seen})")
    for d in unit.diagnostics:
        if d.is_error and not any(note.matches(d) for note in notes):
            problems.append(f"unexpected error at line {d.span.line if d.span else '?'}: {d.message}")
    assert not problems, "\n".join(problems) + "\n\nall diagnostics:\n" + _report(unit)


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_garant_check_exit_status(path: Path):
    """`garant check FILE` exits 1 on an error file, 0 on a warning-only file."""
    notes = annotations(path.read_text(encoding="utf-8"))
    units, problems = compile_paths([path])
    assert not problems and len(units) == 1
    errors = [d for d in units[0].diagnostics if d.is_error]
    exit_status = 1 if errors or not units else 0  # as `garant check` computes it
    expects_error = any(n.severity is Severity.ERROR for n in notes)
    assert exit_status == (1 if expects_error else 0), _report(units[0])
    if not expects_error:
        assert any(d.severity is Severity.WARNING for d in units[0].diagnostics), "a warning-only case must warn"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_no_parser_jargon(path: Path):
    _, unit = _check(path)
    for d in unit.diagnostics:
        for word in LARK_JARGON:
            assert word not in d.message and word not in (d.hint or ""), d.render(unit.source)


SYNTAX_FILES = [p for p in FILES if p.name.startswith("syntax_")]


@pytest.mark.parametrize("path", SYNTAX_FILES, ids=[p.stem for p in SYNTAX_FILES])
def test_syntax_errors_render_like_a_compiler(path: Path):
    text, unit = _check(path)
    syntax = [d for d in unit.diagnostics if d.code == "syntax"]
    assert syntax, f"{path.name} is a syntax case but got no syntax error:\n{_report(unit)}"
    for d in syntax:
        rendered = d.render(unit.source).split("\n")
        assert d.span is not None
        prefix = f"{_rel(path)}:{d.span.line}:{d.span.column}: error: "
        assert re.match(r"^.+:\d+:\d+: error: \S", rendered[0]) and rendered[0].startswith(prefix), rendered
        source_line = source_lines(text)[d.span.line - 1]
        assert len(rendered) >= 3, "no source line and caret:\n" + "\n".join(rendered)
        assert rendered[1] == "  " + source_line, rendered
        caret = rendered[2]
        assert re.fullmatch(r"  *\^+", caret), rendered
        column = caret.index("^") - 2 + 1
        assert column == d.span.column and column <= len(source_line) + 1, rendered
        if len(rendered) > 3:
            assert rendered[3].startswith("  hint: "), rendered


# ---------------------------------------------------------- CLI smoke tests
def _garant(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(GARANT), *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_check_syntax_error_exits_1():
    got = _garant("check", "tests/diagnostics/syntax_missing_colon.garant")
    assert got.returncode == 1, got
    out = got.stdout + got.stderr
    assert "tests/diagnostics/syntax_missing_colon.garant:9:" in out and ": error: " in out
    assert "consultation generaliste 100% BRSS" in out and "^" in out
    assert not any(word in out for word in ("Traceback", "UnexpectedToken", "Expected one of"))


def test_cli_check_warning_only_exits_0():
    got = _garant("check", "tests/diagnostics/gap_without_all.garant")
    assert got.returncode == 0, got
    out = got.stdout + got.stderr
    assert "tests/diagnostics/gap_without_all.garant:8:1: warning: gap" in out
    assert "0 errors" in out


def test_cli_check_whole_corpus_exits_1():
    got = _garant("check", "tests/diagnostics")
    assert got.returncode == 1, got
    out = got.stdout + got.stderr
    assert f"{len(FILES)} files checked" in out
    assert "Traceback" not in out
