"""``--add-suppressions REASON``: accept every current finding with a comment in the file.

Each offending line gets ``  # ekslint: ignore[ID,...] REASON`` at its end (or its IDs join
the ``ignore[...]`` comment already there); nothing else in the file changes, byte for byte. A
comment that would change what the file means (a line that ends inside a quoted string or a
block scalar, e.g. eks-config's embedded annotations) is not written: that finding goes to the
baseline instead, as do all findings of JSON files, which have no comments.
"""

from __future__ import annotations

import re

from ekslint.lint.suppress import COMMENT

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from ekslint.lint.findings import Finding

_BREAK = re.compile(r"\r?\n")


def clean_reason(reason: str) -> str:
    """One line of text: a reason with a line break would end the comment early."""
    return " ".join(reason.split())


def annotate(text: str, findings: list[Finding], reason: str) -> tuple[str, list[Finding]]:
    """The text with suppression comments, and the findings that could not get one."""
    body = text.removeprefix("\ufeff")
    bom = text[: len(text) - len(body)]
    lines = body.split("\n")
    by_line: dict[int, list[str]] = {}
    for finding in findings:
        ids = by_line.setdefault(finding.line, [])
        if finding.rule not in ids:
            ids.append(finding.rule)
    before = _meaning(body)
    refused = {number for number in by_line if not 0 < number <= len(lines)}
    commented = list(lines)
    for number, ids in by_line.items():
        if number not in refused:
            commented[number - 1] = _with_comment(lines[number - 1], ids, reason)
    if _meaning("\n".join(commented)) != before:
        # Some comment changed what the file says: find which, one line at a time.
        commented = list(lines)
        for number, ids in sorted(by_line.items()):
            if number in refused:
                continue
            commented[number - 1] = _with_comment(lines[number - 1], ids, reason)
            if _meaning("\n".join(commented)) != before:
                commented[number - 1] = lines[number - 1]
                refused.add(number)
    left = [f for f in findings if f.line in refused]
    return bom + "\n".join(commented), left


def _with_comment(line: str, ids: list[str], reason: str) -> str:
    ending = "\r" if line.endswith("\r") else ""
    content = line[: len(line) - len(ending)]
    existing = re.search(COMMENT, content)
    if existing is not None and existing.group("kind").lower() == "ignore":
        written = existing.group("ids")
        if written is not None and written.strip():
            # The scanner reads one comment per line: the new IDs join it.
            close = existing.end("ids")
            return content[:close] + "," + ",".join(ids) + content[close:] + ending
    comment = f"# ekslint: ignore[{','.join(ids)}]" + (f" {reason}" if reason else "")
    return content.rstrip(" \t") + "  " + comment + ending


def _meaning(text: str) -> object:
    """What the YAML says (None when it does not parse): a comment must not change it."""
    import yaml

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return list(yaml.load_all(text, Loader=loader))
    except yaml.YAMLError:
        return None
