"""2,647 real manifests from public projects, linted with no configuration: the first check
against false positives, since a linter that cries wolf on ordinary images gets switched off.
Only the deliberately broken images may be reported."""

from __future__ import annotations

import pytest

from conftest import CORPUS, run

pytestmark = pytest.mark.skipif(
    not CORPUS.is_dir(), reason="../shared/corpus is not beside the repo"
)

# Three placeholders nobody replaced: the runtime rejects each with "invalid reference format".
# (01959.yaml's "<image_url>" is as broken as 02030.yaml's "<YOUR-CONTAINER>".)
EXPECTED = [
    ("01619.yaml", "EKS016", 19, 18, "alpine:invalid!"),
    ("01959.yaml", "EKS016", 14, 18, "<image_url>"),
    ("02030.yaml", "EKS016", 17, 16, "<YOUR-CONTAINER>"),
]


def test_corpus_reports_only_the_broken_images() -> None:
    result = run([str(CORPUS), "--format", "json", "--isolated"])
    document = result.json
    assert document["errors"] == []
    assert document["summary"]["files"] == 2647
    found = [
        (f["path"].rsplit("/", 1)[-1], f["rule"], f["line"], f["column"], f["message"])
        for f in document["findings"]
    ]
    assert [row[:4] for row in found] == [row[:4] for row in EXPECTED]
    for row, expected in zip(found, EXPECTED, strict=True):
        assert expected[4] in row[4]
    assert result.code == 1


def test_custom_resource_image_mappings_are_not_containers() -> None:
    """CRs carry `image: {repository, tag}` mappings outside any container list."""
    files = [CORPUS / name for name in ("00693.yaml", "01312.yaml")]
    result = run([*map(str, files), "--format", "json", "--isolated"])
    assert result.json["findings"] == [] and result.json["errors"] == []
