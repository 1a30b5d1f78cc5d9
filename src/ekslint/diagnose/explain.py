"""Matching messages against the known patterns and completing each answer: the facts of the
message (image, registry, address, ...), the annotation to set (merged with what the pod already
has, under the platform pack's key) and notes."""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping

from ekslint.diagnose.messages import Message, read_messages
from ekslint.diagnose.patterns import Pattern, load_patterns
from ekslint.kube.images import (
    DOCKER_HUB,
    InvalidImage,
    normalize_registry,
    parse_image,
    registry_of,
    split_host_port,
)
from ekslint.record import field, record

# The linter options that declare a registry of each annotation kind.
_LINT_OPTION = {"http": "--http-registry", "insecure": "--insecure-registry"}
# Text that shows a pull failed, used to list failures no pattern explains.
_PULL_FAILURE_RE = re.compile(
    r"Failed to pull image|failed to (?:pull and unpack|resolve reference)"
    r"|Error response from daemon",
    re.IGNORECASE,
)
# Messages about something else that carry the same network errors (probes, volumes, webhooks).
_NOT_PULL_RE = re.compile(
    r"\bprobe failed\b|\bprobe errored\b|MountVolume|FailedMount|failed calling webhook",
    re.IGNORECASE,
)
_IMAGE_RE = re.compile(
    r"(?:image(?: tag| reference)?|reference)\s+\\?\"(?P<image>[^\"\\]*)\\?\""
    r"|pull access denied for (?P<bare>[^\s,]+)",
    re.IGNORECASE,
)
_URL_RE = re.compile(
    r"https?://(?P<host>\[[0-9a-fA-F:.]+\](?::\d+)?|[A-Za-z0-9.-]+(?::\d+)?)/v2(?:/|\b)"
)
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FALLBACK_LIMIT = 1_000_000
_TAIL_LIMIT = 240


@record
class Diagnosis:
    pattern: Pattern
    facts: dict[str, str]
    match: str
    messages: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    objects: list[dict[str, str]] = field(default_factory=list)
    annotation: dict[str, str | None] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def registry(self) -> str | None:
        return self.facts.get("registry") or None


def diagnose(
    text: str, keys: Mapping[str, str], lint_command: str = "ekslint"
) -> tuple[list[Diagnosis], list[str]]:
    """Explain every message in ``text``; also return pull failures that nothing explains."""
    text = _ANSI_RE.sub("", text)
    messages = list(read_messages(text))
    diagnoses, unexplained = _explain(messages, keys, text, lint_command)
    if not diagnoses and len(messages) > 1:
        # A message may have been wrapped across lines: try the whole input as one.
        whole = " ".join(text[:_FALLBACK_LIMIT].split())
        diagnoses, _ = _explain([Message(whole)], keys, text, lint_command)
    return diagnoses, unexplained


def _explain(
    messages: list[Message], keys: Mapping[str, str], text: str, lint_command: str
) -> tuple[list[Diagnosis], list[str]]:
    found: dict[tuple[str, str], Diagnosis] = {}
    unexplained: dict[str, None] = {}  # ordered set
    matches: dict[str, tuple[Pattern, dict[str, str], str] | None] = {}
    for message in messages:
        if message.text in matches:  # events repeat: match each text once
            result = matches[message.text]
        elif _NOT_PULL_RE.search(message.text):
            result = matches[message.text] = None
        else:
            result = matches[message.text] = _match(message)
        if result is None:
            if _PULL_FAILURE_RE.search(message.text) and not _NOT_PULL_RE.search(message.text):
                unexplained[message.text] = None
            continue
        pattern, facts, matched = result
        key = (pattern.name, facts.get("registry") or matched)
        diagnosis = found.get(key)
        if diagnosis is None:
            diagnosis = found[key] = Diagnosis(pattern, facts, matched)
        if message.text not in diagnosis.messages:
            diagnosis.messages.append(message.text)
        image = facts.get("image")
        if image and image not in diagnosis.images:
            diagnosis.images.append(image)
        if message.obj and message.obj not in diagnosis.objects:
            diagnosis.objects.append(message.obj)
    for diagnosis in found.values():
        _complete(diagnosis, keys, text, lint_command)
    return list(found.values()), list(unexplained)


def _match(message: Message) -> tuple[Pattern, dict[str, str], str] | None:
    facts: dict[str, str] | None = None
    for pattern in load_patterns():
        found = pattern.regex.search(message.text)
        if found is None:
            continue
        if facts is None:
            facts = _message_facts(message)
        candidate = {**facts, **{k: v for k, v in found.groupdict().items() if v}}
        _derive(candidate)
        if pattern.when is None or pattern.when(candidate):
            # The root cause ends a Go error chain: show it from the matched words on.
            tail = message.text[found.start() :].lstrip(": ").rstrip()
            if len(tail) > _TAIL_LIMIT:
                tail = tail[: _TAIL_LIMIT - 1] + "…"
            return pattern, candidate, tail
    return None


def _message_facts(message: Message) -> dict[str, str]:
    """What the whole message says regardless of pattern: image, registry, namespace."""
    facts: dict[str, str] = {}
    found = _IMAGE_RE.search(message.text)
    if found is not None:
        image = found.group("image") if found.group("image") is not None else found.group("bare")
        facts["image"] = image
        registry = registry_of(image)
        if registry:
            facts["registry"] = registry
    if "registry" not in facts:
        url = _URL_RE.search(message.text)
        if url is not None:
            host = url.group("host")
            facts["registry"] = DOCKER_HUB if normalize_registry(host) == DOCKER_HUB else host
    if message.obj and message.obj.get("namespace"):
        facts["namespace"] = message.obj["namespace"]
    return facts


def _derive(facts: dict[str, str]) -> None:
    """Facts computed from others: IP scope, the name a TLS error wanted, why an image is bad."""
    addr = facts.get("addr")
    if addr:
        scope = ip_scope(addr)
        if scope:
            facts["scope"] = scope
    for variant, valid in (("wanted_ip", "no IP address"), ("wanted_any", "no names")):
        if variant in facts:
            facts["wanted"] = facts.pop(variant)
            facts.setdefault("valid", valid)
    if "image" in facts and "registry" not in facts:  # the image came from the pattern's regex
        registry = registry_of(facts["image"])
        if registry:
            facts["registry"] = registry
    registry = facts.get("registry")
    if registry:
        facts["host"] = split_host_port(registry)[0]
    if "image" in facts:
        facts["reason"] = why_invalid(facts["image"])


def _complete(diagnosis: Diagnosis, keys: Mapping[str, str], text: str, lint_command: str) -> None:
    """Add the annotation to set (merged with what the pod already has) and notes."""
    kind = diagnosis.pattern.annotation
    registry = diagnosis.registry
    if kind is not None:
        key = keys[kind]
        existing = _existing_annotation(text, key)
        value: str | None = registry
        if registry is not None and existing is not None:
            value, note = _merge_entry(existing, registry, key)
            diagnosis.notes.append(note)
        diagnosis.annotation = {
            "key": key,
            "value": value,
            "location": "spec.template.metadata.annotations",
            "lint": f"{lint_command} {_LINT_OPTION[kind]} {registry or '<host:port>'} manifests/",
        }
    for image in diagnosis.images:
        first = image.split("/", 1)[0]
        if "/" in image and registry == DOCKER_HUB and first.lower() in _lookalike_names():
            diagnosis.notes.append(
                f"{image} is pulled from Docker Hub: its first component {first!r} has no '.' or "
                f"':', so it is a Docker Hub account, not a registry. Use the registry's full "
                f"host (e.g. {first}.example.com/...) or host:port (EKS017)."
            )
    if not diagnosis.images and diagnosis.pattern.annotation and registry is None:
        diagnosis.notes.append(
            "The message does not name the image: use the registry part of the image "
            "(host, or host:port when the image has a port)."
        )


@functools.cache
def _lookalike_names() -> frozenset[str]:
    """First path components meant as a registry but read as a Docker Hub account (the list
    EKS017 uses)."""
    from ekslint.kube.registries import RegistryCatalog

    return RegistryCatalog().lookalike_names


def _merge_entry(existing: str, registry: str, key: str) -> tuple[str, str]:
    """The annotation value that adds ``registry`` to ``existing``, and what was wrong."""
    entries = [e for e in re.split(r"[\s,;，、|]+", existing) if e]
    host, port = split_host_port(registry)
    if any(e.lower() == "all" for e in entries) or registry in entries:
        return existing, (
            f"The pod already has {key}: {existing}, which covers {registry}, and the pull still "
            "failed: make sure the pod was recreated after the change and that the registry "
            "really is what the annotation says."
        )
    if port is not None and host in entries:
        merged = ",".join(registry if e == host else e for e in entries)
        return merged, (
            f"The pod's {key} lists {host} without the port: the value must be "
            f"{registry}, port included."
        )
    merged = ",".join([*entries, registry])
    return (
        merged,
        f"The pod's {key} ({existing}) does not list {registry}; add it, separated by ','.",
    )


def _existing_annotation(text: str, key: str) -> str | None:
    found = re.search(re.escape(key) + r"[\"']?\s*[:=]\s*[\"']?([^\"'\s]+)", text)
    return found.group(1) if found else None


def ip_scope(addr: str) -> str | None:
    """``public`` or ``private`` for an IP address, None for a name."""
    try:
        ip = ipaddress.ip_address(addr.strip("[]"))
    except ValueError:
        return None
    return "public" if ip.is_global else "private"


# What the image parser's verdict means to someone whose pull was refused.
_INVALID_PART = {
    "empty": "it is empty",
    "placeholder": "it contains an unresolved placeholder",
    "space": "it contains white space",
    "lowercase": "the repository path has upper-case letters (only the registry host may)",
}


def why_invalid(image: str) -> str:
    """Why the runtime rejects ``image``, in words, from the linter's image parser."""
    try:
        parse_image(image)
    except InvalidImage as exc:
        if exc.part in _INVALID_PART:
            return _INVALID_PART[exc.part]
        if "://" in image:
            return "it has a URL scheme; references have none"
        if image.endswith((":", "@", "/")):
            return "it ends with an empty tag, digest or path component"
        return exc.reason
    return "it does not follow [registry[:port]/]path[:tag][@digest]"
