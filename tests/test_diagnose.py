"""``ekslint diagnose``: real-shaped pull errors in, cause + fix (and the exact annotation) out."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ekslint.diagnose import main
from ekslint.diagnose.explain import ip_scope
from ekslint.diagnose.patterns import load_patterns
from ekslint.kube.images import registry_of

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"

HTTP_KEY = "eks.tke.cloud.tencent.com/registry-http-endpoint"
SKIP_KEY = "eks.tke.cloud.tencent.com/registry-insecure-skip-verify"


def _containerd(image: str, tail: str, *, url_path: str = "") -> str:
    """A kubelet 'Failed' event message as containerd wraps it."""
    registry = image.split("/", 1)[0]
    repo, _, tag = image.split("/", 1)[1].rpartition(":")
    url = url_path or f"https://{registry}/v2/{repo}/manifests/{tag}"
    return (
        f'Failed to pull image "{image}": rpc error: code = Unknown desc = failed to pull and '
        f'unpack image "{image}": failed to resolve reference "{image}": failed to do request: '
        f'Head "{url}": {tail}'
    )


HTTP_MESSAGE = (
    'Failed to pull image "10.16.100.174:5000/busybox:latest": rpc error: code = Unknown desc = '
    'failed to pull and unpack image "10.16.100.174:5000/busybox:latest": failed to resolve '
    'reference "10.16.100.174:5000/busybox:latest": failed to do request: Head '
    '"https://10.16.100.174:5000/v2/busybox/manifests/latest": http: server gave HTTP response '
    "to HTTPS client"
)
DOCKER_X509 = (
    "rpc error: code = Unknown desc = Error response from daemon: Get "
    "https://harbor.corp:8443/v2/: x509: certificate signed by unknown authority"
)
TCR_DENIED = (
    'Failed to pull image "mytcr.tencentcloudcr.com/prod/api:v1.2": rpc error: code = Unknown '
    'desc = failed to pull and unpack image "mytcr.tencentcloudcr.com/prod/api:v1.2": failed to '
    'resolve reference "mytcr.tencentcloudcr.com/prod/api:v1.2": pull access denied, repository '
    "does not exist or may require authorization: server message: insufficient_scope: "
    "authorization failed"
)


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    err = io.StringIO()
    code = main(list(argv), io.StringIO(stdin), out, err)
    assert err.getvalue() == "" or code == 2, err.getvalue()
    return code, out.getvalue()


def run_json(*argv: str, stdin: str = "") -> tuple[int, dict[str, Any]]:
    code, out = run("--format", "json", *argv, stdin=stdin)
    document: dict[str, Any] = json.loads(out)
    return code, document


def only(document: dict[str, Any]) -> dict[str, Any]:
    assert len(document["diagnoses"]) == 1, document["diagnoses"]
    result: dict[str, Any] = document["diagnoses"][0]
    return result


# -- one test per pattern family, with the wrappings kubelet / containerd / dockerd really use --


def test_http_registry_names_the_annotation_with_the_port() -> None:
    code, out = run(HTTP_MESSAGE)
    assert code == 0
    assert "[http-registry]" in out
    assert "registry: 10.16.100.174:5000" in out
    assert f'          {HTTP_KEY}: "10.16.100.174:5000"\n' in out
    assert "spec:\n               template:\n                 metadata:\n" in out
    assert "ekslint --http-registry 10.16.100.174:5000 manifests/" in out


def test_http_registry_json_fields() -> None:
    code, document = run_json(HTTP_MESSAGE)
    diagnosis = only(document)
    assert code == 0
    assert diagnosis["pattern"] == "http-registry"
    assert diagnosis["annotation"] == {
        "key": HTTP_KEY,
        "value": "10.16.100.174:5000",
        "location": "spec.template.metadata.annotations",
        "lint": "ekslint --http-registry 10.16.100.174:5000 manifests/",
    }
    assert diagnosis["images"] == ["10.16.100.174:5000/busybox:latest"]
    assert "plain HTTP" in diagnosis["cause"]
    assert f'{HTTP_KEY}: "10.16.100.174:5000"' in diagnosis["fix"]


def test_tls_not_a_handshake_is_also_plain_http() -> None:
    message = _containerd(
        "registry.lab.example:5000/app:1", "tls: first record does not look like a TLS handshake"
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "http-registry"
    assert diagnosis["annotation"]["value"] == "registry.lab.example:5000"


def test_x509_unknown_authority_old_docker_form() -> None:
    code, out = run(DOCKER_X509)
    assert code == 0
    assert "[tls-unknown-authority]" in out
    assert f'{SKIP_KEY}: "harbor.corp:8443"' in out
    assert "ekslint --insecure-registry harbor.corp:8443 manifests/" in out


def test_x509_unknown_authority_go_1_20_form() -> None:
    message = _containerd(
        "harbor.corp.example:8443/shop/web:2.1",
        "tls: failed to verify certificate: x509: certificate signed by unknown authority",
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "tls-unknown-authority"
    assert diagnosis["annotation"]["key"] == SKIP_KEY
    assert diagnosis["annotation"]["value"] == "harbor.corp.example:8443"
    assert diagnosis["match"] == "x509: certificate signed by unknown authority"


def test_x509_bare_phrase_has_no_registry_and_says_so() -> None:
    code, out = run(
        "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    )
    assert code == 0
    assert "[tls-unknown-authority]" in out
    assert f'{SKIP_KEY}: "<host:port of the image\'s registry>"' in out
    assert "does not name the image" in out


def test_x509_name_mismatch_lists_valid_names_and_last_resort() -> None:
    message = _containerd(
        "10.0.8.20:443/base/nginx:1.25",
        "tls: failed to verify certificate: x509: certificate is valid for "
        "registry.corp.example, registry, not 10.0.8.20",
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "tls-name-mismatch"
    assert "registry.corp.example, registry" in diagnosis["cause"]
    assert "does not list 10.0.8.20" in diagnosis["cause"]
    assert "last resort" in diagnosis["fix"]
    assert diagnosis["annotation"]["value"] == "10.0.8.20:443"


def test_x509_missing_ip_san() -> None:
    message = _containerd(
        "10.0.8.20:5000/app:1",
        "x509: cannot validate certificate for 10.0.8.20 because it doesn't contain any IP SANs",
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "tls-name-mismatch"
    assert "does not list 10.0.8.20" in diagnosis["cause"]
    assert "no IP address" in diagnosis["cause"]


def test_io_timeout_to_tcr_on_a_public_ip() -> None:
    message = (
        'Error: failed to do request: Head "https://mytcr.tencentcloudcr.com/v2/prod/api/'
        'manifests/latest": dial tcp 119.28.12.34:443: i/o timeout'
    )
    code, out = run(message)
    assert code == 0
    assert "[network-timeout-public-tcr]" in out
    assert "119.28.12.34 (public IP)" in out
    fix = only(run_json(message)[1])["fix"]
    assert "private-network access link" in fix
    assert "private domain resolution" in fix
    assert "NAT gateway" in fix
    assert "allow-list" in fix


def test_io_timeout_to_tcr_on_a_private_ip() -> None:
    message = _containerd(
        "shoptcr.tencentcloudcr.com/shop/sidecar:v3", "dial tcp 172.21.0.9:443: i/o timeout"
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "network-timeout-private-tcr"
    assert diagnosis["address_scope"] == "private"
    assert "private IP 172.21.0.9" in diagnosis["cause"]
    assert "security groups" in diagnosis["fix"]


def test_io_timeout_the_faq_way_without_a_registry() -> None:
    diagnosis = only(run_json("dial tcp 10.0.0.12:443: i/o timeout")[1])
    assert diagnosis["pattern"] == "network-timeout-private-tcr"
    assert diagnosis["address"] == "10.0.0.12"


def test_io_timeout_to_docker_hub_needs_nat() -> None:
    message = _containerd(
        "docker.io/library/nginx:1.25",
        "dial tcp 54.236.113.205:443: i/o timeout",
        url_path="https://registry-1.docker.io/v2/library/nginx/manifests/1.25",
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "network-timeout-public"
    assert diagnosis["registry"] == "docker.io"
    assert "NAT gateway" in diagnosis["fix"]
    assert "mirror.ccs.tencentyun.com" in diagnosis["fix"]


def test_insufficient_scope_on_tcr_is_a_credential_problem() -> None:
    code, document = run_json(TCR_DENIED)
    assert code == 0
    diagnosis = only(document)
    assert diagnosis["pattern"] == "access-denied-tcr"
    assert diagnosis["annotation"] is None
    fix = diagnosis["fix"]
    assert "long-term access credential" in fix
    assert "imagePullSecrets:" in fix
    assert "kubernetes.io/dockerconfigjson" in fix
    assert "--docker-server=mytcr.tencentcloudcr.com" in fix
    assert "ServiceAccount" in fix
    assert "TCR namespace" in diagnosis["cause"]


@pytest.mark.parametrize(
    "tail",
    [
        "unexpected status from HEAD request to https://harbor.corp.example/v2/a/b/manifests/1: "
        "401 Unauthorized",
        "unauthorized: authentication required",
        "denied: requested access to the resource is denied",
    ],
)
def test_credential_errors_from_other_registries(tail: str) -> None:
    diagnosis = only(run_json(_containerd("harbor.corp.example/a/b:1", tail))[1])
    assert diagnosis["pattern"] == "access-denied"
    assert "imagePullSecrets" in diagnosis["fix"]
    assert "harbor.corp.example under .auths" in diagnosis["fix"]


def test_pull_access_denied_on_a_docker_hub_lookalike() -> None:
    message = (
        'Failed to pull image "harbor/team/app:1.0": rpc error: code = Unknown desc = failed to '
        'pull and unpack image "docker.io/harbor/team/app:1.0": failed to resolve reference '
        '"docker.io/harbor/team/app:1.0": pull access denied, repository does not exist or may '
        "require authorization: server message: insufficient_scope: authorization failed"
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "access-denied-docker-hub"
    assert diagnosis["registry"] == "docker.io"
    assert any("'harbor'" in note and "EKS017" in note for note in diagnosis["notes"])


def test_pull_secret_that_does_not_exist() -> None:
    event = {
        "kind": "Event",
        "involvedObject": {"kind": "Pod", "name": "api-0", "namespace": "prod"},
        "reason": "FailedToRetrieveImagePullSecret",
        "message": "Unable to retrieve some image pull secrets (tcr-pull); attempting to pull "
        "the image may not succeed.",
    }
    diagnosis = only(run_json(json.dumps(event))[1])
    assert diagnosis["pattern"] == "pull-secret-missing"
    assert "kubectl get secret -n prod tcr-pull" in diagnosis["fix"]


@pytest.mark.parametrize(
    "message",
    [
        'Error: code = NotFound, failed to resolve reference "mytcr.tencentcloudcr.com/ns/app:v9": '
        "not found",
        _containerd(
            "ccr.ccs.tencentyun.com/ns/app:v9",
            "ccr.ccs.tencentyun.com/ns/app:v9: not found",
        ).replace("code = Unknown", "code = NotFound"),
        "rpc error: code = Unknown desc = Error response from daemon: manifest for "
        "mytcr.tencentcloudcr.com/ns/app:v9 not found: manifest unknown: manifest unknown",
    ],
)
def test_not_found_means_image_or_tag_missing(message: str) -> None:
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "image-not-found"
    assert "misspelled" in diagnosis["cause"]
    assert "<namespace>/<repository>:<tag>" in diagnosis["fix"]


def test_not_found_about_a_configmap_is_not_an_image_problem() -> None:
    code, out = run('MountVolume.SetUp failed for volume "cfg" : configmap "app-cfg" not found')
    assert code == 1
    assert "no known image-pull failure pattern" in out


def test_connection_refused_on_443_without_port_suggests_http() -> None:
    message = _containerd("harbor.corp/app:1", "dial tcp 10.0.3.7:443: connect: connection refused")
    code, out = run(message)
    assert code == 0
    assert "[connection-refused-https]" in out
    assert f'{HTTP_KEY}: "harbor.corp"' in out
    assert "port 80" in out


def test_connection_refused_on_an_explicit_port_is_not_http() -> None:
    message = _containerd(
        "harbor.corp:5000/app:1", "dial tcp 10.0.3.7:5000: connect: connection refused"
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "connection-refused"
    assert diagnosis["annotation"] is None
    assert "port 5000" in diagnosis["cause"]


def test_no_such_host_for_a_tcr_vpc_domain() -> None:
    message = _containerd(
        "mytcr-vpc.tencentcloudcr.com/ns/app:v1",
        "dial tcp: lookup mytcr-vpc.tencentcloudcr.com on 183.60.83.19:53: no such host",
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "dns-tcr-vpc-domain"
    assert "private domain resolution" in diagnosis["fix"]


def test_no_such_host_for_a_private_name() -> None:
    message = _containerd(
        "registry.lab.internal/team/api:1.4",
        "dial tcp: lookup registry.lab.internal: no such host",
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "dns-no-such-host"
    assert "PrivateZone" in diagnosis["fix"]


def test_no_such_host_for_a_short_name() -> None:
    message = _containerd(
        "harbor:5000/app:1", "dial tcp: lookup harbor on 10.0.0.2:53: no such host"
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "dns-cluster-name"
    assert "docker.io/harbor/app" in diagnosis["fix"]


def test_invalid_reference_format_explains_upper_case() -> None:
    message = (
        'Failed to apply default image tag "Harbor.corp/MyApp:1.0": couldn\'t parse image '
        'reference "Harbor.corp/MyApp:1.0": invalid reference format: repository name must be '
        "lowercase"
    )
    diagnosis = only(run_json(message)[1])
    assert diagnosis["pattern"] == "invalid-reference"
    assert "upper-case" in diagnosis["cause"]
    assert "EKS016" in diagnosis["fix"]


def test_invalid_reference_format_explains_placeholder() -> None:
    message = (
        'Failed to apply default image tag "registry.example.com/app:${TAG}": couldn\'t parse '
        'image reference "registry.example.com/app:${TAG}": invalid reference format'
    )
    diagnosis = only(run_json(message)[1])
    assert "unresolved placeholder" in diagnosis["cause"]


# -- input shapes -------------------------------------------------------------------------------


def test_events_json_list_is_diagnosed_per_message_and_deduplicated() -> None:
    code, document = run_json(stdin=(FIXTURES / "events-list.json").read_text())
    assert code == 0
    by_pattern = {d["pattern"]: d for d in document["diagnoses"]}
    assert set(by_pattern) == {"tls-unknown-authority", "network-timeout-private-tcr"}
    tls = by_pattern["tls-unknown-authority"]
    assert tls["annotation"]["value"] == "harbor.corp.example:8443"
    assert len(tls["messages"]) == 1  # the same message from two pods
    assert [o["name"] for o in tls["objects"]] == ["web-7c9d8-abcde", "web-7c9d8-fghij"]
    assert tls["objects"][0] == {"kind": "Pod", "name": "web-7c9d8-abcde", "namespace": "shop"}


def test_single_event_json_object() -> None:
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "involvedObject": {"kind": "Pod", "name": "busybox-0", "namespace": "demo"},
        "reason": "Failed",
        "message": HTTP_MESSAGE,
    }
    code, out = run(json.dumps(event, indent=2))
    assert code == 0
    assert "pod:      demo/busybox-0" in out
    assert f'{HTTP_KEY}: "10.16.100.174:5000"' in out


def test_events_k8s_io_v1_note_and_regarding() -> None:
    event = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "regarding": {"kind": "Pod", "name": "web-1", "namespace": "shop"},
        "note": DOCKER_X509,
    }
    diagnosis = only(run_json(json.dumps(event))[1])
    assert diagnosis["objects"] == [{"kind": "Pod", "name": "web-1", "namespace": "shop"}]


def test_describe_pod_events_table() -> None:
    code, out = run(stdin=(FIXTURES / "describe-pod-http.txt").read_text())
    assert code == 0
    assert "1 image-pull failure explained" in out
    assert "pod:      demo/busybox-6d4f5b7c9-x2x8k" in out
    # The readiness probe's "dial tcp ...: i/o timeout" is not a pull failure.
    assert "network-timeout" not in out


def test_describe_pod_annotation_without_port_is_pointed_out_and_corrected() -> None:
    _, document = run_json(stdin=(FIXTURES / "describe-pod-http.txt").read_text())
    diagnosis = only(document)
    assert diagnosis["annotation"]["value"] == "10.16.100.174:5000"
    assert any("lists 10.16.100.174 without the port" in note for note in diagnosis["notes"]), (
        diagnosis["notes"]
    )


def test_existing_annotation_for_another_registry_is_extended() -> None:
    text = f"Annotations:  {HTTP_KEY}: 10.0.0.9:5000\n{HTTP_MESSAGE}\n"
    diagnosis = only(run_json(stdin=text)[1])
    assert diagnosis["annotation"]["value"] == "10.0.0.9:5000,10.16.100.174:5000"


def test_kubectl_yaml_folded_message_is_rejoined() -> None:
    code, document = run_json("-", stdin=(FIXTURES / "events-folded.yaml").read_text())
    diagnosis = only(document)
    assert code == 0
    assert diagnosis["pattern"] == "dns-no-such-host"
    assert diagnosis["registry"] == "registry.lab.internal"
    assert diagnosis["match"] == "lookup registry.lab.internal on 183.60.83.19:53: no such host"


def test_message_wrapped_by_the_terminal_is_still_explained() -> None:
    wrapped = DOCKER_X509.replace("signed by ", "signed by\n")
    diagnosis = only(run_json(stdin=wrapped)[1])
    assert diagnosis["pattern"] == "tls-unknown-authority"


def test_stdin_when_no_text_argument() -> None:
    code, out = run(stdin=HTTP_MESSAGE + "\n")
    assert code == 0
    assert f'{HTTP_KEY}: "10.16.100.174:5000"' in out


def test_text_words_are_joined() -> None:
    code, out = run("x509:", "certificate", "signed", "by", "unknown", "authority")
    assert code == 0
    assert "[tls-unknown-authority]" in out


def test_ansi_colour_codes_are_ignored() -> None:
    code, out = run("\x1b[31m" + DOCKER_X509 + "\x1b[0m")
    assert code == 0
    assert f'{SKIP_KEY}: "harbor.corp:8443"' in out


# -- platforms, failures, usage -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "key"),
    [
        ("aliyun-eci", "k8s.aliyun.com/plain-http-registry"),
        ("huawei-cci", "cci.io/http-registries"),
    ],
)
def test_other_platforms_use_their_annotation_keys(platform: str, key: str) -> None:
    code, out = run("--platform", platform, HTTP_MESSAGE)
    assert code == 0
    assert f'{key}: "10.16.100.174:5000"' in out
    assert HTTP_KEY not in out


def test_unexplained_text_exits_1_and_says_so() -> None:
    code, out = run("back-off restarting failed container")
    assert code == 1
    assert out.startswith("ekslint: no known image-pull failure pattern in the input\n")
    assert "hint:" in out
    assert "kubectl describe pod POD | ekslint diagnose" in out


def test_err_image_pull_alone_points_at_the_failed_event() -> None:
    code, out = run("Error: ErrImagePull")
    assert code == 1
    assert "'Failed to pull image' event" in out


def test_unknown_pull_failure_is_listed_as_not_explained() -> None:
    message = _containerd("registry.example.com/a:1", "something nobody has seen before")
    code, document = run_json(message)
    assert code == 1
    assert document["diagnoses"] == []
    assert document["error"] == "no known image-pull failure pattern in the input"
    assert document["unexplained"] == [message]
    assert "kubectl get events" in document["hint"]


def test_empty_input_exits_1() -> None:
    code, out = run(stdin="")
    assert code == 1
    assert "The input is empty." in out


def test_malformed_json_falls_back_to_text() -> None:
    code, out = run('{"message": "' + DOCKER_X509)
    assert code == 0
    assert "[tls-unknown-authority]" in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--format", "yaml", "x"], "usage: ekslint diagnose"),
        (["--platform", "gke", "x"], "unknown platform 'gke'"),
        (["--bogus"], "usage: ekslint diagnose"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    err = io.StringIO()
    assert main(argv, io.StringIO(), io.StringIO(), err) == 2
    assert expected in err.getvalue()
    assert capsys.readouterr().err == ""  # the caller's stream, never sys.stderr


def test_help_goes_to_stdout() -> None:
    code, out = run("--help")
    assert code == 0
    assert out.startswith("usage: ekslint diagnose")


# -- internals worth pinning ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("10.16.100.174:5000/busybox:latest", "10.16.100.174:5000"),
        ("busybox", "docker.io"),
        ("busybox:1.36", "docker.io"),
        ("harbor/ns/app:1", "docker.io"),  # no '.' or ':': a Docker Hub account
        ("localhost/app", "localhost"),
        ("localhost:5000/app:1", "localhost:5000"),
        ("[fd00::1]:5000/app:1", "[fd00::1]:5000"),
        ("harbor.corp/app@sha256:" + "a" * 64, "harbor.corp"),
        ("harbor.corp:8443/app:1@sha256:" + "a" * 64, "harbor.corp:8443"),
        ("index.docker.io/library/nginx", "docker.io"),
        ("Registry/app", "Registry"),  # upper case makes it a host, as in distribution
    ],
)
def test_registry_of(image: str, registry: str) -> None:
    assert registry_of(image) == registry


@pytest.mark.parametrize(
    ("addr", "scope"),
    [
        ("10.0.0.1", "private"),
        ("172.21.0.9", "private"),
        ("119.28.1.2", "public"),
        ("[fd00::1]", "private"),
        ("[2402:4e00::1]", "public"),
        ("not-an-ip", None),
    ],
)
def test_ip_scope(addr: str, scope: str | None) -> None:
    assert ip_scope(addr) == scope


# Every pattern, with one message that must select it (and no earlier pattern).
EXAMPLES = {
    "pull-secret-missing": "Unable to retrieve some image pull secrets (a, b); attempting to pull "
    "the image may not succeed.",
    "invalid-reference": 'Failed to pull image "App": invalid reference format',
    "http-registry": HTTP_MESSAGE,
    "https-registry-declared-http": _containerd(
        "harbor.corp/a:1", "unexpected status: 400 Client sent an HTTP request to an HTTPS server."
    ),
    "tls-unknown-authority": DOCKER_X509,
    "tls-name-mismatch": "x509: certificate is not valid for any names, but wanted to match h.io",
    "tls-expired": _containerd(
        "h.corp:8443/a:1", "x509: certificate has expired or is not yet valid: current time ..."
    ),
    "rate-limited": _containerd(
        "docker.io/library/nginx:1",
        "429 Too Many Requests - Server message: toomanyrequests: You have reached your pull "
        "rate limit.",
    ),
    "access-denied-docker-hub": 'Failed to pull image "nginxx": pull access denied for nginxx, '
    "repository does not exist or may require 'docker login'",
    "access-denied-tcr": TCR_DENIED,
    "access-denied": _containerd("h.corp/a:1", "no basic auth credentials"),
    "platform-mismatch": _containerd(
        "h.corp/a:1", "no matching manifest for linux/amd64 in the manifest list entries"
    ),
    "image-not-found": 'failed to resolve reference "h.corp/a:1": h.corp/a:1: not found',
    "dns-tcr-vpc-domain": "dial tcp: lookup x-vpc.tencentcloudcr.com: no such host",
    "dns-tcr-domain": "dial tcp: lookup typo.tencentcloudcr.com on 10.0.0.2:53: no such host",
    "dns-cluster-name": "dial tcp: lookup registry.default.svc.cluster.local: no such host",
    "dns-no-such-host": "dial tcp: lookup harbor.corp.example: no such host",
    "dns-timeout": "dial tcp: lookup h.corp on 10.0.0.2:53: read udp 10.0.0.5:3345->"
    "10.0.0.2:53: i/o timeout",
    "connection-refused-https": "dial tcp 10.0.3.7:443: connect: connection refused",
    "connection-refused": "dial tcp 10.0.3.7:5000: connect: connection refused",
    "network-timeout-public-tcr": "dial tcp 119.28.1.2:443: i/o timeout",
    "network-timeout-public": _containerd("quay.io/a/b:1", "dial tcp 3.3.3.3:443: i/o timeout"),
    "network-timeout-private-tcr": "dial tcp 10.0.0.12:443: i/o timeout",
    "network-timeout-private": _containerd(
        "h.corp:5000/a:1", "dial tcp 10.1.1.1:5000: i/o timeout"
    ),
    "network-unreachable": "dial tcp 10.9.9.9:443: connect: no route to host",
    "network-slow": _containerd("h.corp/a:1", "net/http: TLS handshake timeout"),
}


def test_every_pattern_has_an_example_and_a_unique_name() -> None:
    names = [p.name for p in load_patterns()]
    assert len(names) == len(set(names))
    assert set(EXAMPLES) == set(names)


@pytest.mark.parametrize(("name", "message"), EXAMPLES.items())
def test_each_pattern_is_selected_by_its_example(name: str, message: str) -> None:
    code, document = run_json(message)
    assert code == 0
    diagnosis = only(document)
    assert diagnosis["pattern"] == name
    assert diagnosis["cause"].strip() and diagnosis["fix"].strip()
    assert "{" not in diagnosis["cause"]  # every template field was filled


def test_json_module_is_imported_only_for_json_input() -> None:
    code = (
        "import io, sys, ekslint\n"
        "before = set(sys.modules)\n"
        "from ekslint.diagnose import main\n"
        "main(['x509: certificate signed by unknown authority'], io.StringIO(), io.StringIO(),"
        " io.StringIO())\n"
        "print('json' in set(sys.modules) - before)\n"
    )
    src = str(Path(__file__).resolve().parents[1] / "src")
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": src},
    )
    assert result.stdout.strip() == "False"


def test_kubectl_get_pod_json_waiting_message_names_the_pod() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "busybox-0",
            "namespace": "demo",
            "annotations": {HTTP_KEY: "10.16.100.174"},
        },
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": "busybox",
                    "image": "10.16.100.174:5000/busybox:latest",
                    "state": {"waiting": {"reason": "ErrImagePull", "message": HTTP_MESSAGE}},
                }
            ],
        },
    }
    diagnosis = only(run_json(json.dumps(pod, indent=2))[1])
    assert diagnosis["objects"] == [{"kind": "Pod", "name": "busybox-0", "namespace": "demo"}]
    assert diagnosis["annotation"]["value"] == "10.16.100.174:5000"
    assert "without the port" in diagnosis["notes"][0]


def test_unnamed_registry_reads_as_a_placeholder() -> None:
    diagnosis = only(run_json("x509: certificate signed by unknown authority")[1])
    assert diagnosis["cause"].startswith("The registry <registry> presents")
    assert diagnosis["annotation"]["value"] is None


# -- the patterns are data -------------------------------------------------------------------------


def _pattern_data() -> dict[str, Any]:
    import yaml

    root = Path(__file__).resolve().parents[1] / "rules"
    data: dict[str, Any] = yaml.safe_load((root / "diagnose.yaml").read_text(encoding="utf-8"))
    return data


def test_patterns_file_matches_its_schema() -> None:
    import jsonschema

    root = Path(__file__).resolve().parents[1] / "rules"
    schema = json.loads((root / "schema" / "diagnose.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(_pattern_data(), schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"patterns": [{"name": "x", "regex": "y", "when": {"bogus": 1}}]}, schema
        )


def test_patterns_name_registry_lists_that_exist() -> None:
    from ekslint.data import registry_lists

    def lists(condition: dict[str, Any]) -> set[str]:
        named = set(condition.get("registry-in", []))
        for inner in condition.get("any", []):
            named |= lists(inner)
        return named

    named = set().union(*(lists(p.get("when", {})) for p in _pattern_data()["patterns"]))
    assert named - {"unknown"} <= set(registry_lists())
    assert named  # the TCR patterns use them


def test_lookalike_note_uses_the_linters_list() -> None:
    """diagnose and EKS017 read the same Docker Hub look-alike names."""
    from ekslint.data import registry_lists

    for name in registry_lists()["lookalike-names"][:3]:
        message = (
            f'Failed to pull image "{name}/team/app:1": pull access denied for {name}/team/app, '
            "repository does not exist or may require 'docker login'"
        )
        diagnosis = only(run_json(message)[1])
        assert any(f"'{name}'" in note and "EKS017" in note for note in diagnosis["notes"])


@pytest.mark.parametrize("platform", ["aliyun-eci", "alibaba-acs"])
def test_platform_keys_come_from_the_pack(platform: str) -> None:
    from ekslint.lint.rulepack import load_platform

    key = load_platform(platform).annotations["http"]
    diagnosis = only(run_json(HTTP_MESSAGE, "--platform", platform)[1])
    assert diagnosis["annotation"]["key"] == key
    assert diagnosis["annotation"]["lint"].startswith(f"ekslint --platform {platform} ")
    assert key in diagnosis["fix"]
