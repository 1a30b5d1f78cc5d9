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
from ekslint.record import Record

_TYPE_NAMES = {
    "int": "a number",
    "float": "a number",
    "bool": "a boolean",
    "seq": "a list",
    "map": "a mapping",
}

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Literal

    Placement = Literal["pod", "labels", "other-metadata", "misspelt", "global"]
    Role = Literal["http", "insecure"]


class Container(Record):
    __slots__ = ("image", "image_node", "invalid", "name")

    def __init__(
        self,
        name: str | None,
        image_node: ScalarNode,
        image: ImageRef | None,
        invalid: InvalidImage | None,
    ) -> None:
        self.name = name
        self.image_node = image_node
        self.image = image
        self.invalid = invalid


class AnnotationSite(Record):
    """One registry annotation as written somewhere in (or near) a pod template."""

    __slots__ = (
        "column_offset",
        "key",
        "key_node",
        "line_offset",
        "metadata",
        "placement",
        "role",
        "value_node",
        "values",
        "where",
    )

    def __init__(
        self,
        role: Role,
        key: str,
        key_node: ScalarNode,
        value_node: Node,
        placement: Placement,
        where: str,
        metadata: MappingNode | None,
        values: RegistryList,
        line_offset: int = 0,
        column_offset: int = 0,
    ) -> None:
        self.role = role
        self.key = key
        self.key_node = key_node
        self.value_node = value_node
        self.placement = placement
        self.where = where  # human description of the metadata it sits in
        self.metadata = metadata  # the metadata mapping holding it (None for global defaults)
        self.values = values
        self.line_offset = line_offset  # for global defaults parsed out of a ConfigMap string
        self.column_offset = column_offset


class PodView(Record):
    __slots__ = (
        "annotations",
        "containers",
        "pull_secrets",
        "service_account",
        "sites",
        "template",
    )

    def __init__(
        self,
        template: PodTemplate,
        containers: list[Container],
        sites: list[AnnotationSite],
        pull_secrets: list[tuple[str, ScalarNode]],
        service_account: str,
        annotations: MappingNode | None,
    ) -> None:
        self.template = template
        self.containers = containers
        self.sites = sites
        self.pull_secrets = pull_secrets
        self.service_account = service_account
        self.annotations = annotations  # the pod template's metadata.annotations, when a mapping

    @property
    def obj(self) -> KubeObject:
        return self.template.obj

    def registries_used(self) -> list[str]:
        seen: dict[str, None] = {}
        for container in self.containers:
            if container.image is not None:
                seen.setdefault(container.image.registry, None)
        return list(seen)


def build_pod(template: PodTemplate, platform: Platform) -> PodView:
    containers = list(_containers(template))
    sites: list[AnnotationSite] = []
    metadata = template.metadata
    annotations = get(metadata, "annotations") if metadata is not None else None
    places: list[tuple[str, MappingNode, bool]] = []
    if metadata is not None:
        places.append((f"{template.where}.metadata", metadata, True))
    places.extend((where, node, False) for where, node in template.other_metadata)
    for where, meta, is_pod in places:
        for section in ("annotations", "labels"):
            mapping = get(meta, section)
            if not isinstance(mapping, MappingNode):
                continue
            for key, (key_node, value_node) in mapping_entries(mapping).items():
                role = platform.role_of(key)
                intended = key
                placement: Placement
                if role is None:
                    if section != "annotations" or not key.startswith(platform.prefix):
                        continue
                    if key in platform.known_annotations:
                        continue
                    matches = platform.close_matches(key)
                    if len(matches) != 1 or platform.role_of(matches[0]) is None:
                        continue
                    intended = matches[0]
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
                        f"{where}.{section}",
                        meta,
                        parse_registry_list(text, platform.list_syntax),
                    )
                )
    secrets: list[tuple[str, ScalarNode]] = []
    pull = get(template.spec, "imagePullSecrets")
    if isinstance(pull, SequenceNode):
        for item in pull.value:
            name_node = get(item, "name") if isinstance(item, MappingNode) else item
            if isinstance(name_node, ScalarNode) and name_node.value:
                secrets.append((str(name_node.value), name_node))
    account = scalar_text(get(template.spec, "serviceAccountName")) or scalar_text(
        get(template.spec, "serviceAccount")
    )
    return PodView(
        template,
        containers,
        sites,
        secrets,
        account or "default",
        annotations if isinstance(annotations, MappingNode) else None,
    )


def _containers(template: PodTemplate) -> list[Container]:
    found: list[Container] = []
    for list_name in CONTAINER_LISTS:
        entry = lookup(template.spec, list_name)
        if entry is None:
            continue
        key_node, items = entry
        if is_null(items):
            if list_name == "containers":
                raise NodeProblem(
                    "'containers' is null: a pod needs a list of containers",
                    key_node.start_mark.line,
                    key_node.start_mark.column,
                )
            continue
        if not isinstance(items, SequenceNode):
            raise NodeProblem(
                f"'{list_name}' must be a list of containers",
                items.start_mark.line,
                items.start_mark.column,
            )
        for item in items.value:
            if not isinstance(item, MappingNode):
                raise NodeProblem(
                    f"an item of '{list_name}' must be a mapping (a container)",
                    item.start_mark.line,
                    item.start_mark.column,
                )
            name = scalar_text(get(item, "name"))
            image_entry = lookup(item, "image")
            if image_entry is None:
                continue  # custom resources patch containers without images
            image_node = image_entry[1]
            kind = scalar_type(image_node)
            if kind == "null":
                text = ""
            elif kind != "str" or not isinstance(image_node, ScalarNode):
                raise NodeProblem(
                    f"'image' must be a string, not {_TYPE_NAMES.get(kind, kind)}",
                    image_node.start_mark.line,
                    image_node.start_mark.column,
                )
            else:
                text = str(image_node.value)
            try:
                ref, invalid = parse_image(text), None
            except InvalidImage as exc:
                ref, invalid = None, exc
            assert isinstance(image_node, ScalarNode)
            found.append(Container(name, image_node, ref, invalid))
    return found
