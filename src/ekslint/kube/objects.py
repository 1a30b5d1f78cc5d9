"""Kubernetes objects in a document, and the pod templates inside them."""

from __future__ import annotations

from collections.abc import Iterator

from ekslint.data import workloads
from ekslint.input.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    get,
    scalar_text,
)
from ekslint.lint.findings import ObjectRef
from ekslint.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any


class KubeObject(Record):
    __slots__ = ("api_version", "kind", "metadata", "name", "namespace", "node")

    def __init__(
        self,
        kind: str,
        api_version: str,
        node: MappingNode,
        metadata: MappingNode | None,
        name: str | None,
        namespace: str | None,
    ) -> None:
        self.kind = kind
        self.api_version = api_version
        self.node = node
        self.metadata = metadata
        self.name = name
        self.namespace = namespace

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace)


class PodTemplate(Record):
    """A pod template: ``template`` holds the pod's ``metadata`` and ``spec``."""

    # Metadata mappings that are not this pod's but look like it (the workload's own, ...).
    __slots__ = ("obj", "other_metadata", "path", "spec", "template")

    def __init__(
        self,
        obj: KubeObject,
        template: MappingNode,
        spec: MappingNode,
        path: tuple[str, ...],
        other_metadata: list[tuple[str, MappingNode]] | None = None,
    ) -> None:
        self.obj = obj
        self.template = template
        self.spec = spec
        self.path = path  # where the template sits in the object, for messages
        self.other_metadata: list[tuple[str, MappingNode]] = (
            [] if other_metadata is None else other_metadata
        )

    @property
    def metadata(self) -> MappingNode | None:
        node = get(self.template, "metadata")
        return node if isinstance(node, MappingNode) else None

    @property
    def where(self) -> str:
        return ".".join(self.path) or "the Pod"


def iter_objects(root: Node | None) -> Iterator[KubeObject]:
    """Kubernetes objects in a document: the document itself, or the items of a ``List``."""
    obj = _as_object(root)
    if obj is None:
        return
    items = get(obj.node, "items") if obj.kind.endswith("List") else None
    if isinstance(items, SequenceNode):
        for item in items.value:
            inner = _as_object(item)
            if inner is not None:
                yield inner
        return
    yield obj


def _as_object(node: Node | None) -> KubeObject | None:
    if not isinstance(node, MappingNode):
        return None
    kind = scalar_text(get(node, "kind"))
    api_version = scalar_text(get(node, "apiVersion"))
    if not kind or not api_version:
        return None
    metadata = get(node, "metadata")
    if not isinstance(metadata, MappingNode):
        metadata = None
    name = scalar_text(get(metadata, "name")) if metadata else None
    namespace = scalar_text(get(metadata, "namespace")) if metadata else None
    return KubeObject(kind, api_version, node, metadata, name, namespace)


def _locations_by_kind() -> dict[str, list[dict[str, Any]]]:
    table: dict[str, list[dict[str, Any]]] = {}
    for location in workloads()["pod-templates"]:
        for kind in location["kinds"]:
            table.setdefault(kind, []).append(location)
    return table


_LOCATIONS = _locations_by_kind()
_NO_TEMPLATES = frozenset(workloads()["no-pod-templates"])
_FOREIGN_GROUPS = frozenset(workloads()["foreign-api-groups"])
_CORE_GROUPS = frozenset(workloads()["core-api-groups"])


def api_group(api_version: str) -> str:
    return api_version.rpartition("/")[0]


def is_core(obj: KubeObject) -> bool:
    """A built-in kind, whose schema is known: a malformed pod template there is an error."""
    return api_group(obj.api_version) in _CORE_GROUPS


def is_foreign(obj: KubeObject) -> bool:
    """An API that exists only on another platform (OpenShift ...): it never runs on EKS."""
    return api_group(obj.api_version) in _FOREIGN_GROUPS


def pod_templates(obj: KubeObject) -> Iterator[PodTemplate]:
    locations = _LOCATIONS.get(obj.kind)
    if locations is not None:
        for location in locations:
            others = [("the workload's metadata", obj.metadata)] if location["template"] else []
            for path in location.get("other-metadata", []):
                node = get(obj.node, *path)
                if isinstance(node, MappingNode):
                    others.append((".".join(path), node))
            for path, node in _follow(obj.node, tuple(location["template"])):
                spec = get(node, "spec")
                if isinstance(spec, MappingNode):
                    template = PodTemplate(obj, node, spec, path)
                    template.other_metadata = [(w, m) for w, m in others if m is not None]
                    yield template
        return
    if obj.kind in _NO_TEMPLATES:
        return
    yield from _search_templates(obj)


def _follow(node: Node, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], MappingNode]]:
    """Nodes at ``path`` under ``node``; ``*`` fans out over sequence items and mapping values."""
    if not path:
        if isinstance(node, MappingNode):
            yield (), node
        return
    step, rest = path[0], path[1:]
    if step == "*":
        if isinstance(node, SequenceNode):
            children = [(str(i), child) for i, child in enumerate(node.value)]
        elif isinstance(node, MappingNode):
            children = [(str(k.value), v) for k, v in node.value if isinstance(k, ScalarNode)]
        else:
            return
        for label, child in children:
            for sub, found in _follow(child, rest):
                yield (label, *sub), found
        return
    child = get(node, step)
    if child is not None:
        for sub, found in _follow(child, rest):
            yield (step, *sub), found


def _search_templates(obj: KubeObject) -> Iterator[PodTemplate]:
    """Generic fallback: any mapping ``{metadata?, spec: {containers: [...]}}`` in the object."""
    seen: set[int] = set()
    stack: list[tuple[tuple[str, ...], Node]] = [((), obj.node)]
    while stack:
        path, node = stack.pop()
        if id(node) in seen:  # aliases can share (and bomb) subtrees: visit each node once
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            spec = get(node, "spec")
            if isinstance(spec, MappingNode) and isinstance(get(spec, "containers"), SequenceNode):
                others = [("the workload's metadata", obj.metadata)] if path else []
                yield PodTemplate(obj, node, spec, path, [(w, m) for w, m in others if m])
                continue
            for key_node, value in reversed(node.value):
                key = str(key_node.value) if isinstance(key_node, ScalarNode) else ""
                if (key not in ("metadata", "status") or path) and isinstance(
                    value, (MappingNode, SequenceNode)
                ):
                    stack.append(((*path, key), value))
        elif isinstance(node, SequenceNode):
            for index in range(len(node.value) - 1, -1, -1):
                child = node.value[index]
                if isinstance(child, (MappingNode, SequenceNode)):
                    stack.append(((*path, str(index)), child))
