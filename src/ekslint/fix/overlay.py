"""Fixes Kustomize cannot take back to a source file (the object is generated, remote, or its
offending value was made by the overlay itself) become a strategic-merge patch in the overlay,
listed under the kustomization's ``patches``.

The patch carries only what the fix changed: the annotations of the object's metadata and of
its pod templates (``null`` deletes one). The kustomization is edited as text, appending one
``- path:`` item, so the rest of the file stays byte for byte as it was.
"""

from __future__ import annotations

import json
import re

import yaml

from ekslint.input.yamlnodes import MappingNode, ScalarNode, SequenceNode, compose_documents

PATCH_PREFIX = "ekslint-patch-"


class OverlayError(Exception):
    """The change cannot be written as a patch (the message says why)."""


def annotation_changes(before: object, after: object) -> dict[str, object]:
    """A patch body: the annotation maps that differ between two versions of an object, at
    their paths (mapping keys only: a strategic merge patch cannot address list items by
    position), every other key left out."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return {}
    patch: dict[str, object] = {}
    for key in sorted(after.keys() | before.keys(), key=str):
        old, new = before.get(key), after.get(key)
        if key == "annotations" and old != new:
            old_map = old if isinstance(old, dict) else {}
            new_map = new if isinstance(new, dict) else {}
            changes: dict[str, object] = {
                str(k): v for k, v in new_map.items() if old_map.get(k) != v
            }
            changes.update({str(k): None for k in old_map if k not in new_map})
            patch[key] = changes
        elif isinstance(old, dict) and isinstance(new, dict):
            inner = annotation_changes(old, new)
            if inner:
                patch[key] = inner
        elif old != new and (isinstance(old, list) or isinstance(new, list)):
            raise OverlayError(
                f"the fix changes the list {key!r}, which a patch cannot address by position"
            )
    return patch


def merge(into: dict[str, object], more: dict[str, object]) -> dict[str, object]:
    """``more`` laid over ``into`` (a patch written by an earlier run keeps its changes)."""
    merged = dict(into)
    for key, value in more.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            merged[key] = merge(old, value)
        else:
            merged[key] = value
    return merged


def patch_document(kind: str, api_version: str, name: str, body: dict[str, object]) -> str:
    metadata = body.get("metadata")
    head: dict[str, object] = {"name": name}
    if isinstance(metadata, dict):
        head.update(metadata)
    document: dict[str, object] = {"apiVersion": api_version, "kind": kind, "metadata": head}
    document.update({k: v for k, v in body.items() if k != "metadata"})
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False)


def patch_file_name(kind: str, name: str) -> str:
    slug = re.sub(r"[^a-z0-9.-]+", "-", f"{kind}-{name}".lower()).strip(".-") or "object"
    return f"{PATCH_PREFIX}{slug[:100]}.yaml"


def strip_name(rendered: str, prefix: str, suffix: str) -> str:
    """The name patches of this kustomization use: before its own prefix and suffix."""
    name = rendered
    if prefix and name.startswith(prefix):
        name = name[len(prefix) :]
    if suffix and name.endswith(suffix):
        name = name[: -len(suffix)]
    return name or rendered


def add_patch_entry(text: str, file_name: str) -> str | None:
    """The kustomization's text with ``- path: file_name`` under ``patches`` (added at the end
    when missing); None when it is already listed."""
    roots = [r for r in compose_documents(text) if r is not None]
    root = roots[0] if roots else None
    nl = "\r\n" if "\r\n" in text else "\n"
    item = f"path: {json.dumps(file_name)}"
    if isinstance(root, MappingNode):
        for key, value in root.value:
            if not (isinstance(key, ScalarNode) and key.value == "patches"):
                continue
            if isinstance(value, SequenceNode) and value.value and not value.flow_style:
                for existing in value.value:
                    if isinstance(existing, MappingNode) and any(
                        isinstance(k, ScalarNode) and k.value == "path" and v.value == file_name
                        for k, v in existing.value
                    ):
                        return None
                last = value.value[-1]
                column = last.start_mark.column  # where the item's content starts
                at = text.find("\n", _content_end(last))
                at = len(text) if at < 0 else at + 1
                dash = " " * (column - 2) + "- " if column >= 2 else "- "
                before = text[:at] + ("" if text[:at].endswith("\n") else nl)
                return before + dash + item + nl + text[at:]
            if (isinstance(value, SequenceNode) and not value.value) or (
                isinstance(value, ScalarNode) and value.value in ("", "~", "null")
            ):
                start, end = value.start_mark.index, value.end_mark.index
                return text[:start] + "[{" + item + "}]" + text[end:]
            raise OverlayError("its patches list is written in flow style: add the patch by hand")
    ending = "" if not text or text.endswith("\n") else nl
    return text + ending + f"patches:{nl}- {item}{nl}"


def _content_end(node: object) -> int:
    """Where the last character of a node's own text is (a block collection's end mark lies
    past the comments and blank lines that follow it)."""
    while isinstance(node, (MappingNode, SequenceNode)) and node.value and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    assert isinstance(node, (ScalarNode, MappingNode, SequenceNode))
    return max(node.end_mark.index - 1, node.start_mark.index)
