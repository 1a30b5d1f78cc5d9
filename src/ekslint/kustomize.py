"""``ekslint --kustomize DIR [--fix]``: render DIR, report each finding at its source, and fix
the source files — or, where a fix cannot go back to a local source (a generated or remote
object, or a value the overlay made), write it as a patch into DIR and list it in DIR's
kustomization.

Fixes to a source file are the fixer's own, made by linting that file: a finding of the
rendered output is fixed there only when linting the source reports the same rule at the same
position (so a base shared by several overlays is changed only where the change is right for
it as written). Everything else becomes a patch. Afterwards DIR is rendered again, to check that
it still builds (a patch that breaks the build is taken back) and to report what remains.
"""

from __future__ import annotations

import io
import os

import yaml

from ekslint import exitcodes
from ekslint.fix.fixer import Fixer, WriteOptions, unified_diff, write_atomically
from ekslint.fix.overlay import (
    OverlayError,
    add_patch_entry,
    annotation_changes,
    merge,
    patch_document,
    patch_file_name,
    strip_name,
)
from ekslint.input.kustomize import KustomizeError, kustomization_file, read_kustomization, render
from ekslint.kube.origins import OriginLocator
from ekslint.lint.engine import FileResult, Linter
from ekslint.lint.findings import Finding, Fix, InputError
from ekslint.record import field, record
from ekslint.report import RunReport, writer

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import TextIO

    from ekslint.run import Run


def lint_rendered(linter: Linter, folder: str, keep_text: bool) -> FileResult:
    rendered = render(folder)
    linter.origins = OriginLocator(rendered.base)
    result = FileResult(f"<kustomize {folder}>")
    linter.lint_stream(io.BytesIO(rendered.text.encode("utf-8")), result, keep_text)
    linter.resolve_deferred()
    linter.finish(result)
    return result


def at_origin(finding: Finding) -> Finding:
    """The finding reported where its source is (when that is a local file position)."""
    origin = finding.origin
    if origin is not None and origin.repo is None and origin.line:
        finding.path, finding.line, finding.column = origin.path, origin.line, origin.column
    return finding


@record
class Outcome:
    fixed: list[Finding] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    diff: str = ""


def execute(run: Run, out: TextIO, err: TextIO) -> int:
    args = run.options
    folder = args.kustomize
    assert folder is not None  # Run.execute comes here only with it
    fixing = bool(args.fix or args.diff)
    outcome = Outcome()
    try:
        result = lint_rendered(Linter(run.settings), folder, keep_text=fixing)
        if fixing and not result.errors:
            _fix(run, folder, result, outcome)
            if args.fix and outcome.fixed:
                result = lint_rendered(Linter(run.settings), folder, keep_text=False)
    except KustomizeError as exc:
        err.write(f"ekslint: {exc}\n")
        return exitcodes.ERROR
    linter = run.linter
    report = RunReport(
        linter.platform,
        {rule_id: linter.severity(rule_id) for rule_id in linter.platform.rules},
        files=1,
        fix_mode=bool(args.fix),
        unsafe_fixes=bool(args.unsafe_fixes),
        configured=linter.selection.configured,
    )
    report.findings = sorted((at_origin(f) for f in result.findings), key=Finding.sort_key)
    report.fixed = outcome.fixed
    report.errors = result.errors + outcome.errors
    report.notes = result.notes
    report.paths = [result.path]
    report.quiet = args.quiet
    report.statistics = args.statistics
    if args.diff:
        out.write(outcome.diff)
        out = err
    target, handle = out, None
    if args.output:
        try:
            handle = open(args.output, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            err.write(f"ekslint: cannot write {args.output}: {exc.strerror}\n")
            return exitcodes.ERROR
        target = handle
    try:
        writer(args.format)(report, target, err, args.colour)
    finally:
        if handle is not None:
            handle.close()
    if report.errors:
        return exitcodes.ERROR
    if args.diff:
        return exitcodes.FINDINGS if outcome.diff else exitcodes.CLEAN
    return exitcodes.FINDINGS if report.findings and not args.exit_zero else exitcodes.CLEAN


def _fixable(finding: Finding, unsafe: bool) -> bool:
    fix = finding.fix
    return fix is not None and bool(fix.edits) and (fix.applicability == "safe" or unsafe)


def _fix(run: Run, folder: str, result: FileResult, outcome: Outcome) -> None:
    unsafe, write = run.options.unsafe_fixes, not run.options.diff
    fixable = [f for f in result.findings if _fixable(f, unsafe)]
    by_source: dict[str, list[Finding]] = {}
    leftovers: list[Finding] = []
    for finding in fixable:
        origin = finding.origin
        if (
            origin is not None
            and origin.repo is None
            and origin.line
            and os.path.isfile(origin.path)
        ):
            by_source.setdefault(origin.path, []).append(finding)
        else:
            leftovers.append(finding)
    fixed_before = len(outcome.fixed)
    leftovers += _fix_sources(run, by_source, unsafe, write, outcome)
    if leftovers and write and len(outcome.fixed) > fixed_before:
        # A patch replaces the whole annotation value: built from the render before the source
        # fixes, it would put back what they fixed. Render again and patch what is still wrong.
        wanted = {(f.rule, f.object) for f in leftovers}
        result = lint_rendered(Linter(run.settings), folder, keep_text=True)
        leftovers = [
            f for f in result.findings if _fixable(f, unsafe) and (f.rule, f.object) in wanted
        ]
    along: list[Finding] = []
    if leftovers and not write:
        # Nothing written to render again (--diff): the patch carries the source fixes of its
        # objects too, so the value it sets is the fixed one.
        done = {(f.path, f.rule, f.line, f.column) for f in outcome.fixed[fixed_before:]}
        objects = {f.object for f in leftovers}
        along = [
            f
            for path, rendered in by_source.items()
            for f in rendered
            if f.origin
            and f.object in objects
            and (path, f.rule, f.origin.line, f.origin.column) in done
        ]
    if leftovers:
        _patch_overlay(run, folder, result, leftovers, unsafe, write, outcome, along)


def _fix_sources(
    run: Run, by_source: dict[str, list[Finding]], unsafe: bool, write: bool, outcome: Outcome
) -> list[Finding]:
    """Fix the source files; the rendered findings that had no twin in their source."""
    linter = Linter(run.settings)
    results = {path: linter.lint_file(path, path, keep_text=True) for path in by_source}
    linter.resolve_deferred()
    not_matched: list[Finding] = []
    for path, rendered in by_source.items():
        source = results[path]
        linter.finish(source)
        wanted = {(f.rule, f.origin.line, f.origin.column) for f in rendered if f.origin}
        twins = [f for f in source.findings if (f.rule, f.line, f.column) in wanted and f.fix]
        found = {(f.rule, f.line, f.column) for f in twins}
        not_matched += [
            f
            for f in rendered
            if f.origin and (f.rule, f.origin.line, f.origin.column) not in found
        ]
        if not twins:
            continue
        allowed = {
            (f.rule, f.object.kind if f.object else None, f.object.name if f.object else None)
            for f in twins
        }

        def only(f: Finding, allowed: set[tuple[str, str | None, str | None]] = allowed) -> bool:
            ref = f.object
            return (f.rule, ref.kind if ref else None, ref.name if ref else None) in allowed

        source.findings = twins + [f for f in source.findings if f not in twins]
        options = WriteOptions.for_paths(
            list(by_source),
            outside_links=run.options.fix_outside_links,
            read_only=run.options.fix_read_only,
        )
        fixer = Fixer(linter, unsafe=unsafe, write=write, only=only, options=options)
        fixed = fixer.fix(path, source)
        outcome.fixed.extend(fixed.fixed)
        outcome.diff += fixed.diff
        if fixed.error is not None:
            outcome.errors.append(fixed.error)
    return not_matched


def _patch_overlay(
    run: Run,
    folder: str,
    result: FileResult,
    findings: list[Finding],
    unsafe: bool,
    write: bool,
    outcome: Outcome,
    along: list[Finding],
) -> None:
    """Patches in the overlay for ``findings``; ``along``: findings fixed in their sources,
    applied to the rendered objects as well (not reported again)."""
    kustomization = kustomization_file(folder)
    assert kustomization is not None  # render() checked
    settings = read_kustomization(kustomization)
    prefix, suffix = str(settings.get("namePrefix") or ""), str(settings.get("nameSuffix") or "")
    linter = Linter(run.settings)
    linter.origins = run.linter.origins
    wanted = {(f.rule, f.chunk, f.object) for f in [*findings, *along]}
    already = {id(f) for f in along}
    fixer = Fixer(
        linter, unsafe=unsafe, write=False, only=lambda f: (f.rule, f.chunk, f.object) in wanted
    )
    with open(kustomization, encoding="utf-8", newline="") as handle:
        original = handle.read()
        read_stat = os.fstat(handle.fileno())
    text = original
    written: dict[str, str | None] = {}  # patch file -> its previous text (None: new)
    fixed: list[Finding] = []
    for index in sorted({f.chunk for f in findings}):
        new_text, done = fixer.fix_chunk(index, result)
        before_text = result.chunks[index][1]
        if new_text == before_text:
            continue
        try:
            before, after = yaml.safe_load(before_text), yaml.safe_load(new_text)
            body = annotation_changes(before, after)
            if not body:
                continue
            name = strip_name(str(after["metadata"]["name"]), prefix, suffix)
            patch_name = patch_file_name(str(after["kind"]), name)
            patch_text = (
                "# Written by ekslint --fix: what ekslint fixed in the rendered object, for "
                "a source it cannot edit.\n"
                + patch_document(str(after["kind"]), str(after["apiVersion"]), name, body)
            )
            updated = add_patch_entry(text, patch_name)
        except (OverlayError, yaml.YAMLError, KeyError, TypeError) as exc:
            outcome.errors.append(InputError(kustomization, 0, 0, f"not patched: {exc}"))
            continue
        patch_path = os.path.join(folder, patch_name)
        previous = _read(patch_path)
        if previous is not None:  # an earlier run's patch: keep what it changed
            try:
                earlier = yaml.safe_load(previous)
            except yaml.YAMLError:
                earlier = None
            if isinstance(earlier, dict):
                kept = {k: v for k, v in earlier.items() if k not in ("apiVersion", "kind")}
                meta = kept.get("metadata")
                if isinstance(meta, dict):
                    kept["metadata"] = {k: v for k, v in meta.items() if k != "name"}
                patch_text = (
                    patch_text.split("\n", 1)[0]
                    + "\n"
                    + patch_document(
                        str(after["kind"]), str(after["apiVersion"]), name, merge(kept, body)
                    )
                )
        if write:
            written.setdefault(patch_path, previous)
            error = (
                write_atomically(patch_path, patch_text, None)
                if previous is not None
                else _create(patch_path, patch_text)
            )
            if error is not None:
                outcome.errors.append(InputError(patch_path, 0, 0, error))
                continue
        else:
            outcome.diff += unified_diff(patch_path, previous or "", patch_text)
        if updated is not None:
            text = updated
        for finding in done:
            if id(finding) in already:
                continue
            if finding.fix is not None:  # say where the fix went
                finding.fix = Fix(
                    finding.fix.applicability,
                    f"{finding.fix.description} (as a patch in {patch_path})",
                    finding.fix.edits,
                )
            fixed.append(at_origin(finding))
    if text != original:
        if write:
            error = write_atomically(kustomization, text, read_stat)
            if error is not None:
                outcome.errors.append(InputError(kustomization, 0, 0, error))
                return
        else:
            outcome.diff += unified_diff(kustomization, original, text)
    if write and written:
        try:
            render(folder)
        except KustomizeError as exc:  # take the patches back: the overlay must still build
            write_atomically(kustomization, original, None)
            for path, previous in written.items():
                if previous is None:
                    os.unlink(path)
                else:
                    write_atomically(path, previous, None)
            outcome.errors.append(InputError(kustomization, 0, 0, f"patches taken back: {exc}"))
            return
    outcome.fixed.extend(fixed)


def _create(path: str, text: str) -> str | None:
    """Write a new file (never through an existing name or link); an error message or None."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as exc:
        return f"not fixed: cannot create: {exc.strerror}"
    return None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except OSError:
        return None
