"""Fix builders shared by the checks: add, rewrite, move and remove registry annotations."""

from __future__ import annotations

from ekslint.fix.edits import (
    as_json,
    comments_in,
    delete_entry,
    entry_end,
    indent_step,
    insert_lines,
    last_end,
    quote,
    render_entry,
    replace_empty_with_block,
    replace_scalar,
    set_key,
)
from ekslint.input.read import BREAK_CHARS
from ekslint.input.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    get,
    is_null,
    lookup,
)
from ekslint.kube.pods import OTHER_ROLE, PROTOCOL_OF_ROLE, AnnotationSite, PodView
from ekslint.kube.registrylist import ALL
from ekslint.lint.context import Context
from ekslint.lint.findings import Edit, Note

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from ekslint.input.read import Chunk


def add_registries(
    ctx: Context, pod: PodView, role: str, registries: list[str], comment: str = ""
) -> list[Edit | None]:
    """Make the pod template's annotation for ``role`` list ``registries`` too. ``comment``
    (``  # ...``) goes at the end of the line of a newly inserted annotation.

    A registry declared for ``role`` that the other annotation lists is moved, not copied: a
    registry in both is a conflict of its own (EKS015)."""
    key = ctx.platform.annotations[role]
    existing = pod_site(pod, role)
    other = next(
        (s for s in pod.sites if s.role == OTHER_ROLE[role] and s.placement == "pod"), None
    )
    moving = []
    if other is not None:
        moving = [
            r
            for r in registries
            if r in other.values.registries
            and ctx.settings.protocol_of(r) == PROTOCOL_OF_ROLE[role]
        ]
    if (
        existing is None
        and other is not None
        and moving
        and not other.values.is_all
        and set(other.values.registries) <= set(moving)
        and _own_site(other)
    ):
        # The other annotation holds only what moves: it becomes this one (a rename, rather
        # than deleting the annotations mapping while inserting into it).
        rename = Edit(
            other.key_node.start_mark.index,
            other.key_node.end_mark.index,
            quote(key, other.key_node),
        )
        return [rename, set_value(ctx, other, ",".join(registries))]
    if existing is None and not pod.template.writable:
        return []  # nowhere ekslint can write for this carrier
    if existing is not None:
        added = [r for r in registries if r not in existing.values.registries]
        if over_limit(ctx, existing, added):
            return [None]  # the platform would not read the list: no exact fix
        edits: list[Edit | None] = [set_value(ctx, existing, _appended(existing, added))]
    else:
        edits = [insert_annotation(ctx, pod, key, ",".join(registries), comment)]
    if other is not None and moving:
        edits.append(remove_registries(ctx, other, moving))
    return edits


def over_limit(ctx: Context, site: AnnotationSite, added: list[str]) -> bool:
    """Would listing ``added`` too take the annotation past the platform's most entries?"""
    most = ctx.platform.list_syntax.max_entries
    return most is not None and len(site.values.addresses) + len(added) > most


def _appended(site: AnnotationSite, added: list[str]) -> str:
    """The annotation's value with ``added`` after it: entries already there stay as written
    (a scheme, a path), and a value with other problems is cleaned by their own fixes."""
    values = site.values
    if not values.entries or values.bad_separators or values.blanks or values.empty_entries:
        cleaned = values.rewritten(values.registries + added)
        return ",".join([ALL, cleaned] if values.is_all else [cleaned])
    return ",".join([values.value, *added]) if added else values.value


def _own_site(site: AnnotationSite) -> bool:
    """The annotation is written where it applies, not brought in by a merge key."""
    if site.metadata is None:
        return False
    section_key, mapping = _section(site)
    return _own_entry(site.metadata, section_key) and _own_entry(mapping, site.key_node)


def remove_registries(ctx: Context, site: AnnotationSite, registries: list[str]) -> Edit | None:
    """Drop ``registries`` from the annotation (and the annotation when nothing is left); None
    when the annotation cannot be deleted exactly (see remove_annotation)."""
    keep = [r for r in site.values.registries if r not in registries]
    parts = ["all"] if site.values.is_all else []
    parts += [site.values.rewritten(keep)] if keep else []
    return set_value(ctx, site, ",".join(parts)) if parts else remove_annotation(ctx, site)


def pod_site(pod: PodView, role: str) -> AnnotationSite | None:
    """The annotation for ``role`` where it belongs, in the pod template; else the pod
    template's misspelling of it, which EKS007 renames (a second, right-spelt key would turn
    that rename into a duplicate key)."""
    found = next((s for s in pod.sites if s.role == role and s.placement == "pod"), None)
    if found is None:
        metadata = pod.template.metadata
        found = next(
            (
                s
                for s in pod.sites
                if s.role == role and s.placement == "misspelt" and s.metadata is metadata
            ),
            None,
        )
    return found


def inserts_in_flow(pod: PodView) -> bool:
    """Would a new annotation of the pod template go into a ``{...}`` (where no comment fits)?"""
    metadata = pod.template.metadata
    if metadata is None:
        return bool(pod.template.template.flow_style)
    annotations = get(metadata, "annotations")
    return bool(
        metadata.flow_style
        or (isinstance(annotations, MappingNode) and annotations.flow_style and annotations.value)
    )


def insert_annotation(ctx: Context, pod: PodView, key: str, value: str, comment: str = "") -> Edit:
    chunk = ctx.chunk
    quoted = quote(value, _DOUBLE_QUOTED) + comment
    # Where the template says nothing about indentation, the rest of the document does.
    step = indent_step(chunk, pod.obj.node)
    template = pod.template.template
    metadata = pod.template.metadata
    if metadata is not None:
        entry = lookup(metadata, "annotations")
        if entry is not None:
            key_node, annotations = entry
            if isinstance(annotations, MappingNode) and (annotations.value or metadata.flow_style):
                return set_key(
                    chunk, annotations, key, [quoted], parent_key=key_node, default_step=step
                )
            if is_null(annotations) and metadata.flow_style:
                # `{annotations: ~, ...}` or `{annotations: , ...}`
                return _fill_null(chunk, key_node, annotations, {key: value}, quoted)
            if is_null(annotations) or isinstance(annotations, MappingNode):
                # `annotations:`, `annotations: ~` or `annotations: {}` in a block mapping.
                return replace_empty_with_block(
                    chunk, annotations, key_node, [(key, [quoted])], default_step=step
                )
        chain = pod.template.write_chain
        metadata_key = _key_of(template, chain[-1]) if chain else None
        return set_key(
            chunk,
            metadata,
            "annotations",
            [f"  {key}: {quoted}"],
            parent_key=metadata_key,
            default_step=step,
        )
    chain = pod.template.write_chain
    if len(chain) > 1 or pod.template.write_in_list:
        # The metadata and the mappings (or list) above it do not exist yet: write them all.
        depth = 1
        nested: list[str] = []
        for name in chain[1:]:
            nested.append(f"{'  ' * depth}{name}:")
            depth += 1
        if pod.template.write_in_list:
            nested.append(f"{'  ' * depth}- annotations:")
            depth += 2
        else:
            nested.append(f"{'  ' * depth}annotations:")
            depth += 1
        nested.append(f"{'  ' * depth}{key}: {quoted}")
        return set_key(chunk, template, chain[0], nested, default_step=step)
    name = chain[0]
    lines = ["  annotations:", f"    {key}: {quoted}"]
    entry = lookup(template, name)
    if entry is not None and is_null(entry[1]) and template.flow_style:
        return _fill_null(chunk, entry[0], entry[1], {"annotations": {key: value}}, quoted)
    if entry is not None and is_null(entry[1]):  # `metadata:` with nothing in it
        return replace_empty_with_block(
            chunk, entry[1], entry[0], [("annotations", [f"  {key}: {quoted}"])], default_step=step
        )
    spec_key = _key_of(template, "spec")
    if name == "metadata" and spec_key is not None and not template.flow_style:
        # A new `metadata` reads best before `spec`, where people put it, and before the
        # comment lines that introduce `spec`.
        column = spec_key.start_mark.column
        at = chunk.line_start(spec_key.start_mark.index)
        if chunk.text[at : spec_key.start_mark.index].strip() == "":
            while at > 0:
                previous = chunk.line_start(at - 1)
                line = chunk.text[previous:at]
                if not (line.strip().startswith("#") and len(line) - len(line.lstrip()) == column):
                    break
                at = previous
            step = indent_step(chunk, template, step)
            return insert_lines(
                chunk, at, render_entry("metadata", lines, column, step, chunk.newline)
            )
    return set_key(chunk, template, name, lines, default_step=step)


def _fill_null(
    chunk: Chunk, key_node: ScalarNode, null: Node, data: dict[str, object], quoted: str
) -> Edit:
    """Put ``data`` (one key, nested mappings down to a string) in place of a null value inside
    a flow mapping (``{key: ~}``, ``{key: }``); in JSON as JSON, else as YAML flow with the
    innermost value written ``quoted``."""
    start, end = null.start_mark.index, null.end_mark.index
    if chunk.is_json:
        flow_text = as_json(data)
    else:
        flow_text = quoted
        node: object = data
        keys = []
        while isinstance(node, dict):
            ((name, node),) = node.items()
            keys.append(name)
        for name in reversed(keys):
            flow_text = f"{{{name}: {flow_text}}}"
    if start == end:
        start = end = chunk.text.index(":", key_node.end_mark.index) + 1
        flow_text = " " + flow_text
    return Edit(start, end, flow_text)


def set_value(ctx: Context, site: AnnotationSite, value: str) -> Edit | None:
    """Write ``value`` in place of the annotation's; None for cluster-wide defaults, which sit
    inside a ConfigMap string where no edit can reach."""
    if site.metadata is None:
        return None
    in_flow = bool(_section(site)[1].flow_style)
    return replace_scalar(ctx.chunk, site.value_node, value, in_flow=in_flow)


def trailing_comment(ctx: Context, site: AnnotationSite) -> tuple[int, str] | None:
    """``(offset, text)`` of the comment at the end of an annotation's line (its last line, or
    the header line of a block scalar), if any."""
    if site.metadata is None or _section(site)[1].flow_style:
        return None  # in `{...}` the comment at the end of the line is not the entry's
    chunk = ctx.chunk
    end = entry_end(chunk, site.value_node)
    nodes = [site.key_node, site.value_node]
    found = comments_in(chunk, site.key_node.start_mark.index, end, nodes)
    value = site.value_node
    block = isinstance(value, ScalarNode) and value.style in ("|", ">")
    for offset, whole_line in reversed(found):
        on_header = block and chunk.line_start(offset) == chunk.line_start(value.start_mark.index)
        if not whole_line and (on_header or offset > last_end(value, chunk)):
            return offset, chunk.text[offset : chunk.line_end(offset)].rstrip(BREAK_CHARS)
    return None


def remove_annotation(
    ctx: Context,
    site: AnnotationSite,
    moved_comment: int = -1,
    moved_lines: tuple[int, ...] = (),
    root: MappingNode | None = None,
) -> Edit | None:
    """Delete the annotation; an annotations mapping left empty goes with it, and so does a
    ``metadata`` left empty (below the object ``root``: the object's own keeps its place).
    Comments on the deleted lines stay, but those at ``moved_comment`` and ``moved_lines``.
    None when no text edit can delete exactly it: cluster-wide defaults sit inside a ConfigMap
    string where no edit can reach, and a key brought in by a merge key (``<<: *defaults``) sits
    in a mapping other objects may share, where deleting the line there is not deleting it
    here."""
    if site.metadata is None:
        return None
    section_key, mapping = _section(site)
    if not _own_entry(site.metadata, section_key) or not _own_entry(mapping, site.key_node):
        line = ctx.chunk.first_line + ctx.chunk.position(site.key_node.start_mark.index)[0] + 1
        ctx.notes.append(
            Note(
                ctx.path,
                f"line {line}: no fix offered: {site.key} comes from a merge key (<<:), and "
                "deleting it where it is written would change every mapping that merges it",
                line,
            )
        )
        return None
    mapping_, key_node = site.metadata, section_key
    if len(mapping.value) > 1:
        mapping_, key_node = mapping, site.key_node
    elif len(site.metadata.value) == 1 and root is not None:
        parent = _parent_entry(root, site.metadata)
        if (
            parent is not None
            and parent[0] is not root
            and not parent[0].flow_style
            and _own_entry(*parent)
        ):
            mapping_, key_node = parent
    return delete_entry(
        ctx.chunk, mapping_, key_node, moved_comment=moved_comment, moved_lines=moved_lines
    )


def leading_comments(ctx: Context, site: AnnotationSite) -> tuple[tuple[int, ...], list[str]]:
    """The comment lines right above an annotation's key, at its indentation (a person's note
    about it): their offsets and their text."""
    chunk = ctx.chunk
    key = site.key_node
    at = chunk.line_start(key.start_mark.index)
    if site.metadata is None or chunk.text[at : key.start_mark.index].strip():
        return (), []
    offsets: list[int] = []
    lines: list[str] = []
    while at > 0:
        previous = chunk.line_start(at - 1)
        line = chunk.text[previous:at]
        indent = len(line) - len(line.lstrip(" "))
        if not (line.strip().startswith("#") and indent == key.start_mark.column):
            break
        offsets.insert(0, previous + indent)
        lines.insert(0, line.strip())
        at = previous
    return tuple(offsets), lines


def with_comment_lines(ctx: Context, edit: Edit, key: str, lines: list[str]) -> Edit:
    """``edit`` (an insertion of annotation ``key`` in block style) with comment ``lines``
    above the new key, at its indentation; unchanged when the key is not on a line of its
    own in it."""
    import re

    if not lines:
        return edit
    found = re.search(
        rf"(^|\n)([ \t]*)(?:{re.escape(key)}|\"{re.escape(key)}\"):", edit.replacement
    )
    if found is None:
        return edit
    at = found.start(2)
    block = "".join(f"{found.group(2)}{line}{ctx.chunk.newline}" for line in lines)
    replacement = edit.replacement[:at] + block + edit.replacement[at:]
    return Edit(edit.start, edit.end, replacement)


def _parent_entry(root: MappingNode, node: Node) -> tuple[MappingNode, ScalarNode] | None:
    """The mapping, and the key, whose value is ``node``."""
    stack: list[Node] = [root]
    while stack:
        current = stack.pop()
        if isinstance(current, MappingNode):
            for key, value in current.value:
                if value is node and isinstance(key, ScalarNode):
                    return current, key
                stack.append(value)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
    return None


def _own_entry(mapping: MappingNode, key_node: ScalarNode) -> bool:
    """Is ``key_node`` written in ``mapping`` itself (not merged in from another mapping)?"""
    return any(key is key_node for key, _ in mapping.value)


def _section(site: AnnotationSite) -> tuple[ScalarNode, MappingNode]:
    """The ``annotations`` (or ``labels``) entry of the metadata holding ``site``."""
    assert site.metadata is not None
    found = lookup(site.metadata, "labels" if site.placement == "labels" else "annotations")
    assert found is not None and isinstance(found[1], MappingNode)
    return found[0], found[1]


def _key_of(mapping: MappingNode, key: str) -> ScalarNode | None:
    entry = lookup(mapping, key)
    return entry[0] if entry else None


_DOUBLE_QUOTED = ScalarNode("tag:yaml.org,2002:str", "", style='"')
