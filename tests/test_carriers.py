"""Pods in custom resources: every carrier of ``rules/workloads.yaml`` beyond the built-in kinds
has a failing fixture with its exact findings, a passing one, and a byte-exact golden of the
fixed file (``fixtures/carriers/<carrier>/``), shaped like the project's own examples. Kinds are
matched by API group; objects that name images no carrier reads get a note with a position."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, Result, run

CARRIERS = sorted(p for p in (FIXTURES / "carriers").iterdir() if p.is_dir())


def _args(folder: Path) -> list[str]:
    return shlex.split((folder / "args").read_text())


def _expected(folder: Path) -> list[tuple[str, int, int]]:
    found = []
    for line in (folder / "failure.expected").read_text().splitlines():
        rule, position = line.split()
        row, col = position.split(":")
        found.append((rule, int(row), int(col)))
    return found


def _lint(path: Path, *args: str) -> Result:
    return run([str(path), "--format", "json", "--isolated", *args])


@pytest.fixture(autouse=True)
def _repo_cwd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("folder", CARRIERS, ids=lambda p: p.name)
def test_failure_findings(folder: Path) -> None:
    result = _lint(folder / "failure.yaml", *_args(folder))
    assert result.code == 1
    assert result.positions() == _expected(folder)
    assert result.json["notes"] == []


@pytest.mark.parametrize("folder", CARRIERS, ids=lambda p: p.name)
def test_success_is_clean(folder: Path) -> None:
    result = _lint(folder / "success.yaml", *_args(folder))
    assert result.positions() == []
    assert result.json["notes"] == []
    assert result.code == 0


@pytest.mark.parametrize("folder", CARRIERS, ids=lambda p: p.name)
def test_crlf_keeps_positions_and_line_ends(folder: Path, tmp_path: Path) -> None:
    text = (folder / "failure.yaml").read_text(encoding="utf-8")
    crlf = tmp_path / "failure.yaml"
    crlf.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    assert _lint(crlf, *_args(folder)).positions() == _expected(folder)
    run([str(crlf), "--fix", "--isolated", *_args(folder)])
    golden = (folder / "failure.fixed.yaml").read_text(encoding="utf-8")
    assert crlf.read_bytes() == golden.replace("\n", "\r\n").encode("utf-8")


@pytest.mark.parametrize("folder", CARRIERS, ids=lambda p: p.name)
def test_fix_matches_golden(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "failure.yaml"
    shutil.copy(folder / "failure.yaml", target)
    run([str(target), "--fix", "--isolated", *_args(folder)])
    assert target.read_bytes() == (folder / "failure.fixed.yaml").read_bytes()
    again = _lint(target, *_args(folder))
    assert [f for f in again.json["findings"] if f["fix"]["available"]] == []
    assert again.code == 0


def _messages(folder: str) -> dict[tuple[int, int], list[str]]:
    result = _lint(
        FIXTURES / "carriers" / folder / "failure.yaml", *_args(FIXTURES / "carriers" / folder)
    )
    found: dict[tuple[int, int], list[str]] = {}
    for finding in result.json["findings"]:
        found.setdefault((finding["line"], finding["column"]), []).append(finding["message"])
    return found


def test_messages_name_the_pod() -> None:
    spark = _messages("spark-application")
    assert "the executor pod of SparkApplication spark-pi " in spark[(11, 10)][0]
    assert "(spec.executor.annotations)" in spark[(11, 10)][0]
    assert "the driver pod of ScheduledSparkApplication spark-pi-scheduled" in spark[(37, 34)][0]
    flink = _messages("flink-deployment")
    both = " ".join(flink[(8, 10)])
    assert "the JobManager pod of FlinkDeployment" in both
    assert "the TaskManager pod of FlinkDeployment" in both
    argo = _messages("argo-workflow")
    assert "the print-message pod of Workflow steps-*" in argo[(23, 14)][0]
    assert "the task-2 pod of Job test-job" in _messages("volcano-job")[(27, 18)][0]
    assert "the notify pod of PipelineRun build-*" in _messages("tekton-pipelinerun")[(31, 33)][0]


def test_sidecarset_messages_name_the_matched_pods_and_the_whitelist() -> None:
    kruise = _messages("kruise-sidecarset")
    matched = kruise[(15, 12)][0]
    assert "each pod SidecarSet log-agent is injected into" in matched
    assert "matched in the inputs without it: spec.template of Deployment/nginx" in matched
    assert "SidecarSet_PatchPodMetadata_WhiteList" in matched
    assert "kruise-system/kruise-configuration" in matched
    assert "no pod in the inputs matches its spec.selector" in kruise[(41, 12)][0]
    misplaced = kruise[(52, 5)][0]
    assert "the SidecarSet's own metadata" in misplaced
    assert "SidecarSet_PatchPodMetadata_WhiteList" in misplaced


HTTP = ["--http-registry", "10.0.0.7:5000"]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    return path


def test_sidecarset_covered_by_every_matched_pod(tmp_path: Path) -> None:
    """Matched pods that list the registry themselves need nothing from the SidecarSet; one
    that does not is named."""
    text = (FIXTURES / "carriers" / "kruise-sidecarset" / "success.yaml").read_text()
    text += (
        "---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n"
        "  template:\n    metadata: {labels: {app: nginx}}\n"
        "    spec: {containers: [{name: db, image: 'postgres:16'}]}\n"
    )
    result = _lint(_write(tmp_path, text), *HTTP)
    assert [(r, line) for r, line, _ in result.positions()] == [("EKS001", 12)]
    assert "spec.template of StatefulSet/db" in result.json["findings"][0]["message"]
    assert "Deployment/nginx" not in result.json["findings"][0]["message"]


def test_sidecarset_is_never_a_pod_of_its_own(tmp_path: Path) -> None:
    """The generic search once took a SidecarSet for a pod and "fixed" its own metadata."""
    text = (
        "apiVersion: apps.kruise.io/v1alpha1\nkind: SidecarSet\nmetadata: {name: s}\n"
        "spec:\n  selector: {matchLabels: {app: x}}\n"
        "  containers:\n  - {name: s, image: '10.0.0.7:5000/s:1'}\n"
    )
    path = _write(tmp_path, text)
    run([str(path), "--fix", "--isolated", *HTTP])
    fixed = path.read_text()
    assert fixed.startswith(
        "apiVersion: apps.kruise.io/v1alpha1\nkind: SidecarSet\nmetadata: {name: s}\n"
    )
    assert "  patchPodMetadata:\n    - annotations:\n" in fixed


@pytest.mark.parametrize(
    ("document", "pods"),
    [
        # A Volcano Job is not a batch/v1 Job: its pods are in spec.tasks[].template.
        (
            "apiVersion: batch.volcano.sh/v1alpha1\nkind: Job\nmetadata: {name: v}\nspec:\n"
            "  tasks:\n  - name: t\n    template:\n"
            "      spec: {containers: [{name: c, image: '10.0.0.7:5000/a:1'}]}\n",
            1,
        ),
        # A batch/v1 Job with the same shape is read at spec.template only.
        (
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: v}\nspec:\n"
            "  tasks:\n  - name: t\n    template:\n"
            "      spec: {containers: [{name: c, image: '10.0.0.7:5000/a:1'}]}\n",
            0,
        ),
        # A Knative Service is not a core Service.
        (
            "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: k}\nspec:\n"
            "  template:\n    spec: {containers: [{image: '10.0.0.7:5000/a:1'}]}\n",
            1,
        ),
        # Whatever the version.
        (
            "apiVersion: serving.knative.dev/v2\nkind: Service\nmetadata: {name: k}\nspec:\n"
            "  template:\n    spec: {containers: [{image: '10.0.0.7:5000/a:1'}]}\n",
            1,
        ),
        # A Deployment in an unknown group is searched generically.
        (
            "apiVersion: example.com/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n"
            "  template:\n    spec: {containers: [{name: c, image: '10.0.0.7:5000/a:1'}]}\n",
            1,
        ),
    ],
    ids=["volcano-job", "batch-job-shape", "knative-service", "knative-any-version", "generic"],
)
def test_kinds_match_by_group(tmp_path: Path, document: str, pods: int) -> None:
    result = _lint(_write(tmp_path, document), *HTTP)
    assert len([f for f in result.json["findings"] if f["rule"] == "EKS001"]) == pods


def test_unread_images_get_a_note_with_a_position(tmp_path: Path) -> None:
    text = (
        "apiVersion: rabbitmq.com/v1beta1\nkind: RabbitmqCluster\nmetadata: {name: r}\n"
        "spec:\n  replicas: 1\n  image: 10.0.0.7:5000/rabbitmq:3.13\n"
        "---\napiVersion: example.com/v1\nkind: Cache\nmetadata: {name: c}\n"
        "spec:\n  warm:\n    images: [a:1, 'b:2']\n"
    )
    result = _lint(_write(tmp_path, text), *HTTP)
    notes = result.json["notes"]
    assert [(n["line"], n["column"]) for n in notes] == [(6, 10), (13, 14)]
    assert f"{tmp_path / 'm.yaml'}:6:10" in notes[0]["message"]
    assert "kind RabbitmqCluster in group rabbitmq.com" in notes[0]["message"]
    assert "rules/workloads.yaml" in notes[0]["message"]


def test_an_image_key_spelled_by_an_escape_still_gets_its_note(tmp_path: Path) -> None:
    """The note is skipped for chunks that cannot name an image: one whose key is written
    with an escape does name one."""
    text = (
        "apiVersion: rabbitmq.com/v1beta1\nkind: RabbitmqCluster\nmetadata: {name: r}\n"
        'spec:\n  replicas: 1\n  "\\x69mage": 10.0.0.7:5000/rabbitmq:3.13\n'
    )
    result = _lint(_write(tmp_path, text), *HTTP)
    assert [(n["line"], n["column"]) for n in result.json["notes"]] == [(6, 15)]


def test_a_containers_key_spelled_by_an_escape_is_still_searched(tmp_path: Path) -> None:
    """A ``containers`` key written with an escape is found by the generic search (and the
    template found there gets its findings, not a note about its image)."""
    text = (
        "apiVersion: example.com/v1\nkind: Agent\nmetadata: {name: a}\nspec:\n"
        '  template:\n    spec: {"\\x63ontainers": [{name: c, image: 10.0.0.7:5000/a:1}]}\n'
    )
    result = _lint(_write(tmp_path, text), *HTTP)
    assert [f["rule"] for f in result.json["findings"]] == ["EKS001"]
    assert result.json["notes"] == []
    plain = text.replace("\\x63ontainers", "kontainers")
    result = _lint(_write(tmp_path, plain), *HTTP)
    assert result.json["findings"] == []
    assert len(result.json["notes"]) == 1  # its image is named, not read as a pod's


def test_images_beside_a_found_pod_template_get_a_note(tmp_path: Path) -> None:
    """The generic search finds the pod template; the image outside it is still named."""
    text = (
        "apiVersion: example.com/v1\nkind: Agent\nmetadata: {name: a}\nspec:\n"
        "  template:\n    spec: {containers: [{name: c, image: 'nginx:1'}]}\n"
        "  updater:\n    image: 10.0.0.7:5000/updater:1\n"
    )
    result = _lint(_write(tmp_path, text), *HTTP)
    assert [(n["line"], n["column"]) for n in result.json["notes"]] == [(8, 12)]


def test_no_note_for_objects_without_pods(tmp_path: Path) -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {image: 'nginx:1'}\n"
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n"
        "---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: x.example.com}\nspec:\n  versions:\n  - name: v1\n    schema:\n"
        "      openAPIV3Schema:\n        properties:\n"
        "          image: {type: string, default: 'a:1'}\n"
        "---\napiVersion: example.com/v1\nkind: Settings\nmetadata: {name: s}\n"
        "spec:\n  image: {repository: nginx, tag: '1'}\n"
    )
    result = _lint(_write(tmp_path, text), *HTTP)
    assert result.json["notes"] == []


def test_image_cache_exists_only_on_alibaba(tmp_path: Path) -> None:
    path = FIXTURES / "carriers" / "eci-imagecache" / "failure.yaml"
    result = _lint(path, *HTTP)  # the default platform, Tencent EKS
    assert result.json["findings"] == []
    assert [n["line"] for n in result.json["notes"]] == [3]
    assert "exists only on another platform" in result.json["notes"][0]["message"]


def test_namespaced_image_cache_pull_secret(tmp_path: Path) -> None:
    """`namespace:name` names a Secret in that namespace."""
    text = (
        "apiVersion: eci.alibabacloud.com/v1\nkind: ImageCache\nmetadata: {name: i}\n"
        "spec:\n  images: [registry.example.com/app:1]\n  imagePullSecrets: ['team:pull']\n"
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: pull, namespace: default}\n"
        "type: kubernetes.io/dockerconfigjson\n"
        'stringData: {.dockerconfigjson: \'{"auths": {"registry.example.com": {}}}\'}\n'
        "---\napiVersion: v1\nkind: Secret\nmetadata: {name: pull, namespace: team}\n"
        "type: kubernetes.io/dockerconfigjson\n"
        'stringData: {.dockerconfigjson: \'{"auths": {"other.example.com": {}}}\'}\n'
    )
    result = _lint(_write(tmp_path, text), "--platform", "aliyun-eci")
    assert [(r, line, col) for r, line, col in result.positions() if r == "ECI010"] == [
        ("ECI010", 6, 22)
    ]


def test_pods_beyond_the_bound_make_the_sidecarset_check_conservative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pod summaries are bounded; past the bound a matched pod may be missing, so only the
    SidecarSet's own patchPodMetadata can settle its images."""
    from ekslint.kube import inventory

    monkeypatch.setattr(inventory, "MAX_POD_SUMMARIES", 1)
    text = (FIXTURES / "carriers" / "kruise-sidecarset" / "success.yaml").read_text()
    text += (
        "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {x: y}}\n"
        "spec: {containers: [{name: c, image: 'nginx:1'}]}\n"
    )
    result = _lint(_write(tmp_path, text), *HTTP)
    assert [(r, line) for r, line, _ in result.positions()] == [("EKS001", 12)]
    assert "too many pods in the inputs" in result.json["findings"][0]["message"]


SPARK = (
    "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata: {name: s}\n"
    "spec:\n  image: a:1\n  driver:\n    cores: 1\n"
)
FLINK = (
    "apiVersion: flink.apache.org/v1beta1\nkind: FlinkDeployment\nmetadata: {name: f}\n"
    "spec:\n  image: a:1\n"
)
KEY = "eks.tke.cloud.tencent.com/registry-http-endpoint"


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        (SPARK, SPARK + f"    annotations: {{{KEY}: h:1}}\n", True),
        (SPARK, SPARK + "    annotations: {other: x}\n", False),
        (SPARK, SPARK.replace("cores: 1", "cores: 2"), False),
        (
            FLINK,
            FLINK + f"  podTemplate:\n    metadata:\n      annotations: {{{KEY}: h:1}}\n",
            True,
        ),
        (FLINK, FLINK + "  podTemplate:\n    spec: {hostNetwork: true}\n", False),
    ],
    ids=["spark-annotation", "spark-other-annotation", "spark-spec", "flink-new", "flink-spec"],
)
def test_fix_guard_knows_where_carriers_keep_pod_metadata(
    before: str, after: str, allowed: bool
) -> None:
    """Fixes may write a carrier's pod metadata where it lives, and nothing else there."""
    from ekslint.fix.guard import Guard
    from ekslint.kube.carriers import pod_metadata_paths

    guard = Guard("eks.tke.cloud.tencent.com/", frozenset(), pod_metadata=pod_metadata_paths)
    assert (guard.unintended_change(before, after) is None) == allowed


def test_every_carrier_entry_builds_and_every_kind_finds_its_own() -> None:
    # Entries become Carriers when first met, so a broken entry would not fail at import.
    from ekslint.data import workloads
    from ekslint.kube import carriers

    entries = workloads()["carriers"]
    built = [carriers._carrier_at(index) for index in range(len(entries))]
    kinds, no_pods = carriers._kinds()
    assert len(kinds) == sum(len(raw["kinds"]) for raw in entries)
    for (group, kind), index in kinds.items():
        assert kind in entries[index]["kinds"] and entries[index]["group"] == group
        assert built[index].core == (group in workloads()["core-api-groups"])
        assert (group, kind) not in no_pods
