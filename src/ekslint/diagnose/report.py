"""``ekslint diagnose``'s answers, as text for a terminal or as JSON."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from typing import Any, TextIO

from ekslint.diagnose.explain import Diagnosis

NO_PATTERN = "no known image-pull failure pattern in the input"
_WIDTH = 96


def _fill(facts: Mapping[str, str], template: str) -> str:
    return template.format_map(_Defaults(facts))


class _Defaults(dict[str, str]):
    """Template facts; a fact the message did not give reads as ``<name>``."""

    def __init__(self, facts: Mapping[str, str]) -> None:
        super().__init__(facts)

    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def annotation_snippet(key: str, value: str | None) -> str:
    """The YAML to add to a workload, pod-template annotations, value quoted."""
    shown = value if value is not None else "<host:port of the image's registry>"
    return (
        "  spec:\n    template:\n      metadata:\n        annotations:\n"
        f'          {key}: "{shown}"\n'
    )


def write_text(out: TextIO, diagnoses: list[Diagnosis], unexplained: list[str], text: str) -> None:
    if not diagnoses:
        reason, hint = _hint(text, unexplained)
        out.write(f"ekslint: {NO_PATTERN}\n{reason}\nhint: {hint}\n")
        return
    count = len(diagnoses)
    out.write(f"ekslint diagnose: {count} image-pull failure{'s' * (count != 1)} explained\n")
    for number, diagnosis in enumerate(diagnoses, 1):
        pattern, facts = diagnosis.pattern, diagnosis.facts
        out.write(f"\n{number}. {pattern.title} [{pattern.name}]\n")
        for label, value in (
            ("pod", ", ".join(_object_name(o) for o in diagnosis.objects)),
            ("image", ", ".join(diagnosis.images)),
            ("registry", diagnosis.registry or ""),
            ("address", f"{facts['addr']} ({facts['scope']} IP)" if "scope" in facts else ""),
            ("error", diagnosis.match),
        ):
            if value:
                out.write(_section(label, value))
        out.write(_section("cause", _fill(facts, pattern.cause)))
        out.write(_section("fix", _fix_text(diagnosis)))
        annotation = diagnosis.annotation
        if annotation is not None:
            out.write(
                "\n"
                + _section(
                    "check",
                    f"{annotation['lint']} checks every pod template for it; add --fix to write "
                    "the annotation.",
                )
            )
        for note in diagnosis.notes:
            out.write(_section("note", note))
    if unexplained:
        out.write("\nNot explained:\n" + "".join(f"  {m}\n" for m in unexplained))


def _fix_text(diagnosis: Diagnosis) -> str:
    """The fix, with the annotation to add as YAML when there is one."""
    text = _fill(diagnosis.facts, diagnosis.pattern.fix)
    annotation = diagnosis.annotation
    if annotation is not None:
        text += "\n\n" + annotation_snippet(annotation["key"] or "", annotation["value"])
    return text


def _section(label: str, body: str) -> str:
    """``body`` under a label: prose is wrapped; lines indented by two spaces (commands, YAML)
    are kept as they are, under the text."""
    head = f"   {label + ':':<9} "
    pad = " " * len(head)
    lines: list[str] = []
    for line in body.rstrip("\n").split("\n"):
        lead = pad if lines else head
        if not line.strip():
            lines.append("")
        elif line.startswith("  "):
            lines.append(lead + line[2:])
        else:
            lines.append(
                textwrap.fill(
                    line,
                    _WIDTH,
                    initial_indent=lead,
                    subsequent_indent=pad,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
            )
    return "\n".join(lines) + "\n"


def _object_name(obj: Mapping[str, str]) -> str:
    name = obj.get("name", "?")
    return f"{obj['namespace']}/{name}" if obj.get("namespace") else name


def _hint(text: str, unexplained: list[str]) -> tuple[str, str]:
    """Why nothing was explained, and what to pass instead."""
    if not text.strip():
        reason = "The input is empty."
    elif unexplained:
        reason = "These look like pull failures, but match no known pattern:\n" + "\n".join(
            f"  {m}" for m in unexplained
        )
    elif re.search(r"ErrImagePull|ImagePullBackOff|Back-off pulling", text, re.IGNORECASE):
        reason = (
            "ErrImagePull / ImagePullBackOff only say that the pull failed; the reason is in the "
            "'Failed to pull image' event."
        )
    else:
        reason = "Nothing in it looks like an image-pull error."
    hint = (
        "pass the full message of the 'Failed' event, e.g.\n"
        "  kubectl describe pod POD | ekslint diagnose\n"
        "  kubectl get events --field-selector reason=Failed -o json | ekslint diagnose"
    )
    return reason, hint


def write_json(out: TextIO, diagnoses: list[Diagnosis], unexplained: list[str], text: str) -> None:
    from ekslint.report.escape import json_text

    document: dict[str, Any] = {"diagnoses": [_as_json(d) for d in diagnoses]}
    if unexplained:
        document["unexplained"] = unexplained
    if not diagnoses:
        document["error"] = NO_PATTERN
        document["reason"], document["hint"] = _hint(text, unexplained)
    out.write(json_text(document) + "\n")


def _as_json(diagnosis: Diagnosis) -> dict[str, Any]:
    facts = diagnosis.facts
    return {
        "pattern": diagnosis.pattern.name,
        "title": diagnosis.pattern.title,
        "cause": _fill(facts, diagnosis.pattern.cause),
        "fix": _fix_text(diagnosis),
        "annotation": diagnosis.annotation,
        "registry": diagnosis.registry,
        "images": diagnosis.images,
        "address": facts.get("addr"),
        "address_scope": facts.get("scope"),
        "match": diagnosis.match,
        "messages": diagnosis.messages,
        "objects": diagnosis.objects,
        "notes": diagnosis.notes,
    }
