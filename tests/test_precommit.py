"""The pre-commit hooks (.pre-commit-hooks.yaml), driven through the real ``pre-commit``.

``pre-commit try-repo`` installs the hook repository into a fresh virtualenv (pip, from this
checkout) and runs a hook on a throwaway git project. try-repo only sees a repository's commits
(plus changes to tracked files), so the tests run it on a committed snapshot of this working tree:
what is tested is exactly what is on disk, committed or not. Each run takes a few seconds once
pip's cache is warm; the first on a clean machine downloads the build backend.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOOKS = ROOT / ".pre-commit-hooks.yaml"
TIMEOUT = 300

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git"),
    pytest.mark.slow,
]

BAD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1;10.0.0.2:5000"
spec:
  containers:
    - {name: a, image: "10.0.0.1/a:1"}
    - {name: b, image: "10.0.0.2:5000/b:1"}
"""
FIXED = BAD.replace("10.0.0.1;10.0.0.2:5000", "10.0.0.1,10.0.0.2:5000")

TCR_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: job-{n}
spec:
  serviceAccountName: builder
  containers:
    - {{name: build, image: "mytcr.tencentcloudcr.com/ci/builder:1"}}
"""
SERVICE_ACCOUNT = """\
apiVersion: v1
kind: ServiceAccount
metadata:
  name: builder
imagePullSecrets:
  - name: mytcr-pull
"""


def _env(tmp_path: Path) -> dict[str, str]:
    # Nothing from an enclosing git hook (GIT_DIR, GIT_INDEX_FILE, ...) may leak into the
    # throwaway repositories; pre-commit's store goes to a temporary folder.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        PRE_COMMIT_COLOR="never",
        GIT_AUTHOR_NAME="ekslint tests",
        GIT_AUTHOR_EMAIL="tests@ekslint.invalid",
        GIT_COMMITTER_NAME="ekslint tests",
        GIT_COMMITTER_EMAIL="tests@ekslint.invalid",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
    )
    return done.stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree (tracked and new files, not ignored ones) committed as its own repo."""
    pytest.importorskip("pre_commit", reason="pre-commit is a test dependency ('.[test]')")
    home = tmp_path_factory.mktemp("env")
    env = _env(home)
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=TIMEOUT,
            check=True,
        ).stdout
    except (subprocess.CalledProcessError, OSError):
        pytest.skip("not a git checkout: the hooks are tested from one")
    snapshot = tmp_path_factory.mktemp("ekslint-hooks-repo")
    for name in filter(None, listed.decode("utf-8", "surrogateescape").split("\0")):
        source = ROOT / name
        if not source.is_file():  # deleted but still tracked
            continue
        target = snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    _git(snapshot, env, "init", "-q")
    _git(snapshot, env, "add", "-A")
    _git(snapshot, env, "commit", "-q", "--no-verify", "-m", "snapshot")
    return snapshot


def _project(tmp_path: Path, files: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """A git project holding ``files`` (added, so that --all-files sees them)."""
    env = _env(tmp_path)
    project = tmp_path / "project"
    project.mkdir()
    _git(project, env, "init", "-q")
    for name, text in files.items():
        (project / name).write_text(text, encoding="utf-8")
    _git(project, env, "add", "-A")
    return project, env


def _try_repo(
    hook_repo: Path, project: Path, env: dict[str, str], hook: str, all_files: bool = True
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hook_repo),
            hook,
            *(["--all-files"] if all_files else []),
            "--color",
            "never",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def test_hooks_file_is_a_valid_manifest() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = {hook["id"]: hook for hook in clientlib.load_manifest(str(HOOKS))}
    assert set(hooks) == {"ekslint", "ekslint-fix"}
    # `--` last: pre-commit appends file names, which must never be read as options.
    assert hooks["ekslint"]["entry"] == "ekslint --"
    assert hooks["ekslint-fix"]["entry"] == "ekslint --fix --"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types"] == ["yaml"]
        assert hook["require_serial"] is True
        assert hook["pass_filenames"] is True


def test_lint_hook_fails_on_a_bad_manifest(hook_repo: Path, tmp_path: Path) -> None:
    project, env = _project(tmp_path, {"bad.yaml": BAD, "values.yaml": "replicas: 2\n"})
    done = _try_repo(hook_repo, project, env, "ekslint")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "bad.yaml:6:55: EKS004" in done.stdout
    assert "values.yaml" not in done.stdout.split("- exit code")[-1]
    assert (project / "bad.yaml").read_text() == BAD  # the lint hook changes nothing


def test_lint_hook_passes_on_a_good_manifest(hook_repo: Path, tmp_path: Path) -> None:
    project, env = _project(tmp_path, {"good.yaml": FIXED})
    done = _try_repo(hook_repo, project, env, "ekslint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_fix_hook_rewrites_the_annotation(hook_repo: Path, tmp_path: Path) -> None:
    project, env = _project(tmp_path, {"bad.yaml": BAD})
    done = _try_repo(hook_repo, project, env, "ekslint-fix")
    # pre-commit fails a hook that modified files, so that the fix gets reviewed and staged.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "files were modified by this hook" in done.stdout
    assert (project / "bad.yaml").read_text() == FIXED


def test_one_process_sees_every_file(hook_repo: Path, tmp_path: Path) -> None:
    """Pods in many files, their ServiceAccount (with the TCR pull secret) in another: found
    only if one ekslint process gets all the files. Without require_serial pre-commit would
    split these 13 files into parallel batches on a multi-core machine."""
    files = {f"pod-{n:02}.yaml": TCR_POD.format(n=n) for n in range(12)}
    files["serviceaccount.yaml"] = SERVICE_ACCOUNT
    project, env = _project(tmp_path, files)
    done = _try_repo(hook_repo, project, env, "ekslint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "EKS009" not in done.stdout


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: pay
spec:
  selector: {matchLabels: {app: pay}}
  template:
    metadata:
      labels: {app: pay}
    spec:
      serviceAccountName: builder
      containers:
        - name: api
          image: mytcr.tencentcloudcr.com/pay/api:1.0
"""


@pytest.mark.parametrize("hook", ["ekslint", "ekslint-fix"])
def test_only_the_staged_file_still_sees_the_project(
    hook_repo: Path, tmp_path: Path, hook: str
) -> None:
    """Change only the image tag: pre-commit passes only the Deployment, whose ServiceAccount
    (with the TCR pull secret) is in another, committed file. No EKS009, nothing written."""
    project, env = _project(
        tmp_path, {"serviceaccount.yaml": SERVICE_ACCOUNT, "deployment.yaml": DEPLOYMENT}
    )
    _git(project, env, "commit", "-q", "--no-verify", "-m", "project")
    changed = DEPLOYMENT.replace("api:1.0", "api:1.1")
    (project / "deployment.yaml").write_text(changed, encoding="utf-8")
    _git(project, env, "add", "deployment.yaml")
    done = _try_repo(hook_repo, project, env, hook, all_files=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "EKS009" not in done.stdout
    assert (project / "deployment.yaml").read_text(encoding="utf-8") == changed
    # and the same file alone, without the project around it, does have the finding
    isolated = subprocess.run(
        [sys.executable, "-m", "ekslint", "--isolated", "deployment.yaml"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert isolated.returncode == 1 and "EKS009" in isolated.stdout


def test_file_names_are_never_options(hook_repo: Path, tmp_path: Path) -> None:
    """Committed files named like options are linted as files: `--config=evil.yaml` (beside
    an evil.yaml that excludes everything) does not switch the config, `--output=prod.yaml`
    does not overwrite prod.yaml with the report, `-dash.yaml` is not an unknown option."""
    files = {
        "evil.yaml": "exclude: ['**']\n",
        "--config=evil.yaml": BAD,
        "prod.yaml": FIXED,
        "--output=prod.yaml": FIXED,
        "-dash.yaml": FIXED,
    }
    project, env = _project(tmp_path, files)
    done = _try_repo(hook_repo, project, env, "ekslint")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "--config=evil.yaml:6:55: EKS004" in done.stdout
    assert "unrecognized arguments" not in done.stdout + done.stderr
    assert (project / "prod.yaml").read_text(encoding="utf-8") == FIXED
