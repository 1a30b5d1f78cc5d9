"""Cluster-wide pod annotation defaults: the ConfigMap ``kube-system/eks-config``.

Its ``pod.annotations`` key holds a YAML block of annotations applied to every pod that does not
set the same annotation itself (global < super node < pod). Registry annotations found there
cover pods across all inputs, and their values are checked by the same rules as a pod's, at
their own positions inside the ConfigMap.
"""

from __future__ import annotations

import yaml

from ekslint.input.yamlnodes import (
    MappingNode,
    ScalarNode,
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
    line_offset, column_offset = _inner_origin(value, chunk_text)
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
        for name, (key_node, value_node) in mapping_entries(root).items():
            role = platform.role_of(name)
            if role is None:
                continue
            text = scalar_text(value_node) or ""
            lines, columns = line_offset, column_offset
            if value.style not in ("|", ">"):
                # A quoted or plain string's escapes and folding make inner positions
                # unmappable: point every finding at the string itself.
                lines = value.start_mark.line - value_node.start_mark.line
                columns = value.start_mark.column - value_node.start_mark.column
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
                    lines,
                    columns,
                )
            )
    if not sites:
        return None
    template = PodTemplate(obj, obj.node, MappingNode("tag:yaml.org,2002:map", []), ("data", key))
    return PodView(template, [], sites, [], "default", None)


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
