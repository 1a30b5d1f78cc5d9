"""Helm chart values: ``values*.yaml`` beside a ``Chart.yaml``.

A chart's pods get their annotations from its values, so the values file is where a lasting
fix belongs. Registry annotations under any ``podAnnotations`` key are judged by the rules about
how a value is written (port, separator, entries, ``all``, public registries, type, spelling) at
their own positions, and fixed in place. The registries they are judged against are the ones
the values name in images (``image: host/repo:tag``, or ``registry:`` beside ``repository:``)
and the declared ones.

A registry annotation under ``commonAnnotations`` reaches a pod only when the chart's templates
put ``commonAnnotations`` into a pod template's metadata; many charts (most of bitnami's) put it
on each object's own metadata only, where it does nothing for the pod.
"""

from __future__ import annotations

import os
import re

from ekslint.input.helm import chart_of
from ekslint.input.read import Chunk
from ekslint.input.yamlnodes import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    get,
    is_null,
    scalar_text,
    scalar_type,
)
from ekslint.kube.images import InvalidImage, parse_image
from ekslint.kube.objects import KubeObject, PodTemplate
from ekslint.kube.pods import AnnotationSite, Container, PodView
from ekslint.kube.registrylist import parse_registry_list
from ekslint.lint.findings import Edit, Finding, Fix
from ekslint.lint.rulepack import Platform

_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
POD_ANNOTATIONS = "podAnnotations"
COMMON_ANNOTATIONS = "commonAnnotations"
# The checks that judge how a value is written (the others need a real pod).
VALUE_CHECKS = frozenset(
    {
        "missing_port",
        "bad_separator",
        "malformed_entry",
        "wildcard_all",
        "trusted_listed",
        "not_string",
        "unknown_key",
    }
)
MAX_TEMPLATE_BYTES = 4 * 1024 * 1024
MAX_TEMPLATES = 2000


class ValuesView(PodView):
    """One ``podAnnotations`` mapping, seen as a pod template's annotations."""

    __slots__ = ("declared",)

    def __init__(
        self,
        template: PodTemplate,
        containers: list[Container],
        sites: list[AnnotationSite],
        annotations: MappingNode,
        declared: list[str],
    ) -> None:
        super().__init__(template, containers, sites, [], "default", annotations, [annotations])
        self.declared = declared

    def registries_used(self) -> list[str]:
        return list(dict.fromkeys([*super().registries_used(), *self.declared]))


def annotation_mappings(root: Node, name: str) -> list[tuple[str, ScalarNode, MappingNode]]:
    """Every mapping under a key called ``name``: (dotted path, key node, mapping)."""
    found: list[tuple[str, ScalarNode, MappingNode]] = []
    stack: list[tuple[str, Node]] = [("", root)]
    seen: set[int] = set()
    while stack:
        path, node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if not isinstance(key, ScalarNode):
                    continue
                where = f"{path}.{key.value}" if path else str(key.value)
                if key.value == name and isinstance(value, MappingNode):
                    found.append((where, key, value))
                else:
                    stack.append((where, value))
        elif isinstance(node, SequenceNode):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(node.value))
    found.sort(key=lambda item: item[1].start_mark.index)
    return found


def images_named(root: Node) -> list[Container]:
    """Image references the values spell out, as containers (their registries are used)."""
    found: list[Container] = []
    stack: list[Node] = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            registry = get(node, "registry")
            repository = get(node, "repository")
            if isinstance(registry, ScalarNode) and isinstance(repository, ScalarNode):
                _add(found, registry, f"{registry.value}/{repository.value}")
            elif isinstance(repository, ScalarNode) and "/" in str(repository.value):
                _add(found, repository, str(repository.value))
            for key, value in node.value:
                if scalar_text(key) == "image" and isinstance(value, ScalarNode):
                    if scalar_type(value) == "str" and "/" in str(value.value):
                        _add(found, value, str(value.value))
                else:
                    stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return found


def _add(found: list[Container], node: ScalarNode, text: str) -> None:
    if not text.strip() or "{{" in text:
        return
    try:
        found.append(Container(None, node, parse_image(text), None))
    except InvalidImage:
        return


def values_views(obj: KubeObject, platform: Platform, declared: list[str]) -> list[ValuesView]:
    containers = images_named(obj.node)
    views = []
    for where, key_node, mapping in annotation_mappings(obj.node, POD_ANNOTATIONS):
        # The fixers find a site's annotations as `annotations` in its metadata: this one is
        # the podAnnotations entry, under that name, at its own position.
        section = ScalarNode(_STR, "annotations", key_node.start_mark, key_node.end_mark)
        metadata = MappingNode(_MAP, [(section, mapping)], flow_style=False)
        template = PodTemplate(
            obj,
            MappingNode(_MAP, [(ScalarNode(_STR, "metadata"), metadata)]),
            MappingNode(_MAP, []),
            (where,),
        )
        sites = []
        for entry_key, value in mapping.value:
            if not isinstance(entry_key, ScalarNode):
                continue
            role = platform.role_of(str(entry_key.value))
            if role is None:
                continue
            text = "" if is_null(value) else scalar_text(value) or ""
            sites.append(
                AnnotationSite(
                    role,
                    str(entry_key.value),
                    entry_key,
                    value,
                    "pod",
                    where,
                    metadata,
                    parse_registry_list(text, platform.list_syntax),
                )
            )
        views.append(ValuesView(template, containers, sites, mapping, declared))
    return views


def keep_the_mapping(finding: Finding, views: list[ValuesView], chunk: Chunk) -> None:
    """A fix that removes a podAnnotations mapping's last entry would take the whole key with
    it (that is what it does to a pod's ``annotations``): leave ``podAnnotations: {}``, which
    the chart's templates expect, instead."""
    fix = finding.fix
    if fix is None:
        return
    from ekslint.fix.edits import entry_end  # the fix layer, only for a finding with a fix

    for view in views:
        metadata = view.template.metadata
        assert metadata is not None
        key, mapping = metadata.value[0]
        start = key.start_mark.index
        edits = []
        for edit in fix.edits:
            if edit.start <= start < edit.end:
                colon = chunk.text.index(":", key.end_mark.index) + 1
                end = entry_end(chunk, mapping)
                newline = chunk.newline if chunk.text[:end].endswith(("\n", "\r")) else ""
                edit = Edit(colon, end, " {}" + newline)
            edits.append(edit)
        finding.fix = Fix(fix.applicability, fix.description, tuple(edits))
        fix = finding.fix


def common_annotation_sites(obj: KubeObject, platform: Platform) -> list[tuple[str, ScalarNode]]:
    """Registry annotations under ``commonAnnotations``: (dotted path, key node)."""
    return [
        (where, key)
        for where, _, mapping in annotation_mappings(obj.node, COMMON_ANNOTATIONS)
        for key, _ in mapping.value
        if isinstance(key, ScalarNode) and platform.role_of(str(key.value)) is not None
    ]


# A pattern string: re compiles it when first used (and keeps it), not at every import.
_TEMPLATE_LINE = r"^(\s*)template:\s*(?:#.*)?$"


def templates_put_common_into_pods(chart: str) -> bool | None:
    """Does any template of the chart use ``commonAnnotations`` inside a pod template (under a
    ``template:`` block, or merged with ``podAnnotations``)? None when it has no templates."""
    folder = os.path.join(chart, "templates")
    if not os.path.isdir(folder):
        return None
    count = 0
    for parent, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml", ".tpl")):
                continue
            count += 1
            if count > MAX_TEMPLATES:
                return None
            try:
                with open(os.path.join(parent, name), encoding="utf-8", errors="replace") as handle:
                    text = handle.read(MAX_TEMPLATE_BYTES)
            except OSError:
                continue
            if COMMON_ANNOTATIONS in text and _in_pod_template(text):
                return True
    return False


def _in_pod_template(text: str) -> bool:
    inside: int | None = None  # indentation of the enclosing `template:` line
    for line in text.splitlines():
        stripped = line.strip()
        indent = len(line) - len(line.lstrip(" "))
        if inside is not None and stripped and not stripped.startswith("{{") and indent <= inside:
            inside = None
        match = re.match(_TEMPLATE_LINE, line)
        if match:
            inside = len(match.group(1))
            continue
        if COMMON_ANNOTATIONS in line and (inside is not None or POD_ANNOTATIONS in line):
            return True
    return False


def chart_name(chart: str) -> str | None:
    """``name`` from Chart.yaml (what ``# Source:`` lines start with)."""
    try:
        with open(os.path.join(chart, "Chart.yaml"), encoding="utf-8", errors="replace") as handle:
            for line in handle.read(65536).splitlines():
                match = re.match(r"^name:\s*['\"]?([^'\"#\s]+)", line)
                if match:
                    return match.group(1)
    except OSError:
        return None
    return None


def pod_annotations_line(path: str) -> int | None:
    """1-based line of the first top-level ``podAnnotations:`` key of a values file."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, 1):
                if re.match(r"^podAnnotations\s*:", line):
                    return number
                if number > 100000:
                    break
    except OSError:
        return None
    return None


def chart_values_among(inputs: list[str]) -> dict[str, tuple[str, int | None]]:
    """Chart name -> (its values file among the inputs, line of podAnnotations in it);
    ``values.yaml`` wins over other values files of the same chart."""
    found: dict[str, tuple[str, int | None]] = {}
    for path in inputs:
        chart = chart_of(path)
        if chart is None:
            continue
        name = chart_name(chart)
        if name is None or (name in found and os.path.basename(path) != "values.yaml"):
            continue
        found[name] = (path, pod_annotations_line(path))
    return found


def point_lasting_fixes_at_values(findings: list[Finding], inputs: list[str]) -> None:
    """The lasting-fix hint of a rendered chart's finding names the chart's values file and
    line when that file is among the inputs."""
    charts: dict[str, tuple[str, int | None]] | None = None
    for finding in findings:
        annotation = finding.extra.get("lasting-fix-annotation")
        if annotation is None or finding.source is None:
            continue
        if charts is None:
            charts = chart_values_among(inputs)
        where = charts.get(finding.source.split("/", 1)[0])
        if where is None:
            continue
        path, line = where
        at = f"{path}:{line}" if line else path
        hint = (
            f"lasting fix: {finding.source} is rendered from the chart; set the pod annotation "
            f"in {at}" + (" (podAnnotations)" if line else " (add podAnnotations)") + ":\n"
            f"  podAnnotations:\n    {annotation}"
        )
        finding.extra = {**finding.extra, "lasting-fix": hint}
