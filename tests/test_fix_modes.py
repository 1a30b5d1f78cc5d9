"""Fix modes (--fix, --unsafe-fixes, --diff, stdin) and safe writes: a fix never leaves a file
half-written or rewrites one it could not read."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from conftest import run

BROKEN = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web  # the storefront
spec:
  template:
    metadata:
      annotations:
        eks.tke.cloud.tencent.com/registry-http-endpoint: "10.16.100.174:5000；10.0.0.2:5000"
    spec:
      containers:
        - name: web
          image: 10.16.100.174:5000/busybox:latest
        - name: b
          image: 10.0.0.2:5000/b:1
"""
FIXED_VALUE = '"10.16.100.174:5000,10.0.0.2:5000"'
ARGS = ["--isolated", "--http-registry", "10.16.100.174:5000", "--http-registry", "10.0.0.2:5000"]


def write(tmp_path: Path, text: str = BROKEN, name: str = "web.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_fix_in_place_reports_fixed_and_remaining(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN + "        - name: c\n          image: harbor/c:1\n")
    result = run([str(path), "--fix", *ARGS])
    assert FIXED_VALUE in path.read_text()
    assert "fixed EKS004" in result.out
    assert "EKS017" in result.out  # what remains is still reported, at its position
    assert "fixed 1" in result.out.splitlines()[-1] and "1 finding" in result.out
    assert result.code == 1
    clean = write(tmp_path, BROKEN, "clean.yaml")
    assert run([str(clean), "--fix", *ARGS]).code == 0  # everything fixed: exit 0


def test_one_edit_fixing_two_findings_reports_both(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN.replace("10.16.100.174:5000；", "10.16.100.174；"))
    document = run([str(path), "--fix", "--format", "json", *ARGS]).json
    assert [f["rule"] for f in document["fixed"]] == ["EKS003", "EKS004"]
    assert FIXED_VALUE in path.read_text()


def test_fix_json_lists_fixed(tmp_path: Path) -> None:
    path = write(tmp_path)
    document = run([str(path), "--fix", "--format", "json", *ARGS]).json
    assert [f["rule"] for f in document["fixed"]] == ["EKS004"]
    assert document["findings"] == [] and document["summary"]["fixed"] == 1


def test_diff_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path)
    before = path.read_bytes()
    result = run([str(path), "--diff", *ARGS])
    assert path.read_bytes() == before
    assert result.code == 1
    assert result.out.startswith(f"--- {path}\n+++ {path}\n@@")
    assert f"+        eks.tke.cloud.tencent.com/registry-http-endpoint: {FIXED_VALUE}" in result.out
    fixed = write(
        tmp_path, BROKEN.replace('"10.16.100.174:5000；10.0.0.2:5000"', FIXED_VALUE), "ok.yaml"
    )
    assert run([str(fixed), "--diff", *ARGS]).code == 0


def test_unsafe_fixes_need_the_flag(tmp_path: Path) -> None:
    text = BROKEN.replace(
        "10.16.100.174:5000；10.0.0.2:5000", "10.16.100.174:5000,10.0.0.2:5000,10.9.9.9:5000"
    )
    path = write(tmp_path, text)
    run([str(path), "--fix", *ARGS])
    assert "10.9.9.9:5000" in path.read_text()  # EKS008's fix is unsafe
    run([str(path), "--fix", "--unsafe-fixes", *ARGS])
    assert "10.9.9.9:5000" not in path.read_text()


def test_untouched_file_keeps_mtime(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN.replace('"10.16.100.174:5000；10.0.0.2:5000"', FIXED_VALUE))
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    run([str(path), "--fix", *ARGS])
    assert path.stat().st_mtime_ns == 1_000_000_000


def test_mode_is_kept_and_no_temporary_left(tmp_path: Path) -> None:
    path = write(tmp_path)
    path.chmod(0o640)
    run([str(path), "--fix", *ARGS])
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["web.yaml"]


def test_symlink_is_followed_not_replaced(tmp_path: Path) -> None:
    target = write(tmp_path, name="real.yaml")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    run([str(link), "--fix", *ARGS])
    assert link.is_symlink()
    assert FIXED_VALUE in target.read_text()


def test_file_changed_on_disk_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path)
    from ekslint.fix import fixer

    original = fixer.write_atomically

    def meddle(target: str, text: str | None, st: os.stat_result | None, *rest: Any) -> str | None:
        with open(target, "a") as handle:  # someone saves the file while ekslint works
            handle.write("# edited elsewhere\n")
        return original(target, text, st, *rest)

    monkeypatch.setattr(fixer, "write_atomically", meddle)
    result = run([str(path), "--fix", *ARGS])
    assert result.code == 2
    assert "changed on disk" in result.err
    assert path.read_text().endswith("# edited elsewhere\n")
    assert "；" in path.read_text()


def test_file_with_errors_is_not_rewritten(tmp_path: Path) -> None:
    path = write(tmp_path, BROKEN + "---\nkind: [\n")
    before = path.read_bytes()
    result = run([str(path), "--fix", *ARGS])
    assert path.read_bytes() == before and result.code == 2


def test_fix_stream_to_stdout(monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(["-", "--fix", *ARGS], stdin=BROKEN.encode(), monkeypatch=monkeypatch)
    assert result.out == BROKEN.replace('"10.16.100.174:5000；10.0.0.2:5000"', FIXED_VALUE)
    assert "fixed EKS004" in result.err
    assert result.code == 0


def test_helm_post_renderer(tmp_path: Path) -> None:
    """Helm runs the post-renderer with the rendered manifests on stdin and applies what it
    prints on stdout; anything on stderr is only shown. This script does what Helm does."""
    renderer = tmp_path / "ekslint-post-renderer"
    renderer.write_text(
        textwrap.dedent(f"""\
        #!/bin/sh
        exec {sys.executable} -m ekslint --fix - --isolated --http-registry 10.16.100.174:5000 \\
            --http-registry 10.0.0.2:5000
        """)
    )
    renderer.chmod(0o755)
    rendered = "---\n# Source: shop/templates/deployment.yaml\n" + BROKEN
    done = subprocess.run([str(renderer)], input=rendered.encode(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    import yaml

    documents = list(yaml.safe_load_all(done.stdout))
    annotations = documents[0]["spec"]["template"]["metadata"]["annotations"]
    assert annotations["eks.tke.cloud.tencent.com/registry-http-endpoint"] == (
        "10.16.100.174:5000,10.0.0.2:5000"
    )
    assert done.stdout.decode().startswith("---\n# Source: shop/templates/deployment.yaml\n")
    assert b"fixed EKS004" in done.stderr


def test_fixing_a_raw_template_stream_passes_it_through(monkeypatch: pytest.MonkeyPatch) -> None:
    template = (
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n{{- if .Values.debug }}\n"
        "  annotations: {a: b}\n{{- end }}\n---\nkind: x\n"
    )
    result = run(["-", "--fix", "--isolated"], stdin=template.encode(), monkeypatch=monkeypatch)
    assert result.out == template
    assert "raw Helm template" in result.err


@pytest.mark.parametrize(
    "bad",
    ["---\nfoo: [unclosed\n", "---\napiVersion: v1\nkind: Pod\nmetadata: {name: q, name: r}\n"],
    ids=["parse-error", "duplicate-key"],
)
def test_a_stream_with_errors_is_passed_through_unchanged(
    bad: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a Helm post-renderer an empty stdout would empty the release: a stream that cannot
    be fixed comes out as it went in, and its errors still fail the run."""
    stream = BROKEN + bad
    result = run(["-", "--fix", *ARGS], stdin=stream.encode(), monkeypatch=monkeypatch)
    assert result.out == stream
    assert result.code == 2
    assert "passed through unchanged" in result.err
    assert "1 input could not be read" in result.err


def test_a_file_reached_by_two_names_is_fixed_once(tmp_path: Path) -> None:
    """A symlink in the tree to another of its files (or a path given twice): the file is
    fixed under the first name only, not refused under the second as changed on disk."""
    folder = tmp_path / "in"
    folder.mkdir()
    target = write(folder, name="mode.yaml")
    (folder / "link2.yaml").symlink_to("mode.yaml")
    result = run([str(folder), "--fix", *ARGS])
    assert result.code == 0, result.out + result.err
    assert "changed on disk" not in result.out + result.err
    assert FIXED_VALUE in target.read_text()
    assert "1 file checked" in result.out
    again = write(tmp_path, name="twice.yaml")
    assert run([str(again), str(again), "--fix", *ARGS]).code == 0
    assert FIXED_VALUE in again.read_text()


def test_a_hard_link_is_fixed_under_each_name(tmp_path: Path) -> None:
    """Writing a fix renames a new file over the name: a hard link's other name is a file of
    its own then, so it is fixed (and reported) too, not taken for the same file."""
    first = tmp_path / "a.yaml"
    first.write_text(BROKEN, encoding="utf-8")
    os.link(first, tmp_path / "hard.yaml")
    result = run([str(first), str(tmp_path / "hard.yaml"), "--fix", *ARGS])
    assert result.code == 0, result.out + result.err
    assert FIXED_VALUE in first.read_text(encoding="utf-8")
    assert (tmp_path / "hard.yaml").read_text(encoding="utf-8") == first.read_text("utf-8")
