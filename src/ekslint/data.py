"""Loading the data files shipped in ``rules/``: rule packs, workload kinds, registry lists.

In a wheel the folder is ``ekslint/rules``; in a source checkout it is the top-level ``rules/``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml


@functools.cache
def rules_dir() -> Path:
    packaged = Path(__file__).with_name("rules")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def load_yaml(path: Path) -> Any:
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as handle:
        return yaml.load(handle, Loader=loader)


@functools.cache
def workloads() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(rules_dir() / "workloads.yaml")
    return data


@functools.cache
def registry_lists() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(rules_dir() / "registries.yaml")
    return data
