"""Loading the data files shipped in ``rules/``: rule packs, workload kinds, registry lists.

In a wheel the folder is ``ekslint/rules``; in a source checkout it is the top-level ``rules/``.
"""

from __future__ import annotations

import functools
import os

import yaml

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any


@functools.cache
def rules_dir() -> str:
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "rules")
    if os.path.isdir(packaged):
        return packaged
    return os.path.join(os.path.dirname(os.path.dirname(here)), "rules")


def load_yaml(path: str) -> Any:
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, "rb") as handle:
        return yaml.load(handle, Loader=loader)


@functools.cache
def workloads() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(os.path.join(rules_dir(), "workloads.yaml"))
    return data


@functools.cache
def registry_lists() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(os.path.join(rules_dir(), "registries.yaml"))
    return data
