"""CRI-O and Podman: ``containers-registries.conf(5)`` v2. ``insecure = true`` allows
"unencrypted HTTP as well as TLS connections with untrusted certificates" for the registry."""

from __future__ import annotations

from ekslint.export import ExportInput, quoted


def render(data: ExportInput) -> str:
    lines = [
        f"# {data.provenance()}",
        "# Merge into /etc/containers/registries.conf (or a drop-in under",
        "# /etc/containers/registries.conf.d/), then restart CRI-O.",
    ]
    for registry in data.registries:
        lines += [
            "",
            f"# {registry.protocol}",
            "[[registry]]",
            f"location = {quoted(registry.host)}",
            "insecure = true",
        ]
    return "\n".join(lines) + "\n"
