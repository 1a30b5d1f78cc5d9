"""Which document chunks need a node tree: a text test that spares composing the others.

Most documents of a repository (Services, ConfigMaps, RBAC, CRDs) hold nothing any check reads:
no container, platform annotation, pull secret, service account, suppression or template.
Composing them is most of a lint's cost (every node is a Python object), for no finding. A chunk
is *inert* when its text proves that composing it could add nothing to the report:

- it mentions none of the trigger words (what the checks look for, given by the caller from the
  rule data: container lists, annotation prefixes and keys, ...);
- its root is a block mapping (so "document is a list" cannot be the outcome) whose ``kind`` is
  not one the caller names (pod-template kinds, the inventory's kinds) nor a List, and whose
  ``apiVersion`` is not in an API group the caller names (other platforms', which get a note);
- the keys ekslint reads on any object (the root's, ``metadata``'s, ``annotations``') are each
  written once, plainly enough to be compared as text, and in kinds searched for pod templates
  ``spec`` is written at most once (the search looks it up in every mapping);
- it has none of the constructs whose meaning the text does not show: anchors, aliases, merge
  keys, explicit ``?`` keys, escapes that may spell a letter, line breaks other than LF/CRLF.

An inert chunk is still parsed by libyaml (``CParser.raw_parse``: events only, no Python
objects), so every syntax error is reported as composing would report it, at the same position.
Anything the test is unsure of is composed: a false "not inert" costs time, never a finding.

The test must cost far less than the composing it spares, so it is built from substring
searches (``in``: a fast C scan) and regular expressions that start with a literal or run only
on the few chunks a substring search singled out; Python-level work is per column-0 line.
"""

from __future__ import annotations

import re

import yaml

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Iterable
    from typing import Any

# Composing can be switched off only for the tests that compare both paths.
ENABLED = True

_RawParser: Any = getattr(getattr(yaml, "_yaml", None), "CParser", None)


class _Pattern:
    """A regular expression compiled when first used: a commit's few files, whose documents
    all name a trigger word, never need these (compiling is a tenth of a one-file run)."""

    # The compiled pattern's methods are set on the instance when first asked for, so that
    # later calls find them as plain attributes: ``__getattr__`` is a Python call, and this
    # module makes about five pattern calls per document it looks at.
    __slots__ = ("_flags", "_source", "findall", "finditer", "fullmatch", "match", "search", "sub")

    def __init__(self, source: str, flags: int = 0) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:  # only until the methods are set
        compiled = re.compile(self._source, self._flags)
        for method in ("findall", "finditer", "fullmatch", "match", "search", "sub"):
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


# Escapes that make a character of a name (a letter, digit, one of `-./_{}`) or join two lines,
# so that a double-quoted scalar may spell a word the text does not show; \\ and other escapes
# are matched too, so that each escape is read from its backslash.
_ESCAPE = _Pattern(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(/)|\r?\n[ \t]*|.)")
_MAYBE_HIDING = ("\\x", "\\u", "\\U", "\\/", "\\\n", "\\\r")
_MARKER_LINE = _Pattern(r"(?:---|\.\.\.)(?:[ \t]+#.*)?[ \t]*\r?")
# A block mapping entry with a quoted key, `"key":` or `'key':`, then a space or the end.
_QUOTED_ENTRY = _Pattern(r"""(?:"([^"\\\n]*)"|'((?:[^'\n]|'')*)')[ \t]*:(?:[ \t](.*))?\r?""")
# What a plain key cannot start with (YAML indicators, and space).
_NOT_PLAIN = frozenset(" \t\r\n#'\"?:,[]{}!&*%@`|>")
# Blank, comment, directive and bare marker lines before a chunk's first content.
_PREAMBLE = _Pattern(
    r"(?:[ \t]*(?:#[^\n]*)?\r?\n|%[^\n]*\n|(?:---|\.\.\.)(?:[ \t]+#[^\n]*)?[ \t]*\r?\n)*"
)
# The lines after the first that start at column 0 (a literal first character keeps the
# search fast; findall makes no match objects).
_COLUMN_0 = _Pattern(r"\n([^ \r\n#][^\n]*)")
# A scalar written plainly or in simple quotes, with an optional comment after it.
_SIMPLE = _Pattern(r"""(?:([\w./-]+)|"([\w./-]+)"|'([\w./-]+)')(?:[ \t]+#.*)?""")
# The first line of a block that is neither blank nor a comment, and its indentation.
_FIRST_INDENTED = _Pattern(r"\n( *)[^ \r\n#]")
_LEVELS: dict[int, _Pattern] = {}  # a block's entries at each indentation
_MAX_LEVEL = 40  # deeper metadata is composed (and the patterns above stay few)
_ITEM = _Pattern(r"-(?:[ \t]|\r?$)")
_SPEC_KEY = _Pattern(r"""spec["']?[ \t]*:""")


class DocumentFilter:
    """``inert(text)``: True when composing the chunk ``text`` could add nothing to a report
    (see the module docstring). ``words`` are matched anywhere in the text; ``kinds`` (in any
    API group), ``group_kinds`` ((API group, kind) pairs) and ``api_groups`` against the root's
    ``kind`` and ``apiVersion``; ``unsearched`` are the
    (API group, kind) pairs never searched for pod templates, where a repeated ``spec`` key
    reads nothing."""

    def __init__(
        self,
        words: Iterable[str],
        kinds: Iterable[str],
        group_kinds: Iterable[tuple[str, str]] = (),
        api_groups: Iterable[str] = (),
        unsearched: Iterable[tuple[str, str]] = (),
    ) -> None:
        # A word holding another is redundant: each word costs a scan of every chunk.
        unique = sorted({w for w in words if w}, key=len)
        self._words = tuple(w for i, w in enumerate(unique) if not any(u in w for u in unique[:i]))
        self._kinds = frozenset(kinds)
        self._group_kinds = frozenset(group_kinds)
        self._api_groups = frozenset(api_groups)
        self._unsearched = frozenset(unsearched)

    def mentions(self, text: str) -> bool:
        """A trigger word is in ``text``."""
        return any(word in text for word in self._words)

    def inert(self, text: str) -> bool:
        return self.skip(text) is not None

    def skip(self, text: str) -> tuple[str, str] | tuple[()] | None:
        """None: compose the chunk. Otherwise no check can find anything in it, and this is
        what the file count still needs: its root's ``(kind, apiVersion)`` ("" when absent),
        or ``()`` for an empty document."""
        if _RawParser is None or not ENABLED or self.mentions(text) or _opaque(text):
            return None
        root = _plain_mapping(text)
        if root is None:
            return None
        kind, api_version, is_mapping = root
        group = api_version.rpartition("/")[0]
        if kind in self._kinds or (group, kind) in self._group_kinds or group in self._api_groups:
            return None
        read = text
        if "\\" in text and any(escape in text for escape in _MAYBE_HIDING):
            # What the double-quoted scalars say, escapes applied (elsewhere the text is read
            # as written, which the tests above covered).
            read = _ESCAPE.sub(_unescape, text)
            if self.mentions(read):
                return None
        if (group, kind) in self._unsearched or read.count("spec") < 2 or _one_spec_key(read):
            return (kind, api_version) if is_mapping else ()
        return None


def check_syntax(text: str) -> None:
    """Raise the YAML error composing ``text`` would raise, without building any node."""
    _RawParser(text).raw_parse()


def _opaque(text: str) -> bool:
    """Constructs whose effect on keys the text does not show. Each test starts with a fast
    substring search; the few places found are then looked at one by one."""
    return (
        "<<" in text  # a merge key
        or _node_property(text, "&")  # an anchor (composing refuses a duplicate)
        or _node_property(text, "*")  # an alias (composing refuses an unknown one)
        or _explicit_key(text)
        # line breaks the line-based reading below does not see
        or ("\r" in text and text.count("\r") != text.count("\r\n"))
        or "\x85" in text
        or "\u2028" in text
        or "\u2029" in text
    )


def _node_property(text: str, indicator: str) -> bool:
    """``indicator`` followed by a name where a node may start: at the start of a line, after
    `- `, `? `, `:`, `[`, `{`, `,` or a tag."""
    at = text.find(indicator)
    while at >= 0:
        following = text[at + 1 : at + 2]
        if following and following not in " \t\r\n,[]{}":
            line_start = text.rfind("\n", 0, at) + 1
            before = text[line_start:at].rstrip(" \t")
            if not before or before[-1] in "-:?[{," or before.split()[-1].startswith("!"):
                return True
        at = text.find(indicator, at + 1)
    return False


def _explicit_key(text: str) -> bool:
    """``?`` then a space or the end of a line, where a node may start."""
    at = text.find("?")
    while at >= 0:
        if text[at + 1 : at + 2] in ("", " ", "\t", "\r", "\n") and (
            at == 0 or text[at - 1] in " \t\n[{,"
        ):
            return True
        at = text.find("?", at + 1)
    return False


def _unescape(match: re.Match[str]) -> str:
    hexadecimal = match.group(1) or match.group(2) or match.group(3)
    if hexadecimal:
        return chr(int(hexadecimal, 16)) if int(hexadecimal, 16) <= 0x10FFFF else match.group()
    if match.group(4):
        return "/"
    return "" if match.group()[1] in "\r\n" else match.group()


def _one_spec_key(text: str) -> bool:
    found = _SPEC_KEY.search(text)
    return found is None or _SPEC_KEY.search(text, found.end()) is None


def _column_0_lines(text: str) -> list[str]:
    """Every line that starts at column 0 with neither a space nor ``#``."""
    lines: list[str] = _COLUMN_0.findall(text)
    if text[:1] not in ("", " ", "\r", "\n", "#"):
        end = text.find("\n")
        lines.insert(0, text if end < 0 else text[:end])
    return lines


def _simple(value: str) -> str | None:
    plain = _SIMPLE.fullmatch(value)
    return plain.group(plain.lastindex) if plain else None  # the one alternative that matched


def _plain_mapping(text: str) -> tuple[str, str, bool] | None:
    """The root's ``kind`` and ``apiVersion`` ("" when absent) and True when the root is a block
    mapping whose keys, and ``metadata``'s and its ``annotations``', are each written once, or
    ("", "", False) for an empty chunk; None when that cannot be told from the text."""
    keys: set[str] = set()
    kind = api_version = ""
    metadata: str | None = None  # its line
    previous_empty = False
    lines = _column_0_lines(text)
    for position, line in enumerate(lines):
        if line[0] in "-." and _MARKER_LINE.fullmatch(line):
            if position == 0 or position == len(lines) - 1:
                continue  # the chunk's own `---` (bare) or its closing `...`
            return None
        if line[0] == "%" and not keys:
            continue  # a directive
        if line[0] == "-" and keys and previous_empty and _ITEM.match(line):
            continue  # an item of a sequence written at its key's indentation
        key, value = _entry(line)
        if key is None or key in keys:
            return None
        keys.add(key)
        previous_empty = not value
        if key in ("kind", "apiVersion"):
            simple = _simple(value)
            if simple is None or (key == "kind" and "List" in simple):
                return None  # not plainly written, or a List (its items are objects)
            if key == "kind":
                kind = simple
            else:
                api_version = simple
        elif key == "metadata":
            if value or metadata is not None:
                return None  # a flow mapping or a scalar: composed
            metadata = line
    if not keys:
        # Only comments, markers and directives: an empty document, unless something indented
        # (a scalar or an indented mapping) follows them.
        content = any(
            line.strip() and not line.lstrip().startswith("#")
            for line in text.splitlines()
            if not line.startswith(("---", "...", "%"))
        )
        return None if content else ("", "", False)
    if _first_content_indented(text):
        return None  # the mapping found at column 0 is not the root
    if metadata is not None:
        start = 0 if text.startswith(metadata) else text.find("\n" + metadata) + 1
        start += len(metadata)
        following = _COLUMN_0.search(text, start)
        annotations = _unique_block(text, start, following.start() if following else len(text))
        if annotations is None or (annotations and _unique_block(text, *annotations) is None):
            return None
    return kind, api_version, True


def _first_content_indented(text: str) -> bool:
    preamble = _PREAMBLE.match(text)
    end = preamble.end() if preamble else 0
    return text[end : end + 1] in (" ", "\t")


def _entry(line: str) -> tuple[str | None, str]:
    """A mapping entry's key as YAML reads it, and the rest of the line (empty when the value
    is on the next lines; a comment counts as empty). String methods, not a regular expression:
    this runs for every key line looked at."""
    if line[0] in "\"'":
        quoted = _QUOTED_ENTRY.fullmatch(line)
        if quoted is None:
            return None, ""
        double, single, value = quoted.groups()
        key = double if double is not None else single.replace("''", "'")
    else:
        if line[0] in _NOT_PLAIN or (line[0] == "-" and line[1:2] in ("", " ", "\t", "\r")):
            return None, ""
        colon = line.find(":")
        while colon >= 0 and line[colon + 1 : colon + 2] not in ("", " ", "\t", "\r"):
            colon = line.find(":", colon + 1)
        if colon < 0:
            return None, ""
        key = line[:colon].rstrip(" \t")
        if " #" in key or "\t#" in key:
            return None, ""  # a comment before the colon: not a key
        value = line[colon + 1 :]
    value = value.strip() if value else ""
    return key, "" if value.startswith("#") else value


def _unique_block(text: str, start: int, end: int) -> tuple[int, int] | tuple[()] | None:
    """The entries of the block mapping in ``text[start:end]`` (the lines under a key) are
    each written once: then the span of the block under its ``annotations`` key (() when
    absent); None when that cannot be told from the text.

    Only the lines at the block's own indentation are looked at: a line less indented is a
    syntax error (which the raw parse reports), a line more indented belongs to an entry."""
    first = _FIRST_INDENTED.search(text, start, end)
    if first is None:
        return ()
    width = len(first.group(1))
    if width > _MAX_LEVEL:
        return None
    level = _LEVELS.get(width)
    if level is None:
        level = _LEVELS[width] = _Pattern(rf"\n {{{width}}}([^ \r\n#][^\n]*)")
    keys: set[str] = set()
    annotations: tuple[int, int] | tuple[()] = ()
    inside = False  # the last entry was annotations
    annotations_start = 0
    previous_empty = False
    for match in level.finditer(text, start, end):
        line = match.group(1)
        if line[0] == "-" and keys and previous_empty and _ITEM.match(line):
            if inside:
                return None  # annotations is a sequence, not a mapping: composed
            continue  # an item of a sequence written at its key's indentation
        if inside:
            annotations = (annotations_start, match.start())
            inside = False
        key, value = _entry(line)
        if key is None or key in keys:
            return None
        keys.add(key)
        previous_empty = not value
        if key == "annotations":
            if value:
                return None  # a flow mapping or a scalar: composed
            annotations_start = match.end()
            annotations = (annotations_start, end)
            inside = True
    return annotations
