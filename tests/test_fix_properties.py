"""Property-based fixing: generated workloads in every shape people write them, fixed in-process.

For each generated manifest the fixed text must parse (PyYAML and ruamel.yaml's round-trip
loader), fixing must converge (a second ``--fix`` changes nothing and leaves nothing fixable),
every comment must survive, and the data must differ from the input only where the fixes are
allowed to touch it: the platform's annotations of the pod template, registry annotations moved
off other metadata, ``imagePullSecrets``, metadata/annotations blocks created to hold them (or
left empty by a move), and annotation values quoted into strings.

Runs 100 examples locally and 500 (derandomised) when ``CI`` is set: see the profiles in
``conftest.py``.
"""

from __future__ import annotations

import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from ekslint.cli import main

PREFIX = "eks.tke.cloud.tencent.com/"
HTTP_KEY = PREFIX + "registry-http-endpoint"
INSECURE_KEY = PREFIX + "registry-insecure-skip-verify"
REGISTRY_KEYS = (HTTP_KEY, INSECURE_KEY)
MISSPELT = [PREFIX + "registry-http-endpiont", PREFIX + "registry-insecure-skip-verfy"]

SELF_HOSTED = [
    "10.16.100.174:5000",
    "10.0.0.7",
    "10.0.0.7:8080",
    "192.168.1.20:5000",
    "harbor.corp.example",
    "harbor.corp.example:8443",
]
PUBLIC_IMAGES = [
    "nginx:1.27",
    "docker.io/library/busybox:1.36",
    "quay.io/prometheus/node-exporter:v1",
    "mirror.ccs.tencentyun.com/library/redis:7",
    "mytcr.tencentcloudcr.com/team/app:1",
]
PUBLIC_ENTRIES = ["docker.io", "quay.io", "mirror.ccs.tencentyun.com", "ccr.ccs.tencentyun.com"]
SEPARATORS = [",", ",", ",", ", ", ";", "，", " ", "|", "、", ",,", " ; "]


# -- a tiny emitter for the shapes people write -------------------------------------------


@dataclass
class Entry:
    key: str
    value: Any  # scalar text (already quoted), Block, or Items
    comment: str | None = None  # at the end of the key's line
    before: str | None = None  # a comment line above the key
    blank: bool = False  # a blank line above the key
    gap: str = "  "  # what separates the value from the comment


@dataclass
class Literal:
    """A block scalar: ``|``, ``|-``, ``>``, ``>-`` and its lines."""

    indicator: str
    lines: list[str]


@dataclass
class Block:
    entries: list[Entry] = field(default_factory=list)
    flow: bool = False


@dataclass
class Items:
    items: list[Block]
    flow: bool = False


@dataclass
class Style:
    step: int
    indented_sequences: bool
    newline: str


def emit(block: Block, style: Style, indent: int, out: list[str], first_prefix: str = "") -> None:
    for index, entry in enumerate(block.entries):
        pad = " " * indent
        lead = pad
        if index == 0 and first_prefix:
            lead = first_prefix
        if entry.blank and lead == pad:
            out.append("")
        if entry.before is not None and lead == pad:
            out.append(f"{pad}# {entry.before}")
        tail = f"{entry.gap}# {entry.comment}" if entry.comment else ""
        value = entry.value
        if isinstance(value, str):
            out.append(f"{lead}{entry.key}:{' ' + value if value else ''}{tail}")
        elif isinstance(value, Literal):
            out.append(f"{lead}{entry.key}: {value.indicator}{tail}")
            out.extend(" " * (indent + style.step) + line for line in value.lines)
        elif isinstance(value, (Block, Items)) and value.flow:
            out.append(f"{lead}{entry.key}: {flow(value)}{tail}")
        elif isinstance(value, Block):
            out.append(f"{lead}{entry.key}:{tail}")
            emit(value, style, indent + style.step, out)
        else:
            out.append(f"{lead}{entry.key}:{tail}")
            dash = indent + (style.step if style.indented_sequences else 0)
            for item in value.items:
                emit(item, style, dash + 2, out, first_prefix=" " * dash + "- ")


def flow(block: Block | Items) -> str:
    if isinstance(block, Items):
        return "[" + ", ".join(flow(item) for item in block.items) + "]"
    parts = []
    for entry in block.entries:
        value = entry.value
        text = flow(value) if isinstance(value, (Block, Items)) else value
        parts.append(f"{entry.key}: {text}")
    return "{" + ", ".join(parts) + "}"


# -- strategies ---------------------------------------------------------------------------


class Comments:
    """Hands out unique comment texts, some of them looking like YAML."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.count = 0

    def maybe(self, p: float = 0.3) -> str | None:
        if self.draw(st.integers(0, 99)) >= p * 100:
            return None
        self.count += 1
        extra = self.draw(
            st.sampled_from(["", " note", " key: value", " - item", " #hash", " {x}"])
        )
        return f"c{self.count}{extra}"


def quoted(draw: Any, text: str) -> str:
    """``text`` as a YAML scalar in a random style, or double-quoted when the style cannot
    hold it."""
    styles = ["plain", "single", "double"]
    style = draw(st.sampled_from(styles))
    if style == "plain" and _plain_ok(text):
        return text
    if style == "single" and "\n" not in text:
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _flow_safe(text: object) -> bool:
    """Can this scalar (as written) sit in a flow mapping?"""
    if not isinstance(text, str):
        return False
    return text[:1] in "'\"" or not any(c in text for c in ",[]{}")


def can_flow(block: Block) -> bool:
    """Can the whole block be written as ``{...}`` (no comments, no block scalars)?"""
    for entry in block.entries:
        if entry.comment is not None or entry.before is not None:
            return False
        value = entry.value
        if isinstance(value, Block):
            if not can_flow(value):
                return False
        elif isinstance(value, Items):
            if not all(can_flow(item) for item in value.items):
                return False
        elif not _flow_safe(value) and value != "":
            return False
    return True


def registry_scalar(draw: Any, value: str) -> str | Literal:
    """The value quoted, or now and then as a block scalar with one registry a line."""
    entries = [e for e in re.split(r"[,;，、| ]+", value) if e]
    if entries and draw(st.integers(0, 7)) == 0:
        return Literal(draw(st.sampled_from(["|", "|-", ">", ">-"])), entries)
    return quoted(draw, value)


def registry_key(draw: Any, key: str) -> str:
    return json.dumps(key) if draw(st.integers(0, 7)) == 0 else key


def _plain_ok(text: str) -> bool:
    if not text or text != text.strip() or "#" in text or "\n" in text:
        return False
    try:
        return yaml.safe_load(f"k: {text}") == {"k": text}
    except yaml.YAMLError:
        return False


@st.composite
def registry_value(draw: Any, used: list[str]) -> str:
    """An annotation value as people write it, right or wrong."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(["all", "ALL", "All"]))
    pool = used + SELF_HOSTED + PUBLIC_ENTRIES
    names = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=4))
    entries = []
    for name in names:
        host, _, port = name.partition(":")
        if port and draw(st.integers(0, 5)) == 0:
            name = host  # the port forgotten
        if draw(st.integers(0, 7)) == 0:
            name = "http://" + name
        if draw(st.integers(0, 7)) == 0:
            name = name + "/"
        entries.append(name)
    if draw(st.integers(0, 7)) == 0:
        entries.append("all")
    separator = draw(st.sampled_from(SEPARATORS))
    value = separator.join(entries)
    if draw(st.integers(0, 9)) == 0:
        value = " " + value + " "
    return value


def decorate(draw: Any, block: Block) -> None:
    """Blank lines between entries; one, two or four spaces before comments."""
    for entry in block.entries:
        entry.blank = draw(st.integers(0, 11)) == 0
        # (No tab: pure-Python PyYAML rejects one before a comment; the goldens have one.)
        entry.gap = draw(st.sampled_from(["  ", " ", "    "]))
        if isinstance(entry.value, Block):
            decorate(draw, entry.value)
        elif isinstance(entry.value, Items):
            for item in entry.value.items:
                decorate(draw, item)


@dataclass
class Case:
    text: str
    args: list[str]
    kind: str
    pull_secrets: bool  # run with a config naming the pull secret of the TCR registry


@st.composite
def workloads(draw: Any) -> Case:
    kind = draw(st.sampled_from(["Deployment", "Pod", "CronJob", "StatefulSet"]))
    style = Style(
        step=draw(st.sampled_from([2, 4])),
        indented_sequences=draw(st.booleans()),
        newline=draw(st.sampled_from(["\n", "\r\n"])),
    )
    comments = Comments(draw)
    images = draw(
        st.lists(
            st.one_of(
                st.sampled_from(SELF_HOSTED).map(lambda r: f"{r}/team/app:1"),
                st.sampled_from(PUBLIC_IMAGES),
            ),
            min_size=1,
            max_size=3,
        )
    )
    used = sorted({i.split("/")[0] for i in images if i.split("/")[0] in SELF_HOSTED})
    args: list[str] = []
    declared: set[str] = set()  # one protocol per registry: two would be a usage error
    for registry in used + draw(st.lists(st.sampled_from(SELF_HOSTED), max_size=2)):
        protocol = draw(st.sampled_from(["http", "insecure", "none"]))
        if registry in declared:
            continue
        declared.add(registry)
        if protocol == "http":
            args += ["--http-registry", registry]
        elif protocol == "insecure":
            args += ["--insecure-registry", registry]

    def annotation_entries(allow_registry: bool) -> list[Entry]:
        found: list[Entry] = []
        if draw(st.booleans()):
            found.append(Entry("example.com/team", quoted(draw, "shop"), comments.maybe()))
        if draw(st.integers(0, 3)) == 0:
            # A `#` inside a quoted string is no comment.
            found.append(
                Entry(
                    "example.com/note",
                    draw(st.sampled_from(['"see #5 # not a comment"', "'a #b'"])),
                    comments.maybe(),
                )
            )
        if draw(st.integers(0, 4)) == 0:
            found.append(Entry("example.com/port", draw(st.sampled_from(["8080", "true", "~"]))))
        if allow_registry:
            for key in REGISTRY_KEYS:
                if draw(st.booleans()):
                    value = draw(registry_value(used))
                    found.append(
                        Entry(
                            registry_key(draw, key),
                            registry_scalar(draw, value),
                            comments.maybe(),
                            comments.maybe(0.15),
                        )
                    )
            if draw(st.integers(0, 5)) == 0:
                # Misspelt (EKS007), perhaps beside the right spelling.
                key = draw(st.sampled_from(MISSPELT))
                value = quoted(draw, draw(registry_value(used)))
                found.append(Entry(key, value, comments.maybe()))
        draw(st.randoms()).shuffle(found)
        return found

    def annotations_entry(allow_registry: bool) -> Entry | None:
        entries = annotation_entries(allow_registry)
        shape = draw(st.integers(0, 9))
        if not entries:
            if shape == 0:
                return Entry(
                    "annotations", draw(st.sampled_from(["", "{}", "~"])), comments.maybe()
                )
            return None
        flow_ok = all(
            e.comment is None and e.before is None and _flow_safe(e.value) for e in entries
        )
        use_flow = flow_ok and shape == 1
        return Entry(
            "annotations", Block(entries, flow=use_flow), comments.maybe(), comments.maybe(0.15)
        )

    def misplaced(where: str) -> Entry | None:
        """Registry annotations on metadata that is not the pod's."""
        if draw(st.integers(0, 3)) != 0:
            return None
        key = registry_key(draw, draw(st.sampled_from(REGISTRY_KEYS)))
        value = registry_scalar(draw, draw(registry_value(used)))
        section = "annotations" if where != "labels" else "labels"
        return Entry(
            section,
            Block([Entry(key, value, comments.maybe(), comments.maybe(0.15))]),
            comments.maybe(),
        )

    def metadata(name: str, pod: bool, extra: Entry | None = None) -> Block:
        entries = [Entry("name", name, comments.maybe())]
        labels = Block([Entry("app", name, comments.maybe())])
        if pod and draw(st.integers(0, 4)) == 0:
            labels.entries.append(
                Entry(
                    draw(st.sampled_from(REGISTRY_KEYS)),
                    quoted(draw, draw(registry_value(used))),
                    comments.maybe(),
                )
            )
        if draw(st.booleans()):
            entries.append(Entry("labels", labels, comments.maybe(), comments.maybe(0.15)))
        annotations = annotations_entry(allow_registry=pod)
        if annotations is not None:
            entries.append(annotations)
        if extra is not None:
            existing = next((e for e in entries if e.key == extra.key), None)
            if existing is None:
                entries.append(extra)
            elif isinstance(existing.value, Block) and not existing.value.flow:
                existing.value.entries.extend(extra.value.entries)
        draw(st.randoms()).shuffle(entries)
        block = Block(entries)
        block.flow = can_flow(block) and draw(st.integers(0, 5)) == 0
        return block

    containers = Items(
        [
            Block(
                [
                    Entry("name", f"c{i}", comments.maybe()),
                    Entry("image", quoted(draw, image), comments.maybe(), comments.maybe(0.1)),
                ]
            )
            for i, image in enumerate(images)
        ],
        flow=draw(st.integers(0, 7)) == 0,
    )
    pod_spec = Block([Entry("containers", containers, comments.maybe(), comments.maybe(0.15))])
    if draw(st.booleans()):
        pod_spec.entries.append(
            Entry("restartPolicy", "OnFailure" if kind == "CronJob" else "Always")
        )
    if kind == "CronJob" and len(pod_spec.entries) == 1:
        pod_spec.entries.append(Entry("restartPolicy", "OnFailure"))
    pod_spec.flow = can_flow(pod_spec) and draw(st.integers(0, 7)) == 0
    template = Block([])
    if kind != "Pod":
        shape = draw(st.integers(0, 9))
        if shape > 2:
            template.entries.append(Entry("metadata", metadata("app", pod=True), comments.maybe()))
        elif shape > 0:  # `metadata: {}` or `metadata:` with nothing in it
            template.entries.append(Entry("metadata", "{}" if shape == 1 else "", comments.maybe()))
        template.entries.append(Entry("spec", pod_spec, comments.maybe(), comments.maybe(0.15)))
        if draw(st.booleans()):
            template.entries.reverse()
        template.flow = can_flow(template) and draw(st.integers(0, 5)) == 0

    document = Block(
        [
            Entry(
                "apiVersion",
                "v1" if kind == "Pod" else ("batch/v1" if kind == "CronJob" else "apps/v1"),
            ),
            Entry("kind", kind, comments.maybe()),
        ]
    )
    if kind == "Pod":
        document.entries.append(Entry("metadata", metadata("app", pod=True), comments.maybe()))
        document.entries.append(Entry("spec", pod_spec, comments.maybe()))
    else:
        workload_metadata = metadata("app", pod=False, extra=misplaced("workload"))
        document.entries.append(Entry("metadata", workload_metadata, comments.maybe()))
        if kind == "CronJob":
            job = Block([])
            job_metadata = misplaced("job")
            if job_metadata is not None:
                job.entries.append(Entry("metadata", Block([job_metadata]), comments.maybe()))
            job.entries.append(Entry("spec", Block([Entry("template", template)])))
            spec = Block(
                [Entry("schedule", '"@daily"'), Entry("jobTemplate", job, comments.maybe())]
            )
        else:
            spec = Block([Entry("template", template, comments.maybe(), comments.maybe(0.15))])
            if kind == "StatefulSet":
                spec.entries.insert(0, Entry("serviceName", "app"))
        document.entries.append(Entry("spec", spec, comments.maybe()))

    decorate(draw, document)
    lines: list[str] = []
    head = draw(st.sampled_from(["", "---", "---\n# Source: chart/templates/app.yaml"]))
    lines.extend(head.splitlines())
    if comments.maybe():
        lines.append(f"# {comments.count} header")
    emit(document, style, 0, lines)
    if draw(st.booleans()):
        lines.append("# the end")
    text = style.newline.join(lines)
    if draw(st.integers(0, 5)) != 0:
        text += style.newline  # sometimes no final newline
    if draw(st.booleans()):
        args += ["--unsafe-fixes"]
    return Case(text, args, kind, draw(st.booleans()))


# -- what the checks compare ---------------------------------------------------------------


def comment_texts(text: str) -> Counter[str]:
    """Every comment in ``text``: a ``#`` at a line start or after a blank, outside every
    scalar token (block scalar bodies included, their header line excluded)."""
    protected: list[tuple[int, int]] = []
    for token in yaml.scan(text, Loader=yaml.SafeLoader):
        if isinstance(token, yaml.ScalarToken):
            start, end = token.start_mark.index, token.end_mark.index
            if token.style in ("|", ">"):
                newline = text.find("\n", start)
                start = end if newline < 0 else newline + 1
            protected.append((start, end))
    found: Counter[str] = Counter()
    position = text.find("#")
    while position >= 0:
        inside = any(a <= position < b for a, b in protected)
        if not inside and (position == 0 or text[position - 1] in " \t\n"):
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
            found[text[position:end].rstrip("\r \t")] += 1
            position = end
        else:
            position += 1
        position = text.find("#", position)
    return found


def template_of(doc: dict[str, Any], kind: str) -> dict[str, Any] | None:
    if kind == "Pod":
        return doc
    node: Any = doc.get("spec")
    path = ["jobTemplate", "spec", "template"] if kind == "CronJob" else ["template"]
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node if isinstance(node, dict) else None


def _drop(mapping: Any, key: str, keys: tuple[str, ...] | None = None, prefix: str = "") -> None:
    """Remove ``keys`` (or every key starting with ``prefix``) from ``mapping[key]``, and the
    section itself when nothing else is left in it."""
    if not isinstance(mapping, dict) or key not in mapping:
        return
    section = mapping[key]
    if isinstance(section, dict):
        for name in list(section):
            if (keys is not None and name in keys) or (prefix and str(name).startswith(prefix)):
                del section[name]
    if section in (None, {}):
        del mapping[key]


def scrub(doc: Any, kind: str) -> Any:
    """The document without the parts fixes may change."""
    if not isinstance(doc, dict):
        return doc
    template = template_of(doc, kind)
    if template is not None:
        metadata = template.get("metadata")
        _drop(metadata, "annotations", prefix=PREFIX)
        _drop(metadata, "labels", keys=REGISTRY_KEYS)
        if metadata in (None, {}) and "metadata" in template:
            del template["metadata"]
        spec = template.get("spec")
        if isinstance(spec, dict):
            spec.pop("imagePullSecrets", None)
    if kind != "Pod":
        _drop(doc.get("metadata"), "annotations", keys=REGISTRY_KEYS)
        _drop(doc.get("metadata"), "labels", keys=REGISTRY_KEYS)
    if kind == "CronJob":
        job = doc.get("spec", {}).get("jobTemplate")
        if isinstance(job, dict):
            _drop(job.get("metadata"), "annotations", keys=REGISTRY_KEYS)
            if job.get("metadata") in (None, {}) and "metadata" in job:
                del job["metadata"]
    return doc


def annotation_maps(doc: Any, kind: str) -> list[dict[str, Any]]:
    maps = []
    for holder in (doc, template_of(doc, kind)):
        if isinstance(holder, dict) and isinstance(holder.get("metadata"), dict):
            annotations = holder["metadata"].get("annotations")
            if isinstance(annotations, dict):
                maps.append(annotations)
    return maps


def unquote_non_strings(before: Any, after: Any, kind: str) -> None:
    """EKS011 quotes annotation values read as numbers, booleans or null: such a value must come
    out a string; then both sides drop it."""
    after_maps = annotation_maps(after, kind)
    for mapping in annotation_maps(before, kind):
        for key, value in list(mapping.items()):
            if isinstance(value, str):
                continue
            del mapping[key]
            for fixed in after_maps:
                if key in fixed:
                    assert isinstance(fixed[key], str), f"{key} is still {fixed[key]!r}"
                    del fixed[key]


def fix(path: Path, args: list[str]) -> tuple[int, dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(path), "--fix", "--isolated", "--format", "json", *args], out, err)
    assert code in (0, 1), err.getvalue() + out.getvalue()
    return code, json.loads(out.getvalue())


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(case=workloads())
def test_fixing_keeps_everything_but_the_fix(case: Case, tmp_path: Path) -> None:
    source = case.text.encode("utf-8")
    before_docs = list(yaml.safe_load_all(case.text))  # the generator writes valid YAML
    path = tmp_path / "m.yaml"
    path.write_bytes(source)
    args = case.args
    if case.pull_secrets:
        config = tmp_path / "ekslint.yaml"
        config.write_text("pull-secrets:\n  mytcr.tencentcloudcr.com: mytcr-pull\n")
        args = [*args, "--config", str(config)]

    _, report = fix(path, args)
    assert report["errors"] == [], report["errors"]
    # The guard that re-reads every fixed document refuses nothing these shapes need.
    assert [n for n in report["notes"] if n["message"].startswith("not fixed")] == []
    fixed = path.read_bytes().decode("utf-8")

    # It parses, with both parsers.
    after_docs = list(yaml.safe_load_all(fixed))
    list(YAML(typ="rt").load_all(fixed))

    # Line endings: no bare LF in a CRLF file, no CR in an LF file.
    if "\r\n" in case.text:
        assert fixed.count("\n") == fixed.count("\r\n")
    else:
        assert "\r" not in fixed
    assert fixed.endswith("\n") == case.text.endswith("\n")

    # Converged: nothing fixable left, and a second fix changes nothing.
    unsafe = "--unsafe-fixes" in case.args
    _, again = fix(path, args)
    assert path.read_bytes() == fixed.encode("utf-8"), "a second --fix changed the file"
    fixable = [
        f
        for f in again["findings"]
        if f["fix"]["available"] and (unsafe or f["fix"]["applicability"] == "safe")
    ]
    assert fixable == []

    # Every comment is still there.
    assert comment_texts(fixed) == comment_texts(case.text)

    # The data differs only where the fixes may touch it.
    assert len(after_docs) == len(before_docs)
    for before, after in zip(before_docs, after_docs, strict=True):
        unquote_non_strings(before, after, case.kind)
        if isinstance(after, dict):
            template = template_of(after, case.kind)
            pod_metadata = (template or {}).get("metadata") or {}
            for key, value in (pod_metadata.get("annotations") or {}).items():
                if str(key).startswith(PREFIX):
                    assert isinstance(value, str), f"{key}: {value!r}"
        assert scrub(after, case.kind) == scrub(before, case.kind)
