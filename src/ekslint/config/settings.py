"""The effective settings of a run: built-in defaults, then the config file, then flags.

Each value remembers where it came from, for ``--show-settings``. Glob patterns from a config
file (``exclude``, ``per-file-ignores``) are relative to the folder holding that file.
"""

from __future__ import annotations

import fnmatch
import os

from ekslint.kube.images import normalize_registry, split_host_port
from ekslint.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any

PROTOCOLS = ("http", "https-self-signed", "https")
DEFAULT_PLATFORM = "tencent-eks"


class Globs(list[str]):
    """Glob patterns, and the folder they are relative to (None: the working directory)."""

    __slots__ = ("base",)

    def __init__(self, patterns: list[str] | None = None, base: str | None = None) -> None:
        super().__init__(patterns or [])
        self.base = base


def _select_all() -> list[str]:
    return ["ALL"]


@record
class Settings:
    platform: str = DEFAULT_PLATFORM  # a shipped pack's name, or a pack file's path
    platform_packs: dict[str, str] = field(default_factory=dict)  # name -> file (platform-packs)
    registries: dict[str, str] = field(default_factory=dict)  # normalised host[:port] -> protocol
    pull_secrets: dict[str, str] = field(default_factory=dict)  # registry host -> secret name
    # registry hosts the cluster adds secrets for
    injected_pull_secrets: list[str] = field(default_factory=list)
    # "host[:port]" or "host[:port]/namespace"
    public_repositories: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=_select_all)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)  # selector -> "error" | "warning"
    exclude: Globs = field(default_factory=Globs)
    # --extend-exclude: more patterns, kept beside exclude
    extend_exclude: Globs = field(default_factory=Globs)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> selectors
    origins: dict[str, str] = field(default_factory=dict)  # setting -> "default", a path or flag
    config_path: str | None = None

    def __repr__(self) -> str:
        return f"Settings({self.as_dict()!r})"

    @classmethod
    def from_config(cls, mapping: Any, *, base: str | None = None) -> Settings:
        """Settings from the keys of ``.ekslint.yaml`` given as a mapping, validated as the file
        is (a mistake raises ``ConfigError`` with the same message, naming ``<config>``);
        relative paths (platform packs, exclude globs) start at ``base``, else the working
        directory."""
        from ekslint.config.load import settings_from_mapping

        return settings_from_mapping(mapping, base=base)

    @property
    def root(self) -> str | None:
        """The folder config-file globs are relative to."""
        return os.path.dirname(os.path.abspath(self.config_path)) if self.config_path else None

    def declare(self, host: str, protocol: str, origin: str) -> None:
        self.registries[normalize_registry(host)] = protocol
        self.origins[f"registries.{host}"] = origin

    def excludes(self, path: str) -> bool:
        return is_excluded(path, self.exclude) or is_excluded(path, self.extend_exclude)

    def protocol_of(self, registry: str) -> str | None:
        """The declared protocol for ``host[:port]``; a declaration without port covers all."""
        found = self.registries.get(registry)
        if found is None:
            host, port = split_host_port(registry)
            if port is not None:
                found = self.registries.get(host)
        return found

    def pull_secret_for(self, registry: str) -> str | None:
        lowered = {normalize_registry(k): v for k, v in self.pull_secrets.items()}
        return lowered.get(registry) or lowered.get(split_host_port(registry)[0])

    def pull_secrets_injected(self, registry: str) -> bool:
        """The cluster adds pull secrets for ``registry`` (a host without port covers all)."""
        hosts = {normalize_registry(h) for h in self.injected_pull_secrets}
        return registry in hosts or split_host_port(registry)[0] in hosts

    def is_public_repository(self, registry: str, repository: str) -> bool:
        """``registry/repository`` is under one of ``public-repositories``."""
        for prefix in self.public_repositories:
            host, _, namespace = prefix.partition("/")
            host = normalize_registry(host)
            if host != registry and host != split_host_port(registry)[0]:
                continue
            if not namespace or repository == namespace or repository.startswith(namespace + "/"):
                return True
        return False

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "platform-packs": list(self.platform_packs.values()),
            "registries": [{"host": h, "protocol": p} for h, p in self.registries.items()],
            "pull-secrets": dict(self.pull_secrets),
            "injected-pull-secrets": list(self.injected_pull_secrets),
            "public-repositories": list(self.public_repositories),
            "select": list(self.select),
            "ignore": list(self.ignore),
            "severity": dict(self.severity),
            "exclude": list(self.exclude) + list(self.extend_exclude),
            "per-file-ignores": {k: list(v) for k, v in self.per_file_ignores.items()},
        }


def matches_glob(path: str, pattern: str, base: str | None = None) -> bool:
    """gitignore-flavoured glob: ``**`` crosses folders; a pattern without ``/`` matches a name.

    With ``base``, ``path`` is first made relative to that folder (a file outside it matches
    only patterns that can match anywhere: names and ``**/...``).
    """
    if base is not None:
        path = _relative_to(path, base)
    path = path.replace("\\", "/").removeprefix("./")
    pattern = pattern.removeprefix("./")
    if "/" not in pattern.rstrip("/"):
        return any(fnmatch.fnmatchcase(part, pattern.rstrip("/")) for part in path.split("/"))
    if fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern + "/*"):
        return True
    if pattern.startswith("**/"):
        return matches_glob(path, pattern[3:])
    # A pattern also matches any file below a matching folder.
    parts = path.split("/")
    return any(fnmatch.fnmatchcase("/".join(parts[:i]), pattern) for i in range(1, len(parts)))


def _relative_to(path: str, base: str) -> str:
    if path == "-" or path.startswith("<"):
        return path  # stdin
    try:
        relative = os.path.relpath(os.path.abspath(path), base)
    except ValueError:  # another drive
        return path
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return os.path.abspath(path)
    return relative


def is_excluded(path: str, patterns: object) -> bool:
    if not patterns:
        return False
    assert isinstance(patterns, list)
    base = getattr(patterns, "base", None)
    return any(matches_glob(path, p, base) for p in patterns)
