"""A small sample of scripts/fuzz_corpus.py in CI: mutated real manifests through
``--fix --unsafe-fixes``, checked for tracebacks, unreadable or changed data, non-JSON JSON and
fixes that do not converge. The long campaign runs by hand (see the script)."""

from __future__ import annotations

import importlib.util
import io
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fuzz_corpus", ROOT / "scripts" / "fuzz_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fuzz_corpus"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


fuzz = _script()


@pytest.mark.skipif(not fuzz.CORPORA[0].is_dir(), reason="the shared corpus is not here")
def test_a_sample_of_the_campaign(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EKSLINT_NO_CACHE", "1")
    log = io.StringIO()
    tally = fuzz.run_campaign(200, 1, fuzz.CORPORA, None, 30.0, out=log)
    assert tally.cases == 200
    assert tally.changed > 0  # the sample reaches the fixes
    assert not tally.failures, log.getvalue()


def test_what_fixes_may_change_is_all_that_is_ignored() -> None:
    http = "eks.tke.cloud.tencent.com/registry-http-endpoint"
    before = {"metadata": {"name": "a", "annotations": {"team": 5, http: "10.0.0.1"}}}
    after = {"metadata": {"name": "a", "annotations": {"team": "5", http: "10.0.0.1:5000"}}}
    assert fuzz.comparable(before) == fuzz.comparable(after)
    renamed = {"metadata": {"name": "b", "annotations": {"team": "5"}}}
    assert fuzz.comparable(before) != fuzz.comparable(renamed)
    lost = {"metadata": {"name": "a", "annotations": {http: "x"}}}
    assert fuzz.comparable(before) != fuzz.comparable(lost)
    # An empty metadata left or created by a fix is the same as none (as the fix guard has it).
    emptied = {"spec": {"template": {"metadata": None}}}
    assert fuzz.comparable({"spec": {"template": {}}}) == fuzz.comparable(emptied)
    quoted = {"metadata": {"generation": "3"}}  # quoting is intended only in annotations
    assert fuzz.comparable({"metadata": {"generation": 3}}) != fuzz.comparable(quoted)


def test_a_rewrite_that_changes_data_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n"

    def corrupting_main(args: list[str], stdout: io.StringIO, stderr: io.StringIO) -> int:
        Path(args[0]).write_bytes(original.replace(b"k: v", b"k: w"))
        stdout.write('{"findings": [], "errors": [], "fixed": []}')
        return 0

    monkeypatch.setattr("ekslint.cli.main", corrupting_main)
    with pytest.raises(fuzz.CaseFailure) as caught:
        fuzz.check_case(tmp_path / "m.yaml", original, [])
    assert caught.value.check == "data"


def test_mutations_are_deterministic() -> None:
    seeds = [ROOT / "tests" / "fixtures" / "rules" / "EKS001" / "failure.yaml"]
    first = [c.data for c in fuzz.cases(seeds, 30, 5)]
    assert first == [c.data for c in fuzz.cases(seeds, 30, 5)]
    for name, mutate in fuzz.MUTATIONS.items():
        text = seeds[0].read_text(encoding="utf-8")
        assert mutate(text, random.Random(1)) != text or name == "crlf", name
