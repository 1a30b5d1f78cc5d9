"""A Kyverno ``ClusterPolicy`` that adds the registry annotations to the pods that need them,
in the shape of kyverno/policies' ``add-imagepullsecrets`` samples (preconditions on the
``images`` variable, a ``patchStrategicMerge`` mutation, autogen for pod controllers).

Kyverno's add-if-absent anchor ``+(key)`` sets an annotation only when the pod has none: it
cannot merge a registry into a value that is already there, and two rules adding the same key
leave only the first one's value. So each rule writes the whole value for one combination of
declared registries — exactly the ones the pod's images use, no more (an entry no container
uses is itself a finding) — and its preconditions select pods using exactly that combination.
A pod that already sets the annotation is left as it is; ekslint reports it where it is
written.
"""

from __future__ import annotations

import itertools

from ekslint.export import ExportError, ExportInput, quoted
from ekslint.lint.rulepack import load_platform

# Every registry the pod's containers and init containers pull from (``images`` maps container
# names to parsed references; a pod without init containers has no such map).
POD_REGISTRIES = (
    "{{ [images.containers.*.registry || `[]`, images.initContainers.*.registry || `[]`][] }}"
)
# One rule per non-empty combination: 2^n - 1 rules for n registries of one kind.
MAX_REGISTRIES_PER_KIND = 5
ROLES = (("http", "http"), ("insecure", "https-self-signed"))

HEADER = """\
# {provenance}
# Adds {keys}
# to pods (and, through autogen, to the pod templates of Deployments, StatefulSets, DaemonSets,
# Jobs and CronJobs) whose images come from a declared registry.
#
# Limitation: Kyverno's add-if-absent anchor +(key) does not merge into an existing value. A pod
# that already sets one of these annotations keeps its own value, even when that value misses a
# registry (ekslint reports that pod where it is written). So that no merging is ever needed,
# each rule below writes the complete value for one combination of registries and applies only
# to pods whose images use exactly that combination.
# Images must name a registry as declared: a declaration without a port does not match images
# that use the host with a port here (declare host:port for those).
"""


def render(data: ExportInput) -> str:
    platform = load_platform(data.platform)
    keys = [platform.annotations[role] for role, protocol in ROLES if data.hosts(protocol)]
    lines = [
        HEADER.format(provenance=data.provenance(), keys="\n#   and ".join(keys)).rstrip("\n"),
        "apiVersion: kyverno.io/v1",
        "kind: ClusterPolicy",
        "metadata:",
        "  name: ekslint-registry-annotations",
        "  annotations:",
        "    policies.kyverno.io/title: Add registry annotations for self-hosted registries",
        "    policies.kyverno.io/category: Sample",
        "    policies.kyverno.io/subject: Pod",
        "    policies.kyverno.io/minversion: 1.6.0",
        "    policies.kyverno.io/description: >-",
        f"      Pods on {platform.title}",
        "      pull from plain-HTTP or self-signed registries only when an annotation lists",
        "      them. This policy adds the annotation to pods whose images come from such a",
        "      registry, listing exactly the registries the pod uses.",
        "spec:",
        "  rules:",
    ]
    for role, protocol in ROLES:
        hosts = data.hosts(protocol)
        if not hosts:
            continue
        if len(hosts) > MAX_REGISTRIES_PER_KIND:
            raise ExportError(
                f"{len(hosts)} registries are declared {protocol}; a Kyverno policy needs one "
                f"rule per combination of them ({2 ** len(hosts) - 1} rules), and ekslint "
                f"writes at most {MAX_REGISTRIES_PER_KIND} per kind. Use 'ekslint export "
                "eks-config' for cluster-wide defaults instead, or split the declarations"
            )
        key = platform.annotations[role]
        name = key.rsplit("/", 1)[-1].lower()
        for index, used in enumerate(_combinations(hosts), start=1):
            lines += _rule(f"{name}-{index}", key, used, [h for h in hosts if h not in used])
    return "\n".join(lines) + "\n"


def _combinations(hosts: list[str]) -> list[tuple[str, ...]]:
    return [c for size in range(1, len(hosts) + 1) for c in itertools.combinations(hosts, size)]


def _rule(name: str, key: str, used: tuple[str, ...], unused: list[str]) -> list[str]:
    value = ",".join(used)
    lines = [
        f"  # pods pulling from {', '.join(used)}"
        + (f" and not from {', '.join(unused)}" if unused else ""),
        f"  - name: {name}",
        "    match:",
        "      any:",
        "      - resources:",
        "          kinds:",
        "          - Pod",
        "    preconditions:",
        "      all:",
        f"      - key: [{', '.join(quoted(h) for h in used)}]",
        "        operator: AllIn",
        f"        value: {quoted(POD_REGISTRIES)}",
    ]
    if unused:
        lines += [
            f"      - key: [{', '.join(quoted(h) for h in unused)}]",
            "        operator: AllNotIn",
            f"        value: {quoted(POD_REGISTRIES)}",
        ]
    lines += [
        "    mutate:",
        "      patchStrategicMerge:",
        "        metadata:",
        "          annotations:",
        f"            +({key}): {quoted(value)}",
    ]
    return lines
