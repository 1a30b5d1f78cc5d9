"""Pending findings: findings that wait for every input to be read, as plain data.

A check whose finding depends on other documents (a ServiceAccount's pull secrets, a Secret's
registries, the cluster-wide ``eks-config`` defaults) yields one of these instead of the
finding; the engine settles it with the full inventory once every input is read. They are plain
objects, not closures, so worker processes can hand them back to the parent.
"""

from __future__ import annotations

from ekslint.kube.inventory import Inventory
from ekslint.lint.findings import Finding
from ekslint.record import field, record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from ekslint.kube.carriers import Selector

_shared: dict[tuple[str, ...], tuple[str, ...]] = {}
DOCKER_SECRET_TYPES = ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg")


@record
class UnlessGlobal:
    """Report ``finding`` unless eks-config's annotation for ``role`` covers ``registry``."""

    finding: Finding
    role: str
    registry: str

    def settle(self, inventory: Inventory) -> list[Finding]:
        return [] if inventory.globally_covered(self.role, self.registry) else [self.finding]


@record
class UnlessInjectedPodsCover:
    """A SidecarSet's image: report (through ``then``) unless the inputs hold pods its selector
    matches and every one of them lists the registry in its own annotation."""

    then: UnlessGlobal
    role: str
    registry: str
    namespace: str | None
    selector: Selector | None
    target_namespace: str | None  # spec.namespace: only pods there
    message: str = field(init=False)

    def __post_init__(self) -> None:
        self.message = self.then.finding.message

    def settle(self, inventory: Inventory) -> list[Finding]:
        selector = self.selector
        matched = (
            [
                pod
                for pod in inventory.pods
                if selector.matches(pod.labels)
                and (
                    self.target_namespace is None or pod.namespace in (None, self.target_namespace)
                )
            ]
            if selector is not None
            else []
        )
        complete = not inventory.pods_dropped
        if matched and complete and all(pod.covers(self.role, self.registry) for pod in matched):
            return []
        found = self.then.settle(inventory)
        if not found:
            return []
        finding = found[0]
        lacking = [pod.describe for pod in matched if not pod.covers(self.role, self.registry)]
        if lacking:
            shown = ", ".join(lacking[:3]) + (
                f" and {len(lacking) - 3} more" if len(lacking) > 3 else ""
            )
            extra = f"; matched in the inputs without it: {shown}"
        elif complete:
            extra = "; no pod in the inputs matches its spec.selector"
        else:
            extra = "; too many pods in the inputs to match them all"
        head, sep, tail = self.message.partition("; Kruise copies")
        finding.message = head + extra + sep + tail
        return [finding]


@record
class UnlessSidecarUses:
    """EKS008: report unless SidecarSets in the inputs inject into the pod containers that use
    every registry the annotation lists in vain."""

    finding: Finding
    namespace: str | None
    labels: dict[str, str]
    unused: list[str]

    def settle(self, inventory: Inventory) -> list[Finding]:
        if not inventory.sidecars:
            return [self.finding]
        injected = inventory.injected_registries(self.namespace, self.labels)
        return [] if all(r in injected for r in self.unused) else [self.finding]


@record
class UnlessDeclaredGlobally:
    """EKS012: report unless eks-config lists the registry in an annotation the pod does not
    override with its own."""

    finding: Finding
    registry: str
    overridden: frozenset[str]

    def settle(self, inventory: Inventory) -> list[Finding]:
        roles = [role for role in ("http", "insecure") if role not in self.overridden]
        covered = any(inventory.globally_covered(role, self.registry) for role in roles)
        if covered or inventory.globally_listed_host(self.registry):
            return []
        return [self.finding]


@record
class UnlessAccountHasSecrets:
    """EKS009: report unless the pod's ServiceAccount, found in the inputs, has pull secrets.

    What ekslint saw decides how sure the finding is: a ServiceAccount in the inputs without
    pull secrets means the pull fails (error); one not in the inputs may have them, or the
    cluster may add them (TCR's tcr-assistant add-on), so the finding says what to check
    (warning)."""

    finding: Finding
    namespace: str | None
    account: str
    image: str
    registry: str
    pod: str  # "the pod", or what holds its template ("the Knative Service's ...")
    secret_configured: bool

    def settle(self, inventory: Inventory) -> list[Finding]:
        secrets = inventory.account_pull_secrets(self.namespace, self.account)
        if secrets:
            return []
        where = f" in namespace {self.namespace!r}" if self.namespace else ""
        head = f"image {self.image!r} is on {self.registry} (TCR, private by default)"
        to_fix = (
            ""
            if self.secret_configured
            else "; name the secret under pull-secrets in .ekslint.yaml to fix"
        )
        if secrets is not None:
            self.finding.message = (
                f"{head} but neither {self.pod} nor its ServiceAccount {self.account!r}{where} "
                f"has imagePullSecrets{to_fix}"
            )
            self.finding.severity = "error"
        else:
            self.finding.message = (
                f"{head} and {self.pod} has no imagePullSecrets; its ServiceAccount "
                f"{self.account!r}{where} is not among the inputs, so ekslint cannot see its "
                f"pull secrets: check that it lists one for {self.registry}, or, if the cluster "
                f"adds them (TCR's tcr-assistant add-on), declare the registry under "
                f"injected-pull-secrets in .ekslint.yaml"
            )
            self.finding.severity = "warning"
        return [self.finding]


@record
class SecretMismatch:
    """EKS010: the named Secret, when it is in the inputs, must be a docker config for one of
    the pod's registries. ``finding`` carries the position; the message is written here."""

    finding: Finding
    name: str
    namespace: str | None
    registries: tuple[str, ...]

    def __post_init__(self) -> None:
        # One per pod with pull secrets, kept until the end: share the equal tuples.
        self.registries = _shared.setdefault(self.registries, self.registries)

    def settle(self, inventory: Inventory) -> list[Finding]:
        secret = inventory.secret(self.namespace, self.name)
        if secret is None:
            return []  # not in the inputs: nothing to compare with
        if secret.type not in DOCKER_SECRET_TYPES:
            message = (
                f"imagePullSecrets names Secret {self.name!r} of type {secret.type!r}; the "
                f"runtime only uses {' or '.join(DOCKER_SECRET_TYPES)}"
            )
        elif secret.registries is None or any(r in secret.registries for r in self.registries):
            return []
        else:
            have = ", ".join(secret.registries) or "no registry"
            message = (
                f"Secret {self.name!r} has credentials for {have}, not for "
                f"{', '.join(self.registries)} used by this pod"
            )
        self.finding.message = message
        return [self.finding]


@record
class Packed:
    """The pending findings of one batch a worker process linted, kept pickled until they are
    settled, in their order. A large stream has one for nearly every pod, held to the end: so
    they take about a sixth of the memory, and are unpickled one batch at a time."""

    data: bytes

    def settle(self, inventory: Inventory) -> list[Finding]:
        import pickle

        pending: list[Pending] = pickle.loads(self.data)
        return [finding for one in pending for finding in one.settle(inventory)]


if TYPE_CHECKING:
    Pending = (
        UnlessGlobal
        | UnlessInjectedPodsCover
        | UnlessSidecarUses
        | UnlessDeclaredGlobally
        | UnlessAccountHasSecrets
        | SecretMismatch
        | Packed
    )
