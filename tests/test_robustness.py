"""Robustness: no input makes ekslint crash, and hostile input costs bounded work.

A linter runs on files nobody has vetted (pull requests, rendered charts), so whatever the
bytes, ``ekslint.cli.main`` returns 0, 1 or 2, the JSON report parses and has
``findings``/``errors``/``summary``, every position points into the file, ``--fix`` never
rewrites a file that has input errors, and what it writes still reads.

Two kinds of input are generated: Kubernetes manifests built from random objects and written in
random YAML styles (``manifests()``), and real-looking manifests with random byte-level damage
(``mutated_manifests()``). ``scripts/fuzz.py`` drives the same strategies for a longer run.

The hostile-input tests check bounded work: alias bombs, deep nesting, a million documents, and
100 MB inputs. The last ones run in a subprocess, started from a small launcher so that its
ru_maxrss is its own (see ``LAUNCHER``). The 150 MB limit is checked for the largest process,
with one process (``--jobs 1``) and with the default worker processes.

At the end, regression tests for what fuzzing found in the core.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import bench_module
from ekslint.cli import main
from ekslint.input import read
from ekslint.input.yamlnodes import MappingNode, SequenceNode, compose_documents, plain_scalar_type

ROOT = Path(__file__).resolve().parents[1]

# --------------------------------------------------------------------------------------------
# Running the command line in-process and checking the report
# --------------------------------------------------------------------------------------------


def run_main(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def line_count(data: bytes) -> int:
    """Lines in the file: only \\n breaks a line, as in every editor."""
    return data.count(b"\n") + 1


def check_report(code: int, out: str, err: str, data: bytes) -> dict[str, Any]:
    """The contract of a JSON run over ``data``; returns the parsed report."""
    assert code in (0, 1, 2), (code, err[-2000:])
    assert "Traceback" not in err and "Traceback" not in out, err[-4000:]
    report = json.loads(out)
    assert isinstance(report, dict), out[:200]
    assert {"findings", "errors", "summary"} <= report.keys(), sorted(report)
    lines = line_count(data)
    for error in report["errors"]:
        assert isinstance(error["path"], str) and error["path"], error
        assert isinstance(error["line"], int) and error["line"] >= 0, error
        assert isinstance(error["column"], int) and error["column"] >= 0, error
        assert error["line"] <= lines + 1, (error, lines)
        assert isinstance(error["message"], str) and error["message"].strip(), error
    for finding in report["findings"]:
        assert isinstance(finding["line"], int) and finding["line"] >= 1, finding
        assert isinstance(finding["column"], int) and finding["column"] >= 1, finding
        assert finding["line"] <= lines + 1, (finding, lines)
        assert isinstance(finding["rule"], str) and finding["message"], finding
    assert report["summary"]["findings"] == len(report["findings"])
    # §8: 2 when an input could not be read, else 1 when findings remain, else 0.
    if report["errors"]:
        assert code == 2, (code, report["errors"])
    else:
        assert code == (1 if report["findings"] else 0), (code, report["summary"])
    return report


# Command-line settings that change what the rules look for.
OPTIONS: list[list[str]] = [
    [],
    [],
    ["--http-registry", "10.0.0.1:5000", "--insecure-registry", "harbor.corp.example"],
    ["--trusted-registry", "harbor.corp.example:8443", "--http-registry", "[fd00::1]:5000"],
    ["--platform", "aliyun-eci"],
    ["--select", "EKS0", "--ignore", "EKS018"],
]


EKS_CONFIG = {"kind": "ConfigMap", "name": "eks-config", "namespace": "kube-system"}


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """A hang becomes a failure (TimeoutError) instead of a stuck, ever-growing CI job."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def has_recursive_alias(data: bytes) -> bool:
    """An alias inside its own anchor (``x: &a [*a]``)."""
    if b"*" not in data:
        return False
    for chunk in read.iter_chunks(io.BytesIO(data), "-"):
        if not isinstance(chunk, read.Chunk):
            continue
        try:
            roots = list(compose_documents(chunk.text))
        except (yaml.YAMLError, RecursionError):  # no graph to look at
            continue
        if any(root is not None and _cyclic(root) for root in roots):
            return True
    return False


def _cyclic(root: Any) -> bool:
    def children(node: Any) -> Iterator[Any]:
        if isinstance(node, MappingNode):
            return (n for pair in node.value for n in pair)
        if isinstance(node, SequenceNode):
            return iter(node.value)
        return iter(())

    state = {id(root): 1}  # 1: on the current path, 2: done
    stack = [(root, children(root))]
    while stack:
        node, pending = stack[-1]
        child = next(pending, None)
        if child is None:
            state[id(node)] = 2
            stack.pop()
        elif state.get(id(child)) == 1:
            return True
        elif id(child) not in state:
            state[id(child)] = 1
            stack.append((child, children(child)))
    return False


def check_input(folder: Path, data: bytes, unsafe: bool = False, options: int = 0) -> None:
    """Lint ``data``, then fix it in place: the whole contract for one input."""
    with time_limit(60):
        _check_input(folder, data, unsafe, options)


def _check_input(folder: Path, data: bytes, unsafe: bool, options: int) -> None:
    path = folder / "m.yaml"
    path.write_bytes(data)
    args = [str(path), "--isolated", "--format", "json", *OPTIONS[options % len(OPTIONS)]]
    linted = check_report(*run_main(args), data)

    code, out, err = run_main([*args, "--fix", *(["--unsafe-fixes"] if unsafe else [])])
    after = path.read_bytes()
    fixed = check_report(code, out, err, after)
    if linted["errors"] or fixed["errors"]:
        assert after == data, "a file with input errors was rewritten"
    elif after != data:
        # A fix never breaks a file: what was written still reads without errors.
        relinted = check_report(*run_main(args), after)
        assert not relinted["errors"], (relinted["errors"], after[:2000])


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for every example (hypothesis runs many examples per function fixture)."""
    return tmp_path_factory.mktemp("robustness")


# --------------------------------------------------------------------------------------------
# Generated manifests: random objects ...
# --------------------------------------------------------------------------------------------

HTTP_KEY = "eks.tke.cloud.tencent.com/registry-http-endpoint"
INSECURE_KEY = "eks.tke.cloud.tencent.com/registry-insecure-skip-verify"

REGISTRIES = [
    "10.0.0.1:5000",
    "10.16.100.174:5000",
    "192.168.1.10",
    "[fd00::1]:5000",
    "[::1]",
    "localhost:5000",
    "registry:5000",
    "harbor.corp.example",
    "harbor.corp.example:8443",
    "ccr.ccs.tencentyun.com",
    "hkccr.ccs.tencentyun.com",
    "demo.tencentcloudcr.com",
    "docker.io",
    "index.docker.io",
    "registry-1.docker.io",
    "ghcr.io",
    "quay.io",
    "gcr.io",
    "docker.i0",
    "dockerhub.io",
    "Harbor.Corp.Example",
    "exa_mple.com:5000",
    "10.0.0.1:99999",
    "10.0.0.1:abc",
]

ANNOTATION_KEYS = [
    HTTP_KEY,
    INSECURE_KEY,
    "eks.tke.cloud.tencent.com/registry-http-endpoints",
    "eks.tke.cloud.tencent.com/registry-http-endpiont",
    "eks.tke.cloud.tencent.com/retain-ip",
    "eks.tke.cloud.tencent.com/cpu-type",
    "eks.tke.cloud.tencent.com/",
    "EKS.TKE.CLOUD.TENCENT.COM/registry-http-endpoint",
    "k8s.aliyun.com/eci-use-specs",
    "ekslint.io/ignore",
    "kubernetes.io/change-cause",
    "prometheus.io/scrape",
]

SUPPRESSION_COMMENTS = [
    "# ekslint: ignore[EKS003] the port is added by a mutating webhook",
    "# ekslint: ignore",
    "# ekslint: file-ignore[EKS012]",
    "# ekslint: ignore[EKS999]",
    "# ekslint: ignore[EKS003",
    "# ekslint:",
]


class Raw:
    """A scalar written verbatim (a template, a tagged value, deliberately odd text)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class Merge:
    """A mapping written as ``{<<: base, **extra}`` (``base`` may be an alias)."""

    __slots__ = ("base", "extra")

    def __init__(self, base: dict[str, Any], extra: dict[str, Any]) -> None:
        self.base = base
        self.extra = extra


def texts(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    """Mostly printable text; now and then any code point (control characters are errors)."""
    printable = st.text(
        st.characters(max_codepoint=0xFFFF, exclude_categories=("Cc", "Cs")),
        min_size=min_size,
        max_size=max_size,
    )
    anything = st.text(min_size=min_size, max_size=max_size)
    return st.one_of(*[printable] * 9, anything)


names = st.sampled_from(["a", "web", "app-1", "sidecar", "x" * 63, "Bad_Name", "", "名前"])
namespaces = st.sampled_from([None, "default", "shop", "kube-system", ""])
host_list_separators = st.sampled_from([",", ", ", " ", ";", ",,", " , ", "\n", "\t"])


@st.composite
def images(draw: st.DrawFn) -> Any:
    kind = draw(st.integers(0, 9))
    if kind == 0:  # deliberately odd: placeholders, garbage, wrong types
        return draw(
            st.one_of(
                st.sampled_from(
                    [
                        "",
                        " ",
                        "{{ .Values.image }}",
                        "${IMAGE}",
                        "<no value>",
                        "REPLACE_ME",
                        "nginx:",
                        "nginx@sha256:abc",
                        "a//b",
                        "UPPER/Case:1",
                        "http://10.0.0.1:5000/a:1",
                        "10.0.0.1:5000/",
                        "[fd00::1/a:1",
                        "::1/a",
                        "a:" + "1" * 200,
                    ]
                ),
                texts(40),
                st.integers(),
                st.booleans(),
                st.none(),
                st.lists(st.just("nginx"), max_size=2),
                st.just(Raw("!!binary aGVsbG8=")),
            )
        )
    registry = draw(st.sampled_from(["", "", *REGISTRIES, "{{ .Values.registry }}"]))
    parts = draw(
        st.lists(
            st.sampled_from(["library", "nginx", "team", "app", "b-c", "x.y", "a__b", "Up"]),
            min_size=1,
            max_size=3,
        )
    )
    tag = draw(
        st.sampled_from(
            [
                "",
                ":1",
                ":latest",
                ":v1.2.3",
                ":{{ .Values.tag }}",
                "@sha256:" + "a" * 64,
                ":1@sha256:" + "0" * 64,
                ":-x",
                "@sha256:zz",
            ]
        )
    )
    return (registry + "/" if registry else "") + "/".join(parts) + tag


@st.composite
def annotation_values(draw: st.DrawFn) -> Any:
    kind = draw(st.integers(0, 7))
    if kind == 0:
        return draw(
            st.one_of(
                st.booleans(),
                st.integers(),
                st.none(),
                st.lists(st.sampled_from(REGISTRIES), max_size=2),
                texts(30),
                st.sampled_from(["*", "true", "EKS003,EKS999", "EKS0", "", " "]),
            )
        )
    hosts = draw(
        st.lists(
            st.one_of(
                st.sampled_from(REGISTRIES),
                st.sampled_from(["*", "", " ", "fd00::1", "http://10.0.0.1:5000", "10.0.0.1"]),
            ),
            max_size=4,
        )
    )
    return draw(host_list_separators).join(hosts)


@st.composite
def annotation_maps(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(
        st.lists(
            st.one_of(st.sampled_from(ANNOTATION_KEYS), texts(20, 1)),
            max_size=4,
            unique=True,
        )
    )
    return {key: draw(annotation_values()) for key in keys}


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), texts(12)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(texts(8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def containers(draw: st.DrawFn) -> list[Any]:
    items: list[Any] = []
    for _ in range(draw(st.integers(0, 3))):
        container: dict[str, Any] = {"name": draw(names), "image": draw(images())}
        if draw(st.integers(0, 9)) == 0:
            del container["image"]
        if draw(st.booleans()):
            container["ports"] = [{"containerPort": draw(st.integers(-1, 70000))}]
        if draw(st.integers(0, 3)) == 0:
            container["env"] = [{"name": "A", "value": draw(texts(10))}]
        if draw(st.integers(0, 5)) == 0:
            container["imagePullPolicy"] = draw(st.sampled_from(["Always", "IfNotPresent", 1]))
        if items and draw(st.integers(0, 4)) == 0:
            # The same container twice (an alias), or a merge key on top of it.
            if draw(st.booleans()):
                items.append(items[-1])
                continue
            base = items[-1] if isinstance(items[-1], dict) else container
            items.append(Merge(base, {"name": draw(names), "image": draw(images())}))
            continue
        items.append(container)
    return items


@st.composite
def pod_specs(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 30)) == 0:
        return draw(st.one_of(st.none(), texts(5), st.lists(st.none(), max_size=1)))
    spec: dict[str, Any] = {}
    shape = draw(st.integers(0, 20))
    spec["containers"] = (
        None
        if shape == 0
        else {"name": "a", "image": "nginx"}
        if shape == 1
        else draw(containers())
    )
    if shape == 2:
        del spec["containers"]
    if draw(st.integers(0, 3)) == 0:
        spec["initContainers"] = draw(containers())
    if draw(st.integers(0, 8)) == 0:
        spec["ephemeralContainers"] = draw(containers())
    if draw(st.integers(0, 2)) == 0:
        spec["imagePullSecrets"] = draw(
            st.one_of(
                st.lists(st.fixed_dictionaries({"name": names}), max_size=2),
                st.lists(names, max_size=2),
                st.none(),
            )
        )
    if draw(st.integers(0, 3)) == 0:
        spec["serviceAccountName"] = draw(st.one_of(names, st.integers()))
    if draw(st.integers(0, 5)) == 0:
        spec[draw(texts(8))] = draw(json_values)
    return spec


@st.composite
def pod_templates(draw: st.DrawFn, shared_annotations: dict[str, Any] | None = None) -> Any:
    metadata: dict[str, Any] = {"labels": {"app": draw(names)}}
    spec = draw(pod_specs())
    if shared_annotations is not None:
        metadata["annotations"] = shared_annotations
    elif draw(st.booleans()):
        metadata["annotations"] = draw(related_annotations(spec))
    elif draw(st.booleans()):
        metadata["annotations"] = draw(annotation_maps())
    return {"metadata": metadata, "spec": spec}


@st.composite
def related_annotations(draw: st.DrawFn, spec: Any) -> dict[str, Any]:
    """Registry annotations about the pod's own images, right or slightly wrong."""
    hosts = []
    for key in ("containers", "initContainers"):
        items = spec.get(key) if isinstance(spec, dict) else None
        for item in items if isinstance(items, list) else []:
            image = item.get("image") if isinstance(item, dict) else None
            if isinstance(image, str) and "/" in image:
                hosts.append(image.split("/", 1)[0])
    entries = []
    for host in hosts:
        change = draw(st.integers(0, 5))
        if change == 0 and ":" in host and not host.endswith("]"):
            host = host.rsplit(":", 1)[0]  # the port is missing
        elif change == 1:
            host = "*"
        elif change == 2:
            host = draw(st.sampled_from(REGISTRIES))
        entries.append(host)
    separator = draw(st.sampled_from([",", ",", ", ", ";", " "]))
    values = {draw(st.sampled_from([HTTP_KEY, HTTP_KEY, INSECURE_KEY])): separator.join(entries)}
    if draw(st.integers(0, 3)) == 0:
        values[draw(st.sampled_from(ANNOTATION_KEYS))] = draw(annotation_values())
    return values


WORKLOADS = {
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "DaemonSet": "apps/v1",
    "ReplicaSet": "apps/v1",
    "ReplicationController": "v1",
    "Job": "batch/v1",
    "Rollout": "argoproj.io/v1alpha1",
    "CloneSet": "apps.kruise.io/v1alpha1",
    "Widget": "example.com/v1",
}


def render_annotation_block(values: dict[str, Any]) -> str:
    """The text of eks-config's ``pod.annotations``: a YAML block inside a string."""
    lines = []
    for key, value in values.items():
        lines.append(f"{key}: {json.dumps(value) if not isinstance(value, str) else value}")
    return "\n".join(lines) + "\n"


@st.composite
def kube_objects(draw: st.DrawFn, depth: int = 0) -> Any:
    kind = draw(
        st.sampled_from(
            [
                "Pod",
                "Deployment",
                "Deployment",
                "CronJob",
                "Workload",
                "PodTemplate",
                "ConfigMap",
                "eks-config",
                "ServiceAccount",
                "Secret",
                "List",
                "values",
                "odd",
            ]
        )
    )
    metadata: dict[str, Any] = {"name": draw(names)}
    namespace = draw(namespaces)
    if namespace is not None:
        metadata["namespace"] = namespace
    if draw(st.integers(0, 4)) == 0:
        metadata["annotations"] = draw(annotation_maps())
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": draw(pod_specs())}
    if kind in ("Deployment", "Workload"):
        workload = "Deployment" if kind == "Deployment" else draw(st.sampled_from(list(WORKLOADS)))
        shared = metadata.get("annotations") if draw(st.integers(0, 4)) == 0 else None
        template = draw(pod_templates(shared))
        spec: dict[str, Any] = {"replicas": draw(st.integers(0, 3)), "template": template}
        if workload == "Widget" and draw(st.booleans()):
            spec = {"nested": {"deeper": spec}}
        return {
            "apiVersion": WORKLOADS[workload],
            "kind": workload,
            "metadata": metadata,
            "spec": spec,
        }
    if kind == "CronJob":
        return {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": metadata,
            "spec": {
                "schedule": "0 3 * * *",
                "jobTemplate": {"spec": {"template": draw(pod_templates())}},
            },
        }
    if kind == "PodTemplate":
        return {
            "apiVersion": "v1",
            "kind": "PodTemplate",
            "metadata": metadata,
            "template": draw(pod_templates()),
        }
    if kind in ("ConfigMap", "eks-config"):
        data: dict[str, Any] = {"key": draw(texts(20))}
        if kind == "eks-config":
            metadata = {"name": "eks-config", "namespace": "kube-system"}
            values = draw(annotation_maps())
            data["pod.annotations"] = draw(
                st.one_of(st.just(render_annotation_block(values)), texts(40))
            )
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}
    if kind == "ServiceAccount":
        return {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": metadata,
            "imagePullSecrets": [{"name": draw(names)}],
        }
    if kind == "Secret":
        hosts = draw(st.lists(st.sampled_from(REGISTRIES), max_size=3))
        config = json.dumps({"auths": {h: {"auth": "eDp5"} for h in hosts}})
        encoded = draw(
            st.one_of(
                st.just(base64.b64encode(config.encode()).decode()),
                st.just(config),
                texts(20),
            )
        )
        section = draw(st.sampled_from(["data", "stringData"]))
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": metadata,
            "type": draw(st.sampled_from(["kubernetes.io/dockerconfigjson", "Opaque", 3])),
            section: {draw(st.sampled_from([".dockerconfigjson", ".dockercfg"])): encoded},
        }
    if kind == "List" and depth < 2:
        items = draw(st.lists(kube_objects(depth + 1), max_size=3))
        return {"apiVersion": "v1", "kind": "List", "items": items}
    if kind == "values":
        return {"replicaCount": 2, "image": {"repository": draw(images()), "tag": "1"}}
    # Odd documents: wrong types where ekslint looks.
    return draw(
        st.sampled_from(
            [
                {"apiVersion": 1, "kind": ["Pod"], "metadata": None, "spec": None},
                {"kind": "Pod", "spec": {"containers": [{"image": 123}]}},
                {"apiVersion": "v1", "kind": "Pod", "metadata": "x", "spec": []},
                {"apiVersion": "v1", "kind": "List", "items": None},
                {"apiVersion": "v1", "kind": "List", "items": ["a", None, 1]},
                ["a", "list", "document"],
                "a scalar document",
                None,
            ]
        )
    )


# --------------------------------------------------------------------------------------------
# ... written in random YAML styles
# --------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./@:=+ -]*")
COMMENTS = ["# a comment", "#", "# ---", "#: not a key", "# {{ not a template }}"]


class Emitter:
    """Writes Python values as YAML with random (valid) choices of style at every node."""

    def __init__(self, rnd: random.Random, root: Any) -> None:
        self.rnd = rnd
        self.step = rnd.choice([2, 2, 2, 4, 1, 3])
        self.seq_indent = rnd.choice([0, self.step])  # `- ` under its key, or indented
        self.flow_bias = rnd.choice([0.0, 0.05, 0.3, 1.0])
        self.comment_bias = rnd.choice([0.0, 0.0, 0.0, 0.05, 0.2])
        self.quote_bias = rnd.choice([0.0, 0.3, 0.8])
        self.anchors: dict[int, str] = {}
        self.shared = self._shared(root)

    @staticmethod
    def _shared(root: Any) -> set[int]:
        seen: set[int] = set()
        shared: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if not isinstance(node, (dict, list, Merge)):
                continue
            if id(node) in seen:
                shared.add(id(node))
                continue
            seen.add(id(node))
            if isinstance(node, dict):
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
            else:
                stack.append(node.base)
                stack.extend(node.extra.values())
        return shared

    # -- pieces -----------------------------------------------------------------------------

    def comment(self) -> str | None:
        if self.comment_bias and self.rnd.random() < self.comment_bias:
            return self.rnd.choice(COMMENTS + SUPPRESSION_COMMENTS)
        return None

    def anchor(self, node: Any) -> str:
        """``&aN `` the first time a shared node is written, else ``""``."""
        if id(node) in self.shared and id(node) not in self.anchors:
            self.anchors[id(node)] = f"a{len(self.anchors)}"
            return f"&{self.anchors[id(node)]} "
        return ""

    def alias(self, node: Any) -> str | None:
        name = self.anchors.get(id(node))
        return f"*{name}" if name else None

    def text(self, value: str) -> str:
        rnd = self.rnd
        if (
            _PLAIN.fullmatch(value)
            and not value.endswith((" ", ":"))
            and ": " not in value
            and " #" not in value
            and (plain_scalar_type(value) == "str" or rnd.random() < 0.2)
            and rnd.random() >= self.quote_bias
        ):
            return value
        if "\n" not in value and "'" not in value and rnd.random() < 0.4:
            return "'" + value + "'"
        return json.dumps(value, ensure_ascii=rnd.random() < 0.5)

    def scalar(self, value: Any, flow: bool) -> str:
        if isinstance(value, Raw):
            return value.text
        if value is None:
            return self.rnd.choice(["null", "~"] if flow else ["null", "~", ""])
        if isinstance(value, bool):
            return self.rnd.choice(["true", "True"] if value else ["false", "False"])
        if isinstance(value, (int, float)):
            return str(value)
        return self.text(str(value))

    def mapping_items(self, node: dict[str, Any] | Merge) -> list[tuple[str, Any]]:
        if isinstance(node, Merge):
            return [("<<", node.base), *node.extra.items()]
        return list(node.items())

    def key(self, key: Any) -> str:
        if key == "<<":
            return "<<"
        return self.text(str(key))

    # -- flow -------------------------------------------------------------------------------

    def flow(self, node: Any) -> str:
        alias = self.alias(node)
        if alias:
            return alias
        if isinstance(node, (dict, Merge)):
            anchor = self.anchor(node)
            body = ", ".join(self.flow_entry(k, v) for k, v in self.mapping_items(node))
            return f"{anchor}{{{body}}}"
        if isinstance(node, list):
            anchor = self.anchor(node)
            return f"{anchor}[{', '.join(self.flow(v) for v in node)}]"
        return self.scalar(node, flow=True)

    def flow_entry(self, key: Any, value: Any) -> str:
        if value is None and key != "<<" and self.rnd.random() < 0.2:
            return self.key(key)  # `{x}`: a key with no colon, its value null
        return f"{self.key(key)}: {self.flow(value)}"

    # -- block ------------------------------------------------------------------------------

    def is_block(self, node: Any) -> bool:
        if isinstance(node, Merge):
            return self.alias(node) is None and self.rnd.random() >= self.flow_bias
        return (
            isinstance(node, (dict, list))
            and bool(node)
            and self.alias(node) is None
            and self.rnd.random() >= self.flow_bias
        )

    def literal(self, value: Any) -> bool:
        return isinstance(value, str) and ("\n" in value or self.rnd.random() < 0.03)

    def block_mapping(self, node: dict[str, Any] | Merge, indent: int, out: list[str]) -> None:
        pad = " " * indent
        for key, value in self.mapping_items(node):
            comment = self.comment()
            if comment:
                out.append(pad + comment)
            head = f"{pad}{self.key(key)}:"
            if value is None and key != "<<" and self.rnd.random() < 0.1:
                out.append(f"{pad}? {self.key(key)}")  # an explicit key with no value
            elif self.is_block(value):
                anchor = self.anchor(value).strip()
                out.append(head + (" " + anchor if anchor else ""))
                self.block(value, indent, out)
            elif self.literal(value) and not value.startswith((" ", "\n")):
                # Single lines keep their value (`|-`); several lines may gain a newline.
                styles = ["|", "|-", "|+", ">"] if "\n" in value else ["|-", ">-"]
                out.append(f"{head} {self.rnd.choice(styles)}")
                step = " " * (indent + self.step)
                out.extend(step + line if line else "" for line in value.split("\n"))
            else:
                inline = self.flow(value)
                trailing = self.comment()
                line = f"{head} {inline}" if inline else head
                out.append(f"{line}  {trailing}" if trailing and inline else line)

    def block_sequence(self, node: list[Any], indent: int, out: list[str]) -> None:
        pad = " " * indent
        for item in node:
            comment = self.comment()
            if comment:
                out.append(pad + comment)
            if self.is_block(item):
                anchor = self.anchor(item).strip()
                inner: list[str] = []
                if isinstance(item, list):
                    self.block_sequence(item, indent + 2, inner)
                else:
                    self.block_mapping(item, indent + 2, inner)
                if anchor:
                    out.append(f"{pad}- {anchor}")
                    out.extend(inner)
                else:
                    out.append(f"{pad}- {inner[0][indent + 2 :]}")
                    out.extend(inner[1:])
            else:
                inline = self.flow(item)
                out.append(f"{pad}- {inline}" if inline else f"{pad}-")

    def block(self, node: Any, parent: int, out: list[str]) -> None:
        """A block collection that is the value of a key at indent ``parent``."""
        if isinstance(node, list):
            self.block_sequence(node, parent + self.seq_indent, out)
        else:
            self.block_mapping(node, parent + self.step, out)

    def document(self, node: Any) -> str:
        out: list[str] = []
        choice = self.rnd.random()
        if isinstance(node, (dict, Merge)) and node and choice < 0.9:
            self.block_mapping(node, 0, out)
        elif isinstance(node, list) and node and choice < 0.9:
            self.block_sequence(node, 0, out)
        elif choice < 0.95 and isinstance(node, (dict, list)):
            out.append(json.dumps(node, indent=self.rnd.choice([None, 2]), default=str))
        else:
            out.append(self.flow(node))
        return "\n".join(out) + "\n"


@st.composite
def manifests(draw: st.DrawFn) -> bytes:
    """A stream of 1-4 generated documents, in random styles, as bytes."""
    documents = draw(st.lists(kube_objects(), min_size=1, max_size=4))
    # Style choices come from a seeded Random: hypothesis' own randoms lean towards 0.0, which
    # would take every rare branch (`rnd.random() < 0.05`) far too often.
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    parts: list[str] = []
    if rnd.random() < 0.05:
        parts.append("%YAML 1.1\n")
    for index, document in enumerate(documents):
        if index or rnd.random() < 0.5 or parts:
            parts.append(rnd.choice(["---\n", "---\n", "--- # next\n", "---  \n"]))
        if rnd.random() < 0.15:
            parts.append(f"# Source: chart/templates/t{index}.yaml\n")
        if rnd.random() < 0.02:  # a raw Helm template: skipped with a note
            parts.append("{{- if .Values.enabled }}\n")
        text = Emitter(rnd, document).document(document)
        parts.append(text)
        if rnd.random() < 0.05:
            parts.append("...\n")
    text = "".join(parts)
    if rnd.random() < 0.1:
        text = text.rstrip("\n")  # no final newline
    if rnd.random() < 0.2:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    if rnd.random() < 0.05:
        data = b"\xef\xbb\xbf" + data
    return data


# --------------------------------------------------------------------------------------------
# Mutated bytes of real-looking manifests
# --------------------------------------------------------------------------------------------


def seed_manifests() -> list[bytes]:
    """The project's own example and fixture manifests: real-looking, every rule covered."""
    paths = sorted((ROOT / "examples").rglob("*.yaml")) + sorted(
        (ROOT / "tests" / "fixtures").rglob("*.yaml")
    )
    seeds = [p.read_bytes() for p in paths if p.stat().st_size < 16_000]
    return seeds or [b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: []}\n"]


SEEDS = seed_manifests()

FRAGMENTS = [
    b"---\n",
    b"\n---\n",
    b"...\n",
    b"--- |\n",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",  # an encoded surrogate
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b"\xef\xbb\xbf",  # UTF-8 BOM
    b"\xff\xfe",
    b"\xfe\xff",
    b"\t",
    b"\r",
    b"\r\n",
    b"\x85",
    "\u2028".encode(),
    "\u0085".encode(),
    "\ufeff".encode(),
    b"\x1b[31m",
    "é😀".encode(),
    b"[" * 1100,
    b"[" * 990 + b"]" * 990,
    b"{a: " * 990 + b"1" + b"}" * 990,
    b"- " * 1100 + b"x\n",
    "".join(" " * i + "k:\n" for i in range(1010)).encode(),
    b"&a ",
    b"*a",
    b"*a ",
    b"<<: *a\n",
    b"<<: [*a, *a]\n",
    b"{{ .Values.x }}",
    b"{{- range . }}\n",
    b"!!binary ",
    b"!!str ",
    b"!!int ",
    b"!custom ",
    b"!<tag:x> ",
    b"? ",
    b": ",
    b"- ",
    b"%YAML 1.1\n",
    b"%TAG ! tag:x,2000:\n",
    b"# ekslint: ignore[EKS003]\n",
    b"# ekslint: file-ignore\n",
    b"'",
    b'"',
    b"|",
    b"|2-\n",
    b">",
    b"#",
    b"\\",
    b"\\x",
    b"image: 10.0.0.1:5000/a:1\n",
    b"image: [fd00::1]:5000/a:1\n",
    b"eks.tke.cloud.tencent.com/registry-http-endpoint: ",
    b"containers: null\n",
    b"kind: List\nitems:\n",
    b"a" * 5000,
]

OPS = ("insert", "delete", "replace", "truncate", "fragment", "dup-line", "indent", "flip")


def mutate(data: bytes, ops: list[tuple[str, int, int, bytes]]) -> bytes:
    buffer = bytearray(data)
    for op, at, size, payload in ops:
        position = at % (len(buffer) + 1)
        if op == "insert":
            buffer[position:position] = payload
        elif op == "delete":
            del buffer[position : position + size % 64 + 1]
        elif op == "replace" and buffer:
            end = position + max(1, len(payload))
            buffer[position:end] = payload or b"\x00"
        elif op == "truncate":
            del buffer[position:]
        elif op == "fragment":
            buffer[position:position] = FRAGMENTS[size % len(FRAGMENTS)]
        elif op in ("dup-line", "indent"):
            start = buffer.rfind(b"\n", 0, position) + 1
            end = buffer.find(b"\n", position)
            end = len(buffer) if end < 0 else end + 1
            if op == "dup-line":
                buffer[end:end] = buffer[start:end]
            elif size % 2:
                buffer[start:start] = b" " * (size % 5 + 1)
            else:
                del buffer[start : start + min(size % 5 + 1, len(buffer) - start)]
        elif op == "flip" and buffer:
            position = min(position, len(buffer) - 1)
            buffer[position] ^= 1 << (size % 8)
    return bytes(buffer)


mutations = st.lists(
    st.tuples(
        st.sampled_from(OPS),
        st.integers(0, 1 << 20),
        st.integers(0, 1 << 10),
        st.binary(max_size=8),
    ),
    min_size=1,
    max_size=6,
)


@st.composite
def mutated_manifests(draw: st.DrawFn) -> bytes:
    base = draw(st.one_of(st.sampled_from(SEEDS), manifests()))
    return mutate(base, draw(mutations))


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

FUZZ_SETTINGS = settings(
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)


@pytest.mark.slow
@FUZZ_SETTINGS
@given(data=manifests(), unsafe=st.booleans(), options=st.integers(0, len(OPTIONS) - 1))
def test_generated_manifests_keep_the_contract(
    workdir: Path, data: bytes, unsafe: bool, options: int
) -> None:
    check_input(workdir, data, unsafe, options)


@pytest.mark.slow
@FUZZ_SETTINGS
@given(data=mutated_manifests(), unsafe=st.booleans(), options=st.integers(0, len(OPTIONS) - 1))
def test_mutated_manifests_keep_the_contract(
    workdir: Path, data: bytes, unsafe: bool, options: int
) -> None:
    check_input(workdir, data, unsafe, options)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(0, len(SEEDS), max(1, len(SEEDS) // 12)))
def test_every_line_cut_of_a_seed(workdir: Path, seed: int) -> None:
    """Truncating a real manifest at every line (a half-written file) never breaks the contract."""
    data = SEEDS[seed]
    for cut in [i + 1 for i, byte in enumerate(data) if byte == 0x0A][:80]:
        check_input(workdir, data[:cut] + b"x: [\n", unsafe=False)
        check_input(workdir, data[: cut - 1], unsafe=False)


@pytest.mark.slow
def test_generated_manifests_mostly_parse(workdir: Path) -> None:
    """The generator is worth its name: most of what it writes is valid YAML with findings."""
    outcomes = {"clean": 0, "findings": 0, "errors": 0}

    @settings(max_examples=150, derandomize=True, database=None)
    @given(data=manifests())
    def sample(data: bytes) -> None:
        path = workdir / "sample.yaml"
        path.write_bytes(data)
        code, _, _ = run_main([str(path), "--isolated", "--format", "json"])
        outcomes[["clean", "findings", "errors"][code]] += 1

    sample()
    total = sum(outcomes.values())
    assert outcomes["findings"] > total // 5, outcomes
    assert outcomes["errors"] < total * 3 // 4, outcomes


# --------------------------------------------------------------------------------------------
# Bounded work on hostile input
# --------------------------------------------------------------------------------------------


def lint_file(path: Path) -> tuple[int, dict[str, Any], str, float]:
    started = time.perf_counter()
    code, out, err = run_main([str(path), "--isolated", "--format", "json"])
    elapsed = time.perf_counter() - started
    assert "Traceback" not in err
    return code, json.loads(out), err, elapsed


def alias_bomb(levels: int = 9, width: int = 10) -> bytes:
    lines = ["apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: lol", "data:"]
    lines.append(f"  l0: &l0 [{', '.join(['lol'] * width)}]")
    for level in range(1, levels):
        lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    "shape",
    ["flow-sequence", "block-sequence", "mapping-in-flow", "pod-spec-under-flow"],
)
def test_alias_bomb_is_refused_quickly(tmp_path: Path, shape: str) -> None:
    bomb = alias_bomb()
    if shape == "block-sequence":  # the same bomb with block sequences
        lines = ["apiVersion: v1", "kind: ConfigMap", "metadata: {name: lol}", "data:", "  l0: &l0"]
        lines += ["    - lol"] * 10
        for level in range(1, 9):
            lines += [f"  l{level}: &l{level}"] + [f"    - *l{level - 1}"] * 10
        bomb = ("\n".join(lines) + "\n").encode()
    elif shape == "mapping-in-flow":
        lines = ["kind: ConfigMap", "apiVersion: v1", "l0: &l0 {a: 1, b: 2, c: 3}"]
        for level in range(1, 10):
            items = ", ".join(f"k{i}: *l{level - 1}" for i in range(10))
            lines.append(f"l{level}: &l{level} {{{items}}}")
        bomb = ("\n".join(lines) + "\n").encode()
    elif shape == "pod-spec-under-flow":  # where ekslint looks: a pod's containers
        lines = ["apiVersion: v1", "kind: Pod", "metadata: {name: p}", "x:"]
        lines.append("  l0: &l0 [{name: a, image: 10.0.0.1:5000/a}]")
        for level in range(1, 9):
            lines.append(f"  l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 10)}]")
        lines.append("spec: {containers: *l8}")
        bomb = ("\n".join(lines) + "\n").encode()
    path = tmp_path / "bomb.yaml"
    path.write_bytes(bomb)
    code, report, _, elapsed = lint_file(path)
    assert code == 2, report
    (error,) = report["errors"]
    assert "alias" in error["message"], error
    assert error["line"] >= 1
    assert elapsed < 5, f"alias bomb took {elapsed:.1f} s"  # ~0.01 s; CI machines are noisy


def test_alias_bomb_with_fix_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    bomb = alias_bomb()
    path.write_bytes(bomb)
    code, out, err = run_main([str(path), "--isolated", "--format", "json", "--fix"])
    check_report(code, out, err, bomb)
    assert code == 2 and path.read_bytes() == bomb


def nesting(shape: str, depth: int) -> bytes:
    if shape == "flow-sequence":
        return b"a: " + b"[" * depth + b"]" * depth + b"\n"
    if shape == "flow-mapping":
        return b"a: " + b"{a: " * depth + b"1" + b"}" * depth + b"\n"
    if shape == "block-sequence":  # `- - - ... x` on one line
        return b"- " * depth + b"x\n"
    if shape == "block-mapping":  # one more space of indentation for each level: ~50 MB
        return b"".join(b" " * i + b"k:\n" for i in range(depth)) + b" " * depth + b"v: 1\n"
    if shape == "in-pod-spec":  # just under the parser's limit, where ekslint walks
        inner = b"{spec: " * (depth - 12)
        pod = b"apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: " + inner
        pod += b"{containers: [{name: a, image: 10.0.0.1:5000/a}]}" + b"}" * (depth - 12)
        return pod + b"\n"
    raise AssertionError(shape)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("shape", "depth"),
    [
        ("flow-sequence", 10_000),
        ("flow-mapping", 10_000),
        ("block-sequence", 10_000),
        ("block-mapping", 10_000),
        ("in-pod-spec", 995),
    ],
)
def test_deep_nesting_is_an_error_not_a_crash(tmp_path: Path, shape: str, depth: int) -> None:
    path = tmp_path / "deep.yaml"
    data = nesting(shape, depth)
    path.write_bytes(data)
    code, out, err = run_main([str(path), "--isolated", "--format", "json"])
    report = check_report(code, out, err, data)
    if shape == "in-pod-spec":  # 995 levels parse; the generic pod search finds the pod
        assert code in (1, 2), report
        return
    assert code == 2
    (error,) = report["errors"]
    assert re.search(r"nest", error["message"]), error
    # The text report names the place, on one line.
    code, out, err = run_main([str(path), "--isolated"])
    assert code == 2 and "Traceback" not in err
    assert re.search(r"deep\.yaml:\d+:\d+: .*nest", err), err


def test_deep_nesting_with_fix_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    data = nesting("flow-sequence", 10_000)
    path.write_bytes(data)
    code, out, err = run_main([str(path), "--isolated", "--format", "json", "--fix"])
    check_report(code, out, err, data)
    assert path.read_bytes() == data


# Children forked from pytest would carry its memory into their ru_maxrss (Linux keeps the peak
# of the image a process had before exec). The benchmark's launcher (bench/launcher.py) starts
# small, forks the command, and reports the command's own figures: ru_maxrss (its largest
# process, the bench's measure) and the peak of the whole process tree's RSS summed, sampled
# every 50 ms (workers included).
LAUNCHER = ROOT / "bench" / "launcher.py"


class Measured:
    def __init__(self, figures: dict[str, Any], report: dict[str, Any], stderr: str) -> None:
        self.code: int = os.waitstatus_to_exitcode(figures["status"])
        self.seconds: float = figures["seconds"]
        self.rss_mb: float = figures["maxrss"] / 1024  # the largest process (KB on Linux)
        self.tree_mb: float = (figures["tree"] or 0) / 2**20  # all processes, sampled
        self.report = report
        self.stderr = stderr

    def record(self, label: str, record_property: Callable[[str, Any], None]) -> None:
        record_property("seconds", round(self.seconds, 2))
        record_property("peak_rss_mb", round(self.rss_mb, 1))
        record_property("peak_tree_rss_mb", round(self.tree_mb, 1))
        print(
            f"{label}: {self.seconds:.1f} s, peak RSS {self.rss_mb:.0f} MB "
            f"(all processes together: {self.tree_mb:.0f} MB)"
        )


def measure(path: Path, folder: Path, *options: str) -> Measured:
    """Run ``python -m ekslint PATH --isolated --format json`` in a subprocess and measure it."""
    out, err = folder / "report.json", folder / "stderr.txt"
    command = [sys.executable, "-m", "ekslint", str(path), "--isolated", "--format", "json"]
    job = {
        "argv": [*command, *options],
        "cwd": str(folder),
        "env": dict(os.environ),
        "stdout": str(out),
        "stderr": str(err),
        "sample": True,
    }
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(LAUNCHER)],
        input=json.dumps(job) + "\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    stderr = err.read_text(errors="replace")
    assert "Traceback" not in stderr, stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    _pid, figures = done.stdout.splitlines()  # {"pid"}, then the figures
    return Measured(json.loads(figures), report, stderr)


@pytest.mark.slow
def test_a_million_documents(tmp_path: Path, record_property: Callable[[str, Any], None]) -> None:
    """1,000,000 tiny documents (9 MB) finish, in flat memory (measured: 5-15 s, < 100 MB)."""
    path = tmp_path / "million.yaml"
    path.write_bytes(b"---\na: 1\n" * 1_000_000)
    run = measure(path, tmp_path)
    run.record("1M documents", record_property)
    assert run.code == 0, run.report["errors"][:3]
    # Every document was read, but none is a Kubernetes object: not counted as checked.
    assert run.report["summary"]["files"] == 0 and not run.report["errors"]
    assert run.rss_mb < 150, f"peak RSS {run.rss_mb:.0f} MB"
    assert run.seconds < 120, f"{run.seconds:.0f} s"  # loose: CI machines are noisy


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [
        pytest.param(("--jobs", "1"), id="jobs-1"),
        # Worker processes (the default on a 100 MB input): see the module docstring.
        pytest.param((), id="default-jobs"),
    ],
)
def test_a_100_mb_stream_stays_within_150_mb(
    tmp_path: Path, record_property: Callable[[str, Any], None], options: tuple[str, ...]
) -> None:
    """A 100 MB file of realistic documents (a large rendered release) stays within a CI runner's
    memory: peak RSS ≤ 150 MB (its largest process, as bench/ measures it), ≤ 100 MiB with
    worker processes. Measured with --jobs 1: ~15 s, ~85 MB; with two workers ~45 MB, all
    processes together ~80 MB."""
    path = tmp_path / "big.yaml"
    documents, _ = bench_module("corpora").write_stream(path, 100_000_000)
    run = measure(path, tmp_path, *options)
    run.record(
        f"100 MB stream ({documents} documents, {options or 'default jobs'})", record_property
    )
    assert run.code == 1 and not run.report["errors"], run.report["errors"][:3]
    assert run.report["summary"]["by_rule"] == {"EKS003": documents // 10}
    assert run.rss_mb <= 150, f"peak RSS {run.rss_mb:.0f} MB"
    if not options:  # each worker holds a batch, the parent the pending findings packed
        assert run.rss_mb <= 100, f"largest process {run.rss_mb:.0f} MiB with workers"
    assert run.seconds < 300, f"{run.seconds:.0f} s"  # loose: CI machines are noisy


@pytest.mark.slow
def test_a_100_mb_single_document(
    tmp_path: Path, record_property: Callable[[str, Any], None]
) -> None:
    """One ConfigMap with a 100 MB value is read, whole: no crash, no error.

    No memory limit: a chunk is a document, held whole in memory (bytes, text and libyaml's
    buffers: ~4.5 × its size at peak, measured). The figures are recorded.
    """
    path = tmp_path / "huge.yaml"
    line = "    " + "x" * 95 + "\n"
    with open(path, "w", encoding="utf-8") as out:
        out.write("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: huge\ndata:\n  blob: |\n")
        out.write(line * (100_000_000 // len(line)))
    run = measure(path, tmp_path)
    run.record("100 MB single document", record_property)
    assert run.code == 0 and not run.report["errors"], run.report["errors"][:3]
    assert run.seconds < 120, f"{run.seconds:.0f} s"


def iter_hostile() -> Iterator[tuple[str, bytes]]:
    """Small hostile inputs for the fuzz script's seed corpus."""
    yield "alias-bomb", alias_bomb()
    for shape in ("flow-sequence", "flow-mapping", "block-sequence", "in-pod-spec"):
        yield f"deep-{shape}", nesting(shape, 995 if shape == "in-pod-spec" else 1_200)


# --------------------------------------------------------------------------------------------
# Found by fuzzing, fixed since: kept as regression tests
# --------------------------------------------------------------------------------------------


def test_annotation_key_without_a_colon(tmp_path: Path) -> None:
    data = (
        b"apiVersion: v1\nkind: Pod\nspec:\n  containers: [{name: a, image: nginx}]\n"
        b"metadata:\n  annotations: {x}\n"
    )
    check_input(tmp_path, data)  # lint and fix: no traceback
    path = tmp_path / "fresh.yaml"
    path.write_bytes(data)
    code, out, err = run_main([str(path), "--isolated", "--format", "json"])
    assert [f["rule"] for f in check_report(code, out, err, data)["findings"]] == ["EKS011"]
    run_main([str(path), "--isolated", "--fix"])
    assert path.read_bytes().endswith(b'annotations: {x: ""}\n')


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85", "\r"])
def test_positions_count_only_newlines(tmp_path: Path, separator: str) -> None:
    text = (
        f'apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {{note: "x{separator}y"}}\n'
        "spec:\n  containers:\n    - name: a\n      image: harbor/team/app:1\n"
    )
    path = tmp_path / "m.yaml"
    path.write_bytes(text.encode())
    report = check_report(*run_main([str(path), "--isolated", "--format", "json"]), text.encode())
    assert [(f["rule"], f["line"], f["column"]) for f in report["findings"]] == [("EKS017", 9, 14)]


def test_yaml_directive_before_the_first_document(tmp_path: Path) -> None:
    data = (
        b"%YAML 1.1\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n"
        b"  containers: [{name: a, image: harbor/team/app:1}]\n"
    )
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    report = check_report(*run_main([str(path), "--isolated", "--format", "json"]), data)
    assert not report["errors"], report["errors"]
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("EKS017", 7)]


def test_suppression_lines_count_only_newlines(tmp_path: Path) -> None:
    data = (
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n# a form feed: \x0c\nspec:\n"
        b"  containers:\n    - name: a\n      image: harbor/team/app:1  # ekslint: ignore[EKS017]\n"
    )
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    report = check_report(*run_main([str(path), "--isolated", "--format", "json"]), data)
    lines = {f["line"] for f in report["findings"] if f["rule"] == "EKS018"}
    assert lines <= {8}, lines


@pytest.mark.parametrize("character", [b"\x0c", b"\x00", b"\x1b"])
def test_a_control_character_is_reported_where_it_is(tmp_path: Path, character: bytes) -> None:
    data = b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: a" + character + b"\n"
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    report = check_report(*run_main([str(path), "--isolated", "--format", "json"]), data)
    (error,) = report["errors"]
    assert (error["line"], error["column"]) == (4, 10), error
    assert "\n" not in error["message"], error["message"]


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (400 * 2**20, 400 * 2**20))


@pytest.mark.parametrize(
    "text",
    [
        "x: &a [*a]\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
        "    - &a {name: a, image: nginx, ports: [*a]}\n",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n"
        "    - &a {<<: *a, name: a, image: nginx}\n",
    ],
    ids=["sequence", "in-a-container", "merge-key"],
)
def test_a_recursive_alias_is_an_error(tmp_path: Path, text: str) -> None:
    """In a subprocess with 400 MB of address space: today it dies of MemoryError in ~6 s."""
    path = tmp_path / "m.yaml"
    path.write_text(text)
    assert has_recursive_alias(text.encode())
    done = subprocess.run(
        [sys.executable, "-m", "ekslint", str(path), "--isolated", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit_memory,
    )
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr, done.stderr[-500:]
    assert done.returncode == 2, done.returncode
    (error,) = json.loads(done.stdout)["errors"]
    assert re.search(r"alias|recursive", error["message"]), error


def test_quoted_eks_config_positions(tmp_path: Path) -> None:
    data = (
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: eks-config, namespace: kube-system}\n"
        b'data: {pod.annotations: "a: b\\nc: d\\n'
        b'eks.tke.cloud.tencent.com/registry-http-endpoint: 10.0.0.1,,x\\n"}\n'
    )
    path = tmp_path / "m.yaml"
    path.write_bytes(data)
    report = check_report(*run_main([str(path), "--isolated", "--format", "json"]), data)
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("EKS005", 4)]
