"""``ekslint --kustomize DIR [--fix]`` with the real ``kubectl kustomize``: findings at their
sources, fixes in the source files or, where no source can take them, as a patch in DIR."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run

pytestmark = pytest.mark.skipif(
    shutil.which("kubectl") is None and shutil.which("kustomize") is None,
    reason="neither kubectl nor kustomize is installed: they render the overlays",
)

PROD = "overlays/prod"
BASE_DEPLOYMENT = (FIXTURES / "kustomize" / "base" / "deployment.yaml").read_text()


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture tree as the working directory; no kubeconfig within reach."""
    shutil.copytree(FIXTURES / "kustomize", tmp_path / "k")
    monkeypatch.setenv("KUBECONFIG", "/nonexistent")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path / "k")
    return tmp_path / "k"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_findings_are_reported_at_their_sources(tree: Path) -> None:
    before = snapshot(tree)
    result = run(["--isolated", "--kustomize", PROD, "--format", "json"])
    assert result.code == 1, result.err
    found = [(f["rule"], f["path"], f["line"], f["column"]) for f in result.json["findings"]]
    assert found == [
        ("EKS012", "base/cronjob.yaml", 14, 22),
        ("EKS003", "base/deployment.yaml", 12, 59),
    ]
    origins = [f["origin"] for f in result.json["findings"]]
    assert origins == [
        {"path": "base/cronjob.yaml", "line": 14, "column": 22},
        {"path": "base/deployment.yaml", "line": 12, "column": 59},
    ]
    # Objects are named as rendered (prefix and namespace applied).
    assert result.json["findings"][1]["object"]["name"] == "prod-web"
    assert snapshot(tree) == before  # nothing written, no temporary files left


def test_quiet_and_statistics_apply_to_kustomize(tree: Path) -> None:
    quiet = run(["--isolated", "--kustomize", PROD, "-q", "--color", "never"])
    assert quiet.code == 1 and " EKS003 " in quiet.out
    assert "checked" not in quiet.out + quiet.err  # no summary line
    counts = run(["--isolated", "--kustomize", PROD, "--statistics", "--color", "never"])
    assert counts.out.splitlines()[:2] == [
        "1\tEKS003\t[*] annotation-missing-port",
        "1\tEKS012\t    undeclared-registry",
    ]


def test_fix_edits_the_source_file_byte_exact(tree: Path) -> None:
    before = snapshot(tree)
    result = run(["--isolated", "--kustomize", PROD, "--fix"])
    assert result.code == 1, result.err  # EKS012 has no fix
    assert "fixed EKS003" in result.out
    after = snapshot(tree)
    assert {k for k in after if after[k] != before.get(k)} == {"base/deployment.yaml"}
    assert after["base/deployment.yaml"].decode() == BASE_DEPLOYMENT.replace(
        'registry-http-endpoint: "10.0.0.1"', 'registry-http-endpoint: "10.0.0.1:5000"'
    )


def test_a_fix_no_source_can_take_becomes_a_patch_in_the_overlay(tree: Path) -> None:
    # The overlay's `images:` moves the CronJob to a declared http registry: the base, as
    # written, needs no annotation, so the fix belongs to the overlay.
    flags = ["--isolated", "--kustomize", PROD, "--http-registry", "registry.prod.internal:5000"]
    kustomization = (tree / PROD / "kustomization.yaml").read_text()
    result = run([*flags, "--fix"])
    assert result.code == 0, result.out + result.err
    patch = tree / PROD / "ekslint-patch-cronjob-report.yaml"
    assert f"as a patch in {PROD}/{patch.name}" in result.out
    import yaml

    assert yaml.safe_load(patch.read_text()) == {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "report"},
        "spec": {
            "jobTemplate": {
                "spec": {
                    "template": {
                        "metadata": {
                            "annotations": {
                                "eks.tke.cloud.tencent.com/registry-http-endpoint": (
                                    "registry.prod.internal:5000"
                                )
                            }
                        }
                    }
                }
            }
        },
    }
    assert (tree / PROD / "kustomization.yaml").read_text() == (
        kustomization + 'patches:\n- path: "ekslint-patch-cronjob-report.yaml"\n'
    )
    assert "registry.prod.internal" not in (tree / "base" / "cronjob.yaml").read_text()
    # The overlay renders clean now, and a second --fix changes nothing.
    again = snapshot(tree)
    assert run([*flags, "--fix"]).code == 0
    assert snapshot(tree) == again


def test_a_patch_keeps_what_the_source_fix_did(tree: Path) -> None:
    """One object needs both: a source fix (the base's entry lacks its port) and a patch (the
    overlay moves a container to another http registry). The patch replaces the annotation's
    whole value, so it is built from the fixed source, not the render before it; --diff shows
    the same."""
    deployment = tree / "base" / "deployment.yaml"
    deployment.write_text(
        BASE_DEPLOYMENT.replace('"10.0.0.1"', '"10.16.100.174"')
        .replace("10.0.0.1:5000/team/web", "10.16.100.174:5000/team/web")
        .replace("mytcr.tencentcloudcr.com/team/agent", "10.16.100.174:5000/team/agent")
    )
    with (tree / PROD / "kustomization.yaml").open("a") as kustomization:
        kustomization.write(
            "  - name: 10.16.100.174:5000/team/agent\n    newName: 10.0.0.9:5000/team/agent\n"
        )
    flags = ["--isolated", "--kustomize", PROD, "--format", "json"]
    flags += ["--http-registry", "10.0.0.9:5000", "--http-registry", "10.16.100.174:5000"]
    before = [f["rule"] for f in run(flags).json["findings"]]
    assert before == ["EKS012", "EKS003", "EKS001"]
    # --diff renders nothing again (nothing is written): its patch carries the source fix too.
    value = "registry-http-endpoint: 10.16.100.174:5000,10.0.0.9:5000\n"
    assert f"+        eks.tke.cloud.tencent.com/{value}" in run([*flags, "--diff"]).out
    assert run([*flags, "--fix"]).code == 1  # EKS012 has no fix
    assert 'registry-http-endpoint: "10.16.100.174:5000"' in deployment.read_text()
    import yaml

    patch = yaml.safe_load((tree / PROD / "ekslint-patch-deployment-web.yaml").read_text())
    annotations = patch["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "eks.tke.cloud.tencent.com/registry-http-endpoint": "10.16.100.174:5000,10.0.0.9:5000"
    }
    assert [f["rule"] for f in run(flags).json["findings"]] == ["EKS012"]


def test_diff_shows_the_fixes_and_writes_nothing(tree: Path) -> None:
    before = snapshot(tree)
    flags = ["--http-registry", "registry.prod.internal:5000"]
    result = run(["--isolated", "--kustomize", PROD, "--diff", *flags])
    assert result.code == 1
    assert "+++ base/deployment.yaml" in result.out
    assert f"+++ {PROD}/ekslint-patch-cronjob-report.yaml" in result.out
    assert '+- path: "ekslint-patch-cronjob-report.yaml"' in result.out
    assert snapshot(tree) == before


def test_remote_bases_are_refused_before_rendering(tree: Path) -> None:
    for entry in (
        "github.com/kubernetes-sigs/kustomize/examples/multibases?ref=v1.0.6",
        "https://github.com/example/app.git//deploy",
        "git@github.com:example/app.git",
    ):
        (tree / "base" / "kustomization.yaml").write_text(f"resources:\n- {entry}\n")
        result = run(["--isolated", "--kustomize", PROD])
        assert result.code == 2
        assert "base/kustomization.yaml: resources entry" in result.err
        assert "is remote" in result.err


def test_a_missing_renderer_is_a_clear_error(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tree))
    result = run(["--isolated", "--kustomize", PROD])
    assert result.code == 2
    assert "needs 'kubectl' (kubectl kustomize) or 'kustomize'" in result.err


def test_a_failed_build_reports_the_renderers_message(tree: Path) -> None:
    (tree / "base" / "kustomization.yaml").write_text("resources:\n- missing.yaml\n")
    result = run(["--isolated", "--kustomize", PROD])
    assert result.code == 2 and "failed:" in result.err and "missing.yaml" in result.err


def test_no_paths_with_kustomize(tree: Path) -> None:
    with pytest.raises(SystemExit):
        run(["--isolated", "--kustomize", PROD, "base"])


def test_the_renderer_never_opens_the_users_kubeconfig(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, deadline: None
) -> None:
    # kubectl loads a kubeconfig even to run kustomize: a FIFO as the user's would block it
    # forever (and a real one would hand it the user's cluster credentials).
    import os

    canary = tmp_path / "canary-kubeconfig"
    os.mkfifo(canary)
    monkeypatch.setenv("KUBECONFIG", str(canary))
    result = run(["--isolated", "--kustomize", PROD, "--format", "json"])
    assert result.code == 1, result.err
    assert len(result.json["findings"]) == 2
