"""Go to definition: from a word of a selector to the line of the regime
(stdlib/secu.garant, stdlib/managed_care.garant, or a regime file of the
user's) that declares it: the act in the `acts` tree, the value in its
`dimension` line, the network in `networks:` (or the contract's own
`network` header)."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from garant.lsp.documents import Analysis, source_file
from garant.lsp.lookup import code_part, in_string, lookup
from garant.lsp.positions import UTF16, lines_of, span_range, word_at


def definitions(analysis: Analysis, line: int, column: int, document_uri: str, encoding: str = UTF16) -> list[types.Location]:
    lines = analysis.lines
    if not 0 <= line < len(lines):
        return []
    text = code_part(lines[line])
    if column > len(text) or in_string(text, column):
        return []
    got = word_at([text], 0, column)
    if got is None:
        return []
    out = []
    for found in lookup(analysis, got[0]):
        if found.span is None:
            continue
        if found.span.file == analysis.path:
            uri, target_lines = document_uri, lines
        else:
            path = source_file(found.span.file)
            if path is None:
                continue
            uri, target_lines = path.resolve().as_uri(), lines_of(_read(path))
        out.append(types.Location(uri=uri, range=span_range(found.span, target_lines, encoding)))
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
