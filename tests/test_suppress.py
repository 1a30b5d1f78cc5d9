"""Suppressions in the manifests: comments on or before a line, whole files, the
``ekslint.io/ignore`` annotation; by ID, prefix or name. One that names an unknown rule or
suppresses nothing is itself reported (EKS018, a warning) where it is written."""

from __future__ import annotations

from pathlib import Path

from conftest import Result, lint_text, run

# EKS013 at 6:43 (the `all`), EKS017 at 10:14 (harbor/app:1).
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    eks.tke.cloud.tencent.com/registry-http-endpoint: all{c6}
spec:
  containers:
    - name: app{c9}
      image: harbor/app:1{c10}
"""


def pod(**comments: str) -> str:
    lines = {f"c{n}": "" for n in (6, 9, 10)}
    lines.update(comments)
    return POD.format(**lines)


def found(result: Result) -> list[tuple[str, int, int]]:
    return result.positions()


def messages(result: Result, rule: str = "EKS018") -> list[str]:
    return [f["message"] for f in result.json["findings"] if f["rule"] == rule]


def test_nothing_suppressed(tmp_path: Path) -> None:
    assert found(lint_text(tmp_path, pod())) == [("EKS013", 6, 55), ("EKS017", 10, 14)]


def test_comment_on_the_line(tmp_path: Path) -> None:
    text = pod(c6="  # ekslint: ignore[EKS013] the debug pod may pull from anywhere")
    assert found(lint_text(tmp_path, text)) == [("EKS017", 10, 14)]


def test_comment_alone_on_the_line_before(tmp_path: Path) -> None:
    text = pod(c9="\n      # ekslint: ignore[EKS017] we mean Docker Hub's harbor org")
    result = lint_text(tmp_path, text)
    assert found(result) == [("EKS013", 6, 55)]


def test_comment_after_code_covers_only_its_own_line(tmp_path: Path) -> None:
    # On line 9, after code: it does not reach the image on line 10.
    text = pod(c9="  # ekslint: ignore[EKS017]")
    result = lint_text(tmp_path, text)
    assert found(result) == [("EKS013", 6, 55), ("EKS018", 9, 18), ("EKS017", 10, 14)]
    assert messages(result) == ["suppression of EKS017 suppresses nothing: remove it"]


def test_comment_two_lines_before_is_too_far(tmp_path: Path) -> None:
    text = pod(c9="\n      # ekslint: ignore[EKS017]\n      # a note in between")
    result = lint_text(tmp_path, text)
    assert ("EKS017", 12, 14) in found(result)
    assert ("EKS018", 10, 7) in found(result)


def test_by_name_prefix_or_every_rule(tmp_path: Path) -> None:
    by_name = pod(c6="  # ekslint: ignore[wildcard-all]")
    assert found(lint_text(tmp_path, by_name)) == [("EKS017", 10, 14)]
    by_prefix = pod(c6="  # ekslint: ignore[EKS01]", c10="  # ekslint: ignore[EKS01]")
    assert found(lint_text(tmp_path, by_prefix)) == []
    every = pod(c10="  # ekslint: ignore  (we mean it)")
    assert found(lint_text(tmp_path, every)) == [("EKS013", 6, 55)]
    several = pod(c10="  # ekslint: ignore[EKS013, docker-hub-lookalike]")
    result = lint_text(tmp_path, several)
    assert found(result) == [("EKS013", 6, 55), ("EKS018", 10, 28)]
    assert messages(result) == ["suppression of EKS013 suppresses nothing: remove it"]


def test_file_ignore(tmp_path: Path) -> None:
    second = pod().replace("name: app\n  annotations", "name: other\n  annotations")
    text = pod() + "---\n" + second + "# ekslint: file-ignore[EKS013] generated, reviewed\n"
    result = lint_text(tmp_path, text)
    assert found(result) == [("EKS017", 10, 14), ("EKS017", 21, 14)]
    # Only that file.
    other = tmp_path / "other.yaml"
    other.write_text(pod())
    both = run([str(tmp_path / "m.yaml"), str(other), "--isolated", "--format", "json"])
    assert [(f["path"], f["rule"]) for f in both.json["findings"]].count(
        (str(other), "EKS013")
    ) == 1


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web{workload}
spec:
  template:
    metadata:{template}
      annotations:
        eks.tke.cloud.tencent.com/registry-http-endpoint: "all,10.0.0.9:5000"
    spec:
      containers:
        - name: web
          image: 10.0.0.1:5000/web:1
---
apiVersion: v1
kind: Pod
metadata:
  name: bystander
  annotations:
    eks.tke.cloud.tencent.com/registry-http-endpoint: all
spec:
  containers:
    - name: app
      image: 10.0.0.1:5000/app:1
"""
IGNORE = '\n{indent}annotations:\n{indent}  ekslint.io/ignore: "EKS013,EKS005"'


def test_annotation_on_the_workload(tmp_path: Path) -> None:
    plain = lint_text(tmp_path, DEPLOYMENT.format(workload="", template=""))
    assert [r for r, *_ in found(plain)] == ["EKS005", "EKS013", "EKS013"]
    text = DEPLOYMENT.format(workload=IGNORE.format(indent="  "), template="")
    result = lint_text(tmp_path, text)
    # The Deployment's findings are gone; the Pod in the same file keeps its own.
    assert found(result) == [("EKS013", 22, 55)]


def test_annotation_key_spelled_by_an_escape(tmp_path: Path) -> None:
    """Object annotations are looked for only in chunks that can name one: a key written with
    an escape (the word itself nowhere in the text) does."""
    ignore = IGNORE.format(indent="  ").replace("ekslint.io/ignore", '"\\x65kslint.io/ignore"')
    text = DEPLOYMENT.format(workload=ignore, template="")
    assert "ekslint" not in text
    assert found(lint_text(tmp_path, text)) == [("EKS013", 22, 55)]


def test_annotation_on_the_pod_template(tmp_path: Path) -> None:
    text = DEPLOYMENT.format(workload="", template=IGNORE.format(indent="      "))
    # The template now has two `annotations` keys: put the ignore into the existing mapping.
    text = text.replace(
        '      annotations:\n        ekslint.io/ignore: "EKS013,EKS005"\n      annotations:\n',
        '      annotations:\n        ekslint.io/ignore: "EKS013,EKS005"\n',
    )
    result = lint_text(tmp_path, text)
    assert found(result) == [("EKS013", 21, 55)]


def test_annotation_suppressing_nothing_is_reported_at_its_value(tmp_path: Path) -> None:
    text = DEPLOYMENT.format(workload=IGNORE.format(indent="  "), template="")
    text = text.replace('"EKS013,EKS005"', '"EKS013,EKS008,EKS999"')
    result = lint_text(tmp_path, text)
    assert ("EKS018", 6, 24) in found(result)
    assert messages(result) == [
        "suppression names unknown rule EKS999; suppression of EKS008 suppresses nothing: remove it"
    ]


def test_unknown_rule_is_reported_as_a_warning_where_written(tmp_path: Path) -> None:
    text = pod(c10="  # ekslint: ignore[EKS017, EKS999] typo")
    result = lint_text(tmp_path, text)
    assert found(result) == [("EKS013", 6, 55), ("EKS018", 10, 28)]
    (finding,) = [f for f in result.json["findings"] if f["rule"] == "EKS018"]
    assert finding["severity"] == "warning"
    assert finding["name"] == "invalid-suppression"
    assert finding["message"] == "suppression names unknown rule EKS999"
    assert result.code == 1
    hinted = lint_text(tmp_path, pod(c10="  # ekslint: ignore[eks017]"))
    assert messages(hinted) == [
        "suppression names unknown rule eks017 (rule IDs are upper-case: EKS017)"
    ]
    empty = lint_text(tmp_path, pod(c10="  # ekslint: ignore[]"))
    assert ("EKS017", 10, 14) in found(empty)
    assert messages(empty) == [
        "suppression names no rule: name one (ignore[EKS013]) or drop the brackets"
    ]


def test_file_ignore_suppressing_nothing(tmp_path: Path) -> None:
    text = "# ekslint: file-ignore[EKS012]\n" + pod()
    result = lint_text(tmp_path, text)
    assert ("EKS018", 1, 1) in found(result)
    assert messages(result) == ["suppression of EKS012 suppresses nothing: remove it"]


def test_disabled_rules_are_not_expected_to_suppress(tmp_path: Path) -> None:
    """A suppression for a rule the configuration turns off is not "unused" (the same file
    may be linted with another configuration)."""
    text = pod(c6="  # ekslint: ignore[EKS013]")
    assert found(lint_text(tmp_path, text, "--ignore", "EKS013")) == [("EKS017", 10, 14)]
    config = tmp_path / "ekslint.yaml"
    config.write_text('per-file-ignores: {"m.yaml": [wildcard-all]}\n')
    assert found(lint_text(tmp_path, text, "--config", str(config))) == [("EKS017", 10, 14)]


def test_invalid_suppressions_can_be_turned_off(tmp_path: Path) -> None:
    text = pod(c10="  # ekslint: ignore[EKS999]")
    assert found(lint_text(tmp_path, text, "--ignore", "invalid-suppression")) == [
        ("EKS013", 6, 55),
        ("EKS017", 10, 14),
    ]
    config = tmp_path / "ekslint.yaml"
    config.write_text('per-file-ignores: {"*.yaml": [EKS018]}\n')
    assert [r for r, *_ in found(lint_text(tmp_path, text, "--config", str(config)))] == [
        "EKS013",
        "EKS017",
    ]


def test_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    text = pod(c6="  # ekslint: ignore[EKS013] the debug pod may pull from anywhere")
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = run([str(path), "--isolated", "--fix", "--unsafe-fixes", "--format", "json"])
    assert path.read_text() == text
    assert [f["rule"] for f in result.json["findings"]] == ["EKS017"]


def test_later_documents_and_crlf(tmp_path: Path) -> None:
    text = "# Source: chart/templates/a.yaml\n" + pod() + "---\n# Source: chart/templates/b.yaml\n"
    text += pod(c6="  # ekslint: ignore[EKS013]")
    result = lint_text(tmp_path, text.replace("\n", "\r\n"))
    assert found(result) == [
        ("EKS013", 7, 55),
        ("EKS017", 11, 14),
        ("EKS017", 23, 14),
    ]


def test_other_platforms_ids(tmp_path: Path) -> None:
    text = pod(c6="  # ekslint: ignore[EKS013]").replace(
        "eks.tke.cloud.tencent.com/registry-http-endpoint", "cci.io/http-registries"
    )
    result = lint_text(tmp_path, text, "--platform", "huawei-cci")
    assert ("CCI013", 6, 29) in found(result)
    assert messages(result, "CCI018") == [
        "suppression names unknown rule EKS013 (EKS013 is wildcard-all on tencent-eks; "
        "on huawei-cci it is CCI013)"
    ]
    by_name = text.replace("ignore[EKS013]", "ignore[wildcard-all]")
    assert found(lint_text(tmp_path, by_name, "--platform", "huawei-cci")) == [("CCI017", 10, 14)]
