"""Offsets in a text <-> LSP positions.

The linter counts lines at ``\\n`` and columns in code points; an LSP client counts lines at
``\\n``, ``\\r\\n`` and ``\\r`` and columns in the negotiated code units (UTF-16 unless agreed
otherwise), so an emoji before a node is two columns to the client and one to Python.
"""

from __future__ import annotations

import bisect
import re

_BREAK = re.compile(r"\r\n|\r|\n")
_UNIT_WIDTH = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}
_UNIT_BYTES = {"utf-8": 1, "utf-16": 2, "utf-32": 4}


class LspText:
    """A document as an LSP client sees it."""

    __slots__ = ("encoding", "starts", "text")

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding if encoding in _UNIT_WIDTH else "utf-16"
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def units(self, chars: str) -> int:
        if self.encoding == "utf-32":
            return len(chars)
        encoded = chars.encode(_UNIT_WIDTH[self.encoding], "surrogatepass")
        return len(encoded) // _UNIT_BYTES[self.encoding]

    def position(self, offset: int) -> tuple[int, int]:
        """0-based (line, character in code units) of a code-point offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return line, self.units(self.text[start:offset])

    def offset(self, line: int, character: int) -> int:
        """The code-point offset of a client position (past the end of a line: its end)."""
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[max(line, 0)]
        end = self.starts[line + 1] if line + 1 < len(self.starts) else len(self.text)
        content = _BREAK.sub("", self.text[start:end])
        units = 0
        for index, char in enumerate(content):
            if units >= character:
                return start + index
            units += self.units(char)
        return start + len(content)
