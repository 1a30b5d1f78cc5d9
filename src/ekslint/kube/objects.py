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
    lookup,
    scalar_text,
)
from ekslint.lint.findings import ObjectRef
from ekslint.record import Record


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
    """One pod an object makes, and where its pieces are. The defaults describe a standard pod
    template: ``template`` holds the pod's ``metadata`` and ``spec``; carriers of other shapes
    (``kube/carriers.py``) set the rest."""

    __slots__ = (
        "account",
        "annotations_path",
        "describe",
        "image_sources",
        "injected",
        "metadata_sources",
        "namespaced_pull_secrets",
        "obj",
        "other_metadata",
        "path",
        "pull_secret_lists",
        "secrets_parent",
        "selector",
        "spec",
        "template",
        "where",
        "writable",
        "write_chain",
        "write_in_list",
    )

    def __init__(
        self,
        obj: KubeObject,
        template: MappingNode,
        spec: MappingNode,
        path: tuple[str, ...],
        other_metadata: list[tuple[str, MappingNode]] | None = None,
    ) -> None:
        self.obj = obj
        self.template = template  # the mapping a fix writes under (along write_chain)
        self.spec = spec
        self.path = path  # where the template sits in the object, for messages
        # Metadata mappings that are not this pod's but look like it (the workload's own, ...).
        self.other_metadata: list[tuple[str, MappingNode]] = (
            [] if other_metadata is None else other_metadata
        )
        self.where = ".".join(path) or "the Pod"
        self.describe = self.where  # names the pod in messages
        prefix = f"{'.'.join(path)}." if path else ""
        # (shape, path, node): shape is containers, container, image or images
        self.image_sources: list[tuple[str, str, Node]] = [
            ("containers", f"{prefix}spec.{name}", found)
            for name in ("initContainers", "containers", "ephemeralContainers")
            if (found := get(spec, name)) is not None
        ]
        own = get(template, "metadata")
        # Mappings holding the pod's annotations and labels, highest precedence first.
        self.metadata_sources: list[tuple[str, MappingNode]] = (
            [(f"{prefix}metadata", own)] if isinstance(own, MappingNode) else []
        )
        pull = get(spec, "imagePullSecrets")
        self.pull_secret_lists: list[SequenceNode] = (
            [pull] if isinstance(pull, SequenceNode) else []
        )
        self.namespaced_pull_secrets = False  # items written `namespace:name`
        self.account: str | None = scalar_text(get(spec, "serviceAccountName")) or scalar_text(
            get(spec, "serviceAccount")
        )
        self.write_chain: tuple[str, ...] = ("metadata",)  # keys from `template` to metadata
        self.write_in_list = False  # the metadata is the first item of a list (created so)
        self.writable = True
        self.annotations_path = f"{prefix}metadata.annotations"
        spec_entry = lookup(template, "spec")
        # (key, mapping) a pull-secret fix adds imagePullSecrets to
        self.secrets_parent: tuple[ScalarNode, MappingNode] | None = (
            (spec_entry[0], spec) if spec_entry is not None else None
        )
        self.injected = False  # containers injected into the pods `selector` matches
        self.selector: Node | None = None

    @property
    def metadata(self) -> MappingNode | None:
        """The metadata a fix writes annotations into, when it exists."""
        if self.write_in_list:
            return None
        node: Node | None = self.template
        for key in self.write_chain:
            node = get(node, key)
        return node if isinstance(node, MappingNode) else None


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
