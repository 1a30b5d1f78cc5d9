"""``ekslint server`` spoken to over stdio, as an editor does: diagnostics, quick fixes, fix-all,
settings from the client and from ``.ekslint.yaml``, and documents that depend on each other."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import ekslint

pytest.importorskip("pygls")

from lspclient import LspClient

REGISTRY = "10.0.0.5:5000"
HTTP = {"registries": [{"host": REGISTRY, "protocol": "http"}]}
# An emoji (two UTF-16 code units, one code point) on the image's line, before the node.
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - {name: "🚀", image: 10.0.0.5:5000/shop/web:1}
"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  serviceAccountName: puller
  containers:
    - {name: a, image: demo.tencentcloudcr.com/shop/a:1}
"""
ACCOUNT = """\
apiVersion: v1
kind: ServiceAccount
metadata: {name: puller}
imagePullSecrets:
  - name: tcr
"""


def utf16_offset(text: str, line: int, character: int) -> int:
    """What an editor does with an LSP position: count UTF-16 code units along the line."""
    start = sum(len(part) + 1 for part in text.split("\n")[:line])
    units = 0
    index = start
    while units < character:
        units += len(text[index].encode("utf-16-le")) // 2
        index += 1
    return index


def apply(text: str, edits: list[dict[str, Any]]) -> str:
    spans = []
    for edit in edits:
        start, end = edit["range"]["start"], edit["range"]["end"]
        spans.append(
            (
                utf16_offset(text, start["line"], start["character"]),
                utf16_offset(text, end["line"], end["character"]),
                edit["newText"],
            )
        )
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


@pytest.fixture
def client(tmp_path: Path) -> Iterator[LspClient]:
    lsp = LspClient(str(tmp_path), env={"HOME": str(tmp_path), "KUBECONFIG": "/nonexistent"})
    yield lsp
    if lsp.process.poll() is None:
        lsp.process.kill()
        lsp.process.wait()


def start(client: LspClient, root: Path, options: dict[str, Any] | None = None) -> Any:
    result = client.request(
        "initialize",
        {
            "processId": None,
            "rootUri": root.as_uri(),
            "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
            "initializationOptions": options,
        },
    )
    client.notify("initialized", {})
    return result


def open_document(client: LspClient, path: Path, text: str) -> str:
    uri = path.as_uri()
    client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}},
    )
    return uri


def change(client: LspClient, uri: str, text: str, version: int) -> None:
    client.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
    )


def code_actions(
    client: LspClient, uri: str, diagnostics: list[dict[str, Any]], only: list[str] | None = None
) -> list[dict[str, Any]]:
    context: dict[str, Any] = {"diagnostics": diagnostics}
    if only is not None:
        context["only"] = only
    span = (
        diagnostics[0]["range"]
        if diagnostics
        else {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
    )
    result: list[dict[str, Any]] = client.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": uri}, "range": span, "context": context},
    )
    return result


def test_diagnostics_quick_fix_and_clean(client: LspClient, tmp_path: Path) -> None:
    capabilities = start(client, tmp_path, {"settings": HTTP})["capabilities"]
    assert capabilities["codeActionProvider"]["codeActionKinds"] == [
        "quickfix",
        "source.fixAll.ekslint",
    ]
    uri = open_document(client, tmp_path / "web.yaml", DEPLOYMENT)
    (diagnostic,) = client.diagnostics(uri)
    assert diagnostic["code"] == "EKS001"
    assert diagnostic["source"] == "ekslint"
    assert diagnostic["severity"] == 1
    line = DEPLOYMENT.split("\n")[7]
    image = "10.0.0.5:5000/shop/web:1"
    column = len(line[: line.index(image)].encode("utf-16-le")) // 2  # one more than code points
    assert diagnostic["range"] == {
        "start": {"line": 7, "character": column},
        "end": {"line": 7, "character": column + len(image)},
    }
    (action,) = code_actions(client, uri, [diagnostic], only=["quickfix"])
    assert action["kind"] == "quickfix"
    assert action["diagnostics"] == [diagnostic]
    fixed = apply(DEPLOYMENT, action["edit"]["changes"][uri])
    expected, _ = ekslint.fix_text(DEPLOYMENT, settings=ekslint.Settings.from_config(HTTP))
    assert fixed == expected
    change(client, uri, fixed, 2)
    assert client.diagnostics(uri) == []
    assert client.close() == 0


def test_fix_all_is_what_fix_writes(client: LspClient, tmp_path: Path) -> None:
    start(client, tmp_path, {"settings": HTTP})
    text = DEPLOYMENT.replace("{name: web}", "{name: web, annotations: {a: b}}") + (
        "---\n" + DEPLOYMENT.replace("name: web", "name: api")
    )
    uri = open_document(client, tmp_path / "two.yaml", text)
    assert [d["code"] for d in client.diagnostics(uri)] == ["EKS001", "EKS001"]
    (action,) = code_actions(client, uri, [], only=["source.fixAll"])
    assert action["kind"] == "source.fixAll.ekslint"
    expected, remaining = ekslint.fix_text(text, settings=ekslint.Settings.from_config(HTTP))
    assert remaining == []
    assert apply(text, action["edit"]["changes"][uri]) == expected
    client.close()


def test_dependent_documents_are_relinted(client: LspClient, tmp_path: Path) -> None:
    start(client, tmp_path)
    pod = open_document(client, tmp_path / "pod.yaml", POD)
    # Its ServiceAccount is not open: ekslint cannot tell, a warning.
    assert [(d["code"], d["severity"]) for d in client.diagnostics(pod)] == [("EKS009", 2)]
    account = open_document(client, tmp_path / "sa.yaml", ACCOUNT.replace("- name: tcr", ""))
    assert client.diagnostics(account) == []
    # Now it is, without a pull secret: the pod is published again, with an error.
    assert [(d["code"], d["severity"]) for d in client.diagnostics(pod)] == [("EKS009", 1)]
    change(client, account, ACCOUNT, 2)  # the ServiceAccount gains a pull secret
    assert client.diagnostics(account) == []
    assert client.diagnostics(pod) == []  # published again without a change of its own
    client.close()


def test_settings_from_the_config_file_and_the_client(client: LspClient, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / ".ekslint.yaml").write_text("ignore: [EKS001]\n", encoding="utf-8")
    start(client, tmp_path)
    uri = open_document(client, project / "web.yaml", DEPLOYMENT)
    assert [d["code"] for d in client.diagnostics(uri)] == ["EKS012"]
    client.notify("workspace/didChangeConfiguration", {"settings": {"ekslint": HTTP}})
    assert client.diagnostics(uri) == []  # declared http, and EKS001 ignored by the file
    client.notify(
        "workspace/didChangeConfiguration", {"settings": {"ekslint": {"select": ["EKS999"]}}}
    )
    (problem,) = client.diagnostics(uri)
    assert problem["code"] == "config"
    assert "editor settings: select[0]: unknown rule selector 'EKS999'" in problem["message"]
    client.notify("workspace/didChangeConfiguration", {"settings": {"ekslint": {}}})
    assert [d["code"] for d in client.diagnostics(uri)] == ["EKS012"]
    (project / ".ekslint.yaml").write_text("select: [EKS012]\nignore: [EKS012]\n", "utf-8")
    client.notify(
        "workspace/didChangeWatchedFiles",
        {"changes": [{"uri": (project / ".ekslint.yaml").as_uri(), "type": 2}]},
    )
    assert client.diagnostics(uri) == []
    client.close()


def test_without_pygls_the_server_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from ekslint.cli import main

    monkeypatch.setitem(sys.modules, "pygls", None)
    err = io.StringIO()
    assert main(["server"], stdout=io.StringIO(), stderr=err) == 2
    # ekslint is not on PyPI: a bare name there is one anyone could register
    assert "pip install '.[lsp]' in an ekslint checkout" in err.getvalue()
    assert "'ekslint[lsp] @ git+https://github.com/ekslint/ekslint@" in err.getvalue()
    assert "pip install 'ekslint[lsp]'" not in err.getvalue()
