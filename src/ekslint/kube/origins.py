"""Where a rendered object came from: Kustomize's ``config.kubernetes.io/origin`` annotation
(``buildMetadata: [originAnnotations]``), resolved to a position in the source file.

The annotation names the file (``path``, relative to the kustomization that was built), or the
kustomization whose generator made the object (``configuredIn``), or a remote repository
(``repo``, ``ref``). For a local file the offending node is found again in it: the object by
kind and by name (the rendered name may carry a prefix and suffix), then the same path of keys
(list items by their ``name`` where they have one, else by position). When the source lacks
the node (a transformer or patch added it), the origin is the nearest node that exists.
"""

from __future__ import annotations

import os

import yaml

from ekslint.input.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    compose_documents,
    get,
    scalar_text,
)
from ekslint.kube.objects import ORIGIN_ANNOTATION, KubeObject, iter_objects
from ekslint.lint.findings import Origin

MAX_ANNOTATION = 4096  # an origin is a few short lines
MAX_SOURCE_BYTES = 8 * 1024 * 1024
GENERATOR_KEYS = {
    "ConfigMapGenerator": "configMapGenerator",
    "SecretGenerator": "secretGenerator",
    "HelmChartInflationGenerator": "helmCharts",
}

# A step from a node to a child: a mapping key, or a list item (index, its `name` if any).
Step = str | tuple[int, str | None]


def origin_annotation(obj: KubeObject) -> dict[str, object] | None:
    """The object's parsed origin annotation, or None (absent or not a small mapping)."""
    value = get(obj.metadata, "annotations", ORIGIN_ANNOTATION) if obj.metadata else None
    text = scalar_text(value)
    if not text or len(text) > MAX_ANNOTATION:
        return None
    try:
        parsed = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return parsed if isinstance(parsed, dict) else None


def node_path(root: Node, target: Node) -> tuple[list[Step], bool] | None:
    """Steps from ``root`` to ``target`` (found by identity) and whether it is a mapping key."""
    stack: list[tuple[Node, list[Step]]] = [(root, [])]
    while stack:
        node, steps = stack.pop()
        if node is target:
            return steps, False
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    continue
                if key is target:
                    return [*steps, str(key.value)], True
                stack.append((value, [*steps, str(key.value)]))
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                stack.append((item, [*steps, (index, scalar_text(get(item, "name")))]))
    return None


def walk(root: Node, steps: list[Step], to_key: bool) -> Node:
    """Follow ``steps`` from ``root`` as far as they lead; the node reached."""
    node = root
    for number, step in enumerate(steps):
        last = number == len(steps) - 1
        child: Node | None = None
        if isinstance(step, str) and isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode) and str(key.value) == step:
                    child = key if (last and to_key) else value
                    break
        elif isinstance(step, tuple) and isinstance(node, SequenceNode):
            index, name = step
            if name is not None:
                child = next((i for i in node.value if scalar_text(get(i, "name")) == name), None)
            elif index < len(node.value):
                child = node.value[index]
        if child is None:
            return node
        node = child
    return node


def _name_matches(rendered: str | None, source: str | None) -> int:
    """How well a source object's name explains the rendered one (0: not at all)."""
    if not rendered or not source:
        return 1 if rendered == source else 0
    if rendered == source:
        return 3
    return 2 if source in rendered else 0


class OriginLocator:
    """Resolves origins against ``base`` (the kustomization folder the paths are relative to;
    the working directory for piped output). Source files are read once."""

    def __init__(self, base: str | None = None, shown_from: str | None = None) -> None:
        self.base = base
        self.shown_from = shown_from  # paths are reported relative to this (default: cwd)
        self._sources: dict[str, list[KubeObject] | None] = {}

    def __getstate__(self) -> dict[str, object]:  # worker processes re-read what they need
        return {"base": self.base, "shown_from": self.shown_from, "_sources": {}}

    def shown(self, path: str) -> str:
        absolute = os.path.normpath(os.path.join(self.base or os.getcwd(), path))
        return os.path.relpath(absolute, self.shown_from or os.getcwd())

    def absolute(self, path: str) -> str:
        return os.path.normpath(os.path.join(self.base or os.getcwd(), path))

    def for_object(self, obj: KubeObject) -> OriginFinder | None:
        annotation = origin_annotation(obj)
        if annotation is None:
            return None
        return OriginFinder(self, obj, annotation)

    def objects_in(self, path: str) -> list[KubeObject] | None:
        absolute = self.absolute(path)
        if absolute not in self._sources:
            self._sources[absolute] = _read_objects(absolute)
        return self._sources[absolute]


class OriginFinder:
    """The origin of each node of one rendered object."""

    __slots__ = ("annotation", "locator", "obj", "source")

    def __init__(self, locator: OriginLocator, obj: KubeObject, annotation: dict[str, object]):
        self.locator = locator
        self.obj = obj
        self.annotation = annotation
        self.source: KubeObject | bool | None = False  # False: not looked up yet

    def __call__(self, node: Node) -> Origin | None:
        path = self.annotation.get("path")
        repo = self.annotation.get("repo")
        if isinstance(repo, str):
            ref = self.annotation.get("ref")
            where = str(path) if isinstance(path, str) else ""
            return Origin(where, 0, 0, repo=repo, ref=str(ref) if ref is not None else None)
        if not isinstance(path, str):
            return self._generated()
        shown = self.locator.shown(path)
        source = self.source_object()
        if source is None:
            return Origin(shown, 0, 0)
        found = node_path(self.obj.node, node)
        target = walk(source.node, *found) if found else source.node
        mark = target.start_mark
        return Origin(shown, mark.line + 1, mark.column + 1)

    def source_object(self) -> KubeObject | None:
        if self.source is False:
            path = self.annotation.get("path")
            objects = self.locator.objects_in(path) if isinstance(path, str) else None
            best: tuple[int, KubeObject] | None = None
            for candidate in objects or []:
                if candidate.kind != self.obj.kind:
                    continue
                score = _name_matches(self.obj.name, candidate.name)
                if score and (best is None or score > best[0]):
                    best = (score, candidate)
            self.source = best[1] if best else None
        return self.source if isinstance(self.source, KubeObject) else None

    def _generated(self) -> Origin | None:
        configured_in = self.annotation.get("configuredIn")
        if not isinstance(configured_in, str):
            return None
        shown = self.locator.shown(configured_in)
        by = self.annotation.get("configuredBy")
        key = GENERATOR_KEYS.get(str(by.get("kind"))) if isinstance(by, dict) else None
        try:
            with open(self.locator.absolute(configured_in), encoding="utf-8") as handle:
                roots = list(compose_documents(handle.read(MAX_SOURCE_BYTES)))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return Origin(shown, 0, 0)
        for root in roots:
            if key and isinstance(root, MappingNode):
                for key_node, _ in root.value:
                    if isinstance(key_node, ScalarNode) and key_node.value == key:
                        mark = key_node.start_mark
                        return Origin(shown, mark.line + 1, mark.column + 1)
        return Origin(shown, 0, 0)


def _read_objects(path: str) -> list[KubeObject] | None:
    try:
        if os.path.getsize(path) > MAX_SOURCE_BYTES:
            return None
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
        return [obj for root in compose_documents(text) for obj in iter_objects(root)]
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
