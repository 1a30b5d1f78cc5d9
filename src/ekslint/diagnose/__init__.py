"""``ekslint diagnose``: explain an image-pull error message and say how to fix it.

Input is the text users already have: a pasted error, ``kubectl describe pod`` output (the Events
table), ``kubectl get events -o yaml``, or the JSON of ``kubectl get events -o json``. Each message
is matched against ``PATTERNS`` — data, most specific first, first match wins — and answered with
the cause and the fix, naming the annotation (with the registry's ``host:port``) or the secret to
add. Nothing here touches the network or a cluster.
"""

from __future__ import annotations

import argparse
import ipaddress
import re
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

# Annotation keys per platform: ``http`` = plain-HTTP registries, ``insecure`` = skip TLS checks.
PLATFORM_ANNOTATIONS: dict[str, dict[str, str]] = {
    "tencent-eks": {
        "http": "eks.tke.cloud.tencent.com/registry-http-endpoint",
        "insecure": "eks.tke.cloud.tencent.com/registry-insecure-skip-verify",
    },
    "aliyun-eci": {
        "http": "k8s.aliyun.com/plain-http-registry",
        "insecure": "k8s.aliyun.com/insecure-registry",
    },
    "huawei-cci": {
        "http": "cci.io/http-registries",
        "insecure": "cci.io/insecure-registries",
    },
}
# The linter options that declare a registry of each kind, for the hint that tells a user how to.
_LINT_OPTION = {"http": "--http-registry", "insecure": "--insecure-registry"}

Facts = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Pattern:
    """One known failure: what the message says, why it happens, what to change.

    ``cause`` and ``fix`` are ``str.format`` templates over the facts of the message (``registry``,
    ``image``, ``addr``, ``port``, ``scope``, ``lookup``, ``namespace`` and the regex's named
    groups). ``annotation`` names the annotation kind the fix adds; ``when`` narrows a pattern to
    some facts, so one message shape can have several explanations, tried in order.
    """

    name: str
    regex: re.Pattern[str]
    title: str
    cause: str
    fix: str
    annotation: str | None = None
    when: Callable[[Facts], bool] | None = None


def _rx(text: str) -> re.Pattern[str]:
    return re.compile(text, re.IGNORECASE)


def _is_tencent(facts: Facts) -> bool:
    """TCR, TCR personal edition, or unknown (the FAQ's case: on EKS it usually is TCR)."""
    registry = facts.get("registry", "")
    host = _split_port(registry)[0].lower()
    return not registry or host.endswith((".tencentcloudcr.com", ".tencentyun.com"))


def _public(facts: Facts) -> bool:
    return facts.get("scope") == "public"


def _lookup_endswith(*suffixes: str) -> Callable[[Facts], bool]:
    return lambda facts: facts.get("lookup", "").lower().rstrip(".").endswith(suffixes)


def _refused_on_443_without_port(facts: Facts) -> bool:
    registry = facts.get("registry", "")
    return facts.get("port") == "443" and (not registry or _split_port(registry)[1] is None)


_DIAL = r"dial tcp (?P<addr>\[[0-9a-f:.]+\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[^\s:\"]+):(?P<port>\d+)"
_LOOKUP = r"lookup (?P<lookup>[^\s:\"]+)(?: on [^\s\"]+)?"
_TCR_PRIVATE_ACCESS = (
    "Reach TCR privately (recommended): in the TCR console create a private-network access "
    "link (内网访问链路) from the instance to the cluster's VPC and subnet, then enable private "
    "domain resolution (内网解析) for {registry} so the name resolves to the private IP."
)
_SECRET_SNIPPET = (
    "Create the secret in the pod's namespace and reference it from the pod template "
    "(or from the pod's ServiceAccount):\n\n"
    "  kubectl create secret docker-registry <secret> -n {namespace} \\\n"
    "    --docker-server={registry} --docker-username=<user> --docker-password=<password>\n\n"
    "  spec:\n    template:\n      spec:\n        imagePullSecrets:\n          - name: <secret>\n\n"
    "The secret must be of type kubernetes.io/dockerconfigjson with {registry} under .auths, "
    "in the same namespace as the pod."
)

_ACCESS_DENIED = _rx(
    r"insufficient_scope|pull access denied|unauthorized: authentication required"
    r"|denied: requested access to the resource is denied|no basic auth credentials"
    r"|401 Unauthorized|403 Forbidden|unauthorized: access to the requested resource"
)

# Most specific first: the first pattern whose regex matches (and whose ``when`` holds) wins.
PATTERNS: tuple[Pattern, ...] = (
    Pattern(
        "pull-secret-missing",
        _rx(r"Unable to retrieve some image pull secrets \((?P<secrets>[^)]*)\)"),
        "imagePullSecrets name a Secret that does not exist",
        "The pod lists imagePullSecrets ({secrets}) that kubelet cannot find in namespace "
        "{namespace}, so the image is pulled without those credentials.",
        "Create the Secret in the pod's own namespace (Secrets are not shared across namespaces) "
        "or correct the name in imagePullSecrets.\n"
        "  kubectl get secret -n {namespace} {secrets}",
    ),
    Pattern(
        "invalid-reference",
        _rx(r"invalid reference format|InvalidImageName|couldn't parse image reference"),
        "Invalid image reference",
        "The image string {image} is not a valid reference: {reason}. The runtime never contacts a "
        "registry.",
        "Fix the image in the manifest: lower-case repository path, no spaces or scheme, and every "
        "template placeholder rendered before applying ([registry[:port]/]path[:tag][@digest]).\n"
        "`ekslint manifests/` reports these before deploy (EKS016).",
    ),
    Pattern(
        "http-registry",
        _rx(
            r"server gave HTTP response to HTTPS client"
            r"|tls: first record does not look like a TLS handshake"
        ),
        "The registry serves plain HTTP",
        "The registry {registry} answers over plain HTTP, but the runtime pulls over HTTPS unless "
        "the pod says otherwise.",
        "Add the registry, with its port, to the plain-HTTP annotation in the pod template "
        "(spec.template.metadata.annotations; on a bare Pod, metadata.annotations). On the "
        "workload's own metadata.annotations it does nothing.",
        annotation="http",
    ),
    Pattern(
        "https-registry-declared-http",
        _rx(r"client sent an HTTP request to an HTTPS server"),
        "The registry serves HTTPS but is pulled over HTTP",
        "The registry {registry} speaks HTTPS, but the pod's plain-HTTP annotation makes the "
        "runtime talk HTTP to it.",
        "Remove {registry} (or `all`) from the plain-HTTP annotation in the pod template. If its "
        "certificate is self-signed, list it in the skip-verify annotation instead.",
    ),
    Pattern(
        "tls-unknown-authority",
        _rx(r"x509: certificate signed by unknown authority"),
        "Self-signed or private-CA certificate",
        "The registry {registry} presents a certificate signed by a CA the runtime does not trust "
        "(self-signed or a private CA). Serverless pods have no node where the CA could be "
        "installed.",
        "Add the registry, with its port, to the skip-verify annotation in the pod template "
        "(spec.template.metadata.annotations; on a bare Pod, metadata.annotations). On the "
        "workload's own metadata.annotations it does nothing. Or give the registry a certificate "
        "from a public CA.",
        annotation="insecure",
    ),
    Pattern(
        "tls-name-mismatch",
        _rx(
            r"x509: certificate is valid for (?P<valid>[^\n]{1,2000}?), not (?P<wanted>[^\s\"]+)"
            r"|x509: cannot validate certificate for (?P<wanted_ip>\S+) because"
            r"|x509: certificate is not valid for any names, but wanted to match"
            r" (?P<wanted_any>\S+)"
        ),
        "Certificate does not name the registry host",
        "The registry's certificate does not list {wanted}, the host the image pulls from (it "
        "is valid for: {valid}). TLS verification fails on the name, whoever signed it.",
        "Pull with a name the certificate lists: use it as the registry part of the image (keep "
        "the port). Or reissue the certificate with {wanted} in its subjectAltName (an IP SAN for "
        "an IP address). As a last resort, skip verification for {registry}:",
        annotation="insecure",
    ),
    Pattern(
        "tls-expired",
        _rx(r"x509: certificate has expired or is not yet valid"),
        "Expired certificate",
        "The certificate of {registry} has expired (or is not valid yet).",
        "Renew the registry's certificate. Until then, skipping verification for {registry} "
        "lets pulls through:",
        annotation="insecure",
    ),
    Pattern(
        "rate-limited",
        _rx(r"toomanyrequests|pull rate limit|429 Too Many Requests"),
        "Registry rate limit",
        "The registry {registry} refused the pull because too many pulls came from the same "
        "egress IP (Docker Hub limits anonymous pulls; EKS pods share the NAT gateway's IP).",
        "Pull authenticated (imagePullSecrets with a Docker Hub account), use the mirror "
        "mirror.ccs.tencentyun.com, or copy the image into your TCR instance.",
    ),
    Pattern(
        "access-denied-docker-hub",
        _ACCESS_DENIED,
        "Docker Hub refused the pull",
        "Docker Hub answers 'pull access denied' both for private repositories pulled without "
        "credentials and for repositories that do not exist. {image} is read as a Docker Hub "
        "image.",
        "Check the image name. If it lives in your own registry, the first path component must "
        "be the registry host with a '.' or ':' (registry.example.com/app, 10.0.0.5:5000/app). "
        "If it is a private Docker Hub repository, add credentials.\n\n" + _SECRET_SNIPPET,
        when=lambda facts: facts.get("registry") == "docker.io",
    ),
    Pattern(
        "access-denied-tcr",
        _ACCESS_DENIED,
        "TCR refused the pull: credentials or namespace",
        "The network path to {registry} works (the registry answered), but it refused the pull: "
        "the pod has no access credential for this TCR instance, the credential is wrong or does "
        "not cover this repository, or the TCR namespace in {image} does not exist.",
        "Give the workload an access credential of this TCR instance: a long-term access "
        "credential created in the TCR console, or create the cluster namespace with "
        "'automatically issue access credentials' so its pull secret exists there; then select it "
        "as the workload's image pull secret. Check that the TCR namespace in the image exists."
        "\n\n" + _SECRET_SNIPPET,
        when=_is_tencent,
    ),
    Pattern(
        "access-denied",
        _ACCESS_DENIED,
        "Registry refused the credentials",
        "The network path to {registry} works, but the registry refused the pull: the pod sent "
        "no credentials, the wrong ones, or ones without access to this repository — or the "
        "repository does not exist, which registries often report the same way.",
        _SECRET_SNIPPET,
    ),
    Pattern(
        "platform-mismatch",
        _rx(r"no matching manifest for (?P<platform>\S+)"),
        "No image for this CPU architecture",
        "The image {image} exists, but has no variant for {platform}.",
        "Build and push a multi-arch image (docker buildx --platform linux/amd64,linux/arm64) or "
        "pick a tag built for {platform}.",
    ),
    Pattern(
        "image-not-found",
        _rx(
            r"manifest unknown|NAME_UNKNOWN|repository name not known|code = NotFound"
            r"|manifest for (?P<image>\S+) not found|repository (?P<repo>\S+) not found"
            r"|(?:^|: )not found\b"
        ),
        "Image or tag does not exist",
        "The registry {registry} was reached and accepted the credentials, but has no image "
        "{image}: the repository or tag is misspelled, the tag was never pushed, or it was "
        "deleted.",
        "Check the repository path and tag of {image} against the registry (for TCR: "
        "<instance>.tencentcloudcr.com/<namespace>/<repository>:<tag>, and that the namespace "
        "exists). Push the tag or fix the manifest.",
        # A bare "not found" is also what missing ConfigMaps and Secrets say.
        when=lambda facts: bool({"image", "registry", "repo"} & facts.keys()),
    ),
    Pattern(
        "dns-tcr-vpc-domain",
        _rx(_LOOKUP + r": no such host"),
        "TCR private domain does not resolve",
        "{lookup} is the private-network (-vpc) domain of a TCR instance. It resolves only inside "
        "a VPC that has a private access link to the instance with private domain resolution "
        "enabled.",
        "In the TCR console, create the private-network access link to the cluster's VPC and "
        "subnet and enable private domain resolution (内网解析); check the instance name and "
        "region in {lookup}.",
        when=_lookup_endswith("-vpc.tencentcloudcr.com"),
    ),
    Pattern(
        "dns-tcr-domain",
        _rx(_LOOKUP + r": no such host"),
        "TCR instance domain does not resolve",
        "No TCR instance is called {lookup}: the instance name in the image is misspelled or the "
        "instance was deleted.",
        "Copy the instance domain from the TCR console (<instance>.tencentcloudcr.com) into the "
        "image.",
        when=_lookup_endswith(".tencentcloudcr.com"),
    ),
    Pattern(
        "dns-cluster-name",
        _rx(_LOOKUP + r": no such host"),
        "Cluster-internal name used for a registry",
        "{lookup} is a cluster-internal (or single-label) name. Image pulls are resolved by the "
        "runtime with the VPC's DNS, not by the cluster DNS, so Service names and short names do "
        "not resolve.",
        "Use a name the VPC resolves (a PrivateZone record or public DNS) or the registry's IP, "
        "with its port, in the image. A single-label name is a registry only with a port "
        "(harbor:5000/app); without one, harbor/app means docker.io/harbor/app.",
        when=lambda facts: (
            "." not in facts.get("lookup", "").rstrip(".")
            or _lookup_endswith(".svc", ".cluster.local", ".svc.cluster.local")(facts)
        ),
    ),
    Pattern(
        "dns-no-such-host",
        _rx(_LOOKUP + r": no such host|no such host"),
        "Registry host name does not resolve",
        "The registry host {lookup} has no DNS record where the runtime resolves it (the VPC's "
        "DNS).",
        "Check the host in the image for typos. A private name (.internal, .corp, ...) needs a "
        "PrivateZone record bound to the cluster's VPC, or use the registry's IP with its port. "
        "For TCR, copy the instance domain from the console; its -vpc domain needs private "
        "domain resolution enabled.",
    ),
    Pattern(
        "dns-timeout",
        _rx(_LOOKUP + r"[^\n]{0,300}?: i/o timeout"),
        "DNS server unreachable",
        "Resolving {lookup} timed out: the runtime could not reach its DNS server.",
        "Check the subnet's DNS settings and that network ACLs allow UDP/TCP 53 to the VPC DNS.",
    ),
    Pattern(
        "connection-refused-https",
        _rx(_DIAL + r": connect: connection refused"),
        "Nothing listens on port 443: probably an HTTP-only registry",
        "The image names no port, so the runtime tried HTTPS on {addr}:443 and was refused. The "
        "registry most likely serves plain HTTP on port 80, or listens on another port.",
        "If it serves HTTP on port 80, add {registry} to the plain-HTTP annotation in the pod "
        "template (below). If it listens on another port, put the port in the image "
        "({host}:<port>/...) and the same host:port in the annotation.",
        annotation="http",
        when=_refused_on_443_without_port,
    ),
    Pattern(
        "connection-refused",
        _rx(_DIAL + r": connect: connection refused"),
        "Connection refused",
        "{addr} refused the connection on port {port}: the registry is down, listens on another "
        "port, or a firewall rejects the pod subnet.",
        "Check the port in the image matches the registry's, that the registry is running, and "
        "that security groups allow TCP {port} from the pod subnet.",
    ),
    Pattern(
        "network-timeout-public-tcr",
        _rx(_DIAL + r": i/o timeout"),
        "No network path to TCR (public IP)",
        "The registry {registry} resolved to the public IP {addr}, and the pod cannot reach it: "
        "EKS pods have no internet access by default, and a TCR domain resolves to a public IP "
        "until private domain resolution is enabled.",
        _TCR_PRIVATE_ACCESS + "\n"
        "Or go public: route the cluster's subnet through a NAT gateway, enable public access on "
        "the TCR instance, and add the NAT gateway's EIP to its allow-list (0.0.0.0/0 only while "
        "testing).",
        when=lambda facts: _public(facts) and _is_tencent(facts),
    ),
    Pattern(
        "network-timeout-public",
        _rx(_DIAL + r": i/o timeout"),
        "No internet access (public IP)",
        "{registry} resolved to the public IP {addr}, and the pod cannot reach it: EKS pods have "
        "no internet access by default.",
        "Route the cluster's subnet through a NAT gateway (or give the pod an EIP), and make sure "
        "the registry allows the NAT gateway's EIP. For Docker Hub images, the mirror "
        "mirror.ccs.tencentyun.com or a copy in TCR avoids the internet.",
        when=_public,
    ),
    Pattern(
        "network-timeout-private-tcr",
        _rx(_DIAL + r": i/o timeout"),
        "No network path to TCR (private IP)",
        "The registry {registry} resolved to the private IP {addr}, so private DNS works, but "
        "traffic from the pod's subnet does not get through on port {port}.",
        "Check that the TCR instance's private-network access link covers the cluster's VPC and "
        "the pod's subnet and is healthy, and that security groups / network ACLs allow TCP "
        "{port} from the pod subnet.",
        when=_is_tencent,
    ),
    Pattern(
        "network-timeout-private",
        _rx(_DIAL + r": i/o timeout"),
        "No network path to the registry (private IP)",
        "The pod cannot reach {addr}:{port} (a private address) for {registry}.",
        "Check routing from the pod's subnet to the registry (same VPC, peering or CCN), security "
        "groups and network ACLs allowing TCP {port}, and that the registry listens on {port}.",
    ),
    Pattern(
        "network-unreachable",
        _rx(_DIAL + r": connect: (?:no route to host|network is unreachable)"),
        "No route to the registry",
        "There is no route from the pod's subnet to {addr} ({scope} address).",
        "Fix routing: a NAT gateway for public addresses, peering/CCN or the same VPC for private "
        "ones; check network ACLs.",
    ),
    Pattern(
        "network-slow",
        _rx(
            r"context deadline exceeded|TLS handshake timeout|Client\.Timeout exceeded"
            r"|i/o timeout"
        ),
        "Pull timed out",
        "The connection to {registry} started but timed out: the network path is blocked or very "
        "slow.",
        "Check the network path to {registry} (NAT gateway or private link, security groups), "
        "and for TCR the instance's access control.",
    ),
)

# Text that shows a pull failed, used to list failures no pattern explains.
_PULL_FAILURE_RE = re.compile(
    r"Failed to pull image|failed to (?:pull and unpack|resolve reference)"
    r"|Error response from daemon",
    re.IGNORECASE,
)
# Messages about something else that carry the same network errors (probes, volumes, webhooks).
_NOT_PULL_RE = re.compile(
    r"\bprobe failed\b|\bprobe errored\b|MountVolume|FailedMount|failed calling webhook",
    re.IGNORECASE,
)
_IMAGE_RE = re.compile(
    r"(?:image(?: tag| reference)?|reference)\s+\\?\"(?P<image>[^\"\\]*)\\?\""
    r"|pull access denied for (?P<bare>[^\s,]+)",
    re.IGNORECASE,
)
_URL_RE = re.compile(
    r"https?://(?P<host>\[[0-9a-fA-F:.]+\](?::\d+)?|[A-Za-z0-9.-]+(?::\d+)?)/v2(?:/|\b)"
)
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_DESCRIBE_OBJECT_RE = re.compile(r"^(Name|Namespace):\s+(\S+)\s*$", re.MULTILINE)
_YAML_QUOTED_START_RE = re.compile(r"^\s*(?:-\s+)?(?:message|note):\s+(['\"])(?P<rest>.*)$")
_HUB_ALIASES = frozenset({"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})
# First path components that users mean as a registry but Docker reads as a Docker Hub user.
_HUB_LOOKALIKES = frozenset(
    {"harbor", "registry", "nexus", "artifactory", "gitlab", "quay", "docker-registry", "hub"}
)
NO_PATTERN = "no known image-pull failure pattern in the input"
_FALLBACK_LIMIT = 1_000_000
_TAIL_LIMIT = 240
_WIDTH = 96


@dataclass(slots=True)
class Message:
    """One error message and where it came from."""

    text: str
    obj: dict[str, str] | None = None


@dataclass(slots=True)
class Diagnosis:
    pattern: Pattern
    facts: dict[str, str]
    match: str
    messages: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    objects: list[dict[str, str]] = field(default_factory=list)
    annotation: dict[str, str | None] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def registry(self) -> str | None:
        return self.facts.get("registry") or None


def main(argv: list[str], stdin: TextIO, stdout: TextIO) -> int:
    """Run ``ekslint diagnose``; ``argv`` are the arguments after ``diagnose``."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports usage errors itself
        return exc.code if isinstance(exc.code, int) else 2
    if args.help:
        stdout.write(parser.format_help())
        return 0
    if args.text and args.text != ["-"]:
        text = " ".join(args.text)
    else:
        if stdin.isatty():
            parser.print_usage(sys.stderr)
            print(
                "ekslint diagnose: give the error text, or pipe it in "
                "(kubectl describe pod POD | ekslint diagnose)",
                file=sys.stderr,
            )
            return 2
        try:
            text = stdin.read()
        except (OSError, UnicodeDecodeError) as exc:
            print(f"ekslint diagnose: cannot read stdin: {exc}", file=sys.stderr)
            return 2

    keys = PLATFORM_ANNOTATIONS[args.platform]
    diagnoses, unexplained = diagnose(text, keys)
    if args.format == "json":
        _write_json(stdout, diagnoses, unexplained, text)
    else:
        _write_text(stdout, diagnoses, unexplained, text)
    return 0 if diagnoses else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ekslint diagnose",
        add_help=False,  # help goes to the caller's stdout, not sys.stdout
        description="Explain an image-pull error (kubectl describe pod, events, or "
        "`kubectl get events -o json`) and say how to fix it.",
        epilog="Exit status: 0 explained, 1 no known pattern, 2 usage error.",
    )
    parser.add_argument(
        "text",
        nargs="*",
        metavar="TEXT",
        help="the error text (words are joined with spaces); none or '-' reads stdin",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--platform",
        choices=tuple(PLATFORM_ANNOTATIONS),
        default="tencent-eks",
        help="whose annotation keys to suggest (default: tencent-eks)",
    )
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    return parser


def diagnose(text: str, keys: Mapping[str, str]) -> tuple[list[Diagnosis], list[str]]:
    """Explain every message in ``text``; also return pull failures that nothing explains."""
    text = _ANSI_RE.sub("", text)
    messages = list(_messages(text))
    diagnoses, unexplained = _explain(messages, keys, text)
    if not diagnoses and len(messages) > 1:
        # A message may have been wrapped across lines: try the whole input as one.
        whole = " ".join(text[:_FALLBACK_LIMIT].split())
        diagnoses, _ = _explain([Message(whole)], keys, text)
    return diagnoses, unexplained


def _explain(
    messages: list[Message], keys: Mapping[str, str], text: str
) -> tuple[list[Diagnosis], list[str]]:
    found: dict[tuple[str, str], Diagnosis] = {}
    unexplained: dict[str, None] = {}  # ordered set
    matches: dict[str, tuple[Pattern, dict[str, str], str] | None] = {}
    for message in messages:
        if message.text in matches:  # events repeat: match each text once
            result = matches[message.text]
        elif _NOT_PULL_RE.search(message.text):
            result = matches[message.text] = None
        else:
            result = matches[message.text] = _match(message)
        if result is None:
            if _PULL_FAILURE_RE.search(message.text) and not _NOT_PULL_RE.search(message.text):
                unexplained[message.text] = None
            continue
        pattern, facts, matched = result
        key = (pattern.name, facts.get("registry") or matched)
        diagnosis = found.get(key)
        if diagnosis is None:
            diagnosis = found[key] = Diagnosis(pattern, facts, matched)
        if message.text not in diagnosis.messages:
            diagnosis.messages.append(message.text)
        image = facts.get("image")
        if image and image not in diagnosis.images:
            diagnosis.images.append(image)
        if message.obj and message.obj not in diagnosis.objects:
            diagnosis.objects.append(message.obj)
    for diagnosis in found.values():
        _complete(diagnosis, keys, text)
    return list(found.values()), list(unexplained)


def _match(message: Message) -> tuple[Pattern, dict[str, str], str] | None:
    facts: dict[str, str] | None = None
    for pattern in PATTERNS:
        found = pattern.regex.search(message.text)
        if found is None:
            continue
        if facts is None:
            facts = _message_facts(message)
        candidate = {**facts, **{k: v for k, v in found.groupdict().items() if v}}
        _derive(candidate)
        if pattern.when is None or pattern.when(candidate):
            # The root cause ends a Go error chain: show it from the matched words on.
            tail = message.text[found.start() :].lstrip(": ").rstrip()
            if len(tail) > _TAIL_LIMIT:
                tail = tail[: _TAIL_LIMIT - 1] + "…"
            return pattern, candidate, tail
    return None


def _message_facts(message: Message) -> dict[str, str]:
    """What the whole message says regardless of pattern: image, registry, namespace."""
    facts: dict[str, str] = {}
    found = _IMAGE_RE.search(message.text)
    if found is not None:
        image = found.group("image") if found.group("image") is not None else found.group("bare")
        facts["image"] = image
        registry = _registry_of(image)
        if registry:
            facts["registry"] = registry
    if "registry" not in facts:
        url = _URL_RE.search(message.text)
        if url is not None:
            host = url.group("host")
            facts["registry"] = "docker.io" if host.lower() in _HUB_ALIASES else host
    if message.obj and message.obj.get("namespace"):
        facts["namespace"] = message.obj["namespace"]
    return facts


def _derive(facts: dict[str, str]) -> None:
    """Facts computed from others: IP scope, the name a TLS error wanted, why an image is bad."""
    addr = facts.get("addr")
    if addr:
        scope = _ip_scope(addr)
        if scope:
            facts["scope"] = scope
    for variant, valid in (("wanted_ip", "no IP address"), ("wanted_any", "no names")):
        if variant in facts:
            facts["wanted"] = facts.pop(variant)
            facts.setdefault("valid", valid)
    if "image" in facts and "registry" not in facts:  # the image came from the pattern's regex
        registry = _registry_of(facts["image"])
        if registry:
            facts["registry"] = registry
    registry = facts.get("registry")
    if registry:
        facts["host"] = _split_port(registry)[0]
    if "image" in facts:
        facts["reason"] = _why_invalid(facts["image"])


def _complete(diagnosis: Diagnosis, keys: Mapping[str, str], text: str) -> None:
    """Add the annotation to set (merged with what the pod already has) and notes."""
    kind = diagnosis.pattern.annotation
    registry = diagnosis.registry
    if kind is not None:
        key = keys[kind]
        existing = _existing_annotation(text, key)
        value: str | None = registry
        if registry is not None and existing is not None:
            value, note = _merge_entry(existing, registry, key)
            diagnosis.notes.append(note)
        diagnosis.annotation = {
            "key": key,
            "value": value,
            "location": "spec.template.metadata.annotations",
            "lint": f"ekslint {_LINT_OPTION[kind]} {registry or '<host:port>'} manifests/",
        }
    for image in diagnosis.images:
        first = image.split("/", 1)[0]
        if "/" in image and registry == "docker.io" and first.lower() in _HUB_LOOKALIKES:
            diagnosis.notes.append(
                f"{image} is pulled from Docker Hub: its first component {first!r} has no '.' or "
                f"':', so it is a Docker Hub account, not a registry. Use the registry's full "
                f"host (e.g. {first}.example.com/...) or host:port (EKS017)."
            )
    if not diagnosis.images and diagnosis.pattern.annotation and registry is None:
        diagnosis.notes.append(
            "The message does not name the image: use the registry part of the image "
            "(host, or host:port when the image has a port)."
        )


def _merge_entry(existing: str, registry: str, key: str) -> tuple[str, str]:
    """The annotation value that adds ``registry`` to ``existing``, and what was wrong."""
    entries = [e for e in re.split(r"[\s,;，、|]+", existing) if e]
    host, port = _split_port(registry)
    if any(e.lower() == "all" for e in entries) or registry in entries:
        return existing, (
            f"The pod already has {key}: {existing}, which covers {registry}, and the pull still "
            "failed: make sure the pod was recreated after the change and that the registry "
            "really is what the annotation says."
        )
    if port is not None and host in entries:
        merged = ",".join(registry if e == host else e for e in entries)
        return merged, (
            f"The pod's {key} lists {host} without the port: the value must be "
            f"{registry}, port included."
        )
    merged = ",".join([*entries, registry])
    return (
        merged,
        f"The pod's {key} ({existing}) does not list {registry}; add it, separated by ','.",
    )


def _existing_annotation(text: str, key: str) -> str | None:
    found = re.search(re.escape(key) + r"[\"']?\s*[:=]\s*[\"']?([^\"'\s]+)", text)
    return found.group(1) if found else None


# -- input -----------------------------------------------------------------------------------


def _messages(text: str) -> Iterator[Message]:
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        events = _json_messages(stripped)
        if events is not None:
            yield from events
            return
    yield from _text_messages(text)


def _json_messages(text: str) -> list[Message] | None:
    import json  # only when the input looks like JSON

    try:
        data = json.loads(text)
        out: list[Message] = []
        _walk_json(data, out)
    except (ValueError, RecursionError):
        return None
    return out


def _walk_json(node: Any, out: list[Message], owner: dict[str, str] | None = None) -> None:
    """Collect ``message``/``note`` strings: events (core/v1 ``involvedObject``, events.k8s.io
    ``regarding``) and objects such as a Pod, whose container states carry the pull error."""
    if isinstance(node, list):
        for item in node:
            _walk_json(item, out, owner)
        return
    if not isinstance(node, dict):
        return
    involved = node.get("involvedObject") or node.get("regarding")
    if isinstance(involved, dict):
        owner = _object_ref(involved)
    elif isinstance(node.get("kind"), str) and isinstance(node.get("metadata"), dict):
        owner = _object_ref({"kind": node["kind"], **node["metadata"]})
    for key in ("message", "note"):
        value = node.get(key)
        if isinstance(value, str) and value:
            out.append(Message(value, owner))
    for key, value in node.items():
        if key not in ("message", "note", "metadata") and isinstance(value, (dict, list)):
            _walk_json(value, out, owner)


def _object_ref(obj: dict[str, Any]) -> dict[str, str]:
    return {k: str(obj[k]) for k in ("kind", "name", "namespace") if obj.get(k)}


def _text_messages(text: str) -> Iterator[Message]:
    """One message per line; YAML-quoted ``message:`` values folded over lines are re-joined."""
    header: dict[str, str] = {}
    for found in _DESCRIBE_OBJECT_RE.finditer(text):
        header.setdefault(found.group(1), found.group(2))
    obj = None
    if "Name" in header:
        obj = {"kind": "Pod", "name": header["Name"]}
        if "Namespace" in header:
            obj["namespace"] = header["Namespace"]
    lines = iter(text.splitlines())
    for line in lines:
        start = _YAML_QUOTED_START_RE.match(line)
        if start is not None:  # kubectl -o yaml folds long quoted scalars at ~80 columns
            quote, value = start.group(1), start.group("rest").rstrip()
            while not _closes(value, quote):
                more = next(lines, None)
                if more is None:
                    break
                if quote == '"' and value.endswith("\\"):  # escaped line break: no space
                    value = value[:-1] + more.strip()
                else:
                    value = f"{value} {more.strip()}"
            line = _unquote(value, quote)
        if line.strip():
            yield Message(line.strip(), obj)


def _closes(rest: str, quote: str) -> bool:
    """Whether a YAML-quoted scalar ends in ``rest`` ('' escapes ' in single quotes)."""
    body = rest.rstrip()
    escapes = ("''",) if quote == "'" else ("\\\\", '\\"')
    for escape in escapes:
        body = body.replace(escape, "")
    return body.endswith(quote)


def _unquote(value: str, quote: str) -> str:
    value = value.rstrip()
    if value.endswith(quote):
        value = value[:-1]
    if quote == "'":
        return value.replace("''", "'")
    return value.replace('\\"', '"').replace("\\\\", "\\")


# -- small helpers -----------------------------------------------------------------------------


def _registry_of(image: str) -> str | None:
    """The registry ``host[:port]`` the runtime contacts for ``image`` (splitDockerDomain)."""
    name = image.strip().split("@", 1)[0]
    if not name or any(c.isspace() for c in name):
        return None
    first, slash, _ = name.partition("/")
    if not slash or not (
        "." in first or ":" in first or first == "localhost" or first != first.lower()
    ):
        return "docker.io"
    if first.lower() in _HUB_ALIASES:
        return "docker.io"
    return first


def _split_port(registry: str) -> tuple[str, str | None]:
    if registry.startswith("["):
        end = registry.find("]")
        rest = registry[end + 1 :]
        return registry[: end + 1], (rest[1:] if rest.startswith(":") else None)
    host, sep, port = registry.rpartition(":")
    return (host, port) if sep and port.isdigit() else (registry, None)


def _ip_scope(addr: str) -> str | None:
    try:
        ip = ipaddress.ip_address(addr.strip("[]"))
    except ValueError:
        return None
    return "public" if ip.is_global else "private"


def _why_invalid(image: str) -> str:
    if not image.strip():
        return "it is empty"
    if re.search(r"\$\{|\{\{|\$\(", image):
        return "it contains an unresolved placeholder"
    if "://" in image:
        return "it has a URL scheme; references have none"
    if any(c.isspace() for c in image):
        return "it contains white space"
    name = image.split("@", 1)[0]
    registry = _registry_of(image)
    if registry and name.startswith(registry + "/"):
        name = name[len(registry) + 1 :]
    repository = name.rsplit(":", 1)[0] if ":" in name.rpartition("/")[2] else name
    if repository != repository.lower():
        return "the repository path has upper-case letters (only the registry host may)"
    if image.endswith((":", "@", "/")):
        return "it ends with an empty tag, digest or path component"
    return "it does not follow [registry[:port]/]path[:tag][@digest]"


# -- output ------------------------------------------------------------------------------------


def _fill(facts: Mapping[str, str], template: str) -> str:
    return template.format_map(_Defaults(facts))


class _Defaults(dict[str, str]):
    """Template facts; a fact the message did not give reads as ``<name>``."""

    def __init__(self, facts: Mapping[str, str]) -> None:
        super().__init__(facts)

    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def annotation_snippet(key: str, value: str | None) -> str:
    """The YAML to add to a workload, pod-template annotations, value quoted."""
    shown = value if value is not None else "<host:port of the image's registry>"
    return (
        "  spec:\n    template:\n      metadata:\n        annotations:\n"
        f'          {key}: "{shown}"\n'
    )


def _write_text(out: TextIO, diagnoses: list[Diagnosis], unexplained: list[str], text: str) -> None:
    if not diagnoses:
        reason, hint = _hint(text, unexplained)
        out.write(f"ekslint: {NO_PATTERN}\n{reason}\nhint: {hint}\n")
        return
    count = len(diagnoses)
    out.write(f"ekslint diagnose: {count} image-pull failure{'s' * (count != 1)} explained\n")
    for number, diagnosis in enumerate(diagnoses, 1):
        pattern, facts = diagnosis.pattern, diagnosis.facts
        out.write(f"\n{number}. {pattern.title} [{pattern.name}]\n")
        for label, value in (
            ("pod", ", ".join(_object_name(o) for o in diagnosis.objects)),
            ("image", ", ".join(diagnosis.images)),
            ("registry", diagnosis.registry or ""),
            ("address", f"{facts['addr']} ({facts['scope']} IP)" if "scope" in facts else ""),
            ("error", diagnosis.match),
        ):
            if value:
                out.write(_section(label, value))
        out.write(_section("cause", _fill(facts, pattern.cause)))
        out.write(_section("fix", _fix_text(diagnosis)))
        annotation = diagnosis.annotation
        if annotation is not None:
            out.write(
                "\n"
                + _section(
                    "check",
                    f"{annotation['lint']} checks every pod template for it; add --fix to write "
                    "the annotation.",
                )
            )
        for note in diagnosis.notes:
            out.write(_section("note", note))
    if unexplained:
        out.write("\nNot explained:\n" + "".join(f"  {m}\n" for m in unexplained))


def _fix_text(diagnosis: Diagnosis) -> str:
    """The fix, with the annotation to add as YAML when there is one."""
    text = _fill(diagnosis.facts, diagnosis.pattern.fix)
    annotation = diagnosis.annotation
    if annotation is not None:
        text += "\n\n" + annotation_snippet(annotation["key"] or "", annotation["value"])
    return text


def _section(label: str, body: str) -> str:
    """``body`` under a label: prose is wrapped; lines indented by two spaces (commands, YAML)
    are kept as they are, under the text."""
    head = f"   {label + ':':<9} "
    pad = " " * len(head)
    lines: list[str] = []
    for line in body.rstrip("\n").split("\n"):
        lead = pad if lines else head
        if not line.strip():
            lines.append("")
        elif line.startswith("  "):
            lines.append(lead + line[2:])
        else:
            lines.append(
                textwrap.fill(
                    line,
                    _WIDTH,
                    initial_indent=lead,
                    subsequent_indent=pad,
                    break_on_hyphens=False,
                    break_long_words=False,
                )
            )
    return "\n".join(lines) + "\n"


def _object_name(obj: Mapping[str, str]) -> str:
    name = obj.get("name", "?")
    return f"{obj['namespace']}/{name}" if obj.get("namespace") else name


def _hint(text: str, unexplained: list[str]) -> tuple[str, str]:
    """Why nothing was explained, and what to pass instead."""
    if not text.strip():
        reason = "The input is empty."
    elif unexplained:
        reason = "These look like pull failures, but match no known pattern:\n" + "\n".join(
            f"  {m}" for m in unexplained
        )
    elif re.search(r"ErrImagePull|ImagePullBackOff|Back-off pulling", text, re.IGNORECASE):
        reason = (
            "ErrImagePull / ImagePullBackOff only say that the pull failed; the reason is in the "
            "'Failed to pull image' event."
        )
    else:
        reason = "Nothing in it looks like an image-pull error."
    hint = (
        "pass the full message of the 'Failed' event, e.g.\n"
        "  kubectl describe pod POD | ekslint diagnose\n"
        "  kubectl get events --field-selector reason=Failed -o json | ekslint diagnose"
    )
    return reason, hint


def _write_json(out: TextIO, diagnoses: list[Diagnosis], unexplained: list[str], text: str) -> None:
    import json

    document: dict[str, Any] = {"diagnoses": [_as_json(d) for d in diagnoses]}
    if unexplained:
        document["unexplained"] = unexplained
    if not diagnoses:
        document["error"] = NO_PATTERN
        document["reason"], document["hint"] = _hint(text, unexplained)
    json.dump(document, out, indent=2, ensure_ascii=False)
    out.write("\n")


def _as_json(diagnosis: Diagnosis) -> dict[str, Any]:
    facts = diagnosis.facts
    return {
        "pattern": diagnosis.pattern.name,
        "title": diagnosis.pattern.title,
        "cause": _fill(facts, diagnosis.pattern.cause),
        "fix": _fix_text(diagnosis),
        "annotation": diagnosis.annotation,
        "registry": diagnosis.registry,
        "images": diagnosis.images,
        "address": facts.get("addr"),
        "address_scope": facts.get("scope"),
        "match": diagnosis.match,
        "messages": diagnosis.messages,
        "objects": diagnosis.objects,
        "notes": diagnosis.notes,
    }
