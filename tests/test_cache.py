"""The validated-data cache: a file written again with the same bytes (a fresh clone, a copy
for each CI job) is not parsed and validated again; one whose bytes changed always is."""

from __future__ import annotations

import os
from pathlib import Path

from ekslint import data


def _loader(calls: list[str]):  # type: ignore[no-untyped-def]
    def validate(value: object, path: str) -> None:
        calls.append(path)
        if value == {"bad": True}:
            raise ValueError("invalid")

    return validate


def test_same_bytes_new_mtime_is_a_cache_hit(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("registries: [a]\n", encoding="utf-8")
    calls: list[str] = []
    first = data.load_validated(str(path), "test-kind", _loader(calls))
    assert first == {"registries": ["a"]} and len(calls) == 1
    path.write_text("registries: [a]\n", encoding="utf-8")  # a checkout: same bytes
    os.utime(path, ns=(1, 1))
    assert data.load_validated(str(path), "test-kind", _loader(calls)) == first
    assert len(calls) == 1  # not validated again
    assert data.load_validated(str(path), "test-kind", _loader(calls)) == first
    assert len(calls) == 1  # and the new time was remembered


def test_changed_bytes_are_validated_again(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("registries: [a]\n", encoding="utf-8")
    calls: list[str] = []
    data.load_validated(str(path), "test-kind", _loader(calls))
    path.write_text("registries: [b]\n", encoding="utf-8")  # same size, other bytes
    os.utime(path, ns=(2, 2))
    assert data.load_validated(str(path), "test-kind", _loader(calls)) == {"registries": ["b"]}
    assert len(calls) == 2
    path.write_text("bad: true\n", encoding="utf-8")
    os.utime(path, ns=(3, 3))
    try:
        data.load_validated(str(path), "test-kind", _loader(calls))
    except ValueError:
        pass
    else:
        raise AssertionError("an invalid file was taken from the cache")
