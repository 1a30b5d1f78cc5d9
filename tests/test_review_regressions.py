"""Cases found by an independent review of the first version."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import lint_text, run

POD = """apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - {name: a, image: "10.0.0.1:5000/a:1"}
"""
HTTP = ["--http-registry", "10.0.0.1:5000"]


def test_empty_documents_are_not_errors(tmp_path: Path) -> None:
    for stream in (POD + "---\n", "---\n", POD + "---\n# Source: c/templates/empty.yaml\n---\n"):
        result = lint_text(tmp_path, stream)
        assert result.json["errors"] == [], stream


def test_a_trailing_empty_document_does_not_block_fixing(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(POD + "---\n")
    assert run([str(path), "--fix", "--isolated", *HTTP]).code == 0
    assert "registry-http-endpoint" in path.read_text()
    assert path.read_text().endswith("---\n")


def test_fixing_a_json_manifest_keeps_it_json(tmp_path: Path) -> None:
    path = tmp_path / "pod.json"
    path.write_text(
        '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},'
        '"spec":{"containers":[{"name":"a","image":"10.0.0.1:5000/a:1"}]}}\n'
    )
    assert run([str(path), "--fix", "--isolated", *HTTP]).code == 0
    data = json.loads(path.read_text())
    assert data["metadata"]["annotations"] == {
        "eks.tke.cloud.tencent.com/registry-http-endpoint": "10.0.0.1:5000"
    }


def test_eks012_hint_is_valid_config_for_ipv6(tmp_path: Path) -> None:
    text = POD.replace("10.0.0.1:5000/a:1", "[fd00::2]:5000/a:1")
    (finding,) = lint_text(tmp_path, text).json["findings"]
    hint = finding["message"].split("\n", 1)[1]
    import yaml

    config = yaml.safe_load(hint.split("#")[0])
    assert config["registries"][0]["host"] == "[fd00::2]:5000"


def test_duplicate_registry_in_config_is_an_error(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "registries:\n  - {host: 10.0.0.1:5000, protocol: http}\n"
        "  - {host: 10.0.0.1:5000, protocol: https}\n"
    )
    result = run([str(tmp_path), "--config", str(config)])
    assert result.code == 2 and "declared twice" in result.err


def test_closed_pipe_is_not_a_clean_run(tmp_path: Path) -> None:
    big = tmp_path / "many.yaml"
    big.write_text("---\n".join(POD.replace("name: p", f"name: p{i}") for i in range(3000)))
    done = subprocess.run(
        f"{sys.executable} -m ekslint --isolated {big} | head -1 >/dev/null; "
        "echo ${PIPESTATUS[0]}",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "1", done.stdout + done.stderr
    assert "Traceback" not in done.stderr
