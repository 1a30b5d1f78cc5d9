"""One escaping rule for everything ekslint prints that echoes a manifest, file name or config.

File names, comments, annotation values and config keys are written by whoever wrote the input,
and the report lands in a terminal or a CI log. There they must not:

- start a line of their own: a GitHub Actions runner reads a line that starts (after blanks)
  with ``::`` as a workflow command (``::add-mask::``, ``::error ...``), and the runner, like a
  terminal, breaks lines at a lone CR as well as at LF;
- carry the runner's legacy ``##[command]`` syntax, which works anywhere in a line, JSON included;
- reach the terminal as control characters: ESC starts a sequence that can hide or rewrite what
  follows, C1 controls do the same on some terminals, bidi controls reorder what is shown;
- crash the writer: a file name that is not UTF-8 arrives as lone surrogates
  (``surrogateescape``), which no UTF-8 stream can encode.

``display`` renders one value on one line; ``display_lines`` keeps the line structure of a text
ekslint composed (a message with a hint below it) and makes each line safe; ``json_text`` is the
same rule for JSON, where JSON's own escapes keep the data exact. ``--format github`` writes
workflow commands on purpose and percent-encodes their data (report/github.py), after ``display``
has made the same characters visible.
"""

from __future__ import annotations

import re

# C0 controls but TAB, DEL and C1, the line and paragraph separators, the bidi controls
# (ALM, LRM, RLM, LRE..RLO, LRI..PDI) and lone surrogates (undecodable bytes of a file name).
# Every one of them is unprintable to ``str.isprintable`` (Cc, Cf, Zl, Zp, Cs), so printable text,
# nearly all that is echoed, needs no pattern: the patterns are compiled when first needed
# (a set reaching past U+00FF costs re about 4 M instructions to compile, 1.5 % of a one-file run).
_UNSAFE_SET = (
    "[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\x1b": "\\e"}
LEGACY_COMMAND = "##["
LEGACY_ESCAPED = "##\\["
_JSONLEGACY_ESCAPED = "##\\u005b"  # decodes back to "##[": the data stays exact


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as surrogateescape keeps it
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def display(text: str) -> str:
    """``text`` as one line that a terminal shows as written and a CI runner does not obey."""
    return guard_line(escape_controls(text))


def escape_controls(text: str) -> str:
    """Control, bidi and line-break characters and lone surrogates as visible escapes."""
    if text.isprintable():
        return text
    return re.sub(_UNSAFE_SET, _escape_char, text)  # a pattern string: re keeps it compiled


def display_lines(text: str) -> list[str]:
    """The lines of a text ekslint composed (split at LF only), each made safe like ``display``."""
    return [display(line) for line in text.split("\n")]


def display_block(text: str, indent: str = "    ") -> str:
    """``display_lines`` joined again, later lines indented under the first."""
    return ("\n" + indent).join(display_lines(text))


def guard_line(line: str) -> str:
    """Neutralise workflow-command syntax in a line that has no line breaks left."""
    if LEGACY_COMMAND in line:
        line = line.replace(LEGACY_COMMAND, LEGACY_ESCAPED)
    stripped = line.lstrip()
    if stripped.startswith("::"):
        at = len(line) - len(stripped)
        line = line[:at] + "\\" + line[at:]
    return line


# In JSON text (ensure_ascii=False) these can only sit inside strings: JSON escapes C0 itself.
# DEL is the only one of them in ASCII.
_JSON_UNSAFE_SET = (
    "[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def json_text(document: object, indent: int | None = 2) -> str:
    """``document`` as JSON that is valid UTF-8, shows no control characters and carries no
    ``##[``, while decoding to exactly the same data (lone surrogates stay ``\\udcXX``)."""
    import json

    text = json.dumps(document, indent=indent, ensure_ascii=False)
    if not text.isascii() or "\x7f" in text:
        text = re.sub(_JSON_UNSAFE_SET, lambda m: f"\\u{ord(m.group()):04x}", text)
    # `#` is never JSON syntax, so "##[" is always inside a string, where \u005b is "[".
    return text.replace(LEGACY_COMMAND, _JSONLEGACY_ESCAPED)
