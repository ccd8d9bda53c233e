"""Source files and positions.

Every AST node carries a `Span` so that any later stage (checker, code
generator, documentation, runtime trace) can point back at the exact line a
rule came from. Paths are kept as the user wrote them, so messages read like
the command line that produced them.
"""

from __future__ import annotations

import attrs


def printable(text: str) -> str:
    """`text` with every character that is not printable (newlines, CR,
    NUL, bidi controls…) written as a `\\uXXXX` escape: a file name is
    the user's, and it reaches one-line messages, generated Python comments
    and documentation pages, where a raw newline would end the line (and
    let what follows run as code). The same rule as the code generator's
    `comment` filter for contract text."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


@attrs.frozen
class Span:
    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        return f"{printable(self.file)}:{self.line}:{self.column}"

    @property
    def where(self) -> str:
        """`file:line`, the form a décompte's `rule` field uses; the file
        name made printable, since this string is pasted into generated
        code comments and one-line outputs."""
        return f"{printable(self.file)}:{self.line}"


@attrs.frozen
class SourceFile:
    path: str
    text: str

    def line_text(self, line: int) -> str:
        """Line `line` (1-based). Lines end at `\n` only, as the parser
        counts them: U+2028, form feed or a lone CR do not start a line."""
        lines = self.text.split("\n")
        if 1 <= line <= len(lines):
            return lines[line - 1].rstrip("\r")
        return ""
