"""What a release ships besides the package: metadata, the GitHub Action, the SchemaStore entry."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run

ACTION = ROOT / "action.yml"
ENTRY = ROOT / "schemastore" / "catalog-entry.json"
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - {name: a, image: "10.0.0.1:5000/a:1"}
"""


def test_metadata_names_authors_urls_and_license() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["authors"] and project["license"] == "Apache-2.0"
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert {"Homepage", "Source", "Issues"} <= set(project["urls"])
    assert all(url.startswith("https://") for url in project["urls"].values())
    assert project["optional-dependencies"]["lsp"] == ["pygls>=2.0,<3"]
    assert "pygls>=2.0,<3" in " ".join(project["optional-dependencies"]["test"])


def test_catalog_entry_matches_the_config_files_and_the_printed_schema() -> None:
    entry = json.loads(ENTRY.read_text(encoding="utf-8"))
    assert set(entry) <= {"name", "description", "fileMatch", "url", "versions"}
    assert {"name", "description", "url"} <= set(entry)  # required by the catalog's schema
    for name in (".ekslint.yaml", ".ekslint.yml"):
        assert any(fnmatch.fnmatch(name, pattern) for pattern in entry["fileMatch"])
    for other in ("values.yaml", "ekslint.yaml", "pyproject.toml"):
        assert not any(fnmatch.fnmatch(other, pattern) for pattern in entry["fileMatch"])
    prefix = "https://raw.githubusercontent.com/ekslint/ekslint/"
    urls = [entry["url"], *entry.get("versions", {}).values()]
    suffix = "/rules/schema/config.schema.json"
    assert all(u.startswith(prefix) and u.endswith(suffix) for u in urls)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert entry["versions"][version].startswith(prefix + f"v{version}/")
    printed = run(["schema"]).out
    assert printed == (ROOT / "rules" / "schema" / "config.schema.json").read_text("utf-8")
    schema = json.loads(printed)
    assert schema["type"] == "object"  # the file validates what .ekslint.yaml holds


def _lint_step() -> dict[str, object]:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = {step.get("id") or step.get("name"): step for step in action["runs"]["steps"]}
    return {"action": action, "steps": steps}


def test_action_installs_itself_and_uploads_sarif_on_request() -> None:
    parsed = _lint_step()
    action: dict[str, dict[str, object]] = parsed["action"]  # type: ignore[assignment]
    steps: dict[str, dict[str, object]] = parsed["steps"]  # type: ignore[assignment]
    assert {"paths", "args", "format", "upload-sarif", "sarif-file"} <= set(action["inputs"])
    install = steps["Install ekslint (this action's own checkout)"]
    assert "${{ github.action_path }}" in str(install["env"])
    upload = steps["Upload SARIF"]
    assert str(upload["uses"]).startswith("github/codeql-action/upload-sarif@")
    assert "inputs.upload-sarif == 'true'" in str(upload["if"])
    # No input is pasted into a script (a workflow's input could inject shell code).
    for step in action["runs"]["steps"]:  # type: ignore[attr-defined]
        assert "${{" not in str(step.get("run", ""))


@pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps are bash")
def test_action_lint_step_runs_ekslint_with_the_inputs(tmp_path: Path) -> None:
    step: dict[str, object] = _lint_step()["steps"]["lint"]  # type: ignore[index]
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "pod.yaml").write_text(POD, encoding="utf-8")
    script = str(step["run"])
    ekslint_bin = shutil.which("ekslint") or str(Path(sys.executable).parent / "ekslint")

    def lint(**inputs: str) -> tuple[int, str, str]:
        output = tmp_path / "github-output"
        output.write_text("")
        env = {
            **os.environ,
            "PATH": f"{Path(ekslint_bin).parent}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_OUTPUT": str(output),
            "EKSLINT_PATHS": inputs.get("paths", "m"),
            "EKSLINT_ARGS": inputs.get("args", "--isolated"),
            "EKSLINT_FORMAT": inputs.get("format", "github"),
            "EKSLINT_SARIF": inputs.get("sarif", "false"),
            "EKSLINT_SARIF_FILE": "out.sarif",
        }
        done = subprocess.run(
            ["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr  # the step records; a later step fails
        return int(output.read_text().strip().split("=")[1]), done.stdout, done.stderr

    status, out, _ = lint()
    assert status == 1 and out.startswith("::warning file=m/pod.yaml,line=6")
    status, _, _ = lint(args="--isolated --trusted-registry 10.0.0.1:5000")
    assert status == 0
    status, _, _ = lint(sarif="true", format="text")
    assert status == 1
    sarif = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["results"][0]["ruleId"] == "EKS012"
    status, _, err = lint(args="--isolated --select EKS999")
    assert status == 2 and "unknown rule selector" in err


def test_sdist_carries_what_its_tests_read() -> None:
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"][
        "targets"
    ]["sdist"]["include"]
    for needed in ("tests", "rules", "examples", "scripts", ".ci", ".pre-commit-hooks.yaml"):
        assert needed in include
    for needed in ("action.yml", "schemastore", "LICENSE", "README.md"):
        assert needed in include
