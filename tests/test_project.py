"""The project around the inputs: cross-object context read from the files not given, and
config files found from each file's folder but never above the project."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

SERVICE_ACCOUNT = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: pay
imagePullSecrets:
  - name: tcr-pull
"""
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: pay
spec:
  template:
    spec:
      serviceAccountName: pay
      containers:
        - name: api
          image: mytcr.tencentcloudcr.com/pay/api:1.0
"""
HTTP_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
    - name: web
      image: 10.0.0.9:5000/web:1
"""
EKS_CONFIG = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: eks-config
  namespace: kube-system
data:
  pod.annotations: |
    eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.9:5000"
"""


def git_project(path: Path, files: dict[str, str]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return path


def rules_of(*args: str) -> list[str]:
    return [f["rule"] for f in run([*args, "--format", "json"]).json["findings"]]


def test_service_account_in_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = git_project(
        tmp_path / "p", {"sa.yaml": SERVICE_ACCOUNT, "apps/deploy.yaml": DEPLOYMENT}
    )
    monkeypatch.chdir(tmp_path)  # from outside the project too: the file's project counts
    deploy = str(project / "apps/deploy.yaml")
    assert rules_of(deploy) == []
    assert rules_of("--isolated", deploy) == ["EKS009"]
    result = run([deploy, "--format", "json"])
    assert [f["path"] for f in result.json["findings"]] == []
    assert result.json["summary"]["files"] == 1  # context files are not reported on


def test_context_follows_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The index is keyed by each file's stat: an edited ServiceAccount is read again."""
    project = git_project(tmp_path / "p", {"sa.yaml": SERVICE_ACCOUNT, "deploy.yaml": DEPLOYMENT})
    monkeypatch.chdir(project)
    assert rules_of("deploy.yaml") == []
    assert rules_of("deploy.yaml") == []  # from the index this time
    (project / "sa.yaml").write_text(SERVICE_ACCOUNT.replace("tcr-pull", "other"), "utf-8")
    os.utime(project / "sa.yaml", ns=(1, 1))  # a different stat even on a coarse clock
    assert rules_of("deploy.yaml") == []  # still has a pull secret
    (project / "sa.yaml").write_text(SERVICE_ACCOUNT.split("imagePullSecrets")[0], "utf-8")
    assert rules_of("deploy.yaml") == ["EKS009"]
    (project / "sa.yaml").unlink()
    assert rules_of("deploy.yaml") == ["EKS009"]


def test_a_project_named_whole_still_reads_what_its_walk_skips(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Naming the project's root reads the same context as naming its files: the walk skips a
    .json file whose keys are not quoted JSON (YAML in it), the context reads it."""
    project = git_project(tmp_path / "p", {"deploy.yaml": DEPLOYMENT, "sa.json": SERVICE_ACCOUNT})
    (project / ".ekslint.yaml").write_text("registries: []\n", encoding="utf-8")
    monkeypatch.chdir(project)
    assert rules_of("deploy.yaml") == []
    assert rules_of(".") == []


def test_cluster_defaults_in_another_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = git_project(tmp_path / "p", {"cluster/eks-config.yaml": EKS_CONFIG})
    (project / "pod.yaml").write_text(HTTP_POD, encoding="utf-8")
    monkeypatch.chdir(project)
    assert rules_of("pod.yaml", "--http-registry", "10.0.0.9:5000") == []
    assert rules_of("--isolated", "pod.yaml", "--http-registry", "10.0.0.9:5000") == ["EKS001"]


def test_ignored_and_broken_files_are_not_context(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = git_project(
        tmp_path / "p",
        {
            ".gitignore": "vendor/\n",
            "vendor/sa.yaml": SERVICE_ACCOUNT,
            "broken.yaml": "kind: ServiceAccount\n  bad: [\n",
            "deploy.yaml": DEPLOYMENT,
        },
    )
    monkeypatch.chdir(project)
    result = run(["deploy.yaml", "--format", "json"])
    assert [f["rule"] for f in result.json["findings"]] == ["EKS009"]
    assert result.json["errors"] == []  # a broken context file is reported when linted itself


def test_no_context_from_outside_the_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file outside the working directory's project gets only its own project's context."""
    git_project(tmp_path / "other", {"sa.yaml": SERVICE_ACCOUNT})
    project = git_project(tmp_path / "p", {"deploy.yaml": DEPLOYMENT})
    monkeypatch.chdir(tmp_path / "other")
    assert rules_of(str(project / "deploy.yaml")) == ["EKS009"]


def test_a_bare_stream_is_a_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A post-renderer's stream is the release: the project beside it is not its context."""
    project = git_project(tmp_path / "p", {"sa.yaml": SERVICE_ACCOUNT})
    monkeypatch.chdir(project)
    bare = run(["-", "--format", "json"], stdin=DEPLOYMENT.encode(), monkeypatch=monkeypatch)
    assert [f["rule"] for f in bare.json["findings"]] == ["EKS009"]
    named = run(
        ["-", "--stdin-filename", "deploy.yaml", "--format", "json"],
        stdin=DEPLOYMENT.encode(),
        monkeypatch=monkeypatch,
    )
    assert named.json["findings"] == []


IGNORE_ALL = "ignore: [ALL]\n"


def test_config_above_the_work_tree_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".ekslint.yaml").write_text(IGNORE_ALL, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.ekslint]\nignore = ['ALL']\n", "utf-8")
    project = git_project(tmp_path / "repo", {"deploy/deploy.yaml": DEPLOYMENT})
    for cwd in (tmp_path, project, project / "deploy"):
        monkeypatch.chdir(cwd)
        assert rules_of("--isolated", str(project / "deploy/deploy.yaml")) == ["EKS009"]
        assert rules_of(str(project / "deploy/deploy.yaml")) == ["EKS009"], cwd


def test_config_in_a_shared_folder_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside git the search stops below a folder other users may write (the temp folder)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / ".ekslint.yaml").write_text(IGNORE_ALL, encoding="utf-8")
    shared.chmod(0o1777)
    (shared / "job").mkdir()
    (shared / "job/deploy.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    monkeypatch.chdir(shared / "job")
    assert rules_of("deploy.yaml") == ["EKS009"]


def test_each_file_gets_its_nearest_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Like ruff: the nearest config from each file's folder, whatever the working directory;
    severities in the report are those of the file's own config."""
    project = git_project(
        tmp_path / "repo",
        {
            ".ekslint.yaml": "severity: {EKS009: warning}\n",
            "a/deploy.yaml": DEPLOYMENT,
            "b/.ekslint.yaml": "ignore: [EKS009]\n",
            "b/deploy.yaml": DEPLOYMENT,
            "c/pyproject.toml": "[tool.ekslint]\nseverity = {EKS009 = 'error'}\n",
            "c/deploy.yaml": DEPLOYMENT,
        },
    )
    expected = [("a/deploy.yaml", "warning"), ("c/deploy.yaml", "error")]
    for cwd in (tmp_path, project, project / "b", project / "c"):
        monkeypatch.chdir(cwd)
        files = [str(project / f"{name}/deploy.yaml") for name in "abc"]
        findings = run(["--isolated", *files, "--format", "json"]).json["findings"]
        assert len(findings) == 3  # no config at all
        findings = run([*files, "--format", "json"]).json["findings"]
        found = [(os.path.relpath(f["path"], project), f["severity"]) for f in findings]
        assert found == expected, cwd
        # a folder argument too
        findings = run([str(project), "--format", "json"]).json["findings"]
        found = [(os.path.relpath(f["path"], project), f["severity"]) for f in findings]
        assert found == expected, cwd


def test_config_flag_applies_to_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = git_project(
        tmp_path / "repo", {"b/.ekslint.yaml": "ignore: [EKS009]\n", "b/deploy.yaml": DEPLOYMENT}
    )
    (tmp_path / "strict.yaml").write_text("select: [ALL]\n", encoding="utf-8")
    monkeypatch.chdir(project)
    assert rules_of("b/deploy.yaml") == []
    assert rules_of("--config", str(tmp_path / "strict.yaml"), "b/deploy.yaml") == ["EKS009"]
