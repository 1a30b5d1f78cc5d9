"""The value of a registry annotation: ``host[:port],host[:port]`` or ``all``.

A platform whose list syntax allows a scheme (Huawei CCI) takes entries written as URLs,
``http://host[:port]/path``: the scheme and path are kept as written, and coverage is judged on
the ``host[:port]``.

Parsing is lenient on purpose: a value written with the wrong separator still names its
registries, so coverage is judged on what the user meant and the separator is reported once
(EKS004) instead of also reporting every registry as missing.
"""

from __future__ import annotations

import re

from ekslint.kube.images import normalize_registry
from ekslint.record import field, record

ALL = "all"
# Anything but a plain ASCII comma that people use to separate list items.
_BAD_SEPARATORS = {
    ";": "';'",
    "；": "full-width '；'",
    "，": "full-width '，'",
    "、": "'、'",
    "|": "'|'",
    "｜": "full-width '｜'",
    "\n": "newline",
    "\u3000": "full-width space",
}
_SEPARATOR_CHARS = ",;；，、|｜"
# The value is split at runs of separators and whitespace, and entries written with blanks
# between them are found, with str methods and ASCII-only patterns: a pattern whose set reaches
# past U+00FF (the full-width separators) costs re 1.4-3.6 M instructions to compile, 2 % of a
# one-file run. (``\s`` is ``str.isspace``.)
_SEPARATORS_TO_BLANKS = str.maketrans(dict.fromkeys(_SEPARATOR_CHARS, " "))
# Pattern strings, compiled by re when first used: a run whose pods have no registry annotation
# never needs them.
_BLANKS = r"[ \t]+"
_SCHEME = r"^[A-Za-z][A-Za-z0-9+.-]*://"
_BLANK_BY_COMMA = r"[ \t]+,|,[ \t]+"


def _has_blank(text: str) -> bool:
    """A space or a tab: most values have none, and then no pattern need be compiled."""
    return " " in text or "\t" in text


@record(frozen=True)
class ListSyntax:
    """What a platform accepts in the value (see the platform files in ``rules/``)."""

    scheme_allowed: bool = False
    max_entries: int | None = None
    all_allowed: bool = True


@record
class Entry:
    raw: str  # as written, without surrounding blanks
    registry: str  # normalised ``host[:port]`` (lower-case host), or "" when empty
    problems: list[str] = field(default_factory=list)
    scheme: str = ""  # ``http://`` kept when the platform allows one, else ""
    path: str = ""  # ``/path`` kept when the platform allows a scheme, else ""

    @property
    def cleaned(self) -> str:
        """The entry as it should be written."""
        return f"{self.scheme}{self.registry}{self.path}"

    @property
    def address(self) -> str:
        """What makes two entries the same address (the scheme does not)."""
        return self.registry + self.path


@record
class RegistryList:
    value: str
    entries: list[Entry]
    bad_separators: list[str]
    blanks: bool  # blanks around entries or commas
    empty_entries: int

    @property
    def is_all(self) -> bool:
        return any(e.registry == ALL for e in self.entries)

    @property
    def registries(self) -> list[str]:
        """Normalised registries named by the value (``all`` excluded), in order, unique."""
        seen: dict[str, None] = {}
        for entry in self.entries:
            if entry.registry and entry.registry != ALL:
                seen.setdefault(entry.registry, None)
        return list(seen)

    def normalised(self) -> str:
        """The value rewritten: comma-separated, cleaned entries, no duplicates."""
        if self.is_all:
            return ALL
        seen: dict[str, str] = {}
        for entry in self.entries:
            if entry.registry:
                seen.setdefault(entry.address, entry.cleaned)
        return ",".join(seen.values())

    @property
    def addresses(self) -> list[str]:
        """The distinct addresses written (``host[:port]`` plus any path), in order."""
        return list(dict.fromkeys(e.address for e in self.entries if e.registry))

    def rewritten(self, registries: list[str]) -> str:
        """A value naming ``registries``, each written as in this value (with its scheme and
        path where the platform allows them); registries not in it are written bare. For fixes
        that keep, drop or add registries without losing how the others were written."""
        forms: dict[str, list[str]] = {}
        seen: set[str] = set()
        for entry in self.entries:
            if entry.registry and entry.address not in seen:
                seen.add(entry.address)
                forms.setdefault(entry.registry, []).append(entry.cleaned)
        written = [form for registry in registries for form in forms.get(registry, [registry])]
        return ",".join(dict.fromkeys(written))

    def malformed(self) -> list[str]:
        """Descriptions of every EKS005 problem in the value."""
        problems: list[str] = []
        if self.blanks:
            problems.append("blanks around entries")
        if self.empty_entries:
            problems.append("empty entries")
        seen: set[str] = set()
        for entry in self.entries:
            problems.extend(f"{entry.raw!r}: {p}" for p in entry.problems)
            if entry.registry and entry.address in seen:
                problems.append(f"{entry.raw!r} is listed twice")
            seen.add(entry.address)
        if self.is_all and len([e for e in self.entries if e.registry]) > 1:
            problems.append("'all' mixed with registry addresses")
        return problems


_DEFAULT_SYNTAX = ListSyntax()


def parse_registry_list(value: str, syntax: ListSyntax = _DEFAULT_SYNTAX) -> RegistryList:
    bad = [label for char, label in _BAD_SEPARATORS.items() if char in value.strip()]
    stripped = value.strip()
    if _blank_separated(stripped):
        bad.append("spaces")
    blanks = value != stripped or (
        _has_blank(stripped) and re.search(_BLANK_BY_COMMA, stripped) is not None
    )
    pieces = stripped.translate(_SEPARATORS_TO_BLANKS).split()
    # Empty entries only count between commas (other separators are EKS004's business).
    comma_pieces = [p.strip() for p in stripped.split(",")] if stripped else []
    empty = sum(1 for p in comma_pieces if not p) if not bad else 0
    entries = [_entry(piece, syntax) for piece in pieces if piece]
    return RegistryList(value, entries, bad, blanks, empty)


def _blank_separated(text: str) -> bool:
    """Whether a run of spaces or tabs lies between two characters that are neither
    whitespace nor a separator (entries separated by blanks alone)."""
    if not _has_blank(text):
        return False
    for run in re.finditer(_BLANKS, text):
        start, end = run.span()
        if start == 0 or end == len(text):
            continue
        before, after = text[start - 1], text[end]
        if not (before.isspace() or before in _SEPARATOR_CHARS) and not (
            after.isspace() or after in _SEPARATOR_CHARS
        ):
            return True
    return False


def _entry(raw: str, syntax: ListSyntax) -> Entry:
    problems: list[str] = []
    text = raw
    if text.lower() == ALL:
        if text != ALL:
            problems.append(f"write 'all' in lower case, not {text!r}")
        return Entry(raw, ALL, problems)
    # A platform that allows a scheme takes the entry as a URL: scheme and path are kept.
    url_form = syntax.scheme_allowed
    kept_scheme = kept_path = ""
    scheme = re.match(_SCHEME, text) if "://" in text else None
    if scheme:
        if url_form:
            kept_scheme = scheme.group(0).lower()
        else:
            problems.append(f"remove the scheme {scheme.group(0)!r}")
        text = text[scheme.end() :]
    if "/" in text:
        host, _, rest = text.partition("/")
        if url_form:
            kept_path = "/" + rest
        elif rest:
            problems.append("only the registry host[:port] belongs here, not a path or image")
        else:
            problems.append("remove the trailing '/'")
        text = host
    if not text:
        return Entry(raw, "", problems or ["empty entry"])
    return Entry(raw, normalize_registry(text), problems, kept_scheme, kept_path)


def covers(value: RegistryList, registry: str) -> bool:
    """Does the annotation value make the runtime apply to ``registry`` (``host[:port]``)?"""
    return value.is_all or registry in value.registries
