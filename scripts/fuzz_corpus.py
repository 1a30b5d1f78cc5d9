"""Fuzz ``ekslint --fix --unsafe-fixes`` with mutations of real manifests, outside CI.

    python scripts/fuzz_corpus.py --cases 50000 --seed 1
    python scripts/fuzz_corpus.py --cases 200 --seed 3 --save /tmp/failures

Seeds are the files of the shared corpora (``--corpus``, default ``shared/corpus/real`` and
``shared/corpus/realcloud`` beside the repository). Each case takes one seed and applies one to
three mutations, chosen among those that reach the fix layer's hard cases: a registry
annotation inserted (null, number, list, anchored, misplaced on the workload), an image moved to
a self-hosted registry, a lone CR, a merge key, a null ``annotations``/``metadata``, an anchor
and alias, a duplicated line, conversion to JSON, CRLF line ends, and plain byte and line
damage. The case is written to a file and run in-process through ``ekslint.cli.main`` with
``--fix --unsafe-fixes --format json``, then checked:

- no exception escapes, the exit status is 0, 1 or 2 and the JSON report parses;
- a file with input errors is not rewritten;
- a rewritten file parses with PyYAML and with ruamel.yaml's round-trip loader (each when it
  read the original: both refuse some inputs ekslint reads), and its data
  equals the original's except in what fixes may change (the registry annotations, the
  spelling of platform annotation keys, the quoting of annotation values, image pull secrets);
- a file that was JSON is still JSON;
- a second ``--fix`` changes nothing (fixes converge);
- no case runs longer than ``--timeout`` seconds.

Each failing case is printed (check, seed, mutations) and saved under ``--save`` as
``<check>-<case>.yaml`` (the input) and ``.txt`` (what failed, the seed, the mutations and the
command that replays it). Exit status: 0 when every case passed, 1 otherwise.
tests/test_fuzz_corpus.py runs a small sample in CI.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ekslint.kube.images import docker_hub_meant

ROOT = Path(__file__).resolve().parents[1]
CORPORA = [
    ROOT.parent / "shared" / "corpus" / "real",
    ROOT.parent / "shared" / "corpus" / "realcloud",
]
if not CORPORA[0].is_dir():  # a work tree under /work/wt/NAME
    CORPORA = [Path("/work/shared/corpus/real"), Path("/work/shared/corpus/realcloud")]

HTTP = "eks.tke.cloud.tencent.com/registry-http-endpoint"
INSECURE = "eks.tke.cloud.tencent.com/registry-insecure-skip-verify"
KEYS = [
    HTTP,
    INSECURE,
    "eks.tke.cloud.tencent.com/registry-http-endpiont",
    "eks.tke.cloud.tencent.com/registry-insecure-skip-verfy",
    "k8s.aliyun.com/plain-http-registry",
    "k8s.aliyun.com/insecure-registry",
    "cci.io/registry-http-endpoint",
    "note.example.com/owner",
]
VALUES = [
    '"10.0.0.1:5000"',
    "10.0.0.1:5000",
    '"10.0.0.1"',
    '"10.0.0.1:5000;10.0.0.2:5000"',
    '"10.0.0.1:5000, harbor.corp.example"',
    '"*"',
    '"docker.io"',
    "",
    "~",
    "null",
    "5000",
    "true",
    "[10.0.0.1:5000]",
    "{a: b}",
    '&reg "10.0.0.1:5000"',
    "*reg",
    "'harbor.corp.example:8443'",
    "|\n      10.0.0.1:5000",
]
REGISTRIES = ["10.0.0.1:5000", "10.0.0.2:5000", "harbor.corp.example", "harbor.corp.example:8443"]
OPTIONS = [
    ["--http-registry", "10.0.0.1:5000", "--insecure-registry", "harbor.corp.example"],
    ["--http-registry", "10.0.0.2:5000", "--trusted-registry", "harbor.corp.example:8443"],
    [],
    ["--platform", "aliyun-eci", "--http-registry", "10.0.0.1:5000"],
    ["--platform", "huawei-cci", "--insecure-registry", "10.0.0.1:5000"],
]
# What a fix may change: annotations and labels whose key names a registry setting or a
# platform (a misplaced annotation moves; a misspelt one is renamed), and pull secrets.
_FIXABLE_KEY = re.compile(r"registry|tencent|aliyun|huawei|cci\.io|eci|eks", re.IGNORECASE)


# -- mutations ------------------------------------------------------------------------------------

_BLOCK_KEY = re.compile(r"^(\s*)(?:- )?(annotations|metadata|labels):[ \t]*(?:#.*)?$")
_KEY_LINE = re.compile(r"^(\s*)(?:- )?([\w./-]+):(?:[ \t].*)?$")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _child_indent(lines: list[str], at: int) -> str:
    here = len(lines[at]) - len(lines[at].lstrip())
    if lines[at].lstrip().startswith("- "):
        here += 2
    for line in lines[at + 1 :]:
        if line.strip():
            indent = len(line) - len(line.lstrip())
            return " " * (indent if indent > here else here + 2)
    return " " * (here + 2)


def _block_keys(lines: list[str]) -> list[int]:
    """The lines that open a block mapping (``key:`` with nothing after it)."""
    return [i for i, line in enumerate(lines) if _BLOCK_KEY.match(line)]


def _pick_block(lines: list[str], rng: random.Random) -> int | None:
    blocks = _block_keys(lines)
    return rng.choice(blocks) if blocks else None


def insert_annotation(text: str, rng: random.Random) -> str | None:
    lines = _lines(text)
    at = _pick_block(lines, rng)
    if at is None:
        return None
    child = _child_indent(lines, at)
    entry = f"{rng.choice(KEYS)}: {rng.choice(VALUES)}"
    if _BLOCK_KEY.match(lines[at]).group(2) == "metadata":  # type: ignore[union-attr]
        lines[at + 1 : at + 1] = [f"{child}annotations:", f"{child}  {entry}"]
    else:
        lines.insert(at + 1, child + entry)
    return "\n".join(lines)


def self_hosted_image(text: str, rng: random.Random) -> str | None:
    found = list(re.finditer(r"(image:[ \t]*[\"']?)([^\s\"'#]+)", text))
    if not found:
        return None
    for match in reversed(rng.sample(found, rng.randint(1, len(found)))):
        image = match.group(2).split("/")[-1]
        text = text[: match.start(2)] + f"{rng.choice(REGISTRIES)}/{image}" + text[match.end(2) :]
    return text


def lone_cr(text: str, rng: random.Random) -> str | None:
    breaks = [m.start() for m in re.finditer("\n", text)]
    if not breaks:
        return None
    at = rng.choice(breaks)
    choice = rng.randrange(3)
    if choice == 0:  # a line break that only YAML sees
        return text[:at] + "\r" + text[at + 1 :]
    if choice == 1:  # a comment line ended by a lone CR
        return text[: at + 1] + "# note\r" + text[at + 1 :]
    return text[:at] + "  # trailing\r" + text[at:]


def merge_key(text: str, rng: random.Random) -> str | None:
    lines = _lines(text)
    at = _pick_block(lines, rng)
    if at is None:
        return None
    child = _child_indent(lines, at)
    merged = rng.choice(
        [
            f"{{{HTTP}: '10.0.0.1:5000'}}",
            "{team: web}",
            "{}",
            f"{{{INSECURE}: harbor.corp.example}}",
        ]
    )
    lines.insert(at + 1, f"{child}<<: {merged}")
    return "\n".join(lines)


def null_mapping(text: str, rng: random.Random) -> str | None:
    lines = _lines(text)
    at = _pick_block(lines, rng)
    if at is None:
        return None
    match = _BLOCK_KEY.match(lines[at])
    assert match is not None
    child = _child_indent(lines, at)
    if match.group(2) == "metadata":
        lines.insert(at + 1, f"{child}annotations:{rng.choice(['', ' null', ' ~', ' {}'])}")
    else:
        # Empty the block: its entries go, the key stays (null).
        end = at + 1
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) >= len(child)
        ):
            end += 1
        del lines[at + 1 : end]
    return "\n".join(lines)


def anchor_alias(text: str, rng: random.Random) -> str | None:
    lines = _lines(text)
    blocks = _block_keys(lines)
    if len(blocks) < 2:
        return None
    first, second = sorted(rng.sample(blocks, 2))
    if not lines[first].rstrip().endswith(":"):
        return None
    name = _BLOCK_KEY.match(lines[second]).group(2)  # type: ignore[union-attr]
    lines[first] = lines[first].rstrip() + " &shared"
    indent = lines[second][: len(lines[second]) - len(lines[second].lstrip())]
    if rng.random() < 0.5:
        lines[second] = f"{indent}{name}: *shared"
        end = second + 1
        child = _child_indent(lines, second) if second + 1 < len(lines) else ""
        while end < len(lines) and lines[end].startswith(child) and len(child) > len(indent):
            end += 1
        del lines[second + 1 : end]
    else:
        lines.insert(second + 1, f"{_child_indent(lines, second)}<<: *shared")
    return "\n".join(lines)


def duplicate_line(text: str, rng: random.Random) -> str | None:
    lines = _lines(text)
    keyed = [i for i, line in enumerate(lines) if _KEY_LINE.match(line) and not line.endswith(":")]
    if not keyed:
        return None
    at = rng.choice(keyed)
    lines.insert(at + 1, lines[at])
    return "\n".join(lines)


def to_json(text: str, rng: random.Random) -> str | None:
    try:
        documents = [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]
        if len(documents) != 1 or not isinstance(documents[0], dict):
            return None
        return json.dumps(documents[0], indent=rng.choice([None, 2, 4]), default=str) + "\n"
    except (yaml.YAMLError, UnicodeError, ValueError, RecursionError):
        return None  # not YAML (the damage of an earlier mutation), or not JSON data


def crlf(text: str, rng: random.Random) -> str | None:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def damage_bytes(text: str, rng: random.Random) -> str | None:
    data = bytearray(text.encode("utf-8", "surrogateescape"))
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) + 1)
        kind = rng.randrange(3)
        if kind == 0:
            data.insert(at, rng.choice(b" \t\n:-#&*!|>'\"{}[],?%@`\x00\xff"))
        elif kind == 1 and data:
            del data[min(at, len(data) - 1)]
        elif data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
    return data.decode("utf-8", "surrogateescape")


def damage_lines(text: str, rng: random.Random) -> str | None:
    lines = _lines(text)
    if len(lines) < 2:
        return None
    at = rng.randrange(len(lines))
    kind = rng.randrange(3)
    if kind == 0:
        del lines[at]
    elif kind == 1:
        lines.insert(at, lines[rng.randrange(len(lines))])
    else:
        other = rng.randrange(len(lines))
        lines[at], lines[other] = lines[other], lines[at]
    return "\n".join(lines)


MUTATIONS: dict[str, Callable[[str, random.Random], str | None]] = {
    "insert-annotation": insert_annotation,
    "self-hosted-image": self_hosted_image,
    "lone-cr": lone_cr,
    "merge-key": merge_key,
    "null-mapping": null_mapping,
    "anchor-alias": anchor_alias,
    "duplicate-line": duplicate_line,
    "to-json": to_json,
    "crlf": crlf,
    "damage-bytes": damage_bytes,
    "damage-lines": damage_lines,
}
# Registry annotations and images most often: they are what the fixes act on.
WEIGHTS = {"insert-annotation": 4, "self-hosted-image": 2, "to-json": 1, "crlf": 1}


# -- checking -----------------------------------------------------------------------------------

_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CaseFailure(Exception):
    def __init__(self, check: str, detail: str) -> None:
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail


class Hang(Exception):
    pass


def _loose(value: Any) -> Any:
    """An annotation value as YAML would read it unquoted: quoting it is an intended fix."""
    if isinstance(value, str):
        try:
            read = yaml.load(value, Loader=_LOADER)
        except yaml.YAMLError:
            return value
        return read if isinstance(read, (bool, int, float)) or read is None else value
    if value == "":
        return None
    return value


def comparable(data: Any) -> Any:
    """``data`` without what a fix may change (see ``_FIXABLE_KEY``)."""
    if isinstance(data, dict):
        result = {}
        for key, value in data.items():
            if key == "imagePullSecrets":
                continue
            if key in ("annotations", "labels") and (value is None or isinstance(value, dict)):
                kept = {
                    k: _loose(v)
                    for k, v in (value or {}).items()
                    if not (isinstance(k, str) and _FIXABLE_KEY.search(k))
                }
                if kept:
                    result[key] = kept
                continue
            if key == "image" and isinstance(value, str):
                # EKS017's unsafe fix: an image on hub.docker.com becomes the Docker Hub
                # reference its author meant (the one image change a fix may make).
                value = docker_hub_meant(value) or value
            value = comparable(value)
            if key in ("metadata", "annotations") and value in ({}, None):
                continue  # an empty one may be created or left by a fix: same as absent
            result[str(key)] = value
        return result
    if isinstance(data, list):
        return [comparable(item) for item in data]
    return data


def documents(text: str) -> list[Any]:
    return [d for d in yaml.load_all(text, Loader=_LOADER) if d is not None]


def _run(args: list[str]) -> tuple[int, str, str]:
    from ekslint.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _report(code: int, out: str, err: str) -> dict[str, Any]:
    if code not in (0, 1, 2):
        raise CaseFailure("exit", f"exit status {code}; stderr: {err[-500:]}")
    try:
        report: dict[str, Any] = json.loads(out)
    except ValueError as exc:
        raise CaseFailure(
            "report", f"the JSON report does not parse ({exc}): {out[:300]!r}"
        ) from None
    return report


def check_case(path: Path, data: bytes, options: list[str]) -> None:
    path.write_bytes(data)
    args = [str(path), "--isolated", "--format", "json", *options, "--fix", "--unsafe-fixes"]
    report = _report(*_run(args))
    after = path.read_bytes()
    if after == data:
        return
    if report["errors"]:
        raise CaseFailure("rewritten-with-errors", json.dumps(report["errors"][:3]))
    text = after.decode("utf-8")
    try:
        original_documents: list[Any] | None = documents(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        original_documents = None  # ekslint composes nodes only; PyYAML may refuse more
    try:
        fixed_documents = documents(text)
    except yaml.YAMLError as exc:
        if original_documents is not None:
            raise CaseFailure("parse", f"PyYAML cannot read the fixed file: {exc}") from None
        fixed_documents = None
    # ruamel is stricter than libyaml (duplicate keys anywhere): only what it read before.
    if _ruamel_reads(data.decode("utf-8", "surrogateescape")):
        try:
            _ruamel_load(text)
        except Exception as exc:  # ruamel raises many kinds
            raise CaseFailure("parse-ruamel", f"{type(exc).__name__}: {exc}") from None
    if original_documents is not None and fixed_documents is not None:
        before, now = comparable(original_documents), comparable(fixed_documents)
        if before != now:
            raise CaseFailure("data", _first_difference(before, now))
    try:
        json.loads(data)
    except ValueError:
        pass
    else:
        try:
            json.loads(after)
        except ValueError as exc:
            raise CaseFailure("json", f"a JSON manifest was rewritten as non-JSON: {exc}") from None
    again = _report(*_run(args))
    if path.read_bytes() != after:
        raise CaseFailure(
            "converge", f"a second --fix changed the file again: {again['fixed'][:3]}"
        )


def _ruamel_load(text: str) -> None:
    from ruamel.yaml import YAML

    list(YAML(typ="rt").load_all(text))


def _ruamel_reads(text: str) -> bool:
    try:
        _ruamel_load(text)
    except Exception:
        return False
    return True


def _first_difference(before: Any, after: Any, where: str = "") -> str:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            if before.get(key, "<absent>") != after.get(key, "<absent>"):
                return _first_difference(
                    before.get(key, "<absent>"), after.get(key, "<absent>"), f"{where}.{key}"
                )
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for i, (b, a) in enumerate(zip(before, after, strict=True)):
            if b != a:
                return _first_difference(b, a, f"{where}[{i}]")
    return f"{where or '<root>'}: {repr(before)[:200]} -> {repr(after)[:200]}"


# -- the campaign -------------------------------------------------------------------------------


@dataclass
class Case:
    number: int
    seed_file: Path
    mutations: list[str]
    data: bytes
    options: list[str]
    suffix: str


@dataclass
class Tally:
    cases: int = 0
    changed: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    mutations: Counter[str] = field(default_factory=Counter)


def seeds(corpora: list[Path]) -> list[Path]:
    found = []
    for corpus in corpora:
        found += sorted(p for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    return found


def cases(seed_files: list[Path], count: int, seed: int) -> Iterator[Case]:
    rng = random.Random(seed)
    names = list(MUTATIONS)
    weights = [WEIGHTS.get(name, 2) for name in names]
    for number in range(count):
        seed_file = rng.choice(seed_files)
        text = seed_file.read_bytes().decode("utf-8", "surrogateescape")
        applied = []
        chosen = rng.choices(names, weights, k=rng.randint(1, 3))
        # Most cases also get what makes a fix apply: an image on a declared self-hosted
        # registry (EKS001/EKS002 insert an annotation) and a registry annotation to edit.
        if rng.random() < 0.7:
            chosen.insert(0, "self-hosted-image")
        if rng.random() < 0.5:
            chosen.insert(1, "insert-annotation")
        for name in chosen:
            mutated = MUTATIONS[name](text, rng)
            if mutated is not None:
                text = mutated
                applied.append(name)
        suffix = ".json" if text.lstrip().startswith(("{", "[")) else ".yaml"
        yield Case(
            number,
            seed_file,
            applied,
            text.encode("utf-8", "surrogateescape"),
            rng.choice(OPTIONS),
            suffix,
        )


def run_campaign(
    count: int,
    seed: int,
    corpora: list[Path],
    save: Path | None,
    timeout: float,
    out: Any = sys.stdout,
) -> Tally:
    os.environ.setdefault("EKSLINT_NO_CACHE", "1")
    tally = Tally()
    seen: set[tuple[str, str]] = set()

    def expire(signum: int, frame: object) -> None:
        raise Hang(f"still running after {timeout} s")

    previous = signal.signal(signal.SIGALRM, expire)
    try:
        with tempfile.TemporaryDirectory(prefix="ekslint-fuzz-corpus-") as folder:
            for case in cases(seeds(corpora), count, seed):
                path = Path(folder) / f"case{case.suffix}"
                tally.cases += 1
                tally.mutations.update(case.mutations)
                signal.setitimer(signal.ITIMER_REAL, timeout)
                try:
                    check_case(path, case.data, case.options)
                    failure = None
                except CaseFailure as exc:
                    failure = (exc.check, exc.detail)
                except Hang as exc:
                    failure = ("hang", str(exc))
                except Exception:
                    failure = ("crash", traceback.format_exc(limit=-6))
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                if path.exists() and path.read_bytes() != case.data:
                    tally.changed += 1
                if failure is not None:
                    tally.failures[failure[0]] += 1
                    _record(case, failure, save, seen, out, seed)
                if tally.cases % 5000 == 0:
                    out.write(f"... {tally.cases} cases, failures {dict(tally.failures)}\n")
                    out.flush()
    finally:
        signal.signal(signal.SIGALRM, previous)
    return tally


def _record(
    case: Case,
    failure: tuple[str, str],
    save: Path | None,
    seen: set[tuple[str, str]],
    out: Any,
    seed: int,
) -> None:
    check, detail = failure
    # One report per check and first detail line (crashes: per place), to keep the log short.
    key = (check, detail.strip().splitlines()[-1][:120] if detail.strip() else "")
    if key in seen:
        return
    seen.add(key)
    out.write(
        f"FAIL {check} case {case.number} seed {case.seed_file.name} "
        f"mutations {','.join(case.mutations) or '-'} options {' '.join(case.options) or '-'}\n"
        f"  {detail.strip()[-600:]}\n"
    )
    if save is None:
        return
    save.mkdir(parents=True, exist_ok=True)
    stem = save / f"{check}-{case.number}"
    stem.with_suffix(case.suffix).write_bytes(case.data)
    stem.with_suffix(".txt").write_text(
        f"check: {check}\nseed file: {case.seed_file}\nmutations: {case.mutations}\n"
        f"replay: cp {stem.with_suffix(case.suffix)} /tmp/x{case.suffix} && "
        f"ekslint /tmp/x{case.suffix} --isolated {' '.join(case.options)} --fix --unsafe-fixes\n"
        f"campaign: python scripts/fuzz_corpus.py --seed {seed} (case {case.number})\n\n{detail}\n",
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--corpus", action="append", type=Path, help="seed folder (repeatable)")
    parser.add_argument("--save", type=Path, help="folder for failing cases")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    started = time.monotonic()
    tally = run_campaign(args.cases, args.seed, args.corpus or CORPORA, args.save, args.timeout)
    seconds = time.monotonic() - started
    print(
        f"{tally.cases} cases (seed {args.seed}) in {seconds:.0f} s; {tally.changed} rewritten "
        f"by --fix; failures: {dict(tally.failures) or 'none'}\n"
        f"mutations applied: {dict(sorted(tally.mutations.items()))}"
    )
    return 1 if tally.failures else 0


if __name__ == "__main__":
    sys.exit(main())
