"""Image references, parsed the way the container runtime parses them.

Follows distribution/reference v0.6 (``ParseNormalizedNamed`` and ``splitDockerDomain``, what
kubelet and containerd run on a pod's image): the first ``/``-separated component is a registry
host only if it contains ``.`` or ``:``, is ``localhost``, or has upper-case letters; anything else
is a Docker Hub repository. Getting this wrong is the whole point of EKS017: ``harbor/ns/app`` is
pulled from Docker Hub. tests/test_image_grammar.py holds this parser to the library's own cases.
"""

from __future__ import annotations

import re

from ekslint.record import field, record

DOCKER_HUB = "docker.io"
# The only host the runtime rewrites to docker.io; registry-1.docker.io and
# registry.hub.docker.com stay hosts of their own (a docker.io mirror does not apply to them).
_LEGACY_HUB = "index.docker.io"

# distribution/reference grammar, in Python regex form.
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_PATH_RE = re.compile(rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_HOST = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])"
_DOMAIN_RE = re.compile(rf"{_HOST}(?::[0-9]+)?")
# Go's regexp `\w` is ASCII; Python's matches any Unicode letter.
_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
# Pattern strings for what few images have (a digest, a 64-hex ID, a placeholder): re compiles
# each when first used (and keeps it), not at every import (about 1 M instructions each).
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
# go-digest's algorithms as kubelet and containerd link them, with their hex lengths.
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_LOWER_HEX = r"[a-f0-9]+"
_IDENTIFIER = r"[a-f0-9]{64}"
_PLACEHOLDER = r"\$\{[^}]*\}?|\$\([^)]*\)?|\{\{.*?(?:\}\}|$)|\$[A-Z_][A-Z0-9_]*"
_MAX_NAME_LENGTH = 255


@record(frozen=True)
class ImageRef:
    """A parsed image reference. ``registry`` is ``host[:port]`` as the runtime contacts it."""

    domain: str  # as the runtime reports it (``Domain()``): case kept
    repository: str
    tag: str | None
    digest: str | None
    explicit_registry: bool  # False when the registry was implied (Docker Hub)
    registry: str = field(init=False)  # the key ekslint compares and looks up

    def __post_init__(self) -> None:
        object.__setattr__(self, "registry", normalize_registry(self.domain))  # frozen

    @property
    def host(self) -> str:
        return split_host_port(self.registry)[0]

    @property
    def port(self) -> str | None:
        return split_host_port(self.registry)[1]


class InvalidImage(ValueError):
    """Why an image string is not a reference the runtime can pull. ``part`` names what is
    wrong: empty, placeholder, space, digest, tag, host, lowercase, repository or length."""

    def __init__(self, reason: str, part: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.part = part


def split_host_port(registry: str) -> tuple[str, str | None]:
    """``host:port`` -> (host, port); bracketed IPv6 keeps its brackets."""
    if registry.startswith("["):
        end = registry.find("]")
        rest = registry[end + 1 :]
        return registry[: end + 1], (rest[1:] if rest.startswith(":") else None)
    host, sep, port = registry.rpartition(":")
    if sep and port.isdigit():
        return host, port
    return registry, None


def normalize_registry(registry: str) -> str:
    """Canonical form used for comparisons: lower-case host (DNS ignores case), index.docker.io
    folded into docker.io as the runtime folds it."""
    host, port = split_host_port(registry.strip())
    host = host.lower()
    if host == _LEGACY_HUB and port is None:
        host = DOCKER_HUB
    return f"{host}:{port}" if port else host


def looks_like_registry_host(component: str) -> bool:
    """splitDockerDomain's test for the first path component."""
    return (
        "." in component
        or ":" in component
        or component == "localhost"
        or component != component.lower()
    )


# What parse_image made of each text it was given: a repository's manifests name the same few
# images again and again (a tenth of big.yaml's images are new). An ImageRef is frozen; an
# error is kept as its arguments and raised anew. Bounded: emptied when full.
_PARSED: dict[str, ImageRef | tuple[str, str]] = {}
_MAX_PARSED = 4096


def parse_image(text: str) -> ImageRef:
    """Parse ``text`` as a container image reference or raise :class:`InvalidImage`."""
    known = _PARSED.get(text)
    if known is None:
        try:
            known = _parse(text)
        except InvalidImage as exc:
            known = (exc.reason, exc.part)
        if len(_PARSED) >= _MAX_PARSED:
            _PARSED.clear()
        _PARSED[text] = known
    if isinstance(known, tuple):
        raise InvalidImage(*known)
    return known


def _parse(text: str) -> ImageRef:
    if not text or not text.strip():
        raise InvalidImage("image is empty", "empty")
    # Each test starts with what a C scan can rule out: this runs for every container.
    placeholder = ("$" in text or "{{" in text) and re.search(_PLACEHOLDER, text)
    if placeholder:
        raise InvalidImage(
            f"image contains an unresolved placeholder {placeholder.group(0)!r}", "placeholder"
        )
    if text.split() != [text]:  # white space anywhere (str.split and str.isspace agree)
        raise InvalidImage("image contains white space", "space")

    if len(text) == 64 and re.fullmatch(_IDENTIFIER, text):
        raise InvalidImage("a 64-hex-digit name is an image ID, not a repository", "repository")
    name, digest = text, None
    if "@" in name:
        name, _, digest = name.partition("@")
        _check_digest(digest)
    domain, remainder, explicit = _split_registry(name)
    tag = None
    last_slash = remainder.rfind("/")
    colon = remainder.rfind(":")
    if colon > last_slash:
        remainder, tag = remainder[:colon], remainder[colon + 1 :]
        if not _TAG_RE.fullmatch(tag):
            raise InvalidImage(f"invalid tag {tag!r}", "tag")
    if explicit and not _DOMAIN_RE.fullmatch(domain):
        raise InvalidImage(f"invalid registry host {domain!r}", "host")
    if remainder != remainder.lower() and _PATH_RE.fullmatch(remainder.lower()):
        raise InvalidImage(f"repository name must be lowercase: {remainder!r}", "lowercase")
    if not _PATH_RE.fullmatch(remainder):
        raise InvalidImage(f"invalid repository name {remainder!r}", "repository")
    if domain == _LEGACY_HUB:
        domain = DOCKER_HUB
    if domain == DOCKER_HUB and "/" not in remainder:
        remainder = f"library/{remainder}"
    # The limit is on the path alone (distribution/reference v0.6 and later).
    if len(remainder) > _MAX_NAME_LENGTH:
        raise InvalidImage(f"repository path longer than {_MAX_NAME_LENGTH} characters", "length")
    return ImageRef(domain, remainder, tag, digest, explicit)


def _check_digest(digest: str) -> None:
    """go-digest's Validate: the grammar, then a known algorithm, then its exact hex form."""
    if not re.fullmatch(_DIGEST, digest):
        raise InvalidImage(f"invalid digest {digest!r}", "digest")
    algorithm, _, encoded = digest.partition(":")
    length = _DIGEST_HEX_LENGTHS.get(algorithm)
    if length is None:
        raise InvalidImage(
            f"unsupported digest algorithm {algorithm!r} (sha256, sha384, sha512)", "digest"
        )
    if len(encoded) != length:
        raise InvalidImage(
            f"a {algorithm} digest has {length} hex digits, not {len(encoded)}", "digest"
        )
    if not re.fullmatch(_LOWER_HEX, encoded):
        raise InvalidImage(f"digest {digest!r} must be lower-case hex", "digest")


# Docker Hub's web site: it answers the registry API with HTML 404 pages, so every pull fails.
DOCKER_HUB_WEBSITE = "hub.docker.com"
# A repository's page there is /r/<user>/<repo>: the "r/" is not part of the name.
_REPOSITORY_PAGE = "r"


def docker_hub_meant(text: str) -> str | None:
    """For an image on hub.docker.com, the Docker Hub reference its author meant (same
    repository, less the web page's ``r/``; same tag and digest); else None."""
    try:
        image = parse_image(text)
    except InvalidImage:
        return None
    if image.registry != DOCKER_HUB_WEBSITE:
        return None
    first, _, rest = image.repository.partition("/")
    repository = rest if first == _REPOSITORY_PAGE and rest else image.repository
    if "/" not in repository:
        repository = f"library/{repository}"
    suffix = text[len(image.domain) + 1 + len(image.repository) :]  # tag and digest, as written
    return f"{DOCKER_HUB}/{repository}{suffix}"


def registry_of(text: str) -> str | None:
    """The registry ``host[:port]`` the runtime contacts for ``text``, as written (the legacy
    index.docker.io read as docker.io, as the runtime reads it), even when the rest of the
    reference is invalid; None when there is no reference to read (empty, or white space)."""
    name = text.strip().split("@", 1)[0]
    if not name or any(c.isspace() for c in name):
        return None
    registry, _, explicit = _split_registry(name)
    if explicit and registry == _LEGACY_HUB:
        return DOCKER_HUB
    return registry


def _split_registry(name: str) -> tuple[str, str, bool]:
    first, slash, rest = name.partition("/")
    if slash and looks_like_registry_host(first):
        return first, rest, True
    return DOCKER_HUB, name, False
