"""Source files and positions.

Every AST node carries a `Span` so that any later stage (checker, code
generator, documentation, runtime trace) can point back at the exact line a
rule came from. Paths are kept as the user wrote them, so messages read like
the command line that produced them.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Span:
    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def where(self) -> str:
        """`file:line`, the form a décompte's `rule` field uses."""
        return f"{self.file}:{self.line}"


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
