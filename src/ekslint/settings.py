"""The effective settings of a run: built-in defaults, then the config file, then flags.

Each value remembers where it came from, for ``--show-settings``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from ekslint.images import normalize_registry, split_host_port

PROTOCOLS = ("http", "https-self-signed", "https")


@dataclass(slots=True)
class Settings:
    platform: str = "tencent-eks"
    # normalised host[:port] -> protocol
    registries: dict[str, str] = field(default_factory=dict)
    pull_secrets: dict[str, str] = field(default_factory=dict)
    select: list[str] = field(default_factory=lambda: ["ALL"])
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    config_path: str | None = None

    def declare(self, host: str, protocol: str, origin: str) -> None:
        self.registries[normalize_registry(host)] = protocol
        self.origins[f"registries.{host}"] = origin

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "registries": [{"host": h, "protocol": p} for h, p in self.registries.items()],
            "pull-secrets": dict(self.pull_secrets),
            "select": list(self.select),
            "ignore": list(self.ignore),
            "severity": dict(self.severity),
            "exclude": list(self.exclude),
            "per-file-ignores": {k: list(v) for k, v in self.per_file_ignores.items()},
        }


def matches_glob(path: str, pattern: str) -> bool:
    """gitignore-flavoured glob: ``**`` crosses folders; a pattern without ``/`` matches a name."""
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


def is_excluded(path: str, patterns: object) -> bool:
    if not patterns:
        return False
    assert isinstance(patterns, list)
    return any(matches_glob(path, p) for p in patterns)
