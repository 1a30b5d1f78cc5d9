"""Docker's ``daemon.json``: ``insecure-registries`` covers plain HTTP and untrusted TLS alike
("an insecure registry is either not using TLS, or is using TLS with a CA certificate not known
by the Docker daemon")."""

from __future__ import annotations

import json

from ekslint.export import ExportInput


def render(data: ExportInput) -> str:
    # JSON has no comments: merge the list into an existing daemon.json by hand.
    document = {"insecure-registries": [r.host for r in data.registries]}
    return json.dumps(document, indent=2) + "\n"
