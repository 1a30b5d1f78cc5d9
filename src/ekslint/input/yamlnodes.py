"""Parsing document chunks into position-carrying nodes, and reading values out of them.

Linting and fixing read the same nodes from the same parser (libyaml through PyYAML when it is
available), so they always agree on what a file means. Scalars are not resolved to Python types
while composing: it is the costliest part of parsing and almost no scalar needs it. A plain scalar
keeps the tag ``PLAIN`` and is resolved on demand with Kubernetes' (go-yaml v2) rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ekslint.lint.findings import NodeProblem

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any

__all__ = [
    "OUTSIDE_TEXT",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "check_alias_expansion",
    "compose_documents",
    "get",
    "lookup",
    "mapping_entries",
    "parse_error",
    "plain_scalar_type",
]

# The index of a mark placed where a node is written without being part of the chunk's text
# (nodes parsed from inside a string): position it by line and column; it cannot be edited.
OUTSIDE_TEXT = -1
PLAIN = "tag:ekslint,plain"
STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
MERGE_KEY = "<<"

# libyaml's parser alone where PyYAML has it: composing needs no constructor, and CSafeLoader's
# __init__ would set one up (three Python calls) for every chunk.
_BaseLoader: Any = getattr(getattr(yaml, "_yaml", None), "CParser", None) or yaml.SafeLoader


_NO_PATH_RESOLVERS: dict[object, object] = {}


class _Composer(_BaseLoader):  # type: ignore[misc]
    """libyaml's composer with scalar resolution deferred (see the module docstring)."""

    # The composer calls these two around every node, for path resolvers (add_path_resolver),
    # which this loader never has. PyYAML's versions are Python functions that return at once;
    # C no-ops with the same signatures spare two Python calls a node (5 % of a lint).
    descend_resolver = staticmethod(_NO_PATH_RESOLVERS.get)  # (parent, index) -> unused
    ascend_resolver = staticmethod(tuple)  # () -> unused

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            return PLAIN if implicit[0] else STR
        return _SEQ if kind is SequenceNode else _MAP


def compose_documents(text: str) -> Iterator[Node | None]:
    """Yield the root node of each document in ``text``; an empty document is a null scalar
    (see ``is_null``)."""
    loader = _Composer(text)
    try:
        while loader.check_node():
            yield loader.get_node()
    finally:
        loader.dispose()


# go-yaml v2 (used by sigs.k8s.io/yaml, hence kubectl) resolution of plain scalars.
_BOOL = frozenset(
    {
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    }
)
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
# Pattern strings: re compiles them when first used (and keeps them), not at every import.
_INT = r"[-+]?(?:0b[01_]+|0o?[0-7_]+|[0-9][0-9_]*|0x[0-9a-fA-F_]+|[1-9][0-9_]*(?::[0-5]?[0-9])+)"
_FLOAT = (
    r"[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
)
# Every character the two patterns above can match: a value with any other (an image such as
# 10.0.0.1:5000/app:1.0) is a string without compiling them.
_NUMBER_CHARS = frozenset("0123456789_+-.:boxabcdefABCDEFinINFNa")


def plain_scalar_type(value: str) -> str:
    """What Kubernetes reads a plain scalar as: 'null', 'bool', 'int', 'float' or 'str'."""
    if value in _NULL:
        return "null"
    if value in _BOOL:
        return "bool"
    first = value[0]
    if (first.isdigit() or first in "-+.") and _NUMBER_CHARS.issuperset(value):
        if re.fullmatch(_INT, value):
            return "int"
        if re.fullmatch(_FLOAT, value) and value not in {".", "-", "+"}:
            return "float"
    return "str"


def scalar_type(node: Node) -> str:
    if not isinstance(node, ScalarNode):
        return "seq" if isinstance(node, SequenceNode) else "map"
    if node.tag == PLAIN:
        return plain_scalar_type(node.value)
    if node.tag == STR:
        return "str"
    return node.tag.rsplit(":", 1)[-1]


def scalar_text(node: Node | None) -> str | None:
    """Any scalar's text, whatever type it resolves to (names may be numbers)."""
    return str(node.value) if isinstance(node, ScalarNode) else None


def mapping_entries(node: Node) -> dict[str, tuple[ScalarNode, Node]]:
    """``{key: (key node, value node)}`` for a mapping, with merge keys applied.

    A duplicate key is an error here: this is only called on the paths ekslint reads, where a
    duplicate makes the meaning ambiguous (kubectl's strict decoding rejects it; lenient decoders
    keep the last one).
    """
    entries: dict[str, tuple[ScalarNode, Node]] = {}
    merged: list[Node] = []
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            continue
        name = str(key.value)
        if name == MERGE_KEY and key.tag == PLAIN:
            merged.append(value)
            continue
        if name in entries:
            first = entries[name][0].start_mark
            raise NodeProblem(
                f"duplicate key {name!r} (first defined at line {first.line + 1})",
                key.start_mark.line,
                key.start_mark.column,
            )
        entries[name] = (key, value)
    for source in merged:
        sources = source.value if isinstance(source, SequenceNode) else [source]
        for item in sources:
            if isinstance(item, MappingNode):
                for name, entry in mapping_entries(item).items():
                    entries.setdefault(name, entry)
    return entries


def lookup(node: MappingNode, key: str) -> tuple[ScalarNode, Node] | None:
    """``(key node, value node)`` for one key. Only a duplicate of *this* key is an error:
    duplicates elsewhere in a manifest do not change what ekslint reads."""
    found: tuple[ScalarNode, Node] | None = None
    merged: list[Node] = []
    for key_node, value in node.value:
        # The value compared first: a collection key's value is a list, never equal to a str,
        # and this loop runs for every entry of every mapping looked up.
        name = key_node.value
        if name == key and isinstance(key_node, ScalarNode):
            if found is not None and not _same_scalar(found[1], value):
                first = found[0].start_mark
                raise NodeProblem(
                    f"duplicate key {key!r} (first defined at line {first.line + 1})",
                    key_node.start_mark.line,
                    key_node.start_mark.column,
                )
            if found is None:
                found = (key_node, value)
        elif name == MERGE_KEY and key_node.tag == PLAIN and isinstance(key_node, ScalarNode):
            merged.append(value)
    if found is None:
        for source in merged:
            for item in source.value if isinstance(source, SequenceNode) else [source]:
                if isinstance(item, MappingNode):
                    found = lookup(item, key)
                    if found is not None:
                        return found
    return found


def _same_scalar(a: Node, b: Node) -> bool:
    """A key repeated with the same scalar value is redundant, not ambiguous."""
    return isinstance(a, ScalarNode) and isinstance(b, ScalarNode) and a.value == b.value


def get(node: Node | None, *path: str) -> Node | None:
    """Follow mapping keys from ``node``; None when any step is missing or not a mapping."""
    for key in path:
        if not isinstance(node, MappingNode):
            return None
        entry = lookup(node, key)
        if entry is None:
            return None
        node = entry[1]
    return node


def is_null(node: Node | None) -> bool:
    return node is None or (
        isinstance(node, ScalarNode) and node.tag == PLAIN and node.value in _NULL
    )


_ALIAS = r"(?:^|[\s\[{,:-])\*[^\s,\]}]"  # a pattern string, as _FLOAT
MAX_ALIAS_EXPANSION = 1_000_000


def check_alias_expansion(root: Node, text: str) -> None:
    """Reject a document whose aliases would expand into a huge tree ("billion laughs") or
    refer to a node that contains them; ``text`` is the document's, for a cheap first test."""
    if "*" not in text:
        return
    # Without an anchor there is no alias: the tree is what the text writes, at most two nodes
    # a character (a key written without a value adds a null) and one for an empty document,
    # so a text under half the limit cannot exceed it. Past that, every node is counted, as
    # for a text with aliases (tests/test_bad_input.py checks the bound). Tested before the
    # pattern, which is tried at every character.
    if "&" not in text and 2 * len(text) + 1 <= MAX_ALIAS_EXPANSION:
        return
    if not re.search(_ALIAS, text):
        return
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # entered, not finished: meeting one again is a cycle
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if not done and id(node) in open_nodes:
            mark = node.start_mark  # type: ignore[attr-defined]
            raise NodeProblem(
                "an alias refers to a node that contains it (a recursive structure "
                "Kubernetes cannot read)",
                mark.line,
                mark.column,
            )
        children: list[object] = []
        if isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        if done:
            open_nodes.discard(id(node))
            total = 1 + sum(sizes.get(id(c), 1) for c in children)
            sizes[id(node)] = total
            if total > MAX_ALIAS_EXPANSION:
                mark = node.start_mark  # type: ignore[attr-defined]
                raise NodeProblem(
                    f"aliases here expand to more than {MAX_ALIAS_EXPANSION:,} nodes "
                    "(an alias bomb?); refusing to read the document",
                    mark.line,
                    mark.column,
                )
            continue
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def parse_error(
    exc: yaml.YAMLError | NodeProblem | RecursionError, text: str
) -> tuple[int, int, str]:
    """0-based (line, column) in ``text`` and the message for a document that cannot be read."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line, column = _line_column(text, mark.index) if mark else (0, 0)
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        return line, column, f"invalid YAML: {problem}"
    if isinstance(exc, yaml.YAMLError):  # reader errors (control characters, ...)
        line, column = _line_column(text, getattr(exc, "position", 0) or 0)
        problem = str(exc).split("\n", 1)[0]
        character = getattr(exc, "character", None)
        if isinstance(character, str):
            problem = f"unacceptable character {character!r}: special characters are not allowed"
        return line, column, f"invalid YAML: {problem}"
    if isinstance(exc, NodeProblem):
        return exc.line, exc.column, exc.message
    return 0, 0, "document is nested too deeply"


def _line_column(text: str, index: int) -> tuple[int, int]:
    """0-based line and column of a character offset, counting lines at ``\n`` only, as every
    other reported position does (libyaml's own line count also breaks at a lone CR, NEL, LS
    and PS, and can point past the last line at the end of the stream)."""
    index = min(max(index, 0), len(text))
    return text.count("\n", 0, index), index - (text.rfind("\n", 0, index) + 1)
