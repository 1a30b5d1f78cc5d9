"""The pipeline: read inputs -> find pod templates -> run rules -> collect findings.

Documents are processed one at a time and dropped; what later documents may change (a
ServiceAccount's pull secrets, cluster-wide annotation defaults) is settled at the end through
the pending findings the checks yield.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator

import yaml

from ekslint.config.settings import Settings
from ekslint.data import workloads
from ekslint.input import helm, read
from ekslint.input.helm import chart_of
from ekslint.input.prefilter import DocumentFilter, check_syntax
from ekslint.input.yamlnodes import (
    MappingNode,
    SequenceNode,
    check_alias_expansion,
    compose_documents,
    is_null,
    parse_error,
)
from ekslint.kube.carriers import (
    CONTAINER_LISTS,
    carrier_elsewhere,
    carrier_of,
    first_image_outside,
    holds_no_pods,
    pod_templates,
)
from ekslint.kube.globals import global_defaults_view, is_global_defaults
from ekslint.kube.inventory import Inventory
from ekslint.kube.objects import (
    ORIGIN_ANNOTATION,
    KubeObject,
    PodTemplate,
    api_group,
    as_object,
    is_core,
    is_foreign,
    objects_of,
)
from ekslint.kube.pods import build_pod, share_metadata
from ekslint.kube.registries import RegistryCatalog
from ekslint.lint.checks import CHECKS, load_all
from ekslint.lint.checks.metadata import ObjectView
from ekslint.lint.context import Context
from ekslint.lint.findings import Finding, InputError, NodeProblem, Note
from ekslint.lint.rulepack import Platform, Rule, load_platform
from ekslint.lint.selection import RuleSelection
from ekslint.lint.suppress import Suppressions
from ekslint.record import field, record
from ekslint.report.escape import escape_controls

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from ekslint.kube.origins import OriginLocator
    from ekslint.lint.deferred import Pending


@record
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    chunks: dict[int, tuple[int, str]] = field(default_factory=dict)  # kept when fixing
    suppressions: Suppressions | None = None
    chunks_had_bom: bool = False
    stat: os.stat_result | None = None  # when read, to refuse writing over a newer file
    skipped: bool = False  # a raw template: not linted
    # A chunk that could not be decoded (or the rest of an oversized input) is not in ``chunks``.
    text_lost: bool = False
    # Documents that are mappings, and those of them that are Kubernetes objects (an apiVersion
    # and a kind): a file of mappings none of which is one - a tool's YAML config - is not
    # reported as checked (named explicitly, as pre-commit does, it is like a non-Kubernetes JSON).
    mappings: int = 0
    objects: int = 0
    # The chart folder, for a values file beside a Chart.yaml (read as chart values).
    chart: str | None = field(init=False)

    def __post_init__(self) -> None:
        self.chart = chart_of(self.path)


class Linter:
    """Lints inputs under one set of settings. Create once per run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.platform: Platform = load_platform(settings.platform)
        self.catalog = RegistryCatalog()
        self.selection = RuleSelection(self.platform, settings)
        checks = load_all()
        self.pod_rules: list[Rule] = []
        self.object_rules: list[Rule] = []
        for rule in self.platform.rules.values():
            if rule.check not in checks:
                raise KeyError(f"rule {rule.id} names unknown check {rule.check!r}")
            if self.selection.enabled(rule.id):
                (self.object_rules if rule.scope == "object" else self.pod_rules).append(rule)
        self.inventory = Inventory()
        self.deferred: list[tuple[FileResult, Pending]] = []  # settled after all inputs
        self.origins: OriginLocator | None = None  # made when rendered input names sources
        # Documents read again, to fix them: the ServiceAccounts and Secrets they declare are
        # in the inventory already, and taking them again would make theirs the last read of
        # two different declarations, changing what other documents' findings settle against.
        self.rereading = False  # (see reading_again)
        self._document_filter: DocumentFilter | None = None

    def reading_again(self) -> _ReadingAgain:
        """``with linter.reading_again():`` sets ``rereading`` for the block."""
        return _ReadingAgain(self)

    @property
    def document_filter(self) -> DocumentFilter:
        """Which chunks need composing (built on first use: a one-file run may not need it)."""
        if self._document_filter is None:
            self._document_filter = document_filter(self.platform)
        return self._document_filter

    # -- reading ---------------------------------------------------------------------------

    def lint_file(
        self,
        path: str,
        display: str | None = None,
        keep_text: bool = False,
    ) -> FileResult:
        name = display or path
        result = FileResult(name)
        try:
            stream = read.open_input(path)
        except OSError as exc:
            result.errors.append(InputError(name, 0, 0, f"cannot read: {exc.strerror or exc}"))
            return result
        if keep_text and path != "-":
            import contextlib

            with contextlib.suppress(OSError):
                result.stat = os.fstat(stream.fileno())
        try:
            self.lint_stream(stream, result, keep_text)
        except OSError as exc:
            result.errors.append(InputError(name, 0, 0, f"cannot read: {exc.strerror or exc}"))
        finally:
            if path != "-":
                stream.close()
        return result

    def lint_stream(
        self,
        stream: Iterable[bytes],
        result: FileResult,
        keep_text: bool,
        start: tuple[int, int] = (0, 0),
    ) -> None:
        """Lint every document of a stream; ``start``: the line and chunk index it starts at
        in its input, when it is a run of a large file (``read.document_runs``)."""
        suppressions = Suppressions(result.path, self.platform)
        result.suppressions = suppressions
        chunks = read.iter_chunks(stream, result.path, *start)  # type: ignore[arg-type]
        for chunk in chunks:
            if isinstance(chunk, InputError):
                result.errors.append(chunk)
                result.text_lost = True
                continue
            if keep_text:
                result.chunks[chunk.index] = (chunk.first_line, chunk.text)
                result.chunks_had_bom |= chunk.bom
            if "ekslint" in chunk.text:
                suppressions.scan(chunk.text, chunk.first_line)
            if result.skipped:
                continue  # only keeping the text, to pass a skipped stream through
            templated = helm.may_be_template(chunk.text)
            if templated and helm.is_raw_template(chunk.text):
                self._skip_template(result, keep_text)
                if not keep_text:
                    return
                continue
            errors_before = len(result.errors)
            findings = self.lint_chunk(chunk, result)
            if templated and len(result.errors) > errors_before:
                del result.errors[errors_before:]  # it did not parse because it is a template
                self._skip_template(result, keep_text)
                if not keep_text:
                    return
                continue
            result.findings.extend(findings)

    def _skip_template(self, result: FileResult, keep_text: bool) -> None:
        result.notes.append(Note(result.path, helm.RAW_TEMPLATE_NOTE))
        result.findings.clear()
        result.skipped = True
        if not keep_text:
            result.chunks.clear()
        self.deferred = [(r, d) for r, d in self.deferred if r is not result]

    def lint_chunk(self, chunk: read.Chunk, result: FileResult) -> list[Finding]:
        """Findings of one document chunk (pending ones are queued on the linter)."""
        text, first_line = chunk.text, chunk.first_line
        skipped = None if result.chart is not None else self.document_filter.skip(text)
        if skipped is not None:
            if skipped:  # a mapping: counted as the composed path counts it
                result.mappings += 1
                if skipped[0] and skipped[1]:
                    result.objects += 1
            try:
                check_syntax(text)  # no finding can come from it, but its YAML errors do
            except yaml.YAMLError as exc:
                line, column, message = parse_error(exc, text)
                result.errors.append(
                    InputError(result.path, first_line + line + 1, column + 1, message)
                )
            return []
        source = helm.template_source(text)
        ctx = Context(self.settings, self.platform, self.catalog, result.path, chunk, source)
        findings: list[Finding] = []
        pending: list[Pending] = []
        try:
            for root in compose_documents(text):
                if root is None or is_null(root):
                    continue  # an empty document (`---` alone, or only comments)
                if not isinstance(root, MappingNode):
                    kind = "a list" if isinstance(root, SequenceNode) else "a scalar"
                    mark = root.start_mark
                    result.errors.append(
                        InputError(
                            result.path,
                            first_line + mark.line + 1,
                            mark.column + 1,
                            f"document is {kind}, not a Kubernetes object (a mapping)",
                        )
                    )
                    continue
                check_alias_expansion(root, text)
                result.mappings += 1
                obj = as_object(root)
                if obj is not None:
                    result.objects += 1
                if result.chart is not None:
                    reports: Iterable[Finding | Pending] = self._lint_values(
                        root, ctx, result.chart
                    )
                else:
                    reports = (
                        reported
                        for each in objects_of(obj)
                        for reported in self._lint_object(each, ctx, result)
                    )
                for reported in reports:
                    if isinstance(reported, Finding):
                        findings.append(reported)
                    else:
                        pending.append(reported)
        except (yaml.YAMLError, NodeProblem, RecursionError) as exc:
            line, column, message = parse_error(exc, text)
            result.errors.append(
                InputError(result.path, first_line + line + 1, column + 1, message)
            )
            return findings
        # Only a chunk read to its end: an unreadable one reports its error, not guesses.
        self.deferred.extend((result, p) for p in pending)
        self.add_notes(result, ctx.notes)
        return findings

    def add_notes(self, result: FileResult, notes: list[Note]) -> None:
        """Notes of the checks, each once in a file: several checks may refuse the same edit."""
        for note in notes:
            if note not in result.notes:
                result.notes.append(note)

    def _lint_object(
        self, obj: KubeObject, ctx: Context, result: FileResult
    ) -> Iterator[Finding | Pending]:
        if not self.rereading:
            self.inventory.take(obj)
        if is_foreign(obj) or carrier_elsewhere(obj, self.platform.name):
            line = ctx.chunk.first_line + obj.node.start_mark.line + 1
            result.notes.append(
                Note(
                    result.path,
                    f"line {line}: {obj.ref.describe()} ({escape_controls(obj.api_version)}) "
                    "exists only on another platform: not checked",
                    line,
                    obj.node.start_mark.column + 1,
                )
            )
            return
        ctx.origin_of = None
        if ctx.names_origins:
            if self.origins is None:
                from ekslint.kube.origins import OriginLocator

                self.origins = OriginLocator()
            ctx.origin_of = self.origins.for_object(obj)
        templates = list(pod_templates(obj))
        carrier = carrier_of(obj)
        if (carrier is None and not holds_no_pods(obj)) or (carrier and not carrier.core):
            self._note_unread_images(obj, templates, ctx, result)
        if result.suppressions is not None:
            result.suppressions.scan_object(obj, templates, ctx.chunk.first_line)
        if is_global_defaults(obj, self.platform):
            defaults = global_defaults_view(obj, self.platform, ctx.chunk.text)
            if defaults is not None:
                self.inventory.global_sites.extend(defaults.sites)
                for rule in self.pod_rules:
                    found = CHECKS[rule.check](rule, defaults, ctx)
                    if found:
                        yield from found
        pods = []
        for template in templates:
            try:
                pods.append(build_pod(template, self.platform))
            except NodeProblem as exc:
                if is_core(obj):
                    raise
                line = ctx.chunk.first_line + exc.line + 1
                result.notes.append(
                    Note(
                        result.path,
                        f"line {line}: {obj.ref.describe()}: {exc.message}; "
                        "not read as a pod template",
                        line,
                        exc.column + 1,
                    )
                )
        share_metadata(pods)
        self.inventory.add_pods(pods)
        for pod in pods:
            for rule in self.pod_rules:
                found = CHECKS[rule.check](rule, pod, ctx)
                if found:
                    yield from found
        if self.object_rules:
            view = ObjectView(obj, pods)
            for rule in self.object_rules:
                found = CHECKS[rule.check](rule, view, ctx)
                if found:
                    yield from found

    def _lint_values(self, root: MappingNode, ctx: Context, chart: str) -> list[Finding | Pending]:
        """A chart's values file: the value rules on each podAnnotations mapping, and registry
        annotations under commonAnnotations that the templates never bring to a pod."""
        from ekslint.kube import chartvalues

        obj = KubeObject("HelmValues", "", root, None, os.path.basename(ctx.path), None)
        views = chartvalues.values_views(obj, self.platform, list(self.settings.registries))
        findings: list[Finding | Pending] = []
        for view in views:
            for rule in self.pod_rules:
                if rule.check in chartvalues.VALUE_CHECKS:
                    findings.extend(CHECKS[rule.check](rule, view, ctx) or ())
        object_view = ObjectView(obj, list(views))
        for rule in self.object_rules:
            if rule.check in chartvalues.VALUE_CHECKS:
                findings.extend(CHECKS[rule.check](rule, object_view, ctx) or ())
        for finding in findings:
            if isinstance(finding, Finding):  # the value checks settle nothing later
                chartvalues.keep_the_mapping(finding, views, ctx.chunk)
        misplaced = next((r for r in self.pod_rules if r.check == "misplaced"), None)
        common = chartvalues.common_annotation_sites(obj, self.platform)
        if misplaced and common and chartvalues.templates_put_common_into_pods(chart) is False:
            for where, key_node in common:
                findings.append(
                    ctx.finding(
                        misplaced,
                        key_node,
                        f"{key_node.value} under {where} never reaches the pods: this chart's "
                        f"templates put {chartvalues.COMMON_ANNOTATIONS} on the objects' own "
                        f"metadata, not into any pod template; set it under "
                        f"{chartvalues.POD_ANNOTATIONS}",
                        obj=obj.ref,
                        # A warning: ekslint read the templates' text, not a rendering, and
                        # a helper template could still bring the value to the pods.
                        severity="warning",
                    )
                )
        return findings

    def _note_unread_images(
        self, obj: KubeObject, templates: list[PodTemplate], ctx: Context, result: FileResult
    ) -> None:
        """An object ekslint has no carrier for that still names images: say so, once."""
        if not ctx.may_name_images:
            return  # a third of such objects: custom resources with no image at all
        node = first_image_outside(obj, templates, ctx.spans)
        if node is None:
            return
        mark = node.start_mark
        line, column = ctx.chunk.first_line + mark.line + 1, mark.column + 1
        group = api_group(obj.api_version) or "core"
        why = (
            f"its carrier for kind {obj.kind} in group {group} does not read them; extend it"
            if carrier_of(obj) is not None
            else f"it knows no pod carrier for kind {obj.kind} in group {group}; add one"
        )
        result.notes.append(
            Note(
                result.path,
                f"line {line}: {obj.ref.describe()} ({obj.api_version}) names images "
                f"(first at {result.path}:{line}:{column}) that ekslint does not check: "
                f"{why} to carriers in rules/workloads.yaml (README: Pods in custom resources)",
                line,
                column,
            )
        )

    # -- after all inputs -------------------------------------------------------------------

    def resolve_deferred(self) -> None:
        for result, pending in self.deferred:
            result.findings.extend(pending.settle(self.inventory))
        self.deferred.clear()

    def resolve_for(self, result: FileResult) -> list[Finding]:
        """Settle the pending findings of one (re-linted) result now; keep the others queued."""
        mine = [p for r, p in self.deferred if r is result]
        self.deferred = [(r, p) for r, p in self.deferred if r is not result]
        return [f for pending in mine for f in pending.settle(self.inventory)]

    def keep(self, findings: list[Finding], result: FileResult) -> list[Finding]:
        """Drop suppressed and deselected findings and duplicates; sort."""
        seen: set[tuple[str, int, int, str]] = set()
        kept: list[Finding] = []
        for finding in sorted(findings, key=Finding.sort_key):
            key = (finding.rule, finding.line, finding.column, finding.message)
            if key in seen:
                continue
            seen.add(key)
            if not self.selection.enabled_for(finding.rule, result.path):
                continue
            if result.suppressions is not None and result.suppressions.suppresses(finding):
                continue
            kept.append(finding)
        return kept

    def finish(self, result: FileResult) -> None:
        """Final findings of a file: kept findings plus problems with its suppressions."""
        kept = self.keep(result.findings, result)
        if result.suppressions is not None:
            kept.extend(result.suppressions.problems(self.selection))
            kept.sort(key=Finding.sort_key)
        result.findings = kept

    def severity(self, rule_id: str) -> str:
        return self.selection.severity(rule_id)

    def severity_of(self, finding: Finding) -> str:
        return self.selection.severity_of(finding.rule, finding.severity)


class _ReadingAgain:
    """``Linter.reading_again``'s context (contextlib is not on the start-up path)."""

    __slots__ = ("linter", "was")

    def __init__(self, linter: Linter) -> None:
        self.linter = linter
        self.was = linter.rereading

    def __enter__(self) -> None:
        self.linter.rereading = True

    def __exit__(self, *exc: object) -> None:
        self.linter.rereading = self.was


def document_filter(platform: Platform) -> DocumentFilter:
    """What makes a chunk worth composing, taken from the rule data and the code that reads
    it, so that a new platform or carrier is covered."""
    data = workloads()
    words = {
        platform.prefix,
        *platform.annotations.values(),
        *platform.known_annotations,
        # The generic pod search's container lists (carriers' own paths come with their kinds).
        *(path.rpartition(".")[2] for path in CONTAINER_LISTS),
        "image",  # also `images`: images outside any carrier get a note
        "Secret",  # pods' imagePullSecrets (Secrets themselves are known by their kind)
        "ekslint",  # suppression comments and the object annotation
        ORIGIN_ANNOTATION,
        "{{",  # templates
    }
    if platform.global_defaults:  # the cluster-wide defaults ConfigMap, known by its name
        words.add(platform.global_defaults["name"])
    carried = {(entry["group"], kind) for entry in data["carriers"] for kind in entry["kinds"]}
    no_pods = {(group, kind) for group, kinds in data["no-pods"].items() for kind in kinds}
    return DocumentFilter(
        words,
        {"ServiceAccount", "Secret"},  # taken into the inventory (inventory_entry), any group
        carried,
        data["foreign-api-groups"],
        no_pods,
    )
