"""Text edits on a document chunk, computed from node positions.

Fixes never re-serialise a document: they replace the exact characters of a node, or insert
lines shaped like their neighbours, so every other byte of the file stays as it was.
"""

from __future__ import annotations

import re

from ekslint.input.read import BREAK_CHARS
from ekslint.input.yamlnodes import MappingNode, Node, ScalarNode, SequenceNode, plain_scalar_type
from ekslint.lint.findings import Edit

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from ekslint.input.read import Chunk

_PLAIN_SAFE = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./:,@+=\[\]-]*")


def quote(value: str, like: ScalarNode | None = None) -> str:
    """``value`` as a YAML string scalar, keeping ``like``'s quoting style where possible."""
    import json  # only fixes need it

    style = like.style if like is not None else None
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style in (None, "") and _PLAIN_SAFE.fullmatch(value) and plain_scalar_type(value) == "str":
        return value
    return json.dumps(value, ensure_ascii=False)


def node_span(chunk: Chunk, node: Node) -> tuple[int, int]:
    """Characters of a scalar node, excluding the blank lines a block scalar swallows."""
    start, end = node.start_mark.index, node.end_mark.index
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        end = start + len(chunk.text[start:end].rstrip())
    return start, end


def replace_scalar(chunk: Chunk, node: Node, value: str, *, in_flow: bool = False) -> Edit:
    """Write ``value`` in place of a scalar, in its quoting style where the style can hold it
    (``in_flow``: the scalar sits in a ``{...}``/``[...]``, where a plain ``,`` ends it)."""
    start, end = node_span(chunk, node)
    like = node if isinstance(node, ScalarNode) and node.style not in ("|", ">") else None
    if (
        like is not None
        and like.style in (None, "")
        and (
            not _PLAIN_SAFE.fullmatch(value)
            or (in_flow and any(c in value for c in ",[]{}"))
            or (in_flow and chunk.is_json)  # `null` replaced in JSON: a JSON string
        )
    ):
        like = None
    replacement = quote(value, like if like is not None else _DOUBLE)
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        # A comment on the header line (`key: |  # note`) stays after the new value.
        comment = _header_comment(chunk, node)
        if comment:
            replacement += comment
    if start == end and start > 0 and chunk.text[start - 1] not in " \t":
        # An empty value right after its colon (`key:`): `key:value` would be one plain
        # scalar, a key no more.
        replacement = " " + replacement
    return Edit(start, end, replacement)


def _header(chunk: Chunk, node: Node) -> str:
    """A block scalar's header: its indicators and an optional comment, without the newline."""
    start = node.start_mark.index
    return chunk.text[start : chunk.line_end(start)].rstrip(BREAK_CHARS)


def _header_comment(chunk: Chunk, node: Node) -> str:
    """The comment of a block scalar's header with the blanks before it, or ''."""
    match = re.match(r"[|>][-+0-9]*([ \t]+#.*)?$", _header(chunk, node))
    return match.group(1) or "" if match else ""


def _keeps_trailing_lines(chunk: Chunk, node: Node) -> bool:
    """A block scalar with keep chomping (`|+`): its trailing blank lines are content."""
    return (
        isinstance(node, ScalarNode)
        and node.style in ("|", ">")
        and "+" in (_header(chunk, node).split("#")[0])
    )


_DOUBLE = ScalarNode("tag:yaml.org,2002:str", "", style='"')


def last_end(node: Node, chunk: Chunk | None = None) -> int:
    """Offset just after the last character of a node's own content (with ``chunk``, a block
    scalar ends at its last non-blank character, not after the blank lines it swallows)."""
    if isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        return last_end(last[1] if isinstance(node, MappingNode) else last, chunk)
    if (
        chunk is not None
        and isinstance(node, ScalarNode)
        and node.style in ("|", ">")
        and not _keeps_trailing_lines(chunk, node)
    ):
        return node_span(chunk, node)[1]
    return int(node.end_mark.index)


def entry_end(chunk: Chunk, node: Node) -> int:
    """Offset just after the line break that ends a node's last line: where the next line of
    its mapping starts."""
    end = last_end(node, chunk)
    if end > 0 and chunk.at_line_start(end):
        return end  # a `|+` scalar already ends at a line start
    return chunk.line_end(end)


def child_indent(
    chunk: Chunk, mapping: MappingNode, parent_key: ScalarNode | None, default_step: int = 2
) -> int:
    """The column a new key of a block mapping goes in."""
    if mapping.value:
        return int(mapping.value[0][0].start_mark.column)
    step = indent_step(chunk, mapping, default_step)
    return (parent_key.start_mark.column if parent_key is not None else 0) + step


def indent_step(chunk: Chunk, node: Node, default: int = 2) -> int:
    """The document's indentation step, read from the nearest nested block mapping under
    ``node`` (``default`` when there is none, e.g. from ``indent_step`` of the document root)."""
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
    return default


def insert_lines(chunk: Chunk, at: int, lines: str) -> Edit:
    """Insert whole ``lines`` (each ending with the chunk's newline) at the line start ``at``.
    At the end of a text without a final newline the lines go after a new line break and the
    text still ends without one."""
    if not chunk.at_line_start(at):
        nl = chunk.newline
        return Edit(at, at, nl + lines[: -len(nl)] if lines.endswith(nl) else nl + lines)
    return Edit(at, at, lines)


def set_key(
    chunk: Chunk,
    mapping: MappingNode,
    key: str,
    value_lines: list[str],
    *,
    parent_key: ScalarNode | None = None,
    default_step: int = 2,
) -> Edit:
    """Insert ``key`` into ``mapping``. ``value_lines``: a scalar, or a nested block (indented
    relative to the key with two spaces per level; re-indented to the document's step)."""
    nl = chunk.newline
    if mapping.flow_style:
        inline = value_lines[0] if _is_scalar(value_lines) else _flow(value_lines)
        if _json_style(chunk, mapping):
            key, inline = as_json(key), as_json(yaml_value(inline))
        if mapping.value:
            # Right after the last value, so a multi-line `{...}` or a trailing comma stays valid.
            at = last_end(mapping.value[-1][1], chunk)
            return Edit(at, at, f", {key}: {inline}")
        close = mapping.end_mark.index - 1  # the '}' of `{}`
        return Edit(close, close, f"{key}: {inline}")
    if not mapping.value and parent_key is not None:
        return replace_empty_with_block(
            chunk, mapping, parent_key, [(key, value_lines)], default_step=default_step
        )
    column = child_indent(chunk, mapping, parent_key, default_step)
    step = indent_step(chunk, mapping, default_step)
    at = entry_end(chunk, mapping)
    return insert_lines(chunk, at, render_entry(key, value_lines, column, step, nl))


def _is_scalar(value_lines: list[str]) -> bool:
    return len(value_lines) == 1 and not value_lines[0].startswith(" ")


def render_entry(key: str, value_lines: list[str], column: int, step: int, nl: str) -> str:
    pad = " " * column
    if _is_scalar(value_lines):
        return f"{pad}{key}: {value_lines[0]}{nl}"
    out = [f"{pad}{key}:{nl}"]
    for line in value_lines:
        depth = (len(line) - len(line.lstrip(" "))) // 2
        out.append(" " * (column + step * depth) + line.lstrip(" ") + nl)
    return "".join(out)


def replace_empty_with_block(
    chunk: Chunk,
    node: Node,
    parent_key: ScalarNode,
    entries: list[tuple[str, list[str]]],
    *,
    default_step: int = 2,
) -> Edit:
    """``annotations:`` (null) or ``annotations: {}`` becomes a block mapping with ``entries``."""
    step = indent_step(chunk, node, default_step)
    column = parent_key.start_mark.column + step
    nl = chunk.newline
    body = "".join(render_entry(k, v, column, step, nl) for k, v in entries)
    return replace_empty(chunk, node, parent_key, body)


def replace_empty(chunk: Chunk, node: Node, parent_key: ScalarNode, body: str) -> Edit:
    """Replace an empty value (``key:``, ``key: ~``, ``key: {}``, ``key: []``) with the block
    ``body`` (whole lines) on the lines after the key. A comment after the empty value stays on
    the key's line."""
    nl = chunk.newline
    colon = chunk.text.index(":", parent_key.end_mark.index)
    line_end = chunk.line_end(colon)
    # What follows the empty value on its line: blanks and a comment, or nothing.
    after = max(colon + 1, node.end_mark.index)
    comment = chunk.text[after:line_end].rstrip(BREAK_CHARS)
    if node.start_mark.index == node.end_mark.index:  # `key:` with nothing (or a comment) after
        comment = chunk.text[colon + 1 : line_end].rstrip(BREAK_CHARS)
    if not comment.strip().startswith("#"):
        comment = ""
    if line_end == len(chunk.text) and not chunk.ends_with_break():
        body = body.removesuffix(nl)  # the text ends without a line break: keep it that way
    return Edit(colon + 1, line_end, comment + nl + body)


def _json_style(chunk: Chunk, mapping: MappingNode) -> bool:
    """A JSON manifest (or a mapping written JSON-like): insertions must quote their keys."""
    if mapping.value:
        key = mapping.value[0][0]
        return isinstance(key, ScalarNode) and key.style == '"'
    return chunk.text.lstrip().startswith(("{", "["))


def as_json(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def yaml_value(text: str) -> object:
    """The data of a small YAML snippet this module wrote (a scalar or a flow collection)."""
    import yaml

    return yaml.safe_load(text)


def _flow(lines: list[str]) -> str:
    """A nested block given as indented lines (``key: value``, ``key:``, ``- item``), in flow
    style: ``["  - name: s"]`` -> ``[{name: s}]``, ``["  a:", "    b: c"]`` -> ``{a: {b: c}}``."""
    items = [((len(line) - len(line.lstrip(" "))) // 2, line.strip()) for line in lines]
    text, _ = _flow_block(items, 0)
    return text


def _flow_block(items: list[tuple[int, str]], index: int) -> tuple[str, int]:
    depth = items[index][0]
    if items[index][1].startswith("- "):
        elements = []
        while index < len(items) and items[index][0] == depth and items[index][1].startswith("- "):
            # An item `- key: value` starts a mapping whose other keys sit one level deeper.
            first = items[index][1][2:]
            rest = [(depth + 1, first)]
            index += 1
            while index < len(items) and items[index][0] > depth:
                rest.append(items[index])
                index += 1
            if ": " in first or first.endswith(":"):
                text, _ = _flow_block(rest, 0)
            else:
                text = first
            elements.append(text)
        return "[" + ", ".join(elements) + "]", index
    pairs = []
    while index < len(items) and items[index][0] == depth:
        line = items[index][1]
        index += 1
        if line.endswith(":") and index < len(items) and items[index][0] > depth:
            value, index = _flow_block(items, index)
            pairs.append(f"{line} {value}")
        else:
            pairs.append(line)
    return "{" + ", ".join(pairs) + "}", index


def delete_entry(
    chunk: Chunk,
    mapping: MappingNode,
    key_node: ScalarNode,
    *,
    moved_comment: int = -1,
    moved_lines: tuple[int, ...] = (),
) -> Edit:
    """Remove ``key: value`` from a mapping (its whole lines in block style). Comments on the
    removed lines stay, as lines of their own at the key's indentation, except the one at
    offset ``moved_comment`` and the comment lines at ``moved_lines`` (which the caller
    carries elsewhere; those directly above the key are removed with it)."""
    entries = mapping.value
    index = next(i for i, (k, _) in enumerate(entries) if k is key_node)
    value = entries[index][1]
    if mapping.flow_style:
        start = key_node.start_mark.index
        end = value.end_mark.index
        if index + 1 < len(entries):
            end = entries[index + 1][0].start_mark.index
        elif index > 0:
            start = last_end(entries[index - 1][1], chunk)
        return Edit(start, end, "")
    text = chunk.text
    nl = chunk.newline
    start = chunk.line_start(key_node.start_mark.index)
    end = entry_end(chunk, value)
    if text[start : key_node.start_mark.index].strip():
        # The key shares its line with something before it (e.g. `- key: v`): keep that part.
        start = key_node.start_mark.index
    elif moved_lines and min(moved_lines) < start:
        start = chunk.line_start(min(moved_lines))
    kept = []
    for offset, full_line in comments_in(chunk, start, end, [key_node, value]):
        if offset == moved_comment or offset in moved_lines:
            continue
        if full_line:
            kept.append(text[chunk.line_start(offset) : chunk.line_end(offset)])
        else:
            comment = text[offset : chunk.line_end(offset)].rstrip(BREAK_CHARS)
            kept.append(" " * key_node.start_mark.column + comment + nl)
    replacement = "".join(kept)
    if end == len(text) and not chunk.ends_with_break():
        # The last line of a text without a final newline: so is the new last line.
        if replacement:
            replacement = replacement[: -len(nl)] if replacement.endswith(nl) else replacement
        elif start > 0:
            start -= chunk.break_before(start)
    return Edit(start, end, replacement)


def comments_in(chunk: Chunk, start: int, end: int, nodes: list[Node]) -> list[tuple[int, bool]]:
    """``(offset, whole line?)`` of each comment in ``text[start:end]``, whose YAML content
    is ``nodes``: a ``#`` after a blank or at a line start, outside every scalar."""
    text = chunk.text
    scalars: list[tuple[int, int]] = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, ScalarNode):
            begin, finish = node.start_mark.index, node.end_mark.index
            if node.style in ("|", ">"):
                begin = chunk.line_end(begin)  # the header may hold a comment, the body not
            scalars.append((begin, finish))
        elif isinstance(node, MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    found: list[tuple[int, bool]] = []
    position = text.find("#", start, end)
    while position >= 0:
        inside = any(a <= position < b for a, b in scalars)
        if not inside and (position == 0 or text[position - 1] in " \t" + BREAK_CHARS):
            line_start = chunk.line_start(position)
            found.append((position, not text[line_start:position].strip()))
            position = chunk.line_end(position)  # the rest of the line is the comment
        else:
            position += 1
        position = text.find("#", position, end)
    return found
