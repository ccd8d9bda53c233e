"""Laying out generated Python the way a person would: within 120 columns.

The generator describes each value of a module as data (`Call`s of the
runtime, tuples, dicts, `Code` it wrote itself, and scalars from the
sources); `Layout.block` writes it on one line when it fits, else one item
per line, indented, with a trailing comma (the shape black gives), and a
string too long for its line as adjacent literals. Scalars become text only
through the `literal` function it is given, comments only through
`comment`: the generator's escaping helpers, so laying out never pastes
source text into code.
"""

from __future__ import annotations

import textwrap
from typing import Callable

WIDTH = 120


class Code(str):
    """Python the generator wrote (a function's name, a formula), not a value."""


class Call:
    """`fn(*args, **kwargs)`; keyword values of None are left out when `omit_none`."""

    def __init__(self, fn: str, *args, omit_none: bool = True, **kwargs):
        self.fn = fn
        self.args = args
        self.kwargs = tuple((k, v) for k, v in kwargs.items() if not (omit_none and v is None))


class Commented:
    """An item of a tuple or dict with comment lines above it."""

    def __init__(self, value, *comments: str):
        self.value = value
        self.comments = comments


class Layout:
    def __init__(self, literal: Callable[[object], str], comment: Callable[[object], str], width: int = WIDTH):
        self.literal = literal
        self.comment = comment
        self.width = width

    # ---------------------------------------------------------- inline
    def inline(self, value) -> str:
        if isinstance(value, Code):
            return str(value)
        if isinstance(value, Commented):
            return self.inline(value.value)
        if isinstance(value, Call):
            parts = [self.inline(a) for a in value.args] + [f"{k}={self.inline(v)}" for k, v in value.kwargs]
            return f"{value.fn}({', '.join(parts)})"
        if isinstance(value, (tuple, list)):
            inner = ", ".join(self.inline(v) for v in value)
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.inline(k)}: {self.inline(v)}" for k, v in value.items()) + "}"
        return self.literal(value)

    # ----------------------------------------------------------- block
    def block(self, value, indent: int = 0, prefix: str = "", suffix: str = "") -> str:
        """`value` on lines starting at column `indent`, after `prefix` and
        followed by `suffix`: on one line when it fits."""
        pad = " " * indent
        if not self._explodes(value):
            one = f"{pad}{prefix}{self.inline(value)}{suffix}"
            if len(one) <= self.width or not self._breakable(value):
                return one
        if isinstance(value, Call):
            items = [("", a) for a in value.args] + [(f"{k}=", v) for k, v in value.kwargs]
            return self._lines(f"{pad}{prefix}{value.fn}(", items, indent, f"{pad})" + suffix)
        if isinstance(value, (tuple, list)):
            return self._lines(f"{pad}{prefix}(", [("", v) for v in value], indent, f"{pad})" + suffix)
        if isinstance(value, dict):
            items = [(f"{self.inline(k)}: ", v) for k, v in value.items()]
            return self._lines(f"{pad}{prefix}{{", items, indent, f"{pad}}}" + suffix)
        return self._long_string(value, indent, prefix, suffix)

    def comments(self, text: str, indent: int = 0) -> str:
        """A comment, escaped, wrapped within the width."""
        pad = " " * indent
        escaped = self.comment(text)
        lines = textwrap.wrap(escaped, self.width - indent - 2, break_long_words=False, break_on_hyphens=False) or [""]
        return "\n".join(f"{pad}# {line}".rstrip() for line in lines)

    def _lines(self, head: str, items, indent: int, tail: str) -> str:
        out = [head]
        for prefix, v in items:
            if isinstance(v, Commented):
                out.extend(self.comments(c, indent + 4) for c in v.comments)
                v = v.value
            out.append(self.block(v, indent + 4, prefix, ","))
        out.append(tail)
        return "\n".join(out)

    @staticmethod
    def _explodes(value) -> bool:
        """A collection whose items carry comments is always one per line."""
        items = value.values() if isinstance(value, dict) else value if isinstance(value, (tuple, list)) else ()
        return any(isinstance(v, Commented) for v in items)

    @staticmethod
    def _breakable(value) -> bool:
        if isinstance(value, (Call, dict)):
            return True
        if isinstance(value, (tuple, list)):
            return len(value) > 0
        return isinstance(value, str) and not isinstance(value, Code) and " " in value

    def _long_string(self, value: str, indent: int, prefix: str, suffix: str) -> str:
        """A string cut at spaces into adjacent literals, in parentheses."""
        pad = " " * (indent + 4)
        room = self.width - len(pad)
        pieces, current = [], ""
        for word in value.split(" "):
            candidate = word if not current else f"{current} {word}"
            if current and len(self.literal(candidate + " ")) > room:
                pieces.append(current + " ")
                current = word
            else:
                current = candidate
        pieces.append(current)
        body = "\n".join(pad + self.literal(p) for p in pieces)
        return f"{' ' * indent}{prefix}(\n{body}\n{' ' * indent}){suffix}"
