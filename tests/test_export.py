"""``ekslint export TARGET``: every output parses with its format's own reader, carries the
fields its documentation names, and reads back into ekslint without false findings."""

from __future__ import annotations

import itertools
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT, lint_text, run
from ekslint.export.kyverno import POD_REGISTRIES

HTTP, SELF_SIGNED = "10.16.100.174:5000", "harbor.corp.example"
FLAGS = ["--isolated", "--http-registry", HTTP, "--insecure-registry", SELF_SIGNED]
HTTP_KEY = "eks.tke.cloud.tencent.com/registry-http-endpoint"
INSECURE_KEY = "eks.tke.cloud.tencent.com/registry-insecure-skip-verify"


def export(*args: str) -> str:
    result = run(["export", *args])
    assert result.code == 0, result.err
    return result.out


def test_eks_config_is_the_documented_configmap() -> None:
    document = yaml.safe_load(export("eks-config", *FLAGS))
    assert document["apiVersion"] == "v1" and document["kind"] == "ConfigMap"
    assert document["metadata"] == {"name": "eks-config", "namespace": "kube-system"}
    # data."pod.annotations" is a string holding a YAML mapping of annotation -> string.
    assert yaml.safe_load(document["data"]["pod.annotations"]) == {
        HTTP_KEY: HTTP,
        INSECURE_KEY: SELF_SIGNED,
    }


def test_eks_config_lists_every_registry_of_a_kind() -> None:
    text = export(
        "eks-config", "--isolated", "--http-registry", "a.local:1", "--http-registry", "b:2"
    )
    annotations = yaml.safe_load(yaml.safe_load(text)["data"]["pod.annotations"])
    assert annotations == {HTTP_KEY: "a.local:1,b:2"}


@pytest.mark.parametrize(
    ("platform", "says"),
    [
        ("aliyun-eci", "eci-profile"),
        ("huawei-cci", "no cluster-wide pod annotation defaults"),
        ("alibaba-acs", "no cluster-wide pod annotation defaults"),
    ],
)
def test_eks_config_for_a_platform_without_global_defaults_says_what_it_has(
    platform: str, says: str
) -> None:
    result = run(["export", "eks-config", *FLAGS, "--platform", platform])
    assert result.code == 2 and result.out == ""
    assert says in result.err and "export kyverno" in result.err


def test_docker_daemon_json() -> None:
    # One list covers plain HTTP and untrusted TLS alike.
    assert json.loads(export("docker", *FLAGS)) == {"insecure-registries": [HTTP, SELF_SIGNED]}


def test_k3s_registries_yaml() -> None:
    document = yaml.safe_load(export("k3s", *FLAGS))
    assert document == {
        "mirrors": {HTTP: {"endpoint": [f"http://{HTTP}"]}},
        "configs": {SELF_SIGNED: {"tls": {"insecure_skip_verify": True}}},
    }


def test_crio_registries_conf() -> None:
    document = tomllib.loads(export("crio", *FLAGS))
    assert document == {
        "registry": [
            {"location": HTTP, "insecure": True},
            {"location": SELF_SIGNED, "insecure": True},
        ]
    }


def test_containerd_hosts_toml(tmp_path: Path) -> None:
    folder = tmp_path / "certs.d"
    result = run(["export", "containerd", str(folder), *FLAGS])
    assert result.code == 0, result.err
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.toml")) == [
        f"{HTTP}/hosts.toml",
        f"{SELF_SIGNED}/hosts.toml",
    ]
    plain = tomllib.loads((folder / HTTP / "hosts.toml").read_text())
    assert plain == {
        "server": f"http://{HTTP}",
        "host": {f"http://{HTTP}": {"capabilities": ["pull", "resolve"]}},
    }
    tls = tomllib.loads((folder / SELF_SIGNED / "hosts.toml").read_text())
    assert tls == {
        "server": f"https://{SELF_SIGNED}",
        "host": {
            f"https://{SELF_SIGNED}": {"capabilities": ["pull", "resolve"], "skip_verify": True}
        },
    }
    assert result.out.splitlines() == [
        f"wrote {folder / HTTP / 'hosts.toml'}",
        f"wrote {folder / SELF_SIGNED / 'hosts.toml'}",
    ]


def test_containerd_takes_an_ipv6_registry(tmp_path: Path) -> None:
    result = run(
        ["export", "containerd", str(tmp_path), "--isolated", "--http-registry", "[fd00::1]:5000"]
    )
    assert result.code == 0, result.err
    config = tomllib.loads((tmp_path / "[fd00::1]:5000" / "hosts.toml").read_text())
    assert config["server"] == "http://[fd00::1]:5000"


@pytest.mark.parametrize(
    "host",
    ["..", ".", "../etc", "a/b", "a..b", "-x.example", "a:99999", "[fd00::1", "[nope]:1", "a:b:c"],
)
def test_a_host_that_is_not_host_port_is_refused(tmp_path: Path, host: str) -> None:
    result = run(
        ["export", "containerd", str(tmp_path / "d"), "--isolated", f"--http-registry={host}"]
    )
    assert result.code == 2 and "is not a plain host[:port]" in result.err
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


@given(st.text(min_size=1, max_size=20))
def test_no_declared_host_writes_outside_the_folder(host: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "certs.d"
        result = run(["export", "containerd", str(folder), "--isolated", f"--http-registry={host}"])
        written = [p for p in Path(tmp).rglob("*") if p.is_file()]
        for path in written:
            assert path.parent.parent == folder and path.name == "hosts.toml"
        assert result.code in (0, 2)


def test_containerd_does_not_write_through_a_symbolic_link(tmp_path: Path) -> None:
    folder, outside = tmp_path / "certs.d", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    (folder / HTTP).symlink_to(outside)
    result = run(["export", "containerd", str(folder), "--isolated", "--http-registry", HTTP])
    assert result.code == 2 and "leads outside" in result.err
    assert list(outside.iterdir()) == []


def test_usage_errors() -> None:
    with pytest.raises(SystemExit):
        run(["export", "containerd", *FLAGS])  # no DIR
    with pytest.raises(SystemExit):
        run(["export", "docker", "somewhere", *FLAGS])
    result = run(["export", "docker", "--isolated"])
    assert result.code == 2 and "nothing to export" in result.err


def test_help_lists_every_shipped_platform(capsys: pytest.CaptureFixture[str]) -> None:
    from ekslint.lint.rulepack import available_platforms

    with pytest.raises(SystemExit):
        run(["export", "--help"])
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    assert len(available_platforms()) > 3
    assert all(f"{name}," in shown or f"{name} " in shown for name in available_platforms())
    assert "platform-packs" in shown


def test_output_file(tmp_path: Path) -> None:
    target = tmp_path / "daemon.json"
    assert run(["export", "docker", *FLAGS, "-o", str(target)]).out == ""
    assert json.loads(target.read_text())["insecure-registries"] == [HTTP, SELF_SIGNED]


def test_settings_come_from_the_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "examples")
    document = yaml.safe_load(export("k3s"))
    assert document["mirrors"] == {HTTP: {"endpoint": [f"http://{HTTP}"]}}


# -- reading exports back ---------------------------------------------------------------------

DEPLOYMENT = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: a
          image: {HTTP}/busybox:1
        - name: b
          image: {SELF_SIGNED}/app:1
"""


def test_an_exported_eks_config_covers_the_pods(tmp_path: Path) -> None:
    assert {f["rule"] for f in lint_text(tmp_path, DEPLOYMENT, *FLAGS).json["findings"]} == {
        "EKS001",
        "EKS002",
    }
    exported = export("eks-config", *FLAGS)
    (tmp_path / "eks-config.yaml").write_text(exported)
    paths = [str(tmp_path / "m.yaml"), str(tmp_path / "eks-config.yaml")]
    assert run([*paths, "--format", "json", *FLAGS]).json["findings"] == []
    # ... and is itself clean when linted alone.
    assert lint_text(tmp_path, exported, *FLAGS).json["findings"] == []


def apply_policy(policy: dict[str, Any], pod: dict[str, Any]) -> dict[str, Any]:
    """What Kyverno does with this policy's rules: each rule's preconditions (``all`` of AllIn /
    AllNotIn over the registries the pod's images use) and its +(key) add-if-absent patch."""
    from ekslint.kube.images import parse_image

    spec = pod["spec"]
    used = [
        parse_image(c["image"]).registry
        for c in spec.get("containers", []) + spec.get("initContainers", [])
    ]
    annotations = pod["metadata"].setdefault("annotations", {})
    for rule in policy["spec"]["rules"]:
        assert rule["match"] == {"any": [{"resources": {"kinds": ["Pod"]}}]}
        holds = True
        for condition in rule["preconditions"]["all"]:
            assert condition["value"] == POD_REGISTRIES
            present = [k in used for k in condition["key"]]
            if condition["operator"] == "AllIn":
                holds &= all(present)
            else:
                assert condition["operator"] == "AllNotIn"
                holds &= not any(present)
        if not holds:
            continue
        for anchored, value in rule["mutate"]["patchStrategicMerge"]["metadata"][
            "annotations"
        ].items():
            assert anchored.startswith("+(") and anchored.endswith(")")
            annotations.setdefault(anchored[2:-1], value)
    return pod


def test_kyverno_policy_shape() -> None:
    policy = yaml.safe_load(export("kyverno", *FLAGS))
    assert policy["apiVersion"] == "kyverno.io/v1" and policy["kind"] == "ClusterPolicy"
    assert policy["metadata"]["annotations"]["policies.kyverno.io/subject"] == "Pod"
    names = [r["name"] for r in policy["spec"]["rules"]]
    assert names == ["registry-http-endpoint-1", "registry-insecure-skip-verify-1"]
    assert all(len(n) <= 63 for n in names)


def test_kyverno_says_the_add_anchor_does_not_merge() -> None:
    assert "does not merge into an existing value" in export("kyverno", *FLAGS)


DECLARED_HTTP = ["10.0.0.1:5000", "10.0.0.2:5000", "reg.local"]
DECLARED_TLS = ["harbor.corp.example", "harbor2.corp.example:8443"]
IMAGES = [f"{r}/app:1" for r in DECLARED_HTTP + DECLARED_TLS] + ["nginx:1.27", "quay.io/x/y:1"]
POLICY_FLAGS = ["--isolated"]
for _h in DECLARED_HTTP:
    POLICY_FLAGS += ["--http-registry", _h]
for _h in DECLARED_TLS:
    POLICY_FLAGS += ["--insecure-registry", _h]


@pytest.fixture(scope="module")
def policy() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(export("kyverno", *POLICY_FLAGS))
    return parsed


def test_kyverno_has_one_rule_per_combination(policy: dict[str, Any]) -> None:
    assert len(policy["spec"]["rules"]) == (2**3 - 1) + (2**2 - 1)


@given(
    containers=st.lists(st.sampled_from(IMAGES), min_size=1, max_size=4),
    init=st.lists(st.sampled_from(IMAGES), max_size=2),
)
def test_a_pod_as_the_policy_leaves_it_draws_no_findings(
    policy: dict[str, Any], containers: list[str], init: list[str]
) -> None:
    import tempfile

    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": f"c{i}", "image": x} for i, x in enumerate(containers)]},
    }
    if init:
        pod["spec"]["initContainers"] = [{"name": f"i{i}", "image": x} for i, x in enumerate(init)]
    mutated = apply_policy(policy, pod)
    with tempfile.TemporaryDirectory() as tmp:
        result = lint_text(Path(tmp), yaml.safe_dump(mutated), *POLICY_FLAGS)
    assert result.json["findings"] == []


def test_kyverno_refuses_more_combinations_than_it_writes() -> None:
    hosts = (("--http-registry", f"10.0.0.{i}:5000") for i in range(6))
    flags = ["--isolated", *itertools.chain.from_iterable(hosts)]
    result = run(["export", "kyverno", *flags])
    assert result.code == 2 and "export eks-config" in result.err


def test_kyverno_uses_the_platforms_annotation_keys() -> None:
    text = export("kyverno", *FLAGS, "--platform", "huawei-cci")
    assert "+(cci.io/http-registries)" in text and "+(cci.io/insecure-registries)" in text
