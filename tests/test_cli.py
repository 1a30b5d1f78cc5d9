"""The command line contract that scripts and CI depend on: JSON shape, text output, exit codes,
stdin, flags."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import lint_text, run
from ekslint import cli

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: 10.16.100.174:5000/busybox:latest
"""


def test_json_shape(tmp_path: Path) -> None:
    result = lint_text(tmp_path, DEPLOYMENT, "--http-registry", "10.16.100.174:5000")
    assert result.code == 1
    document = result.json
    assert set(document) >= {"findings", "errors", "summary"}
    (finding,) = document["findings"]
    assert finding == {
        "rule": "EKS001",
        "name": "missing-http-endpoint",
        "severity": "error",
        "message": finding["message"],
        "path": str(tmp_path / "m.yaml"),
        "line": 11,
        "column": 18,
        "object": {"kind": "Deployment", "name": "web", "namespace": "shop"},
        "container": "web",
        "fix": {"available": True, "applicability": "safe"},
        "source": None,
        "origin": None,
    }
    assert "10.16.100.174:5000" in finding["message"]
    assert document["summary"]["findings"] == 1 and document["summary"]["errors"] == 1


def test_text_format(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(DEPLOYMENT)
    result = run([str(path), "--isolated", "--http-registry", "10.16.100.174:5000"])
    first = result.out.splitlines()[0]
    assert first.startswith(f"{path}:11:18: EKS001 [*] [error] ")
    assert "\033[" not in result.out  # no colour when not a terminal
    assert result.out.splitlines()[-1].startswith("ekslint: 1 file checked: 1 finding")
    coloured = run(
        [str(path), "--isolated", "--color", "always", "--http-registry", "10.16.100.174:5000"]
    )
    assert "\033[31merror" in coloured.out


def test_exit_codes(tmp_path: Path) -> None:
    clean = lint_text(tmp_path, DEPLOYMENT)  # undeclared: EKS012 warning only
    assert clean.code == 1
    assert lint_text(tmp_path, DEPLOYMENT, "--exit-zero").code == 0
    assert lint_text(tmp_path, DEPLOYMENT, "--ignore", "EKS012").code == 0
    assert lint_text(tmp_path, DEPLOYMENT, "--select", "EKS016").code == 0
    with pytest.raises(SystemExit) as usage:
        run(["--format", "xml"])
    assert usage.value.code == 2
    assert lint_text(tmp_path, DEPLOYMENT, "--select", "EKS9").code == 2


def test_select_ignore_by_name_and_prefix(tmp_path: Path) -> None:
    args = ["--http-registry", "10.16.100.174:5000"]
    assert lint_text(tmp_path, DEPLOYMENT, *args, "--ignore", "missing-http-endpoint").code == 0
    assert (
        lint_text(tmp_path, DEPLOYMENT, *args, "--ignore", "EKS0", "--select", "EKS001").code == 1
    )
    assert lint_text(tmp_path, DEPLOYMENT, *args, "--ignore", "EKS00").code == 0


def test_stdin_with_filename(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(
        ["-", "--stdin-filename", "rendered.yaml", "--format", "json", "--isolated"],
        stdin=DEPLOYMENT.encode(),
        monkeypatch=monkeypatch,
    )
    (finding,) = result.json["findings"]
    assert finding["path"] == "rendered.yaml" and finding["rule"] == "EKS012"


def test_declared_trusted_registry_needs_nothing(tmp_path: Path) -> None:
    result = lint_text(tmp_path, DEPLOYMENT, "--trusted-registry", "10.16.100.174:5000")
    assert result.json["findings"] == [] and result.code == 0


def test_declaring_a_host_covers_its_ports(tmp_path: Path) -> None:
    result = lint_text(tmp_path, DEPLOYMENT, "--http-registry", "10.16.100.174")
    assert [f["rule"] for f in result.json["findings"]] == ["EKS001"]
    assert (
        '"10.16.100.174:5000"' in result.json["findings"][0]["message"]
        or "10.16.100.174:5000" in result.json["findings"][0]["message"]
    )


def test_kind_list_and_json_manifest(tmp_path: Path) -> None:
    listing = """{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"},
   "spec": {"containers": [{"name": "a", "image": "harbor/x:1"}]}}]}
"""
    result = lint_text(tmp_path, listing, name="list.json")
    assert result.positions() == [("EKS017", 3, 51)]


def test_every_container_list_counts(tmp_path: Path) -> None:
    text = """apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers: [{name: i, image: harbor/i}]
  containers: [{name: c, image: harbor/c}]
  ephemeralContainers: [{name: e, image: harbor/e}]
"""
    assert [p[1] for p in lint_text(tmp_path, text).positions()] == [5, 6, 7]


def test_custom_resources_with_pod_templates(tmp_path: Path) -> None:
    text = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: r}
spec:
  template:
    spec:
      containers: [{name: c, image: harbor/a}]
---
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: c}
spec:
  template:
    spec:
      containers: [{name: c, image: harbor/b}]
---
apiVersion: example.com/v1
kind: SomethingNew
metadata: {name: s}
spec:
  workers:
    - template:
        metadata: {labels: {a: b}}
        spec:
          containers: [{name: c, image: harbor/c}]
---
apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: {name: l}
spec:
  leaderWorkerTemplate:
    leaderTemplate:
      spec:
        containers: [{name: c, image: harbor/d}]
    workerTemplate:
      spec:
        containers: [{name: c, image: harbor/e}]
"""
    assert [p[1] for p in lint_text(tmp_path, text).positions()] == [7, 15, 25, 34, 37]


def test_show_settings(tmp_path: Path) -> None:
    result = run(["--show-settings", "--isolated", "--http-registry", "10.0.0.1:5000"])
    document = result.json
    assert document["settings"]["registries"] == [{"host": "10.0.0.1:5000", "protocol": "http"}]
    assert document["origins"]["registries.10.0.0.1:5000"] == "--http-registry"


def test_schema_command() -> None:
    import json

    schema = json.loads(run(["schema"]).out)
    assert schema["title"].startswith("ekslint configuration")


# -- the fast path past argparse (cli._fast_args) -------------------------------------------

_OPTION_WORDS = sorted(cli._FAST_OPTIONS)
_SWITCH_WORDS = sorted(f for f, (_, kind, _) in cli._FAST_OPTIONS.items() if kind == "store_true")
_VALUES = ["json", "text", "never", "error", "2", "08", "x.yaml", "EKS001", "", "-1", "--", "٣"]
_WORDS = st.one_of(
    st.sampled_from([*_OPTION_WORDS, *_VALUES, "-", "--fi", "-j2", "--jobs=2", "-h", "-qj"]),
    st.text(min_size=0, max_size=6),
    st.builds(lambda word: "-" + word, st.text(max_size=4)),
)


def _argparse_answer(argv: list[str]) -> dict[str, object] | None:
    """argparse's namespace for ``argv``, or None when it rejects the command line."""
    parser = cli.lint_parser()
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            return vars(parser.parse_args(argv))
    except SystemExit:
        return None


@given(st.lists(_WORDS, max_size=8))
def test_fast_args_agree_with_argparse(argv: list[str]) -> None:
    fast = cli._fast_args(argv)
    if fast is not None:
        assert vars(fast) == _argparse_answer(argv)


_VALUED = st.one_of(
    st.tuples(st.sampled_from(["--output-format", "--format"]), st.sampled_from(["json", "sarif"])),
    st.tuples(st.sampled_from(["--jobs", "-j"]), st.integers(0, 64).map(str)),
    st.tuples(
        st.sampled_from(["--config", "--select", "--ignore", "--http-registry", "-o"]),
        st.text(max_size=8).filter(lambda value: not value.startswith("-")),
    ),
)


@given(
    st.lists(st.one_of(st.sampled_from(_SWITCH_WORDS).map(lambda f: [f]), _VALUED.map(list))),
    st.booleans(),
    st.lists(st.text(max_size=8).filter(lambda p: p == "-" or not p.startswith("-")), max_size=4),
)
def test_fast_args_take_the_usual_command_lines(
    options: list[list[str]], separator: bool, paths: list[str]
) -> None:
    """What pre-commit's hooks run (``ekslint --``, ``ekslint --fix --``, then file names) and
    ``ekslint [options] PATH...`` are read without argparse, as argparse reads them."""
    argv = [word for option in options for word in option]
    argv += [*(["--"] if separator else []), *paths]
    fast = cli._fast_args(argv)
    assert fast is not None
    assert vars(fast) == _argparse_answer(argv)


def test_fast_args_leave_the_rest_to_argparse() -> None:
    for argv in (
        ["a.yaml", "--fix"],  # an option after the paths
        ["--fi", "a.yaml"],  # no abbreviations, and a suggestion for the typo
        ["-x.yaml"],
        ["--", "a", "--", "b"],
        ["--jobs=2", "a.yaml"],
        ["--jobs", "-1"],  # argparse decides whether "-1" is a value
        ["--jobs", "two"],
        ["--jobs", "1" * 4301],  # more digits than int() takes: argparse reports the value
        ["--output-format", "yaml"],  # not a format: argparse's error lists them
        ["--config"],
        ["--help"],
    ):
        assert cli._fast_args(argv) is None, argv


def test_a_one_file_lint_does_not_import_argparse(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(DEPLOYMENT)
    code = (
        "import sys\n"
        "from ekslint.cli import main\n"
        "code = main(['--isolated', '--jobs', '1', '--', sys.argv[1]])\n"
        "assert 'argparse' not in sys.modules, 'argparse was imported'\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "m.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr  # the image's registry is not declared: a finding
    assert "1 file checked" in done.stdout


def test_a_fix_run_turns_sigterm_into_an_orderly_exit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a run writes files (--fix) `kill PID` raises SystemExit, so the writes begun are
    finished; before and after, the signal is left as it was. A lint that writes nothing is
    left to the default (it has nothing to finish; workers see to their own: test_forks)."""
    import signal

    from ekslint import run as run_module
    from ekslint import signals

    seen: list[object] = []
    execute = run_module.Run.execute

    def recording(self: Any, out: Any, err: Any) -> int:
        seen.append(signal.getsignal(signal.SIGTERM))
        return execute(self, out, err)

    monkeypatch.setattr(run_module.Run, "execute", recording)
    (tmp_path / "m.yaml").write_text(DEPLOYMENT)
    run([str(tmp_path / "m.yaml"), "--isolated", "--fix"])
    run([str(tmp_path / "m.yaml"), "--isolated"])
    assert seen == [signals.exit_on_signal, signal.SIG_DFL]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
