"""Shared helpers: run the command line in-process and read its JSON report."""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

from ekslint.cli import main

# The validated-data cache (ekslint.data) of the tests is their own, not the developer's.
os.environ.setdefault("XDG_CACHE_HOME", tempfile.mkdtemp(prefix="ekslint-test-cache-"))

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
# shared/ sits beside the repository (or beside the folder of work trees that holds it).
SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "corpus").is_dir()),
    ROOT.parent / "shared",
)
CORPUS = SHARED / "corpus" / "real"


def bench_module(name: str) -> ModuleType:
    """``bench/<name>.py``, loaded once: bench/ is scripts, not a package."""
    import importlib.util
    import sys

    key = f"bench_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, ROOT / "bench" / f"{name}.py")
        assert spec and spec.loader
        module = sys.modules[key] = importlib.util.module_from_spec(spec)  # dataclasses need it
        spec.loader.exec_module(module)
    return sys.modules[key]


settings.register_profile("ci", max_examples=500, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# A pod with findings of several severities (EKS004 error, EKS012 warnings), and a clean one:
# the output-format tests share them.
BAD_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
  annotations:
    eks.tke.cloud.tencent.com/registry-http-endpoint: "10.0.0.1:5000;10.0.0.2:5000"
spec:
  containers:
    - {name: a, image: "10.0.0.1:5000/a:1"}
    - {name: b, image: "10.0.0.2:5000/b:1"}
    - {name: c, image: "registry.local/c:1"}
"""

GOOD_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - {name: a, image: "nginx:1.27"}
"""


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def positions(self) -> list[tuple[str, int, int]]:
        return [(f["rule"], f["line"], f["column"]) for f in self.json["findings"]]


def run(args: Sequence[str], stdin: bytes | None = None, monkeypatch: Any = None) -> Result:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None, "pass monkeypatch to feed stdin"

        class _Stdin:
            buffer = io.BytesIO(stdin)

        monkeypatch.setattr("sys.stdin", _Stdin())
    code = main(list(args), stdout=out, stderr=err)
    return Result(code, out.getvalue(), err.getvalue())


def lint_text(tmp_path: Path, text: str | bytes, *args: str, name: str = "m.yaml") -> Result:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8", newline="")
    else:
        path.write_bytes(text)
    return run([str(path), "--format", "json", "--isolated", *args])


@pytest.fixture(autouse=True)
def _no_user_config(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Tests never pick up a config file from the developer's folders."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.fixture
def deadline() -> Iterator[None]:
    """Fail, instead of hanging the suite, if the test blocks or loops (a regression of a bound
    on work: a FIFO opened without a writer, an alias that expands without end)."""
    import signal

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError("no result within 20 s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
