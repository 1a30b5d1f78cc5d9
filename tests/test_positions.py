"""Offsets <-> LSP positions, against a slow model of what an editor counts."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ekslint.server.positions import LspText

# Letters, an accent, CJK, astral characters (emoji, two UTF-16 units) and every LSP line break.
TEXT = st.text(alphabet=st.sampled_from(list("ab é中🚀𝒳\n\r\t")), max_size=60)


def model(text: str, offset: int, encoding: str) -> tuple[int, int]:
    before = text[:offset]
    lines = re.split(r"\r\n|\r|\n", before)
    width = {"utf-8": 1, "utf-16": 2, "utf-32": 4}[encoding]
    codec = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}[encoding]
    return len(lines) - 1, len(lines[-1].encode(codec)) // width


@given(TEXT, st.data(), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_position_and_offset_agree_with_the_model(text: str, data: st.DataObject, enc: str) -> None:
    offset = data.draw(st.integers(0, len(text)))
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        offset -= 1  # never between the halves of a \r\n
    lsp = LspText(text, enc)
    assert lsp.position(offset) == model(text, offset, enc)
    assert lsp.offset(*lsp.position(offset)) == offset


def test_an_emoji_is_two_utf16_units_and_one_code_point() -> None:
    text = 'x: "🚀", image: a\n'
    lsp = LspText(text)
    assert lsp.position(text.index("image")) == (0, text.index("image") + 1)
    assert lsp.offset(0, 99) == len(text) - 1  # past the end of a line: its end
    assert lsp.offset(5, 0) == len(text)
