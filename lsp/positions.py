"""Garant spans ↔ LSP positions.

Garant counts lines from 1 and columns from 1 in code points, splitting
lines at `\\n` only (dsl/source.py). LSP counts both from 0, and columns in
the units the client and server agreed on at `initialize`: UTF-16 code
units by default (a character outside the Basic Multilingual Plane, an
emoji, takes two), UTF-8 bytes if the client prefers them (Neovim offers
them first: `é` then takes two), or code points (UTF-32). Converting
here, with the parser's own idea of a line, keeps every range on the
characters the checker meant.
"""

from __future__ import annotations

import re

from lsprotocol import types

from garant.dsl.source import Span

WORD = re.compile(r"[^\W\d]\w*")


def lines_of(text: str) -> list[str]:
    return [ln.rstrip("\r") for ln in text.split("\n")]


UTF16 = "utf-16"


def _units(ch: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(ch.encode("utf-8"))
    if encoding == "utf-32":
        return 1
    return 2 if ord(ch) > 0xFFFF else 1


def to_client(line: str, column: int, encoding: str = UTF16) -> int:
    """Code-point column (0-based) → the client's column (0-based)."""
    return sum(_units(ch, encoding) for ch in line[:column])


def from_client(line: str, character: int, encoding: str = UTF16) -> int:
    """The client's column (0-based) → code-point column (0-based)."""
    units = 0
    for i, ch in enumerate(line):
        if units >= character:
            return i
        units += _units(ch, encoding)
    return len(line)


def position(lines: list[str], line: int, column: int, encoding: str = UTF16) -> types.Position:
    """0-based line and code-point column → an LSP position."""
    text = lines[line] if 0 <= line < len(lines) else ""
    return types.Position(line=line, character=to_client(text, column, encoding))


def span_range(span: Span | None, lines: list[str], encoding: str = UTF16) -> types.Range:
    """The range a diagnostic or a declaration covers.

    A span with an end covers exactly its characters; a span that is only a
    point covers the word starting there (or one character), so editors
    underline something visible.
    """
    if span is None:
        return types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    line, col = span.line - 1, span.column - 1
    if span.end_line and (span.end_line, span.end_column) > (span.line, span.column):
        end_line, end_col = span.end_line - 1, span.end_column - 1
    else:
        text = lines[line] if 0 <= line < len(lines) else ""
        m = WORD.match(text, col) if col < len(text) else None
        end_line, end_col = line, (m.end() if m else min(col + 1, len(text)))
    return types.Range(start=position(lines, line, col, encoding), end=position(lines, end_line, end_col, encoding))


def word_at(lines: list[str], line: int, column: int) -> tuple[str, int, int] | None:
    """The word (act, dimension value, keyword…) under a code-point
    position, with its start and end columns; or None between words."""
    if not 0 <= line < len(lines):
        return None
    text = lines[line]
    for m in WORD.finditer(text):
        if m.start() <= column <= m.end():
            return m.group(), m.start(), m.end()
    return None
