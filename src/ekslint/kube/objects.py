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
from ekslint.record import field, record


@record
class KubeObject:
    kind: str
    api_version: str
    node: MappingNode
    metadata: MappingNode | None
    name: str | None
    namespace: str | None

    @property
    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.name, self.namespace)


@record
class PodTemplate:
    """One pod an object makes, and where its pieces are. The defaults describe a standard pod
    template: ``template`` holds the pod's ``metadata`` and ``spec``; carriers of other shapes
    (``kube/carriers.py``) set the rest."""

    obj: KubeObject
    template: MappingNode  # the mapping a fix writes under (along write_chain)
    spec: MappingNode
    path: tuple[str, ...]  # where the template sits in the object, for messages
    # Metadata mappings that are not this pod's but look like it (the workload's own, ...).
    other_metadata: list[tuple[str, MappingNode]] = field(default_factory=list)
    # Derived from the above by __post_init__, for a standard template:
    where: str = field(init=False)
    describe: str = field(init=False)  # names the pod in messages
    # (shape, path, node): shape is containers, container, image or images
    image_sources: list[tuple[str, str, Node]] = field(init=False)
    # Mappings holding the pod's annotations and labels, highest precedence first.
    metadata_sources: list[tuple[str, MappingNode]] = field(init=False)
    pull_secret_lists: list[SequenceNode] = field(init=False)
    namespaced_pull_secrets: bool = field(init=False)  # items written `namespace:name`
    account: str | None = field(init=False)
    write_chain: tuple[str, ...] = field(init=False)  # keys from `template` to metadata
    write_in_list: bool = field(init=False)  # the metadata is the first item of a list (created so)
    writable: bool = field(init=False)
    annotations_path: str = field(init=False)
    # (key, mapping) a pull-secret fix adds imagePullSecrets to
    secrets_parent: tuple[ScalarNode, MappingNode] | None = field(init=False)
    injected: bool = field(init=False)  # containers injected into the pods `selector` matches
    selector: Node | None = field(init=False)

    def __post_init__(self) -> None:
        path, spec, template = self.path, self.spec, self.template
        self.where = ".".join(path) or "the Pod"
        self.describe = self.where
        prefix = f"{'.'.join(path)}." if path else ""
        self.image_sources = [
            ("containers", f"{prefix}spec.{name}", found)
            for name in ("initContainers", "containers", "ephemeralContainers")
            if (found := get(spec, name)) is not None
        ]
        own = get(template, "metadata")
        self.metadata_sources = [(f"{prefix}metadata", own)] if isinstance(own, MappingNode) else []
        pull = get(spec, "imagePullSecrets")
        self.pull_secret_lists = [pull] if isinstance(pull, SequenceNode) else []
        self.namespaced_pull_secrets = False
        self.account = scalar_text(get(spec, "serviceAccountName")) or scalar_text(
            get(spec, "serviceAccount")
        )
        self.write_chain = ("metadata",)
        self.write_in_list = False
        self.writable = True
        self.annotations_path = f"{prefix}metadata.annotations"
        spec_entry = lookup(template, "spec")
        self.secrets_parent = (spec_entry[0], spec) if spec_entry is not None else None
        self.injected = False
        self.selector = None

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
    return objects_of(as_object(root))


def objects_of(obj: KubeObject | None) -> Iterator[KubeObject]:
    """``iter_objects`` of the document whose ``as_object`` is ``obj``."""
    if obj is None:
        return
    items = get(obj.node, "items") if obj.kind.endswith("List") else None
    if isinstance(items, SequenceNode):
        for item in items.value:
            inner = as_object(item)
            if inner is not None:
                yield inner
        return
    yield obj


def as_object(node: Node | None) -> KubeObject | None:
    """The object a mapping with an apiVersion and a kind is; None for anything else."""
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


# Kustomize's annotation naming the source file of a rendered object (read by origins.py).
ORIGIN_ANNOTATION = "config.kubernetes.io/origin"
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
