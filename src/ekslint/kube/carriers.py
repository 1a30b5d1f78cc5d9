"""Pod carriers: which objects make pods, and where each pod's images, annotations, pull secrets
and ServiceAccount are. The table is data (``rules/workloads.yaml``); this module reads it and
finds each pod of an object.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from ekslint.data import workloads
from ekslint.input.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    get,
    is_null,
    lookup,
)
from ekslint.kube.objects import KubeObject, PodTemplate, api_group
from ekslint.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any

CONTAINER_LISTS = ("spec.initContainers", "spec.containers", "spec.ephemeralContainers")
_ROOT = "/"


@record(frozen=True)
class Step:
    """One step of a path: a mapping key, every item (``[]``), every value (``*``), an index."""

    kind: str  # "key", "items", "values", "index"
    key: str = ""


@functools.cache
def parse_path(text: str) -> tuple[bool, tuple[Step, ...]]:
    """``(from_root, steps)`` of a dotted path such as ``/spec.tasks[].template``."""
    from_root = text.startswith(_ROOT)
    body = text[1:] if from_root else text
    steps: list[Step] = []
    for part in body.split(".") if body else []:
        name, _, rest = part.partition("[")
        if name == "*":
            steps.append(Step("values"))
        elif name:
            steps.append(Step("key", name))
        while rest:
            inside, _, rest = rest.partition("]")
            steps.append(Step("index", inside) if inside else Step("items"))
            rest = rest.removeprefix("[")
    return from_root, tuple(steps)


def follow(node: Node | None, steps: tuple[Step, ...], label: str) -> Iterator[tuple[str, Node]]:
    """Nodes at ``steps`` under ``node``, with their dotted paths (``label`` is ``node``'s)."""
    if node is None:
        return
    # Leading key steps in a loop: most paths are only keys, and a generator per step costs
    # more than the lookup it wraps.
    at = 0
    for step in steps:
        if step.kind != "key":
            break
        entry = lookup(node, step.key) if isinstance(node, MappingNode) else None
        if entry is None:
            return
        node = entry[1]
        label = f"{label}.{step.key}" if label else step.key
        at += 1
    if at == len(steps):
        yield label, node
        return
    step, rest = steps[at], steps[at + 1 :]
    if step.kind == "items":
        if isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                yield from follow(item, rest, f"{label}[{index}]")
    elif step.kind == "index":
        if isinstance(node, SequenceNode) and int(step.key) < len(node.value):
            yield from follow(node.value[int(step.key)], rest, f"{label}[{step.key}]")
    elif isinstance(node, MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, ScalarNode) and key_node.value != "<<":
                yield from follow(value, rest, f"{label}.{key_node.value}" if label else "")


@record(frozen=True)
class PodSpot:
    """Where one pod entry's pieces are, relative to its node (or to the carrier's root)."""

    at: str
    containers: list[str]
    container: list[str]
    image: list[str]
    images: list[str]
    metadata: list[str]
    writes: str | None
    writes_list: bool
    other_metadata: list[str]
    pull_secrets: list[str]
    namespaced_pull_secrets: bool
    secrets_write: str | None
    service_account: list[str]
    role: str | None
    role_from: str | None
    injected: bool


def _pod_spot(raw: dict[str, Any]) -> PodSpot:
    """A ``pods`` entry of rules/workloads.yaml, with a standard template's defaults filled in."""
    template = raw.get("template")
    prefix = "" if template is None or template == "" else f"{template}."
    standard = template is not None

    def paths(key: str, default: list[str]) -> list[str]:
        value = raw.get(key)
        return list(value) if value is not None else (default if standard else [])

    metadata = paths("metadata", [prefix + "metadata"])
    writes = raw.get("writes")
    secrets_write = raw.get("secrets-write")
    return PodSpot(
        at=str(raw["at"]),
        containers=paths("containers", [prefix + c for c in CONTAINER_LISTS]),
        container=paths("container", []),
        image=paths("image", []),
        images=paths("images", []),
        metadata=metadata,
        writes=str(writes) if writes is not None else (metadata[0] if metadata else None),
        writes_list=bool(raw.get("writes-list", False)),
        other_metadata=list(raw.get("other-metadata", [])),
        pull_secrets=paths("pull-secrets", [prefix + "spec.imagePullSecrets"]),
        namespaced_pull_secrets=bool(raw.get("namespaced-pull-secrets", False)),
        secrets_write=(
            str(secrets_write)
            if secrets_write is not None
            else (prefix + "spec" if standard else None)
        ),
        service_account=paths(
            "service-account",
            [prefix + "spec.serviceAccountName", prefix + "spec.serviceAccount"],
        ),
        role=raw.get("role"),
        role_from=raw.get("role-from"),
        injected=bool(raw.get("injected", False)),
    )


@record(frozen=True)
class Carrier:
    root: str
    pods: list[PodSpot]
    platforms: frozenset[str] | None
    core: bool  # a built-in kind: messages keep naming the template's path


def _carrier(raw: dict[str, Any], core: bool) -> Carrier:
    return Carrier(
        root=str(raw.get("root", "")),
        pods=[_pod_spot(p) for p in raw["pods"]],
        platforms=frozenset(raw["platforms"]) if "platforms" in raw else None,
        core=core,
    )


@functools.cache
def _kinds() -> tuple[dict[tuple[str, str], int], frozenset[tuple[str, str]]]:
    """(group, kind) -> the index of its entry under ``carriers``, and the kinds with no pods.
    Each entry becomes a Carrier when an object of its kinds is first met: a run that meets a
    Deployment builds one of ~40 (building them all was 2 % of a one-file run)."""
    data = workloads()
    kinds = {
        (raw["group"], kind): index
        for index, raw in enumerate(data["carriers"])
        for kind in raw["kinds"]
    }
    no_pods = frozenset((group, kind) for group, names in data["no-pods"].items() for kind in names)
    return kinds, no_pods


@functools.cache
def _carrier_at(index: int) -> Carrier:
    data = workloads()
    raw = data["carriers"][index]
    return _carrier(raw, raw["group"] in data["core-api-groups"])


def carrier_of(obj: KubeObject) -> Carrier | None:
    index = _kinds()[0].get((api_group(obj.api_version), obj.kind))
    return None if index is None else _carrier_at(index)


def holds_no_pods(obj: KubeObject) -> bool:
    return (api_group(obj.api_version), obj.kind) in _kinds()[1]


def carrier_elsewhere(obj: KubeObject, platform: str) -> bool:
    """A kind that exists only on other platforms (Alibaba's ImageCache, on Tencent EKS)."""
    carrier = carrier_of(obj)
    return (
        carrier is not None
        and carrier.platforms is not None
        and platform not in (carrier.platforms)
    )


def pod_templates(obj: KubeObject) -> Iterator[PodTemplate]:
    """Every pod the object makes: from its carrier entry, else by the generic search."""
    carrier = carrier_of(obj)
    if carrier is not None:
        yield from _carried(obj, carrier)
        return
    if holds_no_pods(obj):
        return
    # Always walked, even where no key can be `containers`: its lookup of `spec` in every
    # mapping is what reports a repeated `spec` key (which kubectl's strict decoding refuses).
    yield from search_templates(obj)


def _carried(obj: KubeObject, carrier: Carrier) -> Iterator[PodTemplate]:
    _, steps = parse_path(carrier.root)
    roots = list(follow(obj.node, steps, ""))
    if not roots:
        return
    root_label, root = roots[0]
    for spot in carrier.pods:
        _, at_steps = parse_path(spot.at)
        for label, node in follow(root, at_steps, root_label):
            if isinstance(node, MappingNode):
                yield _pod(obj, carrier, spot, root, root_label, node, label)


def _resolve(
    path: str, root: Node, root_label: str, node: Node, label: str
) -> Iterator[tuple[str, Node]]:
    from_root, steps = parse_path(path)
    return follow(root, steps, root_label) if from_root else follow(node, steps, label)


def _pod(
    obj: KubeObject,
    carrier: Carrier,
    spot: PodSpot,
    root: Node,
    root_label: str,
    node: MappingNode,
    label: str,
) -> PodTemplate:
    def every(paths: list[str]) -> list[tuple[str, Node]]:
        return [found for p in paths for found in _resolve(p, root, root_label, node, label)]

    sources: list[tuple[str, str, Node]] = []
    for kind, paths in (
        ("containers", spot.containers),
        ("container", spot.container),
        ("images", spot.images),
    ):
        sources += [(kind, where, found) for where, found in every(paths)]
    for alternatives in spot.image:
        for option in alternatives.split("|"):
            found_set = [(w, n) for w, n in every([option]) if not is_null(n)]
            if found_set:
                sources += [("image", where, found) for where, found in found_set]
                break
    metadata = [(w, m) for w, m in every(spot.metadata) if isinstance(m, MappingNode)]
    metadata_ids = {id(m) for _, m in metadata}
    others: list[tuple[str, MappingNode]] = []
    own = obj.metadata
    if own is not None and id(own) not in metadata_ids:
        others.append(
            ("the workload's metadata" if carrier.core else f"the {obj.kind}'s own metadata", own)
        )
    for where, found in every(spot.other_metadata):
        if isinstance(found, MappingNode):
            others.append((where, found))
    role = spot.role
    if spot.role_from:
        name = get(node, spot.role_from)
        if isinstance(name, ScalarNode) and name.value:
            role = f"{name.value!s}"
    secrets = [(w, n) for w, n in every(spot.pull_secrets) if isinstance(n, SequenceNode)]
    accounts = [
        str(n.value)
        for _, n in every(spot.service_account)
        if isinstance(n, ScalarNode) and not is_null(n) and n.value
    ]
    template = PodTemplate(obj, node, node, tuple(label.split(".")) if label else ())
    template.other_metadata = others
    if label or not carrier.core:
        template.where = label or f"the {obj.kind}"
    template.describe = template.where if carrier.core else _describe(obj, role, spot)
    template.image_sources = sources
    template.metadata_sources = metadata
    template.pull_secret_lists = [n for _, n in secrets]
    template.namespaced_pull_secrets = spot.namespaced_pull_secrets
    template.account = accounts[0] if accounts else None
    template.injected = spot.injected
    template.selector = get(obj.node, "spec", "selector") if spot.injected else None
    _place_writes(template, spot, root, root_label, node, label)
    _place_secrets(template, spot, root, node)
    return template


def _describe(obj: KubeObject, role: str | None, spot: PodSpot) -> str:
    generated = get_text(obj.metadata, "generateName")
    name = obj.name or (f"{generated}*" if generated else "<unnamed>")
    if spot.injected:
        return f"each pod {obj.kind} {name} is injected into"
    if role == "image-cache":
        return f"{obj.kind} {name}"
    return f"the {role + ' ' if role else ''}pod of {obj.kind} {name}"


def _place_writes(
    template: PodTemplate,
    spot: PodSpot,
    root: Node,
    root_label: str,
    node: MappingNode,
    label: str,
) -> None:
    """Where a fix writes annotations: the deepest mapping on the path that exists, and the keys
    from it down to the metadata (created by the fix when missing)."""
    template.writable = False
    if spot.writes is None:
        return
    from_root, steps = parse_path(spot.writes)
    if any(s.kind != "key" for s in steps):
        return
    current: Node = root if from_root else node
    where = root_label if from_root else label
    chain = [s.key for s in steps]
    while len(chain) > 1:
        child = get(current, chain[0])
        if child is None:
            break
        if not isinstance(child, MappingNode):
            return
        where = f"{where}.{chain[0]}" if where else chain[0]
        current, chain = child, chain[1:]
    in_list = False
    if spot.writes_list and chain:
        items = get(current, chain[0])
        if items is None:
            in_list = True
        elif isinstance(items, SequenceNode) and items.value:
            first = items.value[0]
            if not isinstance(first, MappingNode):
                return
            where = f"{where}.{chain[0]}[0]" if where else f"{chain[0]}[0]"
            current, chain = first, []
        else:
            return  # `[]` or null: a person must look at it
    if not isinstance(current, MappingNode):
        return
    template.template = current
    template.write_chain = tuple(chain)
    template.write_in_list = in_list
    keys = [*chain[:-1], f"{chain[-1]}[0]"] if in_list else chain
    template.annotations_path = ".".join(p for p in (where, *keys, "annotations") if p)
    template.writable = True


def _place_secrets(
    template: PodTemplate,
    spot: PodSpot,
    root: Node,
    node: MappingNode,
) -> None:
    """The mapping a pull-secret fix adds ``imagePullSecrets`` to, and its key."""
    template.secrets_parent = None
    if spot.secrets_write is None:
        return
    from_root, steps = parse_path(spot.secrets_write)
    target: Node | None = root if from_root else node
    key_node: ScalarNode | None = None
    if not steps:
        key_node = _key_above(template.obj.node, target)
    for step in steps:
        entry = lookup(target, step.key) if isinstance(target, MappingNode) else None
        if step.kind != "key" or entry is None:
            return
        key_node, target = entry
    if isinstance(target, MappingNode) and key_node is not None:
        template.secrets_parent = (key_node, target)


def _key_above(node: Node, target: Node | None) -> ScalarNode | None:
    """The key whose value is ``target``, somewhere in the mappings under ``node``."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, MappingNode):
            for key_node, value in current.value:
                if value is target and isinstance(key_node, ScalarNode):
                    return key_node
                if isinstance(value, MappingNode):
                    stack.append(value)
    return None


def search_templates(obj: KubeObject) -> Iterator[PodTemplate]:
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
                template = PodTemplate(obj, node, spec, path, [(w, m) for w, m in others if m])
                where = template.where
                template.image_sources = [
                    ("containers", f"{where}.{c}" if path else c, found)
                    for c in CONTAINER_LISTS
                    for _, found in follow(node, parse_path(c)[1], "")
                ]
                yield template
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


def _may_hold(spans: str | None, node: Node, word: str) -> bool:
    """Can a key ``word`` be inside ``node``? Not when ``spans`` (the text it was composed
    from, with no escape that could spell a key; None: not known) does not write ``word``
    within the node's span. (A scan of the span, not of the whole text: an object of a long
    List costs its own size.)"""
    return spans is None or spans.find(word, node.start_mark.index, node.end_mark.index) >= 0


def first_image_outside(
    obj: KubeObject, templates: list[PodTemplate], spans: str | None = None
) -> Node | None:
    """The first image reference of an object that no pod found in it covers: a string
    ``image`` value, or a list of strings under ``images``. ``spans``: the text the object
    was composed from, when no escape in it can spell a key: collections whose span does not
    write ``image`` are then not looked into. (This walk reads no key by lookup, so it raises
    no duplicate-key error that skipping a collection could lose.)"""
    covered = {id(t.template) for t in templates} | {id(t.spec) for t in templates}
    covered |= {id(node) for t in templates for _, _, node in t.image_sources}
    first: Node | None = None
    seen: set[int] = set()
    stack: list[Node] = [obj.node]
    while stack:
        node = stack.pop()
        if id(node) in seen or id(node) in covered:
            continue
        seen.add(id(node))
        children: list[Node] = []
        if isinstance(node, MappingNode):
            for key_node, value in node.value:
                key = key_node.value if isinstance(key_node, ScalarNode) else None
                found: Node | None = None
                if id(value) in covered:
                    continue
                if key == "image" and _is_image_text(value):
                    found = value
                elif (
                    key == "images"
                    and isinstance(value, SequenceNode)
                    and value.value
                    and all(_is_image_text(item) for item in value.value)
                ):
                    found = value.value[0]
                elif not (key == "status" and node is obj.node):
                    children.append(value)
                if found is not None and (
                    first is None or found.start_mark.index < first.start_mark.index
                ):
                    first = found
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        for child in children:
            if isinstance(child, (MappingNode, SequenceNode)) and _may_hold(spans, child, "image"):
                stack.append(child)
    return first


def _is_image_text(node: Node) -> bool:
    return (
        isinstance(node, ScalarNode)
        and not is_null(node)
        and isinstance(node.value, str)
        and bool(node.value.strip())
    )


def get_text(node: Node | None, *path: str) -> str | None:
    found = get(node, *path)
    return str(found.value) if isinstance(found, ScalarNode) and not is_null(found) else None


def selector_of(node: Node | None) -> Selector | None:
    """A LabelSelector as plain data; None when absent or not understood (matches nothing
    known, so only the SidecarSet's own patchPodMetadata counts)."""
    if not isinstance(node, MappingNode):
        return None
    labels: dict[str, str] = {}
    matched = get(node, "matchLabels")
    if isinstance(matched, MappingNode):
        for key_node, value in matched.value:
            if not isinstance(key_node, ScalarNode) or not isinstance(value, ScalarNode):
                return None
            labels[str(key_node.value)] = str(value.value)
    expressions: list[tuple[str, str, tuple[str, ...]]] = []
    listed = get(node, "matchExpressions")
    if isinstance(listed, SequenceNode):
        for item in listed.value:
            key, operator = get_text(item, "key"), get_text(item, "operator")
            values = get(item, "values")
            texts = (
                tuple(str(v.value) for v in values.value if isinstance(v, ScalarNode))
                if isinstance(values, SequenceNode)
                else ()
            )
            if key is None or operator not in ("In", "NotIn", "Exists", "DoesNotExist"):
                return None
            expressions.append((key, operator, texts))
    if not labels and not expressions:
        return None  # `{}`: every pod, including ones the inputs do not show
    return Selector(labels, expressions)


@record(frozen=True)
class Selector:
    labels: dict[str, str]
    expressions: list[tuple[str, str, tuple[str, ...]]]

    def matches(self, labels: dict[str, str]) -> bool:
        if any(labels.get(k) != v for k, v in self.labels.items()):
            return False
        for key, operator, values in self.expressions:
            present = key in labels
            if operator == "In" and not (present and labels[key] in values):
                return False
            if operator == "NotIn" and present and labels[key] in values:
                return False
            if operator == "Exists" and not present:
                return False
            if operator == "DoesNotExist" and present:
                return False
        return True


def pod_labels(template: PodTemplate) -> dict[str, str]:
    """The labels a pod gets, from its metadata sources (higher precedence wins)."""
    from ekslint.input.yamlnodes import mapping_entries, scalar_text

    labels: dict[str, str] = {}
    for _, metadata in reversed(template.metadata_sources):
        mapping = get(metadata, "labels")
        if isinstance(mapping, MappingNode):
            for key, (_, value) in mapping_entries(mapping).items():
                labels[key] = scalar_text(value) or ""
    return labels


def pod_metadata_paths(root: Node) -> list[str]:
    """Where the objects of a document keep pod metadata that fixes may write, as dotted paths:
    what the fix guard compares as ``metadata`` (see ``fix/guard.py``)."""
    from ekslint.kube.objects import iter_objects
    from ekslint.lint.findings import NodeProblem

    paths: list[str] = []
    try:
        for obj in iter_objects(root):
            carrier = carrier_of(obj)
            if carrier is None or carrier.core:
                continue
            for template in pod_templates(obj):
                paths.extend(where for where, _ in template.metadata_sources)
                if template.writable:
                    paths.append(template.annotations_path.removesuffix("annotations").rstrip("."))
    except (NodeProblem, RecursionError):
        return []  # unreadable here means unreadable for the linter too: nothing is fixed
    return [p for p in paths if p]
