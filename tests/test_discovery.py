"""Which files a folder argument yields: git's ignore rules inside a work tree, tool folders
skipped everywhere, JSON that is not a Kubernetes object left alone, --exclude and
--extend-exclude, and a warning for a folder with no manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import BAD_POD, GOOD_POD, run

BROKEN = "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def linted(*args: str) -> list[str]:
    result = run([*args, "--format", "json"])
    assert result.code in (0, 1), result.out + result.err
    return sorted({f["path"] for f in result.json["findings"]})


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


@needs_git
def test_git_ignore_rules_apply(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    global_ignore = tmp_path / "global-ignore"
    global_ignore.write_text("secret-stuff/\n", encoding="utf-8")
    git_config = tmp_path / "gitconfig"
    git_config.write_text(f"[core]\n\texcludesFile = {global_ignore}\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(git_config))
    project = tmp_path / "p"
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    write(project / ".gitignore", "vendor/\n")
    write(project / ".git/info/exclude", "local.yaml\n")
    write(project / "vendor/broken.yaml", BROKEN)
    write(project / "local.yaml", BROKEN)
    write(project / "secret-stuff/broken.yaml", BROKEN)
    write(project / "apps/bad.yaml", BAD_POD)  # untracked, not ignored: linted
    monkeypatch.chdir(project)
    assert linted(".") == ["./apps/bad.yaml"]
    assert linted("apps") == ["apps/bad.yaml"]
    # a file or a folder named explicitly is linted even when ignored
    assert run(["vendor/broken.yaml"]).code == 2
    assert run(["vendor"]).code == 2
    write(project / "vendor/.venv/x.yaml", BROKEN)  # tool folders are still skipped there
    assert linted("vendor", "--exclude", "vendor/broken.yaml") == []


def test_tool_folders_are_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in (".venv/lib", "node_modules/x", ".terraform/modules", ".tox/py", "__pycache__"):
        write(tmp_path / folder / "broken.yaml", BROKEN)
    write(tmp_path / "k8s/bad.yaml", BAD_POD)
    monkeypatch.chdir(tmp_path)
    assert linted(".") == ["./k8s/bad.yaml"]


def test_json_that_is_not_a_manifest_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "settings/editor.json", '{\n  // comments\n  "editor.tabSize": 2,\n}\n')
    write(tmp_path / "package.json", json.dumps({"name": "x", "version": "1.0.0"}))
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "app"},
        "spec": {"containers": [{"name": "a", "image": "10.0.0.1:5000/a:1"}]},
    }
    write(tmp_path / "pod.json", json.dumps(pod))
    monkeypatch.chdir(tmp_path)
    result = run([".", "--format", "json", "--http-registry", "10.0.0.1:5000"])
    assert result.code == 1, result.err
    assert {f["path"] for f in result.json["findings"]} == {"./pod.json"}
    assert result.json["errors"] == []


def test_named_yaml_that_is_no_kubernetes_object_is_not_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit names every staged YAML file: its own config and ekslint's are read, found to
    hold no Kubernetes object, and not counted as manifests checked."""
    write(tmp_path / ".pre-commit-config.yaml", "repos:\n  - repo: local\n    hooks: []\n")
    write(tmp_path / ".ekslint.yaml", "platform: tencent-eks\n")
    write(tmp_path / "pod.yaml", GOOD_POD)
    write(tmp_path / "empty.yaml", "# nothing yet\n")  # an empty manifest is still one
    monkeypatch.chdir(tmp_path)
    names = [".pre-commit-config.yaml", ".ekslint.yaml", "pod.yaml", "empty.yaml"]
    result = run([*names, "--color", "never"])
    assert result.code == 0, result.err
    assert result.out == "ekslint: 2 files checked: no findings.\n"
    assert run([".pre-commit-config.yaml"]).out == "ekslint: 0 files checked: no findings.\n"


def test_exclude_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".ekslint.yaml", "exclude: ['legacy/**']\n")
    for name in ("legacy/a.yaml", "apps/a.yaml", "apps/gen/a.yaml"):
        write(tmp_path / name, BAD_POD)
    monkeypatch.chdir(tmp_path)
    assert linted(".") == ["./apps/a.yaml", "./apps/gen/a.yaml"]
    assert linted(".", "--extend-exclude", "apps/gen/**") == ["./apps/a.yaml"]
    assert linted(".", "--exclude", "apps/gen/**") == ["./apps/a.yaml", "./legacy/a.yaml"]
    assert linted(".", "--exclude", "apps/gen/**", "--exclude", "legacy/*") == ["./apps/a.yaml"]
    assert linted(".", "--exclude", "apps/gen/**,legacy/*") == ["./apps/a.yaml"]
    assert linted("apps/a.yaml", "--exclude", "apps/*") == []  # named files too


def test_a_folder_without_manifests_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "docs/readme.md", "# hello\n")
    write(tmp_path / "k8s/good.yaml", GOOD_POD)
    monkeypatch.chdir(tmp_path)
    result = run(["docs", "k8s"])
    assert result.code == 0
    assert "ekslint: warning: docs: no Kubernetes manifests found" in result.err
    assert "k8s" not in result.err
