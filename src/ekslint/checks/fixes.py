"""Fix builders shared by the checks: add, rewrite, move and remove registry annotations."""

from __future__ import annotations

from ekslint.context import Context
from ekslint.edits import (
    delete_entry,
    indent_step,
    quote,
    replace_empty_with_block,
    replace_scalar,
    set_key,
)
from ekslint.pods import AnnotationSite, PodView
from ekslint.problems import Edit
from ekslint.yamlnodes import MappingNode, ScalarNode, is_null, lookup


def add_registries(ctx: Context, pod: PodView, role: str, registries: list[str]) -> list[Edit]:
    """Make the pod template's annotation for ``role`` list ``registries`` too."""
    key = ctx.platform.annotations[role]
    existing = next((s for s in pod.sites if s.role == role and s.placement == "pod"), None)
    if existing is not None:
        names = existing.values.registries + [
            r for r in registries if r not in existing.values.registries
        ]
        return [set_value(ctx, existing, ",".join(names))]
    return [insert_annotation(ctx, pod, key, ",".join(registries))]


def insert_annotation(ctx: Context, pod: PodView, key: str, value: str) -> Edit:
    chunk = ctx.chunk
    quoted = quote(value, _DOUBLE_QUOTED)
    metadata = pod.template.metadata
    if metadata is not None:
        entry = lookup(metadata, "annotations")
        if entry is not None:
            key_node, annotations = entry
            if isinstance(annotations, MappingNode):
                return set_key(chunk, annotations, key, [quoted], parent_key=key_node)
            if is_null(annotations):
                return replace_empty_with_block(chunk, annotations, key_node, [(key, [quoted])])
        metadata_key = _key_of(pod.template.template, "metadata")
        return set_key(
            chunk, metadata, "annotations", [f"  {key}: {quoted}"], parent_key=metadata_key
        )
    template = pod.template.template
    lines = ["  annotations:", f"    {key}: {quoted}"]
    spec_key = _key_of(template, "spec")
    if spec_key is not None and not template.flow_style:
        # A new `metadata` reads best before `spec`, where people put it.
        column = spec_key.start_mark.column
        step = indent_step(chunk, template)
        at = chunk.line_start(spec_key.start_mark.index)
        if chunk.text[at : spec_key.start_mark.index].strip() == "":
            from ekslint.edits import render_entry

            return Edit(at, at, render_entry("metadata", lines, column, step, chunk.newline))
    return set_key(chunk, template, "metadata", lines)


def set_value(ctx: Context, site: AnnotationSite, value: str) -> Edit:
    return replace_scalar(ctx.chunk, site.value_node, value)


def remove_annotation(ctx: Context, site: AnnotationSite) -> Edit:
    """Delete the annotation; an annotations mapping left empty goes with it."""
    assert site.metadata is not None
    section = "labels" if site.placement == "labels" else "annotations"
    found = lookup(site.metadata, section)
    assert found is not None
    section_key, mapping = found
    assert isinstance(mapping, MappingNode)
    if len(mapping.value) == 1 and not site.metadata.flow_style:
        return delete_entry(ctx.chunk, site.metadata, section_key)
    return delete_entry(ctx.chunk, mapping, site.key_node)


def _key_of(mapping: MappingNode, key: str) -> ScalarNode | None:
    entry = lookup(mapping, key)
    return entry[0] if entry else None


_DOUBLE_QUOTED = ScalarNode("tag:yaml.org,2002:str", "", style='"')
