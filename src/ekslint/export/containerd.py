"""containerd's registry host folder (``config_path``, e.g. ``/etc/containerd/certs.d``): one
``<host[:port]>/hosts.toml`` per registry. Plain HTTP is the ``http://`` scheme of ``server``
and of the host entry; a self-signed registry keeps https with ``skip_verify = true``."""

from __future__ import annotations

import os

from ekslint.export import ExportError, ExportInput, Registry, check_host, quoted

ENABLE = """\
# containerd reads this folder when its CRI registry config_path points at the parent folder:
#   containerd 2.x: [plugins."io.containerd.cri.v1.images".registry] config_path = "..."
#   containerd 1.x: [plugins."io.containerd.grpc.v1.cri".registry] config_path = "..."
"""


def hosts_toml(registry: Registry, provenance: str) -> str:
    scheme = "http" if registry.protocol == "http" else "https"
    server = f"{scheme}://{registry.host}"
    lines = [
        f"# {provenance}",
        ENABLE.rstrip("\n"),
        f"server = {quoted(server)}",
        "",
        f"[host.{quoted(server)}]",
        '  capabilities = ["pull", "resolve"]',
    ]
    if registry.protocol == "https-self-signed":
        lines.append("  skip_verify = true")
    return "\n".join(lines) + "\n"


def write(data: ExportInput, folder: str) -> list[str]:
    """Write every hosts.toml under ``folder`` (created if missing); the paths written."""
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {folder}: {exc.strerror}") from None
    root = os.path.realpath(folder)
    written: list[str] = []
    for registry in data.registries:
        name = check_host(registry.host)  # no separators, no "..": one folder level
        target = os.path.join(folder, name)
        # A symbolic link already in the folder must not carry the file elsewhere.
        if os.path.dirname(os.path.realpath(target)) != root:
            raise ExportError(f"{target} leads outside {folder}: not writing through it")
        path = os.path.join(target, "hosts.toml")
        try:
            os.makedirs(target, exist_ok=True)
            if os.path.islink(path):
                raise ExportError(f"{path} is a symbolic link: not writing through it")
            with open(path, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(hosts_toml(registry, data.provenance()))
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror}") from None
        written.append(path)
    return written
