"""Baselines: accept the findings a repository has today, report only new ones.

A finding's fingerprint is what it is about, not where it sits: the rule, the file, the object
(kind, namespace, name), the container, and its subject — the registry of an image, else the key
it is written under (an annotation's name), else the offending value. Moving lines keeps a
finding baselined; the same mistake in another file, or in another object, is new. Equal
fingerprints are counted, so a second identical finding in the same place is new too.

The file is JSON, sorted, with paths relative to the baseline's own folder, so it can be
committed and reviewed.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Iterable

    from ekslint.lint.findings import Finding

FORMAT_VERSION = 1
Fingerprint = tuple[str, str, str, str, str]  # rule, file, object, container, subject

_KEY_BEFORE = re.compile(
    r"""("[^"]*"|'[^']*'|[^\s{},\[\]"'#][^{},\[\]#]*?)\s*:\s*(?:[|>][-+0-9]*\s*)?$"""
)
_PLAIN_END = re.compile(r"\s+#|,|\}|\]|:\s|:$|\s*$")


class BaselineError(Exception):
    """An unreadable baseline file (exit code 2)."""


def subject(finding: Finding, line: str) -> str:
    """What a finding is about, read from the text of its line (see the module docstring)."""
    start = max(finding.column - 1, 0)
    value = _token(line[start:])
    key = _KEY_BEFORE.search(line[:start])
    name = key.group(1).strip().strip("\"'") if key else ""
    if name == "image" and value:
        from ekslint.kube.images import InvalidImage, parse_image

        try:
            return parse_image(value).registry
        except InvalidImage:
            return value
    return name or value


def _token(text: str) -> str:
    if text[:1] in ("'", '"'):
        quote = text[0]
        end = text.find(quote, 1)
        return text[1:end] if end != -1 else text[1:].rstrip()
    match = _PLAIN_END.search(text)
    return text[: match.start()].strip() if match else text.strip()


def fingerprint(finding: Finding, file: str, line: str) -> Fingerprint:
    obj = finding.object
    where = f"{obj.kind}/{obj.namespace or ''}/{obj.name or ''}" if obj else ""
    return (finding.rule, file, where, finding.container or "", subject(finding, line))


class Baseline:
    """Fingerprints and how many findings each accepts."""

    def __init__(self, path: str, counts: Counter[Fingerprint] | None = None) -> None:
        self.path = path
        self.base = os.path.dirname(os.path.abspath(path))
        self.counts: Counter[Fingerprint] = Counter() if counts is None else counts

    def relative(self, path: str) -> str:
        if path == "-" or path.startswith("<"):
            return path
        return os.path.relpath(os.path.abspath(path), self.base).replace(os.sep, "/")

    def fingerprints(self, findings: Iterable[Finding], text: str) -> list[Fingerprint]:
        lines = text.removeprefix("\ufeff").split("\n")
        out = []
        for finding in findings:
            line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
            out.append(fingerprint(finding, self.relative(finding.path), line))
        return out

    def add(self, findings: list[Finding], text: str) -> None:
        self.counts.update(self.fingerprints(findings, text))

    def new(self, findings: list[Finding], text: str) -> list[Finding]:
        """The findings of one file the baseline does not accept."""
        left = Counter(self.counts)
        kept = []
        for finding, key in zip(findings, self.fingerprints(findings, text), strict=True):
            if left[key] > 0:
                left[key] -= 1
            else:
                kept.append(finding)
        return kept

    @classmethod
    def load(cls, path: str) -> Baseline:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            raise BaselineError(f"{path}: baseline file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{path}: cannot read: {getattr(exc, 'strerror', exc)}") from None
        except json.JSONDecodeError as exc:
            raise BaselineError(
                f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}"
            ) from None
        baseline = cls(path)
        entries = data.get("findings") if isinstance(data, dict) else None
        if not isinstance(entries, list) or data.get("version") != FORMAT_VERSION:
            raise BaselineError(
                f'{path}: not an ekslint baseline (expected {{"version": {FORMAT_VERSION}, '
                '"findings": [...]}, as --write-baseline writes)'
            )
        fields = ("rule", "file", "object", "container", "subject")
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not all(
                isinstance(entry.get(f), str) for f in fields
            ):
                raise BaselineError(
                    f"{path}: findings[{index}]: expected the string keys {', '.join(fields)}"
                )
            count = entry.get("count", 1)
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                raise BaselineError(f"{path}: findings[{index}].count: expected a positive integer")
            key: Fingerprint = (
                entry["rule"],
                entry["file"],
                entry["object"],
                entry["container"],
                entry["subject"],
            )
            baseline.counts[key] += count
        return baseline

    def save(self) -> str | None:
        """Write the file atomically; an error message, or None."""
        entries = []
        for (rule, file, obj, container, subj), count in sorted(self.counts.items()):
            entry: dict[str, object] = {
                "rule": rule,
                "file": file,
                "object": obj,
                "container": container,
                "subject": subj,
            }
            if count > 1:
                entry["count"] = count
            entries.append(entry)
        document = {"version": FORMAT_VERSION, "tool": "ekslint", "findings": entries}
        return write_file(self.path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def write_file(path: str, text: str) -> str | None:
    """Create or replace ``path`` atomically (a reader never sees half a file); an error
    message, or None."""
    import tempfile

    target = os.path.realpath(path)
    folder = os.path.dirname(target) or "."
    try:
        handle, temporary = tempfile.mkstemp(prefix=".ekslint-", suffix=".tmp", dir=folder)
    except OSError as exc:
        return f"cannot write {path}: {exc.strerror}"
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        os.replace(temporary, target)
    except OSError as exc:
        os.unlink(temporary)
        return f"cannot write {path}: {exc.strerror}"
    return None
