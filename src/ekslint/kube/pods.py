"""What the rules look at in a pod template: its containers and its registry annotations.

Registry annotations are gathered from every place a user might have put them, not only the
right one: a misplaced or misspelt annotation still tells what the user meant, so the rule about
the placement or the spelling reports it once and the coverage rules do not report it again.
"""

from __future__ import annotations

from ekslint.input.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    get,
    is_null,
    lookup,
    mapping_entries,
    scalar_text,
    scalar_type,
)
from ekslint.kube.images import ImageRef, InvalidImage, parse_image
from ekslint.kube.objects import KubeObject, PodTemplate
from ekslint.kube.registrylist import RegistryList, parse_registry_list
from ekslint.lint.findings import NodeProblem
from ekslint.lint.rulepack import Platform
from ekslint.record import field, record

_TYPE_NAMES = {
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
    "seq": "a list",
    "map": "a mapping",
}

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Literal

    Placement = Literal["pod", "labels", "other-metadata", "misspelt", "global"]
    Role = Literal["http", "insecure"]

# The declared protocol each registry annotation is for, and the other annotation.
PROTOCOL_OF_ROLE = {"http": "http", "insecure": "https-self-signed"}
OTHER_ROLE = {"http": "insecure", "insecure": "http"}


@record
class Container:
    name: str | None
    image_node: ScalarNode
    image: ImageRef | None
    invalid: InvalidImage | None


@record
class AnnotationSite:
    """One registry annotation as written somewhere in (or near) a pod template."""

    role: Role
    key: str
    key_node: ScalarNode
    value_node: Node
    placement: Placement
    where: str  # human description of the metadata it sits in
    metadata: MappingNode | None  # the metadata mapping holding it (None for global defaults)
    values: RegistryList
    # When other pods of the object read the same metadata: the registries they all use.
    shared_registries: list[str] = field(default_factory=list, init=False)
    # A misplaced annotation several pods of the object see (the object's own metadata) is
    # reported, and moved, once: with the first pod that runs containers (see share_metadata).
    reported_elsewhere: bool = field(default_factory=bool, init=False)


@record
class PodView:
    template: PodTemplate
    containers: list[Container]
    sites: list[AnnotationSite]
    # (name, node, namespace): the namespace when the entry names one (`namespace:name`)
    pull_secrets: list[tuple[str, ScalarNode, str | None]]
    service_account: str
    annotations: MappingNode | None  # the annotations a fix writes into, when a mapping
    # Every annotations mapping the pod reads, written-to one included.
    annotation_maps: list[MappingNode] = field(default_factory=list)

    @property
    def obj(self) -> KubeObject:
        return self.template.obj

    def registries_used(self) -> list[str]:
        seen: dict[str, None] = {}
        for container in self.containers:
            if container.image is not None:
                seen.setdefault(container.image.registry, None)
        return list(seen)

    def registries_for(self, site: AnnotationSite) -> list[str]:
        """Registries the annotation must serve: this pod's, and those of every other pod of
        the object that reads the same metadata (Argo's podMetadata, Flink's podTemplate)."""
        return site.shared_registries or self.registries_used()


def build_pod(template: PodTemplate, platform: Platform) -> PodView:
    containers = _containers(template)
    sites: list[AnnotationSite] = []
    places: list[tuple[str, MappingNode, bool]] = [
        (where, node, True) for where, node in template.metadata_sources
    ]
    places.extend((where, node, False) for where, node in template.other_metadata)
    # A key set by metadata of higher precedence hides the same key further down the list.
    effective: set[tuple[str, str]] = set()
    maps: list[MappingNode] = []
    for where, meta, is_pod in places:
        for section in ("annotations", "labels"):
            mapping = get(meta, section)
            if not isinstance(mapping, MappingNode):
                continue
            if is_pod and section == "annotations":
                maps.append(mapping)
            for key, (key_node, value_node) in mapping_entries(mapping).items():
                if is_pod:
                    if (section, key) in effective:
                        continue
                    effective.add((section, key))
                role = platform.role_of(key)
                intended = key
                placement: Placement
                if role is None:
                    if section != "annotations" or not key.startswith(platform.prefix):
                        continue
                    if key in platform.known_annotations:
                        continue
                    matches = platform.likely_typos(key)
                    if len(matches) != 1 or platform.role_of(matches[0][1]) is None:
                        continue
                    intended = matches[0][1]
                    role = platform.role_of(intended)
                    placement = "misspelt"
                elif section == "labels":
                    placement = "labels"
                elif is_pod:
                    placement = "pod"
                else:
                    placement = "other-metadata"
                assert role is not None
                text = "" if is_null(value_node) else scalar_text(value_node) or ""
                sites.append(
                    AnnotationSite(
                        role,
                        key,
                        key_node,
                        value_node,
                        placement,
                        f"{where}.{section}" if where else section,
                        meta,
                        parse_registry_list(text, platform.list_syntax),
                    )
                )
    metadata = template.metadata
    annotations = get(metadata, "annotations") if metadata is not None else None
    return PodView(
        template,
        containers,
        sites,
        _pull_secrets(template),
        template.account or "default",
        annotations if isinstance(annotations, MappingNode) else None,
        maps,
    )


def share_metadata(pods: list[PodView]) -> None:
    """Annotations that several pods of one object read serve all their registries; one
    misplaced where several pods see it belongs to one of them, the first that runs containers
    (an Argo steps or dag template makes no pod: moved there it would list registries nothing
    pulls from)."""
    users: dict[int, list[PodView]] = {}
    for pod in pods:
        for site in pod.sites:
            if site.metadata is not None:
                users.setdefault(id(site.metadata), []).append(pod)
    for pod in pods:
        for site in pod.sites:
            readers = users.get(id(site.metadata), []) if site.metadata is not None else []
            if len(readers) > 1:
                merged: dict[str, None] = {}
                for reader in readers:
                    merged.update(dict.fromkeys(reader.registries_used()))
                site.shared_registries = list(merged)
    owner: dict[int, PodView] = {}
    for pod in sorted(pods, key=lambda pod: not pod.containers):  # stable: first with containers
        for site in pod.sites:
            if site.placement in ("labels", "other-metadata"):
                owner.setdefault(id(site.key_node), pod)
    for pod in pods:
        for site in pod.sites:
            if site.placement in ("labels", "other-metadata"):
                site.reported_elsewhere = owner[id(site.key_node)] is not pod


def _pull_secrets(template: PodTemplate) -> list[tuple[str, ScalarNode, str | None]]:
    secrets: list[tuple[str, ScalarNode, str | None]] = []
    for pull in template.pull_secret_lists:
        for item in pull.value:
            name_node = get(item, "name") if isinstance(item, MappingNode) else item
            if not isinstance(name_node, ScalarNode) or not name_node.value:
                continue
            name, namespace = str(name_node.value), None
            if template.namespaced_pull_secrets and ":" in name:
                namespace, name = name.split(":", 1)
            secrets.append((name, name_node, namespace))
    return secrets


def _containers(template: PodTemplate) -> list[Container]:
    found: list[Container] = []
    for shape, where, node in template.image_sources:
        list_name = where.rsplit(".", 1)[-1]
        if shape == "image":
            found.append(_image(None, node))
            continue
        if shape == "images":
            if not isinstance(node, SequenceNode):
                raise _problem(f"'{list_name}' must be a list of images", node)
            found.extend(_image(None, item) for item in node.value)
            continue
        if is_null(node):
            if list_name == "containers":
                raise _problem("'containers' is null: a pod needs a list of containers", node)
            continue
        if shape == "container":
            items = [node]
        elif isinstance(node, SequenceNode):
            items = node.value
        else:
            raise _problem(f"'{list_name}' must be a list of containers", node)
        for item in items:
            if not isinstance(item, MappingNode):
                if shape == "container":
                    raise _problem(f"'{list_name}' must be a mapping (a container)", item)
                raise _problem(f"an item of '{list_name}' must be a mapping (a container)", item)
            image_entry = lookup(item, "image")
            if image_entry is None:
                continue  # custom resources patch containers without images
            found.append(_image(scalar_text(get(item, "name")), image_entry[1]))
    return found


def _problem(message: str, node: Node) -> NodeProblem:
    return NodeProblem(message, node.start_mark.line, node.start_mark.column)


def _image(name: str | None, image_node: Node) -> Container:
    kind = scalar_type(image_node)
    if kind == "null":
        text = ""
    elif kind != "str" or not isinstance(image_node, ScalarNode):
        raise _problem(f"'image' must be a string, not {_TYPE_NAMES.get(kind, kind)}", image_node)
    else:
        text = str(image_node.value)
    try:
        ref, invalid = parse_image(text), None
    except InvalidImage as exc:
        ref, invalid = None, exc
    assert isinstance(image_node, ScalarNode)
    return Container(name, image_node, ref, invalid)
