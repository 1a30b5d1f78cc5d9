"""Text edits on a document chunk, computed from node positions.

Fixes never re-serialise a document: they replace the exact characters of a node, or insert
lines shaped like their neighbours, so every other byte of the file stays as it was.
"""

from __future__ import annotations

import json
import re

from ekslint.problems import Edit
from ekslint.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, plain_scalar_type

_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./:,@+=\[\]-]*")


class Chunk:
    """The text of one document chunk plus the line ending its fixes must use."""

    def __init__(self, text: str) -> None:
        self.text = text
        position = text.find("\n")
        self.newline = "\r\n" if position > 0 and text[position - 1] == "\r" else "\n"

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        """Offset just after the line break of the line holding ``offset``."""
        end = self.text.find("\n", offset)
        return len(self.text) if end < 0 else end + 1

    def indent_of(self, offset: int) -> int:
        start = self.line_start(offset)
        return offset - start

    def ends_with_newline(self) -> bool:
        return self.text.endswith("\n")


def quote(value: str, like: ScalarNode | None = None) -> str:
    """``value`` as a YAML string scalar, keeping ``like``'s quoting style where possible."""
    style = like.style if like is not None else None
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style in (None, "") and _PLAIN_SAFE.fullmatch(value) and plain_scalar_type(value) == "str":
        return value
    if style == '"' or style is None or style == "":
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False)


def node_span(chunk: Chunk, node: Node) -> tuple[int, int]:
    """Characters of a scalar node, excluding the blank lines a block scalar swallows."""
    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        end = start + len(chunk.text[start:end].rstrip())
    return start, end


def replace_scalar(chunk: Chunk, node: Node, value: str) -> Edit:
    start, end = node_span(chunk, node)
    like = node if isinstance(node, ScalarNode) and node.style not in ("|", ">") else None
    if like is not None and like.style in (None, "") and not _PLAIN_SAFE.fullmatch(value):
        like = None
    return Edit(start, end, quote(value, like if like is not None else _DOUBLE))


_DOUBLE = ScalarNode("tag:yaml.org,2002:str", "", style='"')


def last_end(node: Node) -> int:
    """Offset just after the last character of a node's own content."""
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return last_end(last[1] if isinstance(node, MappingNode) else last)
    return int(node.end_mark.index)


def child_indent(chunk: Chunk, mapping: MappingNode, parent_key: ScalarNode | None) -> int:
    """The column a new key of a block mapping goes in."""
    if mapping.value:
        return int(mapping.value[0][0].start_mark.column)
    step = indent_step(chunk, mapping)
    return (parent_key.start_mark.column if parent_key is not None else 0) + step


def indent_step(chunk: Chunk, node: Node) -> int:
    """The document's indentation step, read from the nearest nested block mapping."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, MappingNode) and not current.flow_style:
            for key, value in current.value:
                if (
                    isinstance(value, MappingNode)
                    and not value.flow_style
                    and value.value
                    and value.start_mark.line > key.start_mark.line
                ):
                    step = value.value[0][0].start_mark.column - key.start_mark.column
                    if step > 0:
                        return int(step)
                stack.append(value)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
    return 2


def set_key(
    chunk: Chunk,
    mapping: MappingNode,
    key: str,
    value_lines: list[str],
    *,
    parent_key: ScalarNode | None = None,
) -> Edit:
    """Insert ``key`` into ``mapping``. ``value_lines``: a scalar, or a nested block (indented
    relative to the key with two spaces per level; re-indented to the document's step)."""
    nl = chunk.newline
    if mapping.flow_style:
        inline = value_lines[0] if len(value_lines) == 1 else _flow(value_lines)
        close = mapping.end_mark.index - 1  # the '}'
        separator = ", " if mapping.value else ""
        return Edit(close, close, f"{separator}{key}: {inline}")
    if not mapping.value and parent_key is not None:
        return replace_empty_with_block(chunk, mapping, parent_key, [(key, value_lines)])
    column = child_indent(chunk, mapping, parent_key)
    step = indent_step(chunk, mapping)
    at = chunk.line_end(last_end(mapping))
    prefix = "" if at == 0 or chunk.text[at - 1] == "\n" else nl
    return Edit(at, at, prefix + render_entry(key, value_lines, column, step, nl))


def render_entry(key: str, value_lines: list[str], column: int, step: int, nl: str) -> str:
    pad = " " * column
    if len(value_lines) == 1 and not value_lines[0].startswith(" "):
        return f"{pad}{key}: {value_lines[0]}{nl}"
    out = [f"{pad}{key}:{nl}"]
    for line in value_lines:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        out.append(" " * (column + step * depth) + line.lstrip(" ") + nl)
    return "".join(out)


def replace_empty_with_block(
    chunk: Chunk, node: Node, parent_key: ScalarNode, entries: list[tuple[str, list[str]]]
) -> Edit:
    """``annotations:`` (null) or ``annotations: {}`` becomes a block mapping with ``entries``."""
    step = indent_step(chunk, node)
    column = parent_key.start_mark.column + step
    nl = chunk.newline
    start = parent_key.end_mark.index
    colon = chunk.text.index(":", start)
    line_end = chunk.line_end(colon)
    body = "".join(render_entry(k, v, column, step, nl) for k, v in entries)
    tail = chunk.text[colon + 1 : line_end]
    comment = ""
    stripped = tail.strip()
    if "#" in tail and (stripped.startswith("#") or stripped.startswith(("{}", "~", "null"))):
        comment = " " + tail[tail.index("#") :].rstrip("\r\n")
    return Edit(colon + 1, line_end, comment + nl + body)


def _flow(lines: list[str]) -> str:
    pairs = [line.strip() for line in lines]
    return "{" + ", ".join(pairs) + "}"


def delete_entry(chunk: Chunk, mapping: MappingNode, key_node: ScalarNode) -> Edit:
    """Remove ``key: value`` from a mapping (its whole lines in block style)."""
    entries = mapping.value
    index = next(i for i, (k, _) in enumerate(entries) if k is key_node)
    value = entries[index][1]
    if mapping.flow_style:
        start = key_node.start_mark.index
        end = value.end_mark.index
        text = chunk.text
        if index + 1 < len(entries):
            end = entries[index + 1][0].start_mark.index
        elif index > 0:
            start = last_end(entries[index - 1][1])
        return Edit(start, end, "")
    start = chunk.line_start(key_node.start_mark.index)
    end = chunk.line_end(last_end(value))
    text = chunk.text
    if text[start : key_node.start_mark.index].strip():
        # The key shares its line with something before it (e.g. `- key: v`): keep that part.
        start = key_node.start_mark.index
    return Edit(start, end, "")
