"""Classifying registry hosts: declared, public/cloud, TCR, probably self-hosted."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable
from enum import Enum

from ekslint.data import registry_lists
from ekslint.kube.images import split_host_port


class Kind(Enum):
    PUBLIC = "public"
    SELF_HOSTED = "self-hosted"  # probably: EKS012 asks the user to declare it
    OTHER = "other"  # assumed to serve HTTPS with a trusted certificate


class HostPatterns:
    """Host globs (``*.tencentcloudcr.com``, ``docker.io``), matched as ``fnmatch`` matches
    them. The lists hold only names and ``*``-suffixes: those are looked up and compared
    without a regular expression (compiling one for the public list alone costs a one-file run
    more than the rest of its registry checks); any other glob is compiled."""

    __slots__ = ("names", "others", "suffixes")

    def __init__(self, patterns: Iterable[str]) -> None:
        names: set[str] = set()
        suffixes: list[str] = []
        others: list[str] = []
        for pattern in (p.lower() for p in patterns):
            if not any(char in pattern for char in "*?["):
                names.add(pattern)
            elif pattern.startswith("*") and not any(char in pattern[1:] for char in "*?["):
                suffixes.append(pattern[1:])
            else:
                others.append(pattern)
        self.names = frozenset(names)
        self.suffixes = tuple(suffixes)
        self.others = re.compile("|".join(fnmatch.translate(p) for p in others)) if others else None

    def match(self, host: str) -> bool:
        """Does a pattern match all of ``host`` (lower case)?"""
        return (
            host in self.names
            or host.endswith(self.suffixes)
            or (self.others is not None and self.others.match(host) is not None)
        )


class RegistryCatalog:
    """The built-in lists from ``rules/registries.yaml``, each compiled once, when first needed
    (a commit's few images may need none: compiling them is a tenth of a one-file run)."""

    def __init__(self) -> None:
        lists = registry_lists()
        self._tcr_mirrors = frozenset(h.lower() for h in lists["tcr-public-mirrors"])
        self._private_suffixes = tuple(lists["private-suffixes"])
        self.lookalike_names = frozenset(lists["lookalike-names"])
        self._lists: dict[str, HostPatterns] = {}

    @functools.cached_property
    def _public(self) -> HostPatterns:
        return HostPatterns(registry_lists()["public"])

    @functools.cached_property
    def _public_tcr(self) -> list[tuple[HostPatterns, frozenset[str]]]:
        return [
            (
                HostPatterns(group["registries"]),
                frozenset(n["namespace"] for n in group["namespaces"]),
            )
            for group in registry_lists()["tcr-public-repositories"]
        ]

    @functools.cached_property
    def _tcr(self) -> HostPatterns:
        return HostPatterns(registry_lists()["tcr"])

    def listed(self, list_name: str, registry: str) -> bool:
        """Whether ``registry``'s host matches a pattern of a list in ``rules/registries.yaml``."""
        matcher = self._lists.get(list_name)
        if matcher is None:
            matcher = self._lists[list_name] = HostPatterns(registry_lists()[list_name])
        host, _ = split_host_port(registry.lower())
        return bool(matcher.match(host))

    def is_public(self, registry: str) -> bool:
        host, _ = split_host_port(registry.lower())
        return bool(self._public.match(host))

    def is_private_tcr(self, registry: str) -> bool:
        host, _ = split_host_port(registry.lower())
        return bool(self._tcr.match(host)) and host not in self._tcr_mirrors

    def is_public_tcr_repository(self, registry: str, repository: str) -> bool:
        """A namespace Tencent publishes for anyone (``ccr.ccs.tencentyun.com/tkeimages``)."""
        host, _ = split_host_port(registry.lower())
        namespace = repository.split("/", 1)[0]
        return any(
            namespace in namespaces and hosts.match(host) for hosts, namespaces in self._public_tcr
        )

    def classify(self, registry: str) -> Kind:
        host, port = split_host_port(registry.lower())
        if port in (None, "443") and self._public.match(host):
            return Kind.PUBLIC
        if port not in (None, "443"):
            return Kind.SELF_HOSTED
        if host == "localhost" or "." not in host or _is_ip(host):
            return Kind.SELF_HOSTED
        if host.endswith(self._private_suffixes):
            return Kind.SELF_HOSTED
        return Kind.OTHER


def _is_ip(host: str) -> bool:
    if not (host[:1].isdigit() or host.startswith("[")):
        return False
    import ipaddress

    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True
