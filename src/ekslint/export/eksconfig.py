"""The platform's cluster-wide pod annotation defaults (Tencent EKS: ConfigMap
``kube-system/eks-config``, key ``pod.annotations``, a YAML block of annotations every pod gets
unless it sets the same annotation itself). Covers pods that never pass through Git: those of
operators, controllers and charts without a ``podAnnotations`` value."""

from __future__ import annotations

from ekslint.export import ExportError, ExportInput, quoted
from ekslint.lint.rulepack import load_platform

ROLES = (("http", "http"), ("insecure", "https-self-signed"))


def registry_annotations(data: ExportInput) -> dict[str, str]:
    """Annotation key -> value listing every declared registry that needs it."""
    platform = load_platform(data.platform)
    found: dict[str, str] = {}
    for role, protocol in ROLES:
        hosts = data.hosts(protocol)
        if hosts:
            found[platform.annotations[role]] = ",".join(hosts)
    return found


def render(data: ExportInput) -> str:
    platform = load_platform(data.platform)
    spec = platform.global_defaults
    if spec is None:
        instead = platform.global_defaults_instead or "it documents no cluster-wide defaults"
        raise ExportError(
            f"platform {platform.name} has no cluster-wide pod annotation defaults to export: "
            f"{instead}. Use 'ekslint export kyverno' to annotate the pods instead"
        )
    max_entries = platform.list_syntax.max_entries
    body = registry_annotations(data)
    for key, value in body.items():
        if max_entries is not None and value.count(",") + 1 > max_entries:
            raise ExportError(f"{key} takes at most {max_entries} registries; {value!r} has more")
    lines = [
        f"# {data.provenance()}",
        "# Cluster-wide defaults: every pod gets these annotations unless it sets the same key",
        "# itself (a pod's own value replaces the default, it is not merged with it). If the",
        f"# cluster already has {spec['namespace']}/{spec['name']}, merge these lines into its",
        f"# {spec['key']} instead of replacing it.",
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        f"  name: {spec['name']}",
        f"  namespace: {spec['namespace']}",
        "data:",
        f"  {spec['key']}: |",
        *(f"    {key}: {quoted(value)}" for key, value in body.items()),
    ]
    return "\n".join(lines) + "\n"
