"""Cluster-wide pod annotation defaults: the ConfigMap ``kube-system/eks-config``.

Its ``pod.annotations`` key holds a YAML block of annotations applied to every pod that does not
set the same annotation itself (global < super node < pod). Registry annotations found there
cover pods across all inputs, and their values are checked by the same rules as a pod's, at
their own positions inside the ConfigMap: the nodes parsed from the string are given marks in
the chunk, so a finding on them needs nothing the checks must pass along.
"""

from __future__ import annotations

import yaml
from yaml.error import Mark

from ekslint.input.yamlnodes import (
    OUTSIDE_TEXT,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    compose_documents,
    get,
    mapping_entries,
    scalar_text,
)
from ekslint.kube.objects import KubeObject, PodTemplate
from ekslint.kube.pods import AnnotationSite, PodView
from ekslint.kube.registrylist import parse_registry_list
from ekslint.lint.findings import NodeProblem
from ekslint.lint.rulepack import Platform

_STR = "tag:yaml.org,2002:str"


def is_global_defaults(obj: KubeObject, platform: Platform) -> bool:
    spec = platform.global_defaults
    return bool(
        spec
        and obj.kind == "ConfigMap"
        and obj.name == spec["name"]
        and obj.namespace == spec["namespace"]
    )


def global_defaults_view(obj: KubeObject, platform: Platform, chunk_text: str) -> PodView | None:
    """A pod-like view of the ConfigMap's registry annotations (no containers), or None."""
    assert platform.global_defaults is not None
    key = platform.global_defaults["key"]
    value = get(obj.node, "data", key)
    if not isinstance(value, ScalarNode) or not str(value.value).strip():
        return None
    try:
        roots = [r for r in compose_documents(str(value.value)) if r is not None]
    except yaml.YAMLError as exc:
        raise NodeProblem(
            f"{key} in ConfigMap {obj.name} is not a YAML block of annotations: {exc}",
            value.start_mark.line,
            value.start_mark.column,
        ) from None
    sites: list[AnnotationSite] = []
    for root in roots:
        if not isinstance(root, MappingNode):
            continue
        _place_in_chunk(root, value, chunk_text)
        for name, (key_node, value_node) in mapping_entries(root).items():
            role = platform.role_of(name)
            if role is None:
                continue
            text = scalar_text(value_node) or ""
            sites.append(
                AnnotationSite(
                    role,
                    name,
                    key_node,
                    value_node,
                    "global",
                    f"ConfigMap {obj.namespace}/{obj.name} {key}",
                    None,
                    parse_registry_list(text, platform.list_syntax),
                )
            )
    if not sites:
        return None
    template = PodTemplate(obj, obj.node, MappingNode("tag:yaml.org,2002:map", []), ("data", key))
    return PodView(template, [], sites, [], "default", None)


def _place_in_chunk(node: Node, string: ScalarNode, chunk_text: str) -> None:
    """Give ``node``, parsed from the content of ``string``, and its children the line and
    column where they are written in the chunk. A quoted or plain string's escapes and folding
    make inner positions unmappable: there every node is placed at the string itself. The marks'
    index is OUTSIDE_TEXT, since the content is not the chunk's text: no edit can target them."""
    if string.style in ("|", ">"):
        lines, columns = _inner_origin(string, chunk_text)

        def place(mark: Mark) -> Mark:
            return Mark(mark.name, OUTSIDE_TEXT, mark.line + lines, mark.column + columns, None, 0)

    else:
        where = Mark(
            string.start_mark.name,
            OUTSIDE_TEXT,
            string.start_mark.line,
            string.start_mark.column,
            None,
            0,
        )

        def place(mark: Mark) -> Mark:
            return where

    stack, seen = [node], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue  # an alias: the node it names is placed once
        seen.add(id(current))
        current.start_mark = place(current.start_mark)
        current.end_mark = place(current.end_mark)
        if isinstance(current, MappingNode):
            stack.extend(n for pair in current.value for n in pair)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)


def _inner_origin(value: ScalarNode, chunk_text: str) -> tuple[int, int]:
    """Where line 0, column 0 of the string's content sits in the chunk (line, column)."""
    if value.style in ("|", ">"):
        line = value.start_mark.line + 1
        rest = chunk_text[value.start_mark.index :].split("\n", 1)
        body = rest[1] if len(rest) > 1 else ""
        first = next((x for x in body.split("\n") if x.strip()), "")
        return line, len(first) - len(first.lstrip(" "))
    quote = 1 if value.style in ("'", '"') else 0
    return value.start_mark.line, value.start_mark.column + quote
