"""Platform packs: the same manifest, written with each platform's keys, gives the same findings
(under each pack's own IDs) at the same places, and fixes to the same result; each platform's
list syntax (Huawei CCI: URLs allowed, at most 10 addresses) holds end to end."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import ROOT, lint_text, run
from ekslint.lint.rulepack import available_platforms, load_platform

PLATFORMS = tuple(available_platforms())
OTHERS = [p for p in PLATFORMS if p != "tencent-eks"]
PREFIX = {p: load_platform(p).id_prefix for p in PLATFORMS}

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
    for platform in OTHERS:
        assert seen[platform] == seen["tencent-eks"], platform
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
    for platform in OTHERS:
        assert fixed[platform] == fixed["tencent-eks"], platform
    assert '<http>: "10.0.0.5:5000"' in fixed["tencent-eks"]


def test_every_pack_ships() -> None:
    assert {"tencent-eks", "aliyun-eci", "huawei-cci", "alibaba-acs"} <= set(PLATFORMS)
    shipped = {"tencent-eks": "EKS", "aliyun-eci": "ECI", "huawei-cci": "CCI", "alibaba-acs": "ACS"}
    assert {p: PREFIX[p] for p in shipped} == shipped
    for platform in PLATFORMS:
        pack = load_platform(platform)
        assert all(rule_id.startswith(PREFIX[platform]) for rule_id in pack.rules)


@pytest.mark.parametrize("platform", OTHERS)
def test_other_packs_mirror_eks_numbers_and_names(platform: str) -> None:
    """Every rule of another pack has the EKS rule of the same number and name; only the
    TCR-specific EKS009 is missing."""
    eks = load_platform("tencent-eks").rules
    pack = load_platform(platform).rules
    for rule_id, rule in pack.items():
        base = eks["EKS" + rule_id[3:]]
        assert (rule.name, rule.check, rule.params) == (base.name, base.check, base.params)
    assert {r[3:] for r in eks} - {r[3:] for r in pack} == {"009"}


@pytest.mark.parametrize("platform", OTHERS)
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


@pytest.mark.parametrize("platform", OTHERS)
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
    assert ", ".join(PLATFORMS) in result.err


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


# -- a user's own pack, exactly as the README shows it -----------------------------------------


def readme_files() -> dict[str, str]:
    """The YAML blocks of the README's "Your own platform pack", by the file their first line
    names, each whole (that comment included, as a reader copies it: positions count it)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Your own platform pack", 1)[1].split("\n## ", 1)[0]
    files = {}
    for block in re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL):
        first = block.partition("\n")[0]
        files[first.removeprefix("# ")] = block
    return files


POD_FROM_HTTP_REGISTRY = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: 10.0.0.5:5000/app:1
"""


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = readme_files()
    assert set(files) == {".ekslint.yaml", "packs/acme.yaml"}
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body, encoding="utf-8")
    (tmp_path / "app.yaml").write_text(POD_FROM_HTTP_REGISTRY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_user_pack_from_the_readme(acme: Path) -> None:
    found = run(["app.yaml", "--format", "json"])
    assert found.code == 1, found.err
    assert [(f["rule"], f["line"], f["column"]) for f in found.json["findings"]] == [
        ("ACM001", 8, 14)
    ]
    assert "pods.acme.example/http-registries" in found.json["findings"][0]["message"]
    listed = run(["rules", "--format", "json"]).json
    assert [r["id"] for r in listed][:2] == ["ACM001", "ACM002"]
    assert "ACM009" not in {r["id"] for r in listed}  # TCR-only
    assert {r["id"]: r["severity"] for r in listed}["ACM008"] == "error"  # the pack's override
    # --fix writes the pack's key; the fixed file is clean.
    assert run(["app.yaml", "--fix"]).code == 0
    fixed = (acme / "app.yaml").read_text(encoding="utf-8")
    assert 'pods.acme.example/http-registries: "10.0.0.5:5000"' in fixed


def test_user_pack_by_path(acme: Path) -> None:
    config = acme / ".ekslint.yaml"
    text = config.read_text(encoding="utf-8").replace("platform-packs: [packs/acme.yaml]\n", "")
    (acme / "sub").mkdir()
    (acme / "sub" / ".ekslint.yaml").write_text(
        text.replace("platform: acme-cloud", "platform: ../packs/acme.yaml"), encoding="utf-8"
    )
    (acme / "sub" / "app.yaml").write_text(POD_FROM_HTTP_REGISTRY, encoding="utf-8")
    found = run(["sub/app.yaml", "--config", "sub/.ekslint.yaml", "--format", "json"])
    assert [f["rule"] for f in found.json["findings"]] == ["ACM001"], found.err
    # --platform takes a path relative to the working directory.
    flag = run(["app.yaml", "--isolated", "--platform", "./packs/acme.yaml", "--format", "json"])
    assert [f["rule"] for f in flag.json["findings"]] == ["ACM012"]  # nothing declared


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "annotations:",
            "anotations:",
            "packs/acme.yaml:7:1: unknown key anotations (did you mean 'annotations'?)",
        ),
        ("id-prefix: ACM", "id-prefix: acm", "packs/acme.yaml:4:12: id-prefix: bad value 'acm'"),
        ("max-entries: 5", "max-entries: five", "packs/acme.yaml:15:16: list-syntax.max-entries"),
        (
            '  "008":',
            '  "8a":',
            "packs/acme.yaml:18:3: unknown key rules.8a; expected keys matching ^[0-9]{3}$",
        ),
        ('  "008":\n', '  "099":\n', "packs/acme.yaml: rules.099: acme-cloud has no rule 099"),
        ("{prefix}", "{prefix}", ""),
    ],
)
def test_user_pack_mistakes_name_their_place(acme: Path, old: str, new: str, expected: str) -> None:
    pack = acme / "packs" / "acme.yaml"
    text = pack.read_text(encoding="utf-8")
    if old == "{prefix}":  # a placeholder the base rules do not know, in an override
        text += '  "001":\n    summary: An image from {prefx} is missing.\n'
        expected = "packs/acme.yaml: rules.001: unknown placeholder {prefx}"
    else:
        assert old in text
        text = text.replace(old, new)
    pack.write_text(text, encoding="utf-8")
    result = run(["app.yaml"])
    assert result.code == 2
    assert expected in result.err, result.err
    assert "Traceback" not in result.err


def test_readme_says_what_the_pack_gives(acme: Path) -> None:
    """The rule range and the mistake the README quotes are what ekslint prints."""
    section = (
        (ROOT / "README.md").read_text(encoding="utf-8").split("### Your own platform pack")[1]
    )
    listed = re.search(r"lists (ACM\d+)…(ACM\d+) \(no (ACM\d+)", section)
    assert listed is not None
    ids = [r["id"] for r in run(["rules", "--format", "json"]).json]
    assert (ids[0], ids[-1]) == listed.groups()[:2] and listed[3] not in ids
    quoted = re.search(r"\(`(packs/acme\.yaml:\d+:\d+: unknown key anotations [^;]*);", section)
    assert quoted is not None
    pack = acme / "packs" / "acme.yaml"
    pack.write_text(pack.read_text(encoding="utf-8").replace("annotations:", "anotations:"))
    assert quoted[1] in run(["app.yaml"]).err


def test_user_pack_missing(acme: Path) -> None:
    (acme / "packs" / "acme.yaml").unlink()
    result = run(["app.yaml"])
    assert result.code == 2
    assert ".ekslint.yaml:2:18: platform-packs[0]: no such file 'packs/acme.yaml'" in result.err


@pytest.mark.parametrize("platform", PLATFORMS)
def test_rule_text_names_only_its_own_platform(platform: str) -> None:
    """Rules are written once: every pack's rule text and examples carry its own keys."""
    others = {
        value
        for name in PLATFORMS
        if name != platform
        for value in (*load_platform(name).annotations.values(), load_platform(name).prefix)
    }
    for rule in load_platform(platform).rules.values():
        text = " ".join(
            [rule.summary, rule.rationale, rule.remediation, rule.fix_description]
            + [v for v in rule.examples.values() if isinstance(v, str)]
        )
        assert not [value for value in others if value in text], rule.id
        assert "{" + "http_key}" not in text and "{prefix}" not in text, rule.id


# The full-width separators once sat in these two patterns; parse_registry_list now gets the
# same answers from str methods (the patterns cost a one-file run 2 % to compile).
_OLD_SEPARATORS = ",;；，、|｜"
_OLD_SPLIT = re.compile(rf"[{_OLD_SEPARATORS}\s]+")
_OLD_SPACES = re.compile(rf"[^\s{_OLD_SEPARATORS}][ \t]+[^\s{_OLD_SEPARATORS}]")
_LIST_ALPHABET = "ab:5/" + _OLD_SEPARATORS + " \t\n\r\x0b\x0c\x1c\x85\xa0\u2028\u3000\u200b"


def test_whitespace_in_a_pattern_is_what_str_isspace_says() -> None:
    assert all(bool(re.fullmatch(r"\s", chr(c))) == chr(c).isspace() for c in range(0x110000))


@given(st.text(alphabet=_LIST_ALPHABET, max_size=14))
def test_registry_lists_split_as_the_patterns_did(value: str) -> None:
    from ekslint.kube.registrylist import parse_registry_list

    parsed = parse_registry_list(value)
    stripped = value.strip()
    assert ("spaces" in parsed.bad_separators) == bool(_OLD_SPACES.search(stripped))
    pieces = _OLD_SPLIT.split(stripped) if stripped else []
    assert [entry.raw for entry in parsed.entries] == [piece for piece in pieces if piece]
