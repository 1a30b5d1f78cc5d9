"""Image references are split the way the container runtime splits them, so that the registry
ekslint reasons about is the one the node will really pull from."""

from __future__ import annotations

import pytest

from ekslint.kube.images import InvalidImage, parse_image

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("image", "registry", "repository", "tag", "digest"),
    [
        ("10.16.100.174:5000/busybox:latest", "10.16.100.174:5000", "busybox", "latest", None),
        ("localhost/foo", "localhost", "foo", None, None),
        ("myreg:5000/a/b", "myreg:5000", "a/b", None, None),
        ("[fd00::1]:5000/app:1", "[fd00::1]:5000", "app", "1", None),
        (f"harbor.example.com/p/app@{DIGEST}", "harbor.example.com", "p/app", None, DIGEST),
        ("nginx", "docker.io", "library/nginx", None, None),
        ("bitnami/redis", "docker.io", "bitnami/redis", None, None),
        ("harbor/ns/app", "docker.io", "harbor/ns/app", None, None),
        (
            "demo-tcr-vpc.tencentcloudcr.com/ns/app",
            "demo-tcr-vpc.tencentcloudcr.com",
            "ns/app",
            None,
            None,
        ),
        ("index.docker.io/library/nginx:1.27", "docker.io", "library/nginx", "1.27", None),
        ("Registry.Example.com/team/app:v1", "registry.example.com", "team/app", "v1", None),
        (f"ghcr.io/org/app:1.0@{DIGEST}", "ghcr.io", "org/app", "1.0", DIGEST),
    ],
)
def test_parse(
    image: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = parse_image(image)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )


def test_only_index_docker_io_folds_into_docker_hub() -> None:
    assert parse_image("index.docker.io/nginx").domain == "docker.io"
    ref = parse_image("registry-1.docker.io/nginx")
    assert (ref.domain, ref.registry, ref.repository) == (
        "registry-1.docker.io",
        "registry-1.docker.io",
        "nginx",
    )


def test_the_host_keeps_its_case_and_compares_without_it() -> None:
    ref = parse_image("Harbor.Example.com/team/app")
    assert (ref.domain, ref.registry) == ("Harbor.Example.com", "harbor.example.com")


@pytest.mark.parametrize(
    "image",
    [
        "app:v\u00e9",  # a non-ASCII letter: Go's regexp class \w is ASCII
        "app@sha256:" + "a" * 63,
        "app@sha256:" + "A" * 64,
        "app@sha384:" + "a" * 64,
        "app@md5:" + "a" * 32,
        "a" * 64,
        "example.com/" + "a" * 256,
    ],
)
def test_rejected_like_the_runtime(image: str) -> None:
    with pytest.raises(InvalidImage):
        parse_image(image)


def test_the_length_limit_counts_the_path_only() -> None:
    ref = parse_image("a-very-long-registry-host.example.com/" + "a" * 255)
    assert len(ref.repository) == 255
    assert parse_image("app@sha512:" + "a" * 128).digest == "sha512:" + "a" * 128


def test_tag_and_digest_are_not_part_of_the_host() -> None:
    ref = parse_image("10.0.0.1:5000/app:5000")
    assert ref.registry == "10.0.0.1:5000" and ref.tag == "5000"
    assert parse_image("app:5000").registry == "docker.io"


@pytest.mark.parametrize(
    ("image", "placeholder"),
    [
        ("", False),
        ("alpine:invalid!", False),
        ("<YOUR-CONTAINER>", False),
        ("example.com/Team/App", False),
        ("${REGISTRY}/app:1", True),
        ("app:{{ .Values.tag }}", True),
        ("$(IMAGE)", True),
        ("nginx latest", False),
        ("harbor.example.com/p/app@sha256:zz", False),
    ],
)
def test_invalid(image: str, placeholder: bool) -> None:
    with pytest.raises(InvalidImage) as caught:
        parse_image(image)
    assert (caught.value.part == "placeholder") is placeholder


def test_parsing_again_gives_the_same_answer_and_the_memory_is_bounded() -> None:
    """parse_image remembers what it made of each text (frozen ImageRefs, errors raised anew)."""
    from ekslint.kube import images

    first = parse_image("10.0.0.1:5000/app:1")
    assert parse_image("10.0.0.1:5000/app:1") == first
    for _ in range(2):
        with pytest.raises(InvalidImage) as caught:
            parse_image("app:v1 ")
        assert (caught.value.part, str(caught.value)) == ("space", "image contains white space")
    for number in range(images._MAX_PARSED + 10):
        parse_image(f"registry.example.com/app{number}:1")
    assert len(images._PARSED) <= images._MAX_PARSED
    assert parse_image("registry.example.com/app3:1").repository == "app3"
