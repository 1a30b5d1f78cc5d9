"""``ekslint diagnose``: explain an image-pull error message and say how to fix it.

Input is the text users already have: a pasted error, ``kubectl describe pod`` output (the Events
table), ``kubectl get events -o yaml``, or the JSON of ``kubectl get events -o json``
(``messages``). Each message is matched against the patterns of ``rules/diagnose.yaml`` (data,
most specific first, first match wins; ``patterns``) and answered with the cause and the fix,
naming the annotation of the platform pack (with the registry's ``host:port``) or the secret to
add (``explain``), as text or JSON (``report``). It shares the linter's image parser, registry
lists and platform packs. Nothing here touches the network or a cluster.
"""

from __future__ import annotations

from ekslint.diagnose.cli import main
from ekslint.diagnose.explain import Diagnosis, diagnose

__all__ = ["Diagnosis", "diagnose", "main"]
