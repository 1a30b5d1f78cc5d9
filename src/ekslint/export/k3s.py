"""k3s (and RKE2): ``/etc/rancher/k3s/registries.yaml``. Plain HTTP needs an ``http://``
endpoint under ``mirrors`` (the default is https); a self-signed registry needs
``configs.<host>.tls.insecure_skip_verify: true``."""

from __future__ import annotations

from ekslint.export import ExportInput, quoted


def render(data: ExportInput) -> str:
    lines = [
        f"# {data.provenance()}",
        "# Save as /etc/rancher/k3s/registries.yaml on every node, then restart k3s.",
    ]
    http = data.hosts("http")
    if http:
        lines.append("mirrors:")
        for host in http:
            lines += [f"  {quoted(host)}:", "    endpoint:", f"      - {quoted('http://' + host)}"]
    insecure = data.hosts("https-self-signed")
    if insecure:
        lines.append("configs:")
        for host in insecure:
            lines += [f"  {quoted(host)}:", "    tls:", "      insecure_skip_verify: true"]
    return "\n".join(lines) + "\n"
