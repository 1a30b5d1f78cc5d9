"""Rendered Helm and Kustomize output piped into ``ekslint -``.

``fixtures/helm/mychart-rendered.yaml`` is shaped like ``helm template --include-crds`` output: a
CRD first (``# Source: mychart/crds/...``), then the chart's templates in install order, a hook
Job and a ``templates/tests/`` Pod last, every document opened by ``---`` and its ``# Source:``
line. Its problems sit at known lines of the whole stream. The Kustomize test renders
``fixtures/kustomize/overlays/prod`` with the real ``kubectl kustomize``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, Result, run

HELM = FIXTURES / "helm" / "mychart-rendered.yaml"
KUSTOMIZE = FIXTURES / "kustomize"

# (rule, line, column, template, text found at that line and column)
HELM_FINDINGS = [
    ("EKS004", 88, 59, "mychart/templates/deployment.yaml", '"10.0.0.1:5000;10.0.0.2:5000"'),
    (
        "EKS006",
        125,
        5,
        "mychart/templates/hooks/db-migrate.yaml",
        "eks.tke.cloud.tencent.com/registry-insecure-skip-verify:",
    ),
    ("EKS017", 137, 18, "mychart/templates/hooks/db-migrate.yaml", '"harbor/platform/seed:3.1"'),
    (
        "EKS009",
        155,
        14,
        "mychart/templates/tests/test-connection.yaml",
        "ccr.ccs.tencentyun.com/mychart/busybox:1.36",
    ),
]


def helm_stream() -> bytes:
    return HELM.read_bytes()


def test_fixture_lines_hold_what_the_findings_point_at() -> None:
    lines = HELM.read_text(encoding="utf-8").splitlines()
    for _rule, line, column, template, text in HELM_FINDINGS:
        assert lines[line - 1][column - 1 :].startswith(text)
        # The finding's document is the one opened by the closest # Source: line above it.
        source = next(x for x in reversed(lines[:line]) if x.startswith("# Source: "))
        assert source == f"# Source: {template}"


def test_helm_stream_on_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(
        ["--isolated", "-", "--stdin-filename", "rendered.yaml", "--format", "json"],
        stdin=helm_stream(),
        monkeypatch=monkeypatch,
    )
    assert result.code == 1, result.err
    findings = result.json["findings"]
    assert [(f["rule"], f["line"], f["column"], f["source"]) for f in findings] == [
        (rule, line, column, template) for rule, line, column, template, _ in HELM_FINDINGS
    ]
    assert {f["path"] for f in findings} == {"rendered.yaml"}
    objects = [(f["object"]["kind"], f["object"]["name"]) for f in findings]
    assert objects == [
        ("Deployment", "release-name-mychart"),
        ("Job", "release-name-mychart-db-migrate"),
        ("Job", "release-name-mychart-db-migrate"),
        ("Pod", "release-name-mychart-test-connection"),
    ]
    # The sidecar's TCR image is covered by the ServiceAccount's pull secret, found in another
    # document of the stream; the CRD's schema (which mentions containers) is not a pod.
    assert not any("sidecar" in f["message"] for f in findings)
    assert result.json["errors"] == []


def test_helm_stream_through_a_real_pipe() -> None:
    done = subprocess.run(
        [
            *[sys.executable, "-m", "ekslint", "--isolated", "--output-format", "concise"],
            *["-", "--stdin-filename", "rendered.yaml"],
        ],
        input=helm_stream(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    out = done.stdout.decode("utf-8").splitlines()
    for rule, line, column, template, _ in HELM_FINDINGS:
        assert any(
            x.startswith(f"rendered.yaml:{line}:{column}: {rule}")
            and x.endswith(f"(template: {template})")
            for x in out
        ), (rule, out)
    # EKS009 is a warning: the chart's ServiceAccount is not in the stream.
    assert out[-1].startswith("ekslint: 1 file checked: 4 findings (2 errors, 2 warnings)")


def test_helm_file_and_stdin_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    from_file = run(["--isolated", str(HELM), "--format", "json"])
    from_stdin = run(
        ["--isolated", "-", "--format", "json"], stdin=helm_stream(), monkeypatch=monkeypatch
    )

    def positions(result: Result) -> list[tuple[str, int, int, str]]:
        return [(f["rule"], f["line"], f["column"], f["source"]) for f in result.json["findings"]]

    assert positions(from_file) == positions(from_stdin)


def test_helm_post_renderer_fixes_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    """``helm install --post-renderer``: the fixed stream on stdout, the report on stderr."""
    original = HELM.read_text(encoding="utf-8")
    result = run(["--isolated", "--fix", "-"], stdin=helm_stream(), monkeypatch=monkeypatch)
    fixed = result.out
    assert "fixed EKS004" in result.err and "fixed EKS006" in result.err
    assert '"10.0.0.1:5000,10.0.0.2:5000"' in fixed
    # Everything that makes it a Helm stream survives: document markers and # Source: lines.
    markers = re.compile(r"^(?:---|# Source: .*)$", re.MULTILINE)
    assert markers.findall(fixed) == markers.findall(original)
    # The skip-verify annotation moved from the hook Job's metadata into its pod template.
    job = fixed.split("# Source: mychart/templates/hooks/db-migrate.yaml\n")[1].split("---")[0]
    head, template = job.split("  template:\n")
    assert "registry-insecure-skip-verify" not in head
    assert 'eks.tke.cloud.tencent.com/registry-insecure-skip-verify: "harbor.corp.example"' in (
        template
    )
    # Linting the fixed stream again finds only what has no safe fix.
    again = run(
        ["--isolated", "-", "--format", "json"], stdin=fixed.encode(), monkeypatch=monkeypatch
    )
    assert [f["rule"] for f in again.json["findings"]] == ["EKS017", "EKS009"]


@pytest.mark.skipif(
    shutil.which("kubectl") is None,
    reason="kubectl is not installed: it renders the Kustomize overlay",
)
def test_kustomize_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # kubectl reads the kubeconfig even to render: a canary that blocks whoever opens it (a
    # FIFO) proves the test never touches the user's cluster configuration.
    canary = tmp_path / "kubeconfig-canary"
    os.mkfifo(canary)
    monkeypatch.setenv("KUBECONFIG", str(canary))
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "KUBECONFIG": "/nonexistent", "HOME": str(home)}
    rendered = subprocess.run(
        ["kubectl", "kustomize", str(KUSTOMIZE / "overlays" / "prod")],
        capture_output=True,
        timeout=30,
        check=True,
        env=env,
    ).stdout
    text = rendered.decode("utf-8")
    lines = text.splitlines()

    def position_of(pattern: str) -> tuple[int, int]:
        """1-based line and column of the value that ``pattern``'s group 1 matches."""
        for number, line in enumerate(lines, 1):
            match = re.search(pattern, line)
            if match:
                return number, match.start(1) + 1
        raise AssertionError(f"{pattern!r} not in the rendered output:\n{text}")

    result = run(["--isolated", "-", "--format", "json"], stdin=rendered, monkeypatch=monkeypatch)
    assert result.code == 1, result.err
    found = [(f["rule"], f["line"], f["column"]) for f in result.json["findings"]]
    assert found == [
        ("EKS003", *position_of(r"registry-http-endpoint: (\"?10\.0\.0\.1\"?)$")),
        ("EKS012", *position_of(r"image: (\"?registry\.prod\.internal:5000/reports/)")),
    ]
    by_rule = {f["rule"]: f for f in result.json["findings"]}
    # namePrefix and namespace are applied before ekslint sees the objects.
    assert by_rule["EKS003"]["object"] == {
        "kind": "Deployment",
        "name": "prod-web",
        "namespace": "prod",
    }
    assert by_rule["EKS012"]["object"] == {
        "kind": "CronJob",
        "name": "prod-report",
        "namespace": "prod",
    }
    assert by_rule["EKS012"]["source"] is None  # Kustomize output names no template
    # The agent's TCR image is covered: the renamed ServiceAccount still carries the secret.
    assert not any(f["rule"] == "EKS009" for f in result.json["findings"])
