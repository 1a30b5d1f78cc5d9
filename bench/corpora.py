"""Deterministic benchmark corpora for ekslint, built from the real manifests in shared/corpus.

`build_corpora(out_dir)` writes, from scratch and byte-for-byte the same for the same source and
seed:

- ``small/deployment.yaml``: one small Deployment, with ``.ekslint.yaml`` beside it (pre-commit);
- ``dir_clean/``: 1,000 files of real documents, about 18 % of them Helm-rendered multi-document
  files (``---`` plus ``# Source: chart/templates/x.yaml`` before each document);
- ``dir/``: the same files with findings injected into 10 % of them (see `INJECTIONS`);
- ``big/big.yaml``: one file of 10,000 documents (about 20 MB) built the same way as ``dir/``;
- ``stream/stream.yaml`` (only when asked: ``stream=True``, ``run.py --stream``): a 100 MB
  stream of 72,542 realistic rendered Deployments, 1 in 10 with a finding, for the memory of a
  large rendered release read on every core (the same stream tests/test_robustness.py measures);
- ``staged/``: a git repository of ``dir_clean``'s 1,000 files plus the small Deployment, the
  one file pre-commit passes (ekslint still reads the repository's ServiceAccounts, Secrets and
  eks-config for context: the first run indexes them, later runs read the index).

Every corpus directory carries the same ``.ekslint.yaml`` (the registry the injections use,
declared as plain HTTP), so ekslint run from inside that directory finds it. Documents are drawn
with replacement, weighted by size ** 0.25: that keeps the mix realistic while matching the
bytes per document of the corpora behind shared/FACTS.md (about 1.9 kB).

Standard library only: the harness must run with nothing but the project's Python.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SEED = 20240611
REGISTRY = "10.16.100.174:5000"
CONFIG = f'registries: [{{host: "{REGISTRY}", protocol: http}}]\n'
HTTP_ENDPOINT = "eks.tke.cloud.tencent.com/registry-http-endpoint"

DIR_FILES = 1000
BIG_DOCUMENTS = 10_000
INJECT_RATE = 0.10
HELM_RATE = 0.18
HELM_DOCS = (2, 8)  # documents per Helm-rendered file, inclusive
SIZE_WEIGHT = 0.25  # exponent on a document's size when drawing it

SMALL_DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
      annotations:
        {HTTP_ENDPOINT}: "{REGISTRY}"
    spec:
      containers:
        - name: web
          image: {REGISTRY}/web:1.4.2
          ports:
            - containerPort: 8080
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
"""

# What an injection does to a file; the names are recorded per file in corpora.json.
INJECTIONS = {
    "appended-no-annotation": "a Deployment pulling from the HTTP registry, no annotation (EKS001)",
    "appended-missing-port": "a Deployment whose http-endpoint annotation lacks the port (EKS003)",
    "rewritten-image": "the file's own images moved to the HTTP registry, no annotation (EKS001)",
}

IMAGE_LINE = re.compile(r"""^([ \t]*(?:-[ \t]+)?image:[ \t]+)(["']?)([^"'\s#]+)\2""", re.MULTILINE)
KIND_LINE = re.compile(r"^kind:\s*([A-Za-z0-9]+)", re.MULTILINE)
SOURCE_LINE = re.compile(r"^# Source: ", re.MULTILINE)


@dataclass(frozen=True)
class Document:
    text: str  # always ends with a newline
    repo: str  # e.g. "argo-cd": stands in for the chart name of Helm-rendered files
    kind: str


@dataclass
class Unit:
    """One generated file's worth of text (or one stretch of the big file)."""

    name: str
    text: str
    documents: int
    injection: str | None = None


def load_documents(source: Path) -> list[Document]:
    """The real documents, one per file, with the repository each came from (SOURCES.tsv)."""
    repos = {}
    sources_tsv = source.parent / "SOURCES.tsv"
    if sources_tsv.is_file():
        for line in sources_tsv.read_text(encoding="utf-8").splitlines():
            name, repo, *_ = line.split("\t")
            repos[name] = repo.rsplit("/", 1)[-1]
    documents = []
    for path in sorted(source.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if not text.endswith("\n"):
            text += "\n"
        kind = KIND_LINE.search(text)
        documents.append(
            Document(text, repos.get(path.name, "chart"), kind.group(1) if kind else "Object")
        )
    if not documents:
        raise FileNotFoundError(f"no *.yaml documents in {source}")
    return documents


def injected_deployment(number: int, with_annotation: bool) -> str:
    """A Deployment that pulls from the HTTP registry; the annotation, if any, lacks the port."""
    name = f"injected-{number:04d}"
    host = REGISTRY.split(":")[0]
    annotations = (
        f'      annotations:\n        {HTTP_ENDPOINT}: "{host}"\n' if with_annotation else ""
    )
    return (
        "---\n"
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        f"  name: {name}\n"
        "spec:\n"
        "  replicas: 1\n"
        "  selector:\n"
        "    matchLabels:\n"
        f"      app: {name}\n"
        "  template:\n"
        "    metadata:\n"
        "      labels:\n"
        f"        app: {name}\n"
        f"{annotations}"
        "    spec:\n"
        "      containers:\n"
        "        - name: app\n"
        f"          image: {REGISTRY}/app:1\n"
    )


def move_images_to_registry(text: str) -> str:
    """Point every `image:` at the HTTP registry, keeping the repository path and tag."""

    def rewrite(match: re.Match[str]) -> str:
        prefix, quote, image = match.groups()
        first, _, rest = image.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            image = rest  # drop the original registry host
        return f"{prefix}{quote}{REGISTRY}/{image}{quote}"

    return IMAGE_LINE.sub(rewrite, text)


def helm_rendered(documents: list[Document]) -> str:
    """Documents as `helm template` prints them: `---`, then `# Source:`, then the document."""
    chart = documents[0].repo
    parts = []
    for doc in documents:
        source = (
            ""
            if SOURCE_LINE.match(doc.text)
            else (f"# Source: {chart}/templates/{doc.kind.lower()}.yaml\n")
        )
        parts.append(f"---\n{source}{doc.text}")
    return "".join(parts)


class UnitMaker:
    """Draws files from the real documents with one seeded generator, so output is reproducible."""

    def __init__(self, documents: list[Document], seed: int) -> None:
        self.documents = documents
        self.weights = [len(doc.text) ** SIZE_WEIGHT for doc in documents]
        self.rng = random.Random(seed)

    def draw(self, count: int) -> list[Document]:
        return self.rng.choices(self.documents, weights=self.weights, k=count)

    def make(self, index: int, max_documents: int) -> Unit:
        """A clean file: one real document, or a Helm-rendered run of several."""
        if max_documents > 1 and self.rng.random() < HELM_RATE:
            count = min(self.rng.randint(*HELM_DOCS), max_documents)
            docs = self.draw(count)
            name = f"rendered/{docs[0].repo}-{index:04d}.yaml"
            return Unit(name, helm_rendered(docs), count)
        (doc,) = self.draw(1)
        return Unit(f"{doc.repo}/{index:04d}-{doc.kind.lower()}.yaml", doc.text, 1)

    def inject(self, unit: Unit, index: int, room: int) -> Unit:
        """The same file with one finding added; `room` is how many documents may be added."""
        kinds = list(INJECTIONS)
        if room < 1:
            kinds = ["rewritten-image"]
        elif not IMAGE_LINE.search(unit.text):
            kinds = kinds[:2]
        kind = self.rng.choice(kinds)
        if kind == "rewritten-image":
            if not IMAGE_LINE.search(unit.text):
                return unit  # nothing to rewrite and no room to add a document
            return Unit(unit.name, move_images_to_registry(unit.text), unit.documents, kind)
        deployment = injected_deployment(index, with_annotation=kind == "appended-missing-port")
        return Unit(unit.name, unit.text + deployment, unit.documents + 1, kind)


def write_config(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / ".ekslint.yaml").write_text(CONFIG, encoding="utf-8")


def write_units(directory: Path, units: list[Unit]) -> None:
    """Each unit as a file under `directory`, with the config beside them."""
    write_config(directory)
    for unit in units:
        path = directory / unit.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(unit.text, encoding="utf-8")


def describe(directory: Path, target: str, units: list[Unit], files: int | None = None) -> dict:
    return {
        "path": str(directory),
        "target": target,
        "files": len(units) if files is None else files,
        "documents": sum(unit.documents for unit in units),
        "bytes": sum(len(unit.text.encode()) for unit in units),
        "injections": dict(Counter(unit.injection for unit in units if unit.injection)),
    }


def build_small(directory: Path) -> dict:
    units = [Unit("deployment.yaml", SMALL_DEPLOYMENT, 1)]
    write_units(directory, units)
    return describe(directory, "deployment.yaml", units)


def build_dir(directory: Path, units: list[Unit]) -> dict:
    write_units(directory, units)
    injected = {unit.name: unit.injection for unit in units if unit.injection}
    return {**describe(directory, ".", units), "injected_files": injected}


def build_staged(directory: Path, units: list[Unit]) -> dict:
    import subprocess

    write_units(directory, [*units, Unit("deployment.yaml", SMALL_DEPLOYMENT, 1)])
    try:  # ekslint lists a work tree's files with git; without git it walks the folder
        for command in (["init", "-q"], ["add", "-A"]):
            subprocess.run(["git", *command], cwd=directory, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pass
    return describe(directory, "deployment.yaml", [Unit("deployment.yaml", SMALL_DEPLOYMENT, 1)])


def build_big(maker: UnitMaker, directory: Path) -> dict:
    """Units made like the directory's, 10 % injected, concatenated to exactly 10,000 docs."""
    units: list[Unit] = []
    documents = 0
    while documents < BIG_DOCUMENTS:
        room = BIG_DOCUMENTS - documents
        unit = maker.make(len(units), max_documents=room)
        if maker.rng.random() < INJECT_RATE:
            unit = maker.inject(unit, len(units), room=room - unit.documents)
        if not unit.text.startswith("---\n"):  # it follows another document
            unit.text = "---\n" + unit.text
        units.append(unit)
        documents += unit.documents
    write_config(directory)
    (directory / "big.yaml").write_text("".join(unit.text for unit in units), encoding="utf-8")
    return describe(directory, "big.yaml", units, files=1)


STREAM_BYTES = 100_000_000
STREAM_DEPLOYMENT = """---
# Source: shop/templates/app-{i}.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{ns}
  labels:
    app.kubernetes.io/name: app-{i}
    app.kubernetes.io/part-of: shop
spec:
  replicas: 3
  selector:
    matchLabels:
      app.kubernetes.io/name: app-{i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-{i}
      annotations:
        {annotation}
    spec:
      serviceAccountName: app
      imagePullSecrets:
        - name: regcred
      initContainers:
        - name: migrate
          image: 10.0.{ns}.1:5000/team/migrate:1.{i}
          command: ["/bin/migrate", "--all"]
      containers:
        - name: app
          image: 10.0.{ns}.1:5000/team/app-{i}:v1.2.{i}
          ports:
            - containerPort: 8080
              name: http
          env:
            - name: LOG_LEVEL
              value: info
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          resources:
            requests: {{cpu: 250m, memory: 256Mi}}
            limits: {{cpu: "1", memory: 512Mi}}
          readinessProbe:
            httpGet: {{path: /healthz, port: http}}
            periodSeconds: 10
        - name: logger
          image: ccr.ccs.tencentyun.com/tke/logger:2.{ns}
"""


def write_stream(path: Path, size: int) -> tuple[int, int]:
    """Realistic Deployments up to ``size`` bytes, 1 in 10 with the HTTP endpoint's port
    missing (EKS003): (documents, bytes) written. tests/test_robustness.py writes its 100 MB
    stream with this too."""
    written = count = 0
    with open(path, "w", encoding="utf-8") as out:
        while written < size:
            ns = count % 200
            port = "" if count % 10 == 9 else ":5000"
            annotation = f'{HTTP_ENDPOINT}: "10.0.{ns}.1{port}"'
            text = STREAM_DEPLOYMENT.format(i=count, ns=ns, annotation=annotation)
            out.write(text)
            written += len(text)
            count += 1
    return count, written


def build_stream(directory: Path) -> dict:
    """Deployments up to 100 MB, 1 in 10 with the HTTP endpoint's port missing (EKS003)."""
    write_config(directory)
    count, written = write_stream(directory / "stream.yaml", STREAM_BYTES)
    return {
        "path": str(directory),
        "target": "stream.yaml",
        "files": 1,
        "documents": count,
        "bytes": written,
        "injections": {"http-endpoint-missing-port": count // 10},
    }


def build_corpora(
    out_dir: Path | str,
    source: Path | str | None = None,
    seed: int = SEED,
    stream: bool = False,
) -> dict:
    """Build every corpus under `out_dir` (replacing old ones) and describe them.

    Returns ``{name: {"path", "target", "files", "documents", "bytes", "injections"}}`` for the
    names ``small``, ``staged``, ``dir_clean``, ``dir`` and ``big`` (and ``stream`` when asked):
    run a tool from ``path`` on ``target``; ``injections`` counts the findings injected, by kind
    (see `INJECTIONS`). The directories also list ``injected_files``: each changed file
    (relative path) and its kind of injection.
    The same description is written to ``out_dir/corpora.json``.
    """
    out = Path(out_dir).resolve()
    source = Path(source) if source else default_source()
    maker = UnitMaker(load_documents(source), seed)
    for name in ("small", "staged", "dir_clean", "dir", "big", "stream"):
        shutil.rmtree(out / name, ignore_errors=True)
    clean = [maker.make(i, max_documents=HELM_DOCS[1]) for i in range(DIR_FILES)]
    chosen = set(maker.rng.sample(range(DIR_FILES), round(DIR_FILES * INJECT_RATE)))
    dirty = [maker.inject(u, i, room=1) if i in chosen else u for i, u in enumerate(clean)]
    corpora = {
        "small": build_small(out / "small"),
        "staged": build_staged(out / "staged", clean),
        "dir_clean": build_dir(out / "dir_clean", clean),
        "dir": build_dir(out / "dir", dirty),
        "big": build_big(maker, out / "big"),
    }
    if stream:
        corpora["stream"] = build_stream(out / "stream")
    description = {"source": str(source), "seed": seed, "corpora": corpora}
    (out / "corpora.json").write_text(json.dumps(description, indent=2) + "\n", encoding="utf-8")
    return corpora


def default_source() -> Path:
    """`<repo>/../shared/corpus/real`, the repository being this file's parent's parent."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "real"
