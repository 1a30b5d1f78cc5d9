"""Platform packs: the same manifest, written with each platform's keys, gives the same findings
(under each pack's own IDs) at the same places, and fixes to the same result; each platform's
list syntax (Huawei CCI: URLs allowed, at most 10 addresses) holds end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import lint_text, run
from ekslint.lint.rulepack import available_platforms, load_platform

PLATFORMS = ("tencent-eks", "aliyun-eci", "huawei-cci")
PREFIX = {"tencent-eks": "EKS", "aliyun-eci": "ECI", "huawei-cci": "CCI"}

# {http} and {insecure} stand for the platform's two annotation keys. Each document holds one
# mistake; `#>` marks the node its finding points at: `#>key` the key before it, `#>value` the
# value after it. Markers are comments, removed before linting.
TEMPLATE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: missing-port
spec:
  template:
    metadata:
      annotations:
        {http}: "10.0.0.5" #>value annotation-missing-port
    spec:
      containers:
        - name: app
          image: 10.0.0.5:5000/app:1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad-separator
spec:
  template:
    metadata:
      annotations:
        {http}: "10.0.0.1:5000；10.0.0.2:5000" #>value annotation-bad-separator
    spec:
      containers:
        - {{name: a, image: "10.0.0.1:5000/a:1"}}
        - {{name: b, image: "10.0.0.2:5000/b:1"}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: misplaced
  annotations:
    {http}: "10.0.0.3:5000" #>key annotation-misplaced
spec:
  template:
    spec:
      containers:
        - name: web
          image: 10.0.0.3:5000/web:1
---
apiVersion: v1
kind: Pod
metadata:
  name: wildcard
  annotations:
    {insecure}: all #>value wildcard-all
spec:
  containers:
    - name: app
      image: harbor.corp.example/app:1
---
apiVersion: v1
kind: Pod
metadata:
  name: public-listed
  annotations:
    {insecure}: "docker.io,harbor.corp.example" #>value trusted-registry-downgraded
spec:
  containers:
    - {{name: app, image: harbor.corp.example/app:1}}
    - {{name: proxy, image: nginx}}
"""
_MARKER = re.compile(r" #>(key|value) ([a-z-]+)$")


def render(platform: str) -> tuple[str, list[tuple[str, int, int]]]:
    """The manifest with the platform's keys, and the (name, line, column) each marker expects."""
    keys = load_platform(platform).annotations
    text = TEMPLATE.format(http=keys["http"], insecure=keys["insecure"])
    lines, expected = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _MARKER.search(line)
        if marker:
            line = line[: marker.start()]
            key_column = len(line) - len(line.lstrip()) + 1
            value_column = line.index(": ") + 3
            column = key_column if marker.group(1) == "key" else value_column
            expected.append((marker.group(2), number, column))
        lines.append(line)
    return "\n".join(lines) + "\n", expected


def findings(tmp_path: Path, platform: str, text: str) -> list[dict[str, object]]:
    result = lint_text(tmp_path, text, "--platform", platform)
    assert result.code == 1, result.err
    found: list[dict[str, object]] = result.json["findings"]
    return found


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_finds_the_mistakes_where_they_are(tmp_path: Path, platform: str) -> None:
    text, expected = render(platform)
    found = findings(tmp_path, platform, text)
    assert [(f["name"], f["line"], f["column"]) for f in found] == expected
    assert all(str(f["rule"]).startswith(PREFIX[platform]) for f in found)


def test_platforms_line_up(tmp_path: Path) -> None:
    """Same names, lines and rule numbers everywhere; only the ID prefix differs."""
    seen = {}
    for platform in PLATFORMS:
        text, _ = render(platform)
        seen[platform] = [
            (f["name"], f["line"], str(f["rule"])[3:], f["severity"], f["fix"])
            for f in findings(tmp_path, platform, text)
        ]
    assert seen["aliyun-eci"] == seen["tencent-eks"]
    assert seen["huawei-cci"] == seen["tencent-eks"]
    assert len(seen["tencent-eks"]) == 5


def test_platforms_fix_alike(tmp_path: Path) -> None:
    """--fix --unsafe-fixes writes the same manifest on every platform, modulo the keys."""
    fixed = {}
    for platform in PLATFORMS:
        text, _ = render(platform)
        path = tmp_path / f"{platform}.yaml"
        path.write_text(text, encoding="utf-8")
        result = run([str(path), "--isolated", "--platform", platform, "--fix", "--unsafe-fixes"])
        assert result.code == 0, result.out
        keys = load_platform(platform).annotations
        fixed[platform] = (
            path.read_text(encoding="utf-8")
            .replace(keys["http"], "<http>")
            .replace(keys["insecure"], "<insecure>")
        )
    assert fixed["aliyun-eci"] == fixed["tencent-eks"]
    assert fixed["huawei-cci"] == fixed["tencent-eks"]
    assert '<http>: "10.0.0.5:5000"' in fixed["tencent-eks"]


def test_every_pack_ships() -> None:
    assert set(PLATFORMS) <= set(available_platforms())
    for platform in PLATFORMS:
        pack = load_platform(platform)
        assert all(rule_id.startswith(PREFIX[platform]) for rule_id in pack.rules)


@pytest.mark.parametrize("platform", ["aliyun-eci", "huawei-cci"])
def test_other_packs_mirror_eks_numbers_and_names(platform: str) -> None:
    """Every rule of another pack has the EKS rule of the same number and name; only the
    TCR-specific EKS009 is missing."""
    eks = load_platform("tencent-eks").rules
    pack = load_platform(platform).rules
    for rule_id, rule in pack.items():
        base = eks["EKS" + rule_id[3:]]
        assert (rule.name, rule.check, rule.params) == (base.name, base.check, base.params)
    assert {r[3:] for r in eks} - {r[3:] for r in pack} == {"009"}


@pytest.mark.parametrize("platform", ["aliyun-eci", "huawei-cci"])
def test_tcr_pull_secret_rule_is_tencent_only(tmp_path: Path, platform: str) -> None:
    text = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: demo.tencentcloudcr.com/team/app:1
"""
    assert lint_text(tmp_path, text, "--platform", platform).json["findings"] == []
    eks = lint_text(tmp_path, text)
    assert [f["rule"] for f in eks.json["findings"]] == ["EKS009"]


@pytest.mark.parametrize("platform", ["aliyun-eci", "huawei-cci"])
def test_messages_name_the_platforms_keys(tmp_path: Path, platform: str) -> None:
    text, _ = render(platform)
    keys = load_platform(platform).annotations
    for finding in findings(tmp_path, platform, text):
        assert "eks.tke.cloud.tencent.com" not in str(finding["message"])
        assert keys["http"] in str(finding["message"]) or keys["insecure"] in str(
            finding["message"]
        )


def test_rules_command_lists_a_platform() -> None:
    listed = run(["rules", "--platform", "huawei-cci", "--format", "json"]).json
    assert [r["id"] for r in listed][:3] == ["CCI001", "CCI002", "CCI003"]
    explained = run(["rule", "ECI003"])
    assert explained.code == 0
    assert "k8s.aliyun.com/plain-http-registry" in explained.out


def test_unknown_platform_on_the_command_line(tmp_path: Path) -> None:
    result = lint_text(tmp_path, "kind: Pod\n", "--platform", "azure-aci")
    assert result.code == 2
    assert "unknown platform 'azure-aci'" in result.err
    assert "aliyun-eci, huawei-cci, tencent-eks" in result.err


# -- Huawei CCI: entries may be URLs, at most 10 addresses --------------------------------------

CCI_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    cci.io/http-registries: "{value}"
spec:
  containers:
{containers}"""


def cci_pod(value: str, *registries: str) -> str:
    containers = "".join(
        f"    - {{name: c{i}, image: {r}/app:1}}\n" for i, r in enumerate(registries)
    )
    return CCI_POD.format(value=value, containers=containers)


def test_cci_accepts_a_scheme_and_it_covers_the_registry(tmp_path: Path) -> None:
    text = cci_pod("http://10.0.0.1:5000", "10.0.0.1:5000")
    args = ("--platform", "huawei-cci", "--http-registry", "10.0.0.1:5000")
    assert lint_text(tmp_path, text, *args).json["findings"] == []
    # Tencent EKS takes no scheme: the same value is malformed there.
    eks = text.replace("cci.io/http-registries", "eks.tke.cloud.tencent.com/registry-http-endpoint")
    found = lint_text(tmp_path, eks, "--http-registry", "10.0.0.1:5000").json["findings"]
    assert [f["rule"] for f in found] == ["EKS005"]
    assert "remove the scheme 'http://'" in found[0]["message"]


def test_cci_accepts_a_path_and_a_trailing_slash(tmp_path: Path) -> None:
    text = cci_pod("http://10.0.0.1:5000/,harbor.corp.example/library", "10.0.0.1:5000")
    text += "    - {name: lib, image: harbor.corp.example/library/app:1}\n"
    found = lint_text(tmp_path, text, "--platform", "huawei-cci").json["findings"]
    assert found == []


def test_cci_fix_keeps_the_scheme(tmp_path: Path) -> None:
    text = cci_pod(
        " http://10.0.0.1:5000 ,,https://10.0.0.2:5000/v2", "10.0.0.1:5000", "10.0.0.2:5000"
    )
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    result = run([str(path), "--isolated", "--platform", "huawei-cci", "--fix"])
    assert result.code == 0, result.out
    fixed = path.read_text(encoding="utf-8")
    assert 'cci.io/http-registries: "http://10.0.0.1:5000,https://10.0.0.2:5000/v2"' in fixed


def test_cci_duplicates_ignore_the_scheme(tmp_path: Path) -> None:
    text = cci_pod("http://10.0.0.1:5000,10.0.0.1:5000", "10.0.0.1:5000")
    found = lint_text(tmp_path, text, "--platform", "huawei-cci").json["findings"]
    assert [f["rule"] for f in found] == ["CCI005"]
    assert "'10.0.0.1:5000' is listed twice" in found[0]["message"]


def test_cci_at_most_ten_addresses(tmp_path: Path) -> None:
    ten = [f"10.0.0.{i}:5000" for i in range(1, 11)]
    ok = cci_pod(",".join(ten), *ten)
    assert lint_text(tmp_path, ok, "--platform", "huawei-cci").json["findings"] == []
    eleven = [*ten, "10.0.0.11:5000"]
    too_many = cci_pod(",".join(f"http://{r}" for r in eleven), *eleven)
    found = lint_text(tmp_path, too_many, "--platform", "huawei-cci").json["findings"]
    assert [(f["rule"], f["line"], f["column"]) for f in found] == [("CCI005", 6, 29)]
    assert "11 entries; at most 10" in found[0]["message"]
    assert found[0]["fix"]["available"] is False
    # Other platforms set no limit.
    eci = too_many.replace("cci.io/http-registries", "k8s.aliyun.com/plain-http-registry")
    eci = eci.replace("http://", "")
    assert lint_text(tmp_path, eci, "--platform", "aliyun-eci").json["findings"] == []


def test_eci_takes_no_scheme(tmp_path: Path) -> None:
    text = cci_pod("http://10.0.0.1:5000", "10.0.0.1:5000").replace(
        "cci.io/http-registries", "k8s.aliyun.com/plain-http-registry"
    )
    found = lint_text(tmp_path, text, "--platform", "aliyun-eci").json["findings"]
    assert [f["rule"] for f in found] == ["ECI005"]


def test_rewriting_a_value_keeps_how_entries_are_written() -> None:
    """What fixes that keep, drop or add registries should write (CCI keeps URLs)."""
    from ekslint.kube.registrylist import parse_registry_list

    syntax = load_platform("huawei-cci").list_syntax
    value = parse_registry_list(
        "http://10.0.0.1:5000,docker.io,harbor.corp.example/a,HARBOR.corp.example/b", syntax
    )
    assert value.registries == ["10.0.0.1:5000", "docker.io", "harbor.corp.example"]
    assert value.addresses == [
        "10.0.0.1:5000",
        "docker.io",
        "harbor.corp.example/a",
        "harbor.corp.example/b",
    ]
    kept = ["10.0.0.1:5000", "harbor.corp.example", "10.0.0.2:5000"]
    assert value.rewritten(kept) == (
        "http://10.0.0.1:5000,harbor.corp.example/a,harbor.corp.example/b,10.0.0.2:5000"
    )
    eks = parse_registry_list("10.0.0.1:5000,docker.io")
    assert eks.rewritten(["10.0.0.1:5000"]) == "10.0.0.1:5000"
    assert eks.addresses == eks.registries
