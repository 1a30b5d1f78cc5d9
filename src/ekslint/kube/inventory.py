"""Objects that matter across documents: ServiceAccounts, pull Secrets, cluster-wide defaults.

Checks that depend on them are deferred until every input has been read, so a ServiceAccount
or the ``eks-config`` ConfigMap may come before or after the pods it affects.
"""

from __future__ import annotations

from ekslint.input.yamlnodes import ScalarNode, SequenceNode, get, scalar_text
from ekslint.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TypeVar

    from ekslint.kube.carriers import Selector
    from ekslint.kube.objects import KubeObject
    from ekslint.kube.pods import AnnotationSite, PodView
    from ekslint.kube.registrylist import RegistryList

    T = TypeVar("T")

# What one object contributes, as plain data (the project-context index caches it):
# ("sa", namespace, name, "", [pull secret names]) or
# ("secret", namespace, name, type, [registries], or None when the payload is unreadable).
Entry = tuple[str, str | None, str, str, list[str] | None]


@record(frozen=True)
class SecretInfo:
    type: str
    registries: list[str] | None  # auths keys as host[:port]; None when unreadable


@record(frozen=True)
class PodSummary:
    """What a SidecarSet's check needs to know of a pod it may be injected into, kept small:
    every pod of the inputs may be one."""

    namespace: str | None
    labels: dict[str, str]
    covered: tuple[tuple[str, bool, frozenset[str]], ...]  # (role, lists `all`, registries)
    describe: str

    def covers(self, role: str, registry: str) -> bool:
        return any(r == role and (every or registry in listed) for r, every, listed in self.covered)


# Labelled pods remembered for SidecarSets to match: plenty for a project, and bounded for a
# large rendered stream (beyond it a SidecarSet counts only its own patchPodMetadata).
MAX_POD_SUMMARIES = 2_000


@record(frozen=True)
class GlobalDefault:
    """A cluster-wide registry annotation read from a file that is context, not input."""

    role: str
    values: RegistryList


@record
class Inventory:
    """What the inputs declare that other documents depend on, gathered as they are read."""

    service_accounts: dict[tuple[str | None, str], list[str]] = field(default_factory=dict)
    secrets: dict[tuple[str | None, str], SecretInfo] = field(default_factory=dict)
    global_sites: list[AnnotationSite | GlobalDefault] = field(default_factory=list)
    pods: list[PodSummary] = field(default_factory=list)
    # (selector, spec.namespace, registries) of each SidecarSet's injected containers
    sidecars: list[tuple[Selector, str | None, list[str]]] = field(default_factory=list, init=False)
    # more pods than MAX_POD_SUMMARIES: some were not kept
    pods_dropped: bool = field(default_factory=bool, init=False)

    def add_pods(self, pods: list[PodView]) -> None:
        """Remember what a SidecarSet's checks need: the labels and registry annotations of
        pods it may be injected into, and the registries SidecarSets inject."""
        from ekslint.kube.carriers import get_text, pod_labels, selector_of

        for pod in pods:
            template = pod.template
            if template.injected:
                selector = selector_of(template.selector)
                if selector is not None:
                    target = get_text(pod.obj.node, "spec", "namespace")
                    self.sidecars.append((selector, target, pod.registries_used()))
                continue
            labels = pod_labels(template)
            if not labels:
                continue  # no selector Kruise accepts matches a pod without labels
            if len(self.pods) >= MAX_POD_SUMMARIES:
                self.pods_dropped = True
                continue
            covered = tuple(
                (s.role, s.values.is_all, frozenset(s.values.registries))
                for s in pod.sites
                if s.placement == "pod"
            )
            describe = template.describe
            if describe == template.where:
                describe = f"{describe} of {pod.obj.ref.describe()}"
            self.pods.append(PodSummary(pod.obj.namespace, labels, covered, describe))

    def merge_pods(self, other: Inventory) -> None:
        """Take a worker's pod summaries, within the same bound."""
        room = max(0, MAX_POD_SUMMARIES - len(self.pods))
        self.pods.extend(other.pods[:room])
        self.pods_dropped |= other.pods_dropped or len(other.pods) > room
        self.sidecars.extend(other.sidecars)

    def injected_registries(self, namespace: str | None, labels: dict[str, str]) -> set[str]:
        """Registries of the sidecars that SidecarSets in the inputs inject into such a pod."""
        found: set[str] = set()
        for selector, target, registries in self.sidecars:
            if selector.matches(labels) and (target is None or namespace in (None, target)):
                found.update(registries)
        return found

    def add(self, entry: Entry, replace: bool = True) -> None:
        """Record an object; with ``replace=False`` an object already known is kept."""
        what, namespace, name, secret_type, listed = entry
        key = (namespace, name)
        if what == "sa":
            if replace or key not in self.service_accounts:
                self.service_accounts[key] = list(listed or ())
        elif replace or key not in self.secrets:
            self.secrets[key] = SecretInfo(secret_type, None if listed is None else list(listed))

    def take(self, obj: KubeObject) -> None:
        """Remember what a ServiceAccount or a Secret declares, for the pending findings."""
        entry = inventory_entry(obj)
        if entry is not None:
            self.add(entry)

    def account_pull_secrets(self, namespace: str | None, name: str) -> list[str] | None:
        return _lookup(self.service_accounts, namespace, name)

    def secret(self, namespace: str | None, name: str) -> SecretInfo | None:
        return _lookup(self.secrets, namespace, name)

    def globally_covered(self, role: str, registry: str) -> bool:
        from ekslint.kube.registrylist import covers

        return any(s.role == role and covers(s.values, registry) for s in self.global_sites)

    def globally_listed_host(self, registry: str) -> bool:
        from ekslint.kube.images import split_host_port

        host = split_host_port(registry)[0]
        return any(host in s.values.registries for s in self.global_sites)


def _lookup(table: dict[tuple[str | None, str], T], namespace: str | None, name: str) -> T | None:
    """Same namespace; an object without one may be applied into any namespace."""
    if (namespace, name) in table:
        return table[(namespace, name)]
    if namespace is not None and (None, name) in table:
        return table[(None, name)]
    if namespace is None:
        for (_, other), value in table.items():
            if other == name:
                return value
    return None


def inventory_entry(obj: KubeObject) -> Entry | None:
    """What a ServiceAccount (its pull secrets) or a v1 Secret (its registries) tells the
    checks of other objects; None for any other object."""
    if obj.kind == "ServiceAccount":
        secrets = get(obj.node, "imagePullSecrets")
        names: list[str] = []
        if isinstance(secrets, SequenceNode):
            for item in secrets.value:
                name = scalar_text(get(item, "name"))
                if name:
                    names.append(name)
        return ("sa", obj.namespace, obj.name or "", "", names)
    if obj.kind == "Secret" and obj.api_version == "v1":
        kind = scalar_text(get(obj.node, "type")) or "Opaque"
        registries = None
        for section, encoded in (("data", True), ("stringData", False)):
            for data_key in (".dockerconfigjson", ".dockercfg"):
                value = get(obj.node, section, data_key)
                if isinstance(value, ScalarNode) and registries is None:
                    registries = docker_config_registries(str(value.value), encoded)
        return ("secret", obj.namespace, obj.name or "", kind, registries)
    return None


def docker_config_registries(payload: str, encoded: bool) -> list[str] | None:
    """The registries in a ``.dockerconfigjson``/``.dockercfg`` payload."""
    import base64
    import binascii
    import json

    from ekslint.kube.images import normalize_registry

    try:
        text = base64.b64decode(payload, validate=False).decode("utf-8") if encoded else payload
        data = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    auths = data.get("auths", data)
    if not isinstance(auths, dict):
        return None
    found = []
    for key in auths:
        host = str(key).removeprefix("https://").removeprefix("http://").split("/", 1)[0]
        found.append(normalize_registry(host))
    return found
