"""The benchmark corpora (bench/corpora.py) are reproducible and what they claim to be."""

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from conftest import bench_module

corpora = bench_module("corpora")

pytestmark = pytest.mark.skipif(
    not corpora.default_source().is_dir(), reason="no shared/corpus/real beside the repository"
)


def digest(root: Path) -> str:
    # The staged corpus is a git repository: its .git holds the index's timestamps.
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != "corpora.json" and ".git" not in p.relative_to(root).parts
    )
    hasher = hashlib.sha256()
    for path in files:
        hasher.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return hasher.hexdigest()


def count_documents(root: Path, target: str) -> int:
    path = root / target
    files = [p for p in path.rglob("*.yaml") if p.name[0] != "."] if path.is_dir() else [path]
    return sum(1 for f in files for _ in yaml.compose_all(f.read_bytes(), Loader=yaml.CSafeLoader))


def test_corpora_are_reproducible_and_counted_right(tmp_path: Path) -> None:
    first = corpora.build_corpora(tmp_path / "a")
    corpora.build_corpora(tmp_path / "b")
    assert digest(tmp_path / "a") == digest(tmp_path / "b")

    for name, corpus in first.items():
        root = Path(corpus["path"])
        assert count_documents(root, corpus["target"]) == corpus["documents"], name
        config = yaml.safe_load((root / ".ekslint.yaml").read_text())
        assert config == {"registries": [{"host": "10.16.100.174:5000", "protocol": "http"}]}

    assert first["dir"]["files"] == first["dir_clean"]["files"] == 1000
    assert 1500 <= first["dir"]["documents"] <= 1900
    assert first["big"]["documents"] == 10_000
    assert 15e6 <= first["big"]["bytes"] <= 25e6
    assert sum(first["dir"]["injections"].values()) == 100
    assert json.loads((tmp_path / "a" / "corpora.json").read_text())["corpora"] == first


def test_injections_change_only_the_chosen_files(tmp_path: Path) -> None:
    built = corpora.build_corpora(tmp_path)
    clean, dirty = Path(built["dir_clean"]["path"]), Path(built["dir"]["path"])
    changed = {
        str(p.relative_to(dirty))
        for p in dirty.rglob("*.yaml")
        if p.read_bytes() != (clean / p.relative_to(dirty)).read_bytes()
    }
    assert changed == set(built["dir"]["injected_files"])
    for name in changed:
        assert "10.16.100.174:5000/" in (dirty / name).read_text()
