"""The image parser agrees with distribution/reference, the library kubelet and containerd
parse a pod's image with: every in-scope case of its own test suite, with what its
``ParseNormalizedNamed`` returns (shared/corpus/image-references, see its README)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import SHARED
from ekslint.kube.images import InvalidImage, parse_image

CASES_FILE = SHARED / "corpus" / "image-references" / "cases.json"

pytestmark = pytest.mark.skipif(
    not CASES_FILE.is_file(), reason="shared/corpus/image-references is not beside the repo"
)


def _in_scope() -> list[dict[str, Any]]:
    if not CASES_FILE.is_file():
        return []
    cases: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
    return [case for case in cases if case["scope"] == "in"]


CASES = _in_scope()


def test_every_in_scope_case_is_loaded() -> None:
    assert len(CASES) >= 300  # the README's count: a truncated file would pass vacuously


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict[str, Any]) -> None:
    expected = (case["valid"], case["domain"], case["path"], case["tag"], case["digest"])
    try:
        ref = parse_image(case["input"])
    except InvalidImage as error:
        assert not case["valid"], f"rejected ({error.reason}), the runtime accepts it"
        return
    assert (True, ref.domain, ref.repository, ref.tag, ref.digest) == expected
