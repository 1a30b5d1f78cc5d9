"""The configuration file: every key does what it says, the file is found by walking up
from the working directory, the command line overrides it, and every mistake in it is an exit-2
error naming the file, line:col, key, bad value and what was expected."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, Result, run

HTTP_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: 10.0.0.1:5000/app:1
"""
# EKS013 (warning) at 6:43 and EKS017 (warning) at 10:14.
WILDCARD_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: wild
  annotations:
    eks.tke.cloud.tencent.com/registry-http-endpoint: all
spec:
  containers:
    - name: app
      image: harbor/app:1
"""
TCR_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: mytcr.tencentcloudcr.com/team/web:1
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project folder, which is the working directory."""
    root = tmp_path / "project"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def lint(*args: str) -> Result:
    return run(["--format", "json", *args])


def rules(result: Result) -> list[str]:
    return [f["rule"] for f in result.json["findings"]]


# -- each key ------------------------------------------------------------------------------------


def test_platform(project: Path) -> None:
    write(project / ".ekslint.yaml", "platform: aliyun-eci\n")
    write(
        project / "m.yaml",
        WILDCARD_POD.replace(
            "eks.tke.cloud.tencent.com/registry-http-endpoint", "k8s.aliyun.com/plain-http-registry"
        ),
    )
    assert rules(lint("m.yaml")) == ["ECI013", "ECI017"]


def test_registries(project: Path) -> None:
    write(project / "m.yaml", HTTP_POD)
    assert rules(lint("m.yaml")) == ["EKS012"]
    write(
        project / ".ekslint.yaml",
        "registries:\n  - host: 10.0.0.1:5000\n    protocol: http\n",
    )
    result = lint("m.yaml")
    assert rules(result) == ["EKS001"]
    assert "declared http" in result.json["findings"][0]["message"]
    write(project / ".ekslint.yaml", "registries:\n  - {host: 10.0.0.1:5000, protocol: https}\n")
    assert rules(lint("m.yaml")) == []


def test_pull_secrets_feed_the_eks009_fix(project: Path) -> None:
    manifest = write(project / "m.yaml", TCR_DEPLOYMENT)
    unconfigured = lint("m.yaml")
    assert rules(unconfigured) == ["EKS009"]
    assert unconfigured.json["findings"][0]["fix"]["available"] is False
    write(project / ".ekslint.yaml", "pull-secrets:\n  mytcr.tencentcloudcr.com: mytcr-pull\n")
    configured = lint("m.yaml")
    assert configured.json["findings"][0]["fix"] == {"available": True, "applicability": "safe"}
    assert run(["m.yaml", "--fix"]).code == 0
    assert "      imagePullSecrets:\n        - name: mytcr-pull\n" in manifest.read_text()
    assert rules(lint("m.yaml")) == []


SERVICE_ACCOUNT = "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n"


def test_eks009_is_sure_only_when_it_saw_the_service_account(project: Path) -> None:
    write(project / "m.yaml", TCR_DEPLOYMENT)
    unseen = lint("m.yaml").json["findings"][0]
    assert unseen["severity"] == "warning"
    assert "ServiceAccount 'default' is not among the inputs" in unseen["message"]
    write(project / "m.yaml", TCR_DEPLOYMENT + SERVICE_ACCOUNT)
    seen = lint("m.yaml").json["findings"][0]
    assert seen["severity"] == "error"
    assert "neither the pod nor its ServiceAccount 'default'" in seen["message"]
    # A severity in the configuration wins over the finding's own, in both directions.
    write(project / ".ekslint.yaml", "severity: {EKS009: warning}\n")
    assert lint("m.yaml").json["findings"][0]["severity"] == "warning"
    write(project / "m.yaml", TCR_DEPLOYMENT)
    write(project / ".ekslint.yaml", "severity: {tcr-missing-pull-secret: error}\n")
    assert lint("m.yaml").json["findings"][0]["severity"] == "error"


@pytest.mark.parametrize(
    "config",
    [
        "injected-pull-secrets: [mytcr.tencentcloudcr.com]",
        "public-repositories: [mytcr.tencentcloudcr.com]",
        "public-repositories: [mytcr.tencentcloudcr.com/team]",
    ],
)
def test_public_and_injected_registries_need_no_pull_secrets(project: Path, config: str) -> None:
    write(project / "m.yaml", TCR_DEPLOYMENT + SERVICE_ACCOUNT)
    write(project / ".ekslint.yaml", config + "\n")
    assert rules(lint("m.yaml")) == []


def test_a_public_namespace_covers_only_itself(project: Path) -> None:
    write(project / "m.yaml", TCR_DEPLOYMENT.replace("team/web", "teamster/web"))
    write(project / ".ekslint.yaml", "public-repositories: [mytcr.tencentcloudcr.com/team]\n")
    assert rules(lint("m.yaml")) == ["EKS009"]


def test_declaring_a_tcr_registry_https_does_not_make_it_public(project: Path) -> None:
    write(project / "m.yaml", TCR_DEPLOYMENT)
    write(
        project / ".ekslint.yaml",
        "registries:\n  - {host: mytcr.tencentcloudcr.com, protocol: https}\n",
    )
    assert rules(lint("m.yaml")) == ["EKS009"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("select: [EKS013]", ["EKS013"]),  # an ID
        ("select: [EKS01]", ["EKS013", "EKS017"]),  # a prefix
        ("select: [docker-hub-lookalike]", ["EKS017"]),  # a name
        ("ignore: [EKS013]", ["EKS017"]),
        ("ignore: [EKS01]", []),
        ("ignore: [wildcard-all]", ["EKS017"]),
        # The most specific selector wins, whichever list it is in.
        ("select: [EKS013]\nignore: [EKS01]", ["EKS013"]),
        ("select: [EKS01]\nignore: [EKS013]", ["EKS017"]),
        ("select: [EKS]\nignore: [EKS0]", []),
    ],
)
def test_select_and_ignore(project: Path, config: str, expected: list[str]) -> None:
    write(project / ".ekslint.yaml", config + "\n")
    write(project / "m.yaml", WILDCARD_POD)
    assert rules(lint("m.yaml")) == expected


def test_severity_overrides(project: Path) -> None:
    write(project / "m.yaml", WILDCARD_POD)
    default = lint("m.yaml")
    assert [f["severity"] for f in default.json["findings"]] == ["warning", "warning"]
    assert default.json["summary"]["errors"] == 0
    write(project / ".ekslint.yaml", "severity: {EKS013: error, docker-hub-lookalike: error}\n")
    raised = lint("m.yaml")
    assert [f["severity"] for f in raised.json["findings"]] == ["error", "error"]
    assert raised.json["summary"]["errors"] == 2
    assert raised.code == 1
    text = run(["m.yaml"])
    assert "EKS013 [error]" in text.out
    assert "2 findings (2 errors, 0 warnings)" in text.out
    # A prefix lowers a whole family; findings still fail the run (exit 1) unless --exit-zero.
    write(project / ".ekslint.yaml", "severity: {EKS: warning}\n")
    write(project / "m.yaml", HTTP_POD.replace("10.0.0.1:5000/app:1", "alpine:invalid!"))
    lowered = lint("m.yaml")
    assert [(f["rule"], f["severity"]) for f in lowered.json["findings"]] == [("EKS016", "warning")]
    assert lowered.code == 1
    assert lint("m.yaml", "--exit-zero").code == 0


def test_exclude(project: Path) -> None:
    for name in (
        "app/web.yaml",
        "charts/shop/templates/deploy.yaml",
        "charts/shop/values.yaml",
        "legacy/old.yaml",
        "deep/er/legacy/old.yaml",
        "generated.yaml",
    ):
        write(project / name, WILDCARD_POD)
    write(
        project / ".ekslint.yaml",
        'exclude: ["charts/*/templates/**", "**/legacy/*.yaml", "generated.yaml"]\n',
    )
    linted = sorted({f["path"] for f in lint(".").json["findings"]})
    assert linted == ["./app/web.yaml", "./charts/shop/values.yaml"]
    # Patterns are relative to the config file's folder, whatever the inputs look like.
    absolute = sorted({f["path"] for f in lint(str(project)).json["findings"]})
    assert absolute == [str(project / "app/web.yaml"), str(project / "charts/shop/values.yaml")]


def test_exclude_from_a_subfolder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / ".ekslint.yaml", 'exclude: ["charts/*/templates/**"]\n')
    write(project / "charts/shop/templates/deploy.yaml", WILDCARD_POD)
    write(project / "charts/shop/ci.yaml", WILDCARD_POD)
    monkeypatch.chdir(project / "charts")
    assert sorted({f["path"] for f in lint(".").json["findings"]}) == ["./shop/ci.yaml"]


def test_per_file_ignores(project: Path) -> None:
    write(project / "legacy/old.yaml", WILDCARD_POD)
    write(project / "legacy/sub/older.yaml", WILDCARD_POD)
    write(project / "app/new.yaml", WILDCARD_POD)
    write(
        project / ".ekslint.yaml",
        'per-file-ignores:\n  "legacy/**": [EKS013]\n  "*/new.yaml": [docker-hub-lookalike]\n',
    )
    found = {(f["path"], f["rule"]) for f in lint(".").json["findings"]}
    assert found == {
        ("./legacy/old.yaml", "EKS017"),
        ("./legacy/sub/older.yaml", "EKS017"),
        ("./app/new.yaml", "EKS013"),
    }


# -- where the config comes from ------------------------------------------------------------------


def test_found_by_walking_up(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / ".ekslint.yaml", "ignore: [EKS017]\n")
    write(project / "a/b/c/m.yaml", WILDCARD_POD)
    monkeypatch.chdir(project / "a/b/c")
    assert rules(lint("m.yaml")) == ["EKS013"]
    shown = run(["--show-settings"]).json
    assert shown["config"] == str(project / ".ekslint.yaml")
    # The nearest config wins; `.yml` counts too.
    write(project / "a/.ekslint.yml", "ignore: [EKS013]\n")
    assert rules(lint("m.yaml")) == ["EKS017"]


def test_pyproject_table(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(
        project / "pyproject.toml", '[project]\nname = "x"\n\n[tool.ekslint]\nignore = ["EKS017"]\n'
    )
    write(project / "sub/m.yaml", WILDCARD_POD)
    monkeypatch.chdir(project / "sub")
    assert rules(lint("m.yaml")) == ["EKS013"]
    # A pyproject.toml without the table is passed over, even a broken one.
    write(project / "sub/pyproject.toml", "[project\nname = \n")
    assert rules(lint("m.yaml")) == ["EKS013"]
    # A `.ekslint.yaml` in the same folder wins over pyproject.toml.
    write(project / ".ekslint.yaml", "ignore: [EKS013]\n")
    monkeypatch.chdir(project)
    assert rules(lint("sub/m.yaml")) == ["EKS017"]


def test_pyproject_subtables(project: Path) -> None:
    write(
        project / "pyproject.toml",
        '[tool.ekslint]\nplatform = "tencent-eks"\n\n'
        '[[tool.ekslint.registries]]\nhost = "10.0.0.1:5000"\nprotocol = "http"\n\n'
        '[tool.ekslint.severity]\nEKS001 = "warning"\n',
    )
    write(project / "m.yaml", HTTP_POD)
    result = lint("m.yaml")
    assert [(f["rule"], f["severity"]) for f in result.json["findings"]] == [("EKS001", "warning")]


def test_config_flag_overrides_discovery(project: Path) -> None:
    write(project / ".ekslint.yaml", "ignore: [EKS017]\n")
    other = write(project / "configs/strict.yaml", "ignore: [EKS013]\n")
    write(project / "m.yaml", WILDCARD_POD)
    assert rules(lint("m.yaml", "--config", str(other))) == ["EKS017"]
    # --isolated stops the search, not an explicit --config.
    assert rules(lint("m.yaml", "--isolated")) == ["EKS013", "EKS017"]
    assert rules(lint("m.yaml", "--isolated", "--config", str(other))) == ["EKS017"]
    missing = lint("m.yaml", "--config", "nope.yaml")
    assert missing.code == 2
    assert "nope.yaml: config file not found" in missing.err


def test_flags_override_the_file(project: Path) -> None:
    write(
        project / ".ekslint.yaml",
        "platform: aliyun-eci\nselect: [ECI013]\n"
        "registries:\n  - {host: 10.0.0.1:5000, protocol: https}\n",
    )
    write(project / "m.yaml", WILDCARD_POD)
    result = lint("m.yaml", "--platform", "tencent-eks", "--select", "EKS01", "--ignore", "EKS013")
    assert rules(result) == ["EKS017"]
    write(project / "m.yaml", HTTP_POD)
    # Flags declare more registries; a later declaration of the same host wins.
    args = ("--platform", "tencent-eks", "--select", "ALL")
    declared = lint("m.yaml", *args, "--http-registry", "10.0.0.1:5000")
    assert rules(declared) == ["EKS001"]
    # The file's selectors are checked against the platform the flags chose.
    mismatch = lint("m.yaml", "--platform", "tencent-eks")
    assert mismatch.code == 2
    assert (
        "select[0]: unknown rule selector 'ECI013' (ECI013 is wildcard-all on aliyun-eci; "
        "on tencent-eks it is EKS013)" in mismatch.err
    )


def test_show_settings_with_origins(project: Path) -> None:
    config = write(
        project / ".ekslint.yaml",
        "platform: tencent-eks\n"
        "registries:\n  - {host: harbor.corp.example, protocol: https-self-signed}\n"
        "pull-secrets: {mytcr.tencentcloudcr.com: mytcr-pull}\nseverity: {EKS012: error}\n"
        'exclude: ["charts/**"]\nper-file-ignores: {"legacy/*.yaml": [EKS013]}\n',
    )
    result = run(["--show-settings", "--select", "EKS", "--http-registry", "10.0.0.1:5000"])
    assert result.code == 0
    shown = result.json
    assert shown["config"] == str(config)
    assert shown["settings"] == {
        "platform": "tencent-eks",
        "platform-packs": [],
        "registries": [
            {"host": "harbor.corp.example", "protocol": "https-self-signed"},
            {"host": "10.0.0.1:5000", "protocol": "http"},
        ],
        "pull-secrets": {"mytcr.tencentcloudcr.com": "mytcr-pull"},
        "injected-pull-secrets": [],
        "public-repositories": [],
        "select": ["EKS"],
        "ignore": [],
        "severity": {"EKS012": "error"},
        "exclude": ["charts/**"],
        "per-file-ignores": {"legacy/*.yaml": ["EKS013"]},
    }
    origins = shown["origins"]
    assert origins["platform"] == str(config)
    assert origins["select"] == "--select"
    assert origins["ignore"] == "default"
    assert origins["registries.harbor.corp.example"] == str(config)
    assert origins["registries.10.0.0.1:5000"] == "--http-registry"
    assert origins["severity"] == origins["exclude"] == origins["per-file-ignores"] == str(config)
    assert shown["rules"]["EKS012"] == {"enabled": True, "severity": "error"}


def test_schema_command_prints_the_shipped_schema() -> None:
    result = run(["schema"])
    assert result.code == 0
    shipped = (ROOT / "rules" / "schema" / "config.schema.json").read_text(encoding="utf-8")
    assert result.out == shipped
    schema = json.loads(result.out)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert set(schema["properties"]) == {
        "platform",
        "platform-packs",
        "registries",
        "pull-secrets",
        "injected-pull-secrets",
        "public-repositories",
        "select",
        "ignore",
        "severity",
        "exclude",
        "per-file-ignores",
    }


def test_schema_accepts_the_examples() -> None:
    """The documented config validates with the reference implementation too."""
    import jsonschema
    import yaml

    schema = json.loads((ROOT / "rules" / "schema" / "config.schema.json").read_text())
    for path in (ROOT / "examples" / ".ekslint.yaml",):
        jsonschema.validate(yaml.safe_load(path.read_text()), schema)


# -- mistakes --------------------------------------------------------------------------------------


def config_error(project: Path, text: str, name: str = ".ekslint.yaml", *args: str) -> str:
    """The one-line error for a config file holding ``text``, after ``ekslint: PATH:``."""
    config = write(project / name, text)
    write(project / "m.yaml", HTTP_POD)
    result = run(["m.yaml", *args])
    assert result.code == 2, result.out + result.err
    assert result.out == ""
    assert result.err.count("\n") == 1
    shown = name if "--config" in args else str(config)
    assert result.err.startswith(f"ekslint: {shown}:")
    return result.err.removeprefix(f"ekslint: {shown}:").strip()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # unknown key, with the allowed keys and the likely one
        (
            "platfrom: tencent-eks\n",
            "1:1: unknown key platfrom (did you mean 'platform'?); expected one of: exclude, "
            "ignore, injected-pull-secrets, per-file-ignores, platform, platform-packs, "
            "public-repositories, pull-secrets, registries, select, severity",
        ),
        (
            "registries:\n  - host: 10.0.0.1:5000\n    protcol: http\n",
            "3:5: unknown key registries[0].protcol (did you mean 'protocol'?); "
            "expected one of: host, protocol",
        ),
        # wrong type
        ("select: EKS013\n", "1:9: select: bad value 'EKS013'; expected a list"),
        ("severity: [EKS013]\n", "1:11: severity: bad value ['EKS013']; expected a mapping"),
        (
            "pull-secrets: {mytcr.tencentcloudcr.com: 3}\n",
            "1:42: pull-secrets.mytcr.tencentcloudcr.com: bad value 3; expected a string",
        ),
        ("- select\n", "1:1: (top level): bad value ['select']; expected a mapping"),
        # bad protocol, bad host
        (
            "registries:\n  - host: 10.0.0.1:5000\n    protocol: plain\n",
            "3:15: registries[0].protocol: bad value 'plain'; "
            "expected one of http, https-self-signed, https",
        ),
        (
            "registries:\n  - {host: 'http://10.0.0.1:5000', protocol: http}\n",
            "2:12: registries[0].host: bad value 'http://10.0.0.1:5000'; expected a registry "
            "host or host:port as in the image reference, without scheme or path",
        ),
        (
            "registries:\n  - host: 10.0.0.1:5000\n",
            "2:5: registries[0]: missing key protocol; expected the keys host, protocol",
        ),
        (
            "severity: {EKS012: fatal}\n",
            "1:20: severity.EKS012: bad value 'fatal'; expected one of error, warning",
        ),
        # invalid YAML
        (
            "select: [EKS001\n",
            "2:1: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence)",
        ),
        ("ignore: [EKS001]\nignore: [EKS002]\n", "2:1: duplicate key 'ignore' (first at line 1)"),
        # unknown platform
        (
            "platform: azure-aci\n",
            "1:11: platform: unknown platform 'azure-aci'; expected one of: alibaba-acs, "
            "aliyun-eci, huawei-cci, tencent-eks, a pack listed in platform-packs, or the path "
            "of a pack file",
        ),
    ],
)
def test_mistakes(project: Path, text: str, expected: str) -> None:
    assert config_error(project, text).startswith(expected)


@pytest.mark.parametrize(
    ("text", "where", "what"),
    [
        ("select: [EKS999]\n", "1:10", "select[0]: unknown rule selector 'EKS999'"),
        (
            "ignore: [EKS001, eks013]\n",
            "1:18",
            "ignore[1]: unknown rule selector 'eks013' (rule IDs are upper-case: EKS013)",
        ),
        (
            "severity: {wildcard-al: error}\n",
            "1:12",
            "severity: unknown rule selector 'wildcard-al' (did you mean 'wildcard-all'?)",
        ),
        (
            'per-file-ignores:\n  "legacy/*.yaml": [EKS013, EKS999]\n',
            "2:29",
            "per-file-ignores.legacy/*.yaml[1]: unknown rule selector 'EKS999'",
        ),
        (
            "platform: aliyun-eci\nignore: [EKS013]\n",
            "2:10",
            "ignore[0]: unknown rule selector 'EKS013' (EKS013 is wildcard-all on tencent-eks; "
            "on aliyun-eci it is ECI013)",
        ),
    ],
)
def test_unknown_rule_selectors(project: Path, text: str, where: str, what: str) -> None:
    message = config_error(project, text)
    assert message.startswith(f"{where}: {what}; expected a rule ID, ID prefix or rule name")


def test_unknown_rule_selector_on_the_command_line(project: Path) -> None:
    write(project / "m.yaml", HTTP_POD)
    result = run(["m.yaml", "--select", "EKS001,EKS999"])
    assert result.code == 2
    assert result.err.startswith("ekslint: --select: unknown rule selector 'EKS999'; expected")
    # A rule name selects the same rule on every platform; an ID belongs to one.
    by_name = run(["m.yaml", "--platform", "huawei-cci", "--ignore", "wildcard-all"])
    assert (by_name.code, by_name.err) == (1, "")
    assert run(["m.yaml", "--platform", "huawei-cci", "--ignore", "EKS013"]).code == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[tool.ekslint]\nselect = ["EKS"]\nplatfrom = "x"\n',
            "3:1: unknown key platfrom (did you mean 'platform'?)",
        ),
        (
            '[tool.ekslint]\n\n[[tool.ekslint.registries]]\nhost = "a:5000"\nprotocol = "ftp"\n',
            "5:1: registries[0].protocol: bad value 'ftp'",
        ),
        ("[tool.ekslint\nselect = []\n", "1:14: invalid TOML: Expected ']'"),
        (
            '[tool.ekslint.severity]\nEKS999 = "error"\n',
            "2:1: severity: unknown rule selector 'EKS999'",
        ),
    ],
)
def test_mistakes_in_pyproject(project: Path, text: str, expected: str) -> None:
    assert config_error(project, text, "pyproject.toml").startswith(expected)


def test_explicit_config_errors_too(project: Path) -> None:
    message = config_error(
        project, "select: nope\n", "ci/ekslint.yaml", "--config", "ci/ekslint.yaml"
    )
    assert message.startswith("1:9: select: bad value 'nope'; expected a list")


def test_unreadable_config(project: Path) -> None:
    write(project / "m.yaml", HTTP_POD)
    (project / ".ekslint.yaml").write_bytes(b"select: [\xff]\n")
    result = run(["m.yaml"])
    assert result.code == 2
    assert "cannot read: not UTF-8" in result.err


# -- start-up --------------------------------------------------------------------------------------


def test_settings_modules_import_nothing_heavy() -> None:
    """pre-commit runs ekslint on every commit: the lint path imports neither dataclasses
    (which imports inspect), typing, pathlib nor tomllib."""
    code = (
        "import sys\n"
        "import ekslint.cli, ekslint.config.load, ekslint.config.settings, ekslint.lint.selection, "
        "ekslint.lint.suppress, ekslint.lint.engine\n"
        "heavy = {'dataclasses', 'inspect', 'typing', 'pathlib', 'tomllib'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
