"""One lint (or fix) run over the inputs: discovery, linting, fixing, reporting, exit code.

``Run(RunOptions(settings, paths=[...], ...)).execute(out, err)`` is the whole program without its
command line, for the CLI, a Python caller or a language server alike.
"""

from __future__ import annotations

import os

from ekslint import exitcodes
from ekslint.config.settings import Settings
from ekslint.input import read
from ekslint.kube.inventory import Inventory
from ekslint.lint.engine import FileResult, Linter
from ekslint.lint.findings import InputError, Note
from ekslint.record import record
from ekslint.report import FORMATS, RunReport, writer
from ekslint.report.escape import display, json_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from collections.abc import Callable, Sequence
    from concurrent.futures import ThreadPoolExecutor
    from typing import TextIO

    from ekslint.baseline import Baseline
    from ekslint.fix.fixer import Fixer, FixOutcome
    from ekslint.input.project import Listing

WRITE_THREADS = 4  # fixed files written (each waiting on its fsync) while the next are fixed
# Fewer files to fix than this are fixed here: forking the workers would cost more.
MIN_FORKED_FIXES = 4
# A fix worker is handed files a batch at a time, so that their writes overlap its fixing
# (only the batch's last write is waited for), in about three batches per worker, so that the
# workers still share the files evenly.
FIX_BATCHES_PER_WORKER = 3
MIN_FIX_BATCH = 4


@record(frozen=True)
class RunOptions:
    """What to run on and what to do with it. ``settings`` is the merged configuration for
    every file; or, with ``settings_for`` instead, each file gets the settings built for the
    config file nearest to it (``settings_for(path or None)``), like ruff."""

    settings: Settings | None
    paths: Sequence[str] = ()  # files, folders or "-" for stdin; none: the working directory
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False  # print the fixes as a diff and write nothing
    format: str = "text"  # a name in ekslint.report.FORMATS
    output: str | None = None  # write the report to this file instead of stdout
    colour: str = "auto"  # "auto", "always" or "never" (text format)
    stdin_filename: str | None = None  # the name of "-" in reports
    exit_zero: bool = False
    jobs: int = 0  # worker processes; 0: decide from the size of the inputs
    fix_outside_links: bool = False  # follow symlinks out of the paths given
    fix_read_only: bool = False  # replace files their owner may not write
    kustomize: str | None = None  # a kustomization folder to render and lint instead of paths
    baseline: str | None = None  # a file of accepted findings: report only the others
    write_baseline: str | None = None  # write the current findings there instead
    add_suppressions: str | None = None  # the reason for suppression comments
    settings_for: Callable[[str | None], Settings] | None = None
    isolated: bool = False  # no project context (and, on the command line, no config)
    fail_on: str = "warning"  # the lowest severity that makes the exit code 1
    exit_non_zero_on_fix: bool = False
    statistics: bool = False
    quiet: bool = False

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown format {self.format!r}; known: {', '.join(FORMATS)}")
        if self.fail_on not in ("error", "warning"):
            raise ValueError(f"fail_on must be 'error' or 'warning', not {self.fail_on!r}")
        object.__setattr__(self, "paths", list(self.paths) or ["."])  # frozen: set once, here


class Run:
    """One run; with ``options.settings_for``, one Linter per config file in use (built when a
    file under it is met), sharing the cross-object inventory."""

    def __init__(self, options: RunOptions) -> None:
        if options.settings is None and options.settings_for is None:
            raise ValueError("RunOptions needs settings or settings_for")
        self.options = options
        self.fixing = options.fix or options.diff
        # Suppression comments are written into the text as read; fingerprints read the
        # findings' lines, again from the files, but a stream can only be read once.
        fingerprinting = bool(options.baseline or options.write_baseline)
        self.keep_text = (
            self.fixing
            or options.add_suppressions is not None
            or (fingerprinting and "-" in options.paths)
        )
        self.settings_for = None if options.settings is not None else options.settings_for
        self.inventory = Inventory()  # shared: context crosses config boundaries
        self.linters: dict[str | None, Linter] = {}
        self.config_of_folder: dict[str, str | None] = {}
        # Each input is looked up twice (by discovery's excludes, then as the file's owner).
        self._linter_of_path: dict[str, Linter] = {}
        self._config_of_written: dict[str, str | None] = {}
        self.lint_workers = 1  # the most worker processes the inputs were linted in
        if options.settings is not None:
            self.settings = options.settings
            self.linter = self._add_linter(options.settings.config_path, options.settings)

    def _add_linter(self, config: str | None, settings: Settings) -> Linter:
        linter = Linter(settings)
        linter.inventory = self.inventory
        self.linters[config] = linter
        return linter

    def linter_for(self, path: str) -> Linter:
        if self.settings_for is None:
            return self.linter
        known = self._linter_of_path.get(path)
        if known is not None:
            return known
        from ekslint.config.load import find_config

        asked = path
        if path == "-":
            path = self.options.stdin_filename or os.path.join(os.getcwd(), "-")
        # By the folder as written (a folder's files share it): made absolute once per folder.
        written = os.path.dirname(path)
        if written not in self._config_of_written:
            folder = os.path.dirname(os.path.abspath(path))
            if folder not in self.config_of_folder:
                self.config_of_folder[folder] = find_config(folder)
            self._config_of_written[written] = self.config_of_folder[folder]
        config = self._config_of_written[written]
        linter = self.linters.get(config)
        if linter is None:
            linter = self._add_linter(config, self.settings_for(config))
        self._linter_of_path[asked] = linter
        return linter

    def show_settings(self, out: TextIO) -> int:

        document = {
            "config": self.settings.config_path,
            "settings": self.settings.as_dict(),
            "origins": dict(sorted(self.settings.origins.items())),
            "rules": {
                rule_id: {
                    "enabled": self.linter.selection.enabled(rule_id),
                    "severity": self.linter.selection.severity(rule_id),
                }
                for rule_id in self.linter.platform.rules
            },
        }
        out.write(json_text(document) + "\n")
        return exitcodes.CLEAN

    def execute(self, out: TextIO, err: TextIO) -> int:
        args = self.options
        if args.kustomize:
            from ekslint import kustomize

            return kustomize.execute(self, out, err)
        paths = args.paths
        walk_errors: list[InputError] = []
        walk_notes: list[Note] = []
        inputs = list(
            read.discover(
                paths,
                lambda path: self.linter_for(path).settings.excludes(path),
                walk_errors,
                walk_notes,
                empty=lambda path: self.warn(err, f"{path}: no Kubernetes manifests found"),
            )
        )
        if self.fixing:
            inputs = _one_name_per_file(inputs)
        names = [(args.stdin_filename or "<stdin>") if p == "-" else p for p in inputs]
        owners = [self.linter_for(path) for path in inputs]
        context = [] if args.isolated else self._project_listings(inputs, owners)
        results = self._lint(inputs, names, owners)
        named = [args.stdin_filename if p == "-" and args.stdin_filename else p for p in inputs]
        for listing, linter in context:  # after the inputs: what they say wins
            from ekslint.lint.projectcontext import load_context

            load_context(self.inventory, linter.platform, listing, named, linter.settings.excludes)
        for linter in self.linters.values():
            linter.resolve_deferred()
        for result, owner in zip(results, owners, strict=True):
            owner.finish(result)
        fixers: dict[int, Fixer] = {}
        fixed_in_workers: dict[int, FixOutcome] = {}
        if self.fixing:
            fixers = self._fixers(owners)
            for index, (result, outcome) in self._fix_in_workers(
                inputs, names, results, owners, fixers
            ).items():
                results[index] = result
                fixed_in_workers[index] = outcome
            results = [
                result if index in fixed_in_workers else self._to_fix(path, name, result, owner)
                for index, (path, name, result, owner) in enumerate(
                    zip(inputs, names, results, owners, strict=True)
                )
            ]

        baseline = None
        if args.baseline or args.write_baseline or args.add_suppressions is not None:
            from ekslint.baseline import Baseline, BaselineError

            try:
                baseline = Baseline.load(args.baseline) if args.baseline else None
            except BaselineError as exc:
                err.write(f"ekslint: {exc}\n")
                return exitcodes.ERROR
            if args.write_baseline or args.add_suppressions is not None:
                return self.adopt(inputs, results, baseline, err)

        primary = owners[0] if owners else self.linter_for(os.path.join(os.getcwd(), "-"))
        report = RunReport(
            primary.platform,
            _severities(primary),
            files=sum(1 for p, r in zip(inputs, results, strict=True) if p == "-" or _checked(r)),
            fix_mode=args.fix,
            unsafe_fixes=args.unsafe_fixes,
            configured=primary.selection.configured,
        )
        report.paths = [result.path for result in results]
        report.quiet = args.quiet
        report.statistics = args.statistics
        for result, owner in zip(results, owners, strict=True):
            if owner is not primary:
                report.severities_by_path[result.path] = _severities(owner)
        fixed_stream: str | None = None
        diff_text = ""
        fixed_texts: dict[int, str] = {}
        if self.fixing:
            writes = self._write_pool(inputs)
            outcomes = []
            for index, (path, result, owner) in enumerate(
                zip(inputs, results, owners, strict=True)
            ):
                fixer = fixers[id(owner)]
                fixer.writes = writes
                if index in fixed_in_workers:
                    outcome = fixed_in_workers[index]
                else:
                    outcome = fixer.fix(path, result)
                outcomes.append((path, result, fixer, outcome))
            for index, (path, result, fixer, outcome) in enumerate(outcomes):
                fixer.settle(outcome)
                report.fixed.extend(outcome.fixed)
                if outcome.error is not None:
                    result.errors.append(outcome.error)
                if path == "-" and not args.diff:
                    fixed_stream = outcome.text
                if outcome.text is not None:
                    fixed_texts[index] = outcome.text
                    if args.diff or path == "-":
                        report.texts[result.path] = outcome.text  # what positions refer to
                diff_text += outcome.diff
            if writes is not None:
                writes.shutdown()
        for path, result in zip(inputs, results, strict=True):
            if path == "-":  # its name (--stdin-filename) is no file to read source lines from
                report.texts.setdefault(result.path, _kept_text(result))
        report.errors.extend(walk_errors)
        report.notes.extend(walk_notes)
        accepted = 0
        for index, result in enumerate(results):
            if baseline is not None and result.findings:
                kept = baseline.new(result.findings, fixed_texts.get(index) or _text(result))
                accepted += len(result.findings) - len(kept)
                result.findings = kept
            report.findings.extend(result.findings)
            report.errors.extend(result.errors)
            report.notes.extend(result.notes)
        if any(finding.source is not None for finding in report.findings):  # rendered charts
            from ekslint.kube.chartvalues import point_lasting_fixes_at_values

            point_lasting_fixes_at_values(report.findings, inputs)

        if accepted:
            report.notes.append(
                Note(args.baseline or "", f"{_findings(accepted)} accepted by the baseline")
            )

        # With a stream being fixed, stdout carries the manifests and the report goes to stderr;
        # with --diff, stdout carries the diff.
        report_out = out
        if args.diff or (args.fix and "-" in inputs):
            report_out = err  # stdout is for the manifests, even when they could not be read
        target = report_out
        handle = None
        to_file = False
        try:
            if fixed_stream is not None:
                out.write(fixed_stream)
            if args.diff:
                out.write(diff_text)
            out.flush()
            if args.output:
                to_file = True
                target = handle = open(args.output, "w", encoding="utf-8")  # noqa: SIM115
            self._write(report, target, err)
            target.flush()
        except BrokenPipeError:
            raise  # the reader went away: cli.main says so with exit 1
        except OSError as exc:
            # A full disk, a device that refuses the write: the report is incomplete.
            name = display(args.output) if to_file and args.output else "to standard output"
            err.write(f"ekslint: cannot write {name}: {exc.strerror or exc}\n")
            if not to_file:
                _discard_stdout()
            return exitcodes.ERROR
        finally:
            if handle is not None:
                import contextlib

                with contextlib.suppress(OSError):
                    handle.close()  # the error, if any, was reported by the flush above

        if report.errors:
            return exitcodes.ERROR
        if args.diff:
            return exitcodes.FINDINGS if diff_text else exitcodes.CLEAN
        if args.exit_zero:
            return exitcodes.CLEAN
        failing = args.fail_on == "warning" or any(
            report.severity(f) == "error" for f in report.findings
        )
        if report.findings and failing:
            return exitcodes.FINDINGS
        if args.exit_non_zero_on_fix and args.fix and report.fixed:
            return exitcodes.FINDINGS
        return exitcodes.CLEAN

    def _to_fix(self, path: str, name: str, result: FileResult, owner: Linter) -> FileResult:
        """A result the fixer can work on: one linted in a worker process came back without
        its text, so a file with a fix to apply is read (and linted) again, here."""
        if not self._needs_fix(result):
            return result
        with owner.reading_again():
            fresh = owner.lint_file(path, name, keep_text=True)
        fresh.findings += owner.resolve_for(fresh)
        owner.finish(fresh)
        return fresh

    def _fixers(self, owners: list[Linter]) -> dict[int, Fixer]:
        """One Fixer per linter (config) in use, by the linter's id."""
        from ekslint.fix.fixer import Fixer, WriteOptions

        args = self.options
        options = WriteOptions.for_paths(
            list(args.paths), outside_links=args.fix_outside_links, read_only=args.fix_read_only
        )
        fixers: dict[int, Fixer] = {}
        for owner in owners:
            if id(owner) not in fixers:
                fixers[id(owner)] = Fixer(
                    owner, unsafe=args.unsafe_fixes, write=not args.diff, options=options
                )
        return fixers

    def _has_fix(self, result: FileResult) -> bool:
        """A result with a fix to apply (one with errors or a raw template is never fixed)."""
        if result.errors or result.skipped:
            return False
        unsafe = bool(self.options.unsafe_fixes)
        return any(
            f.fix is not None and (f.fix.applicability == "safe" or unsafe) for f in result.findings
        )

    def _needs_fix(self, result: FileResult) -> bool:
        """A result linted in a worker process without its text that has a fix to apply."""
        return not result.chunks and self._has_fix(result)

    def _fix_in_workers(
        self,
        inputs: list[str],
        names: list[str],
        results: list[FileResult],
        owners: list[Linter],
        fixers: dict[int, Fixer],
    ) -> dict[int, tuple[FileResult, FixOutcome]]:
        """The files with a fix to apply, fixed and written in worker processes (those linted
        without their text, the runs of a large file, read again there first),
        when the inputs were linted in workers too: the fixing would otherwise run on one core
        after the linting ran on all of them. The workers are forked now, so each inherits what
        fixing reads - every input's and the project's context, resolved - as it stands."""
        from ekslint.lint.parallel import map_in_forks

        args = self.options
        workers = self.lint_workers
        todo = [i for i, result in enumerate(results) if self._has_fix(result)]
        adopting = args.write_baseline or args.add_suppressions is not None
        if workers < 2 or len(todo) < MIN_FORKED_FIXES or adopting:
            return {}  # adopting writes no fixes; see execute

        # Made here, used in the workers: an executor starts its threads at its first write,
        # so each worker forked with it gets threads of its own.
        writes = self._write_pool(inputs)

        def fix_batch(batch: list[int]) -> list[tuple[FileResult, FixOutcome]]:
            # In a worker: each file is written by a thread while the next is fixed (a write
            # waits on its fsync); all are settled before the batch goes back.
            fixed: list[tuple[FileResult, FixOutcome]] = []
            try:
                for index in batch:
                    path, owner = inputs[index], owners[index]
                    fresh = self._to_fix(path, names[index], results[index], owner)
                    fixer = fixers[id(owner)]
                    fixer.writes = writes
                    fixed.append((fresh, fixer.fix(path, fresh)))
            except BaseException:
                # Terminated, or failing: the writes under way finish (or remove their
                # temporary files) before the worker exits.
                if writes is not None:
                    writes.shutdown()
                raise
            for index, (_, outcome) in zip(batch, fixed, strict=True):
                fixers[id(owners[index])].settle(outcome)
            return fixed

        size = max(MIN_FIX_BATCH, -(-len(todo) // (workers * FIX_BATCHES_PER_WORKER)))
        batches = [todo[i : i + size] for i in range(0, len(todo), size)]
        done = map_in_forks(fix_batch, batches, workers)
        if done is None:
            return {}
        return dict(zip(todo, (one for batch in done for one in batch), strict=True))

    def _writes_files(self, inputs: list[str]) -> bool:
        return not self.options.diff and len(inputs) >= 2

    def _write_pool(self, inputs: list[str]) -> ThreadPoolExecutor | None:
        """Threads to write fixed files in, when there are files to write (not --diff, not a
        stream). No two inputs are the same file (``_one_name_per_file``), so no two writes
        need to stay in order."""
        if not self._writes_files(inputs):
            return None
        from concurrent.futures import ThreadPoolExecutor

        return ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="ekslint-write")

    def warn(self, err: TextIO, message: str) -> None:
        if not self.options.quiet:
            err.write(f"ekslint: warning: {message}\n")

    def _lint(self, inputs: list[str], names: list[str], owners: list[Linter]) -> list[FileResult]:
        """Each config's files together (in worker processes when worth it), in input order."""
        from ekslint.lint.jobs import file_size, worth_it

        results: list[FileResult | None] = [None] * len(inputs)
        groups: dict[int, list[int]] = {}
        for position, owner in enumerate(owners):
            groups.setdefault(id(owner), []).append(position)
        for positions in groups.values():
            linter = owners[positions[0]]
            items = [(inputs[i], names[i]) for i in positions]
            # Fixing too: worker processes lint everything, and only the files with something
            # to fix are read again here (see _to_fix), most of the files being clean.
            workers = 1
            sizes = None
            if self.fixing or not self.keep_text:
                paths = [p for p, _ in items]
                if self.options.jobs != 1:  # taken once, for the decision and the batches
                    sizes = [file_size(p) for p in paths]
                workers = worth_it(paths, self.options.jobs, sizes)
            self.lint_workers = max(self.lint_workers, workers)
            if workers > 1:
                from ekslint.lint.parallel import lint_in_workers

                done = lint_in_workers(linter, items, workers, self.fixing, sizes)
            else:
                # A stream's text is kept: it cannot be read again for the report's source lines.
                done = [
                    linter.lint_file(p, n, keep_text=self.keep_text or p == "-") for p, n in items
                ]
            for position, result in zip(positions, done, strict=True):
                results[position] = result
        return [r for r in results if r is not None]

    def _project_listings(
        self, inputs: list[str], owners: list[Linter]
    ) -> list[tuple[Listing, Linter]]:
        """The project folders to read for context, each listed (by git, in the background)
        while the inputs are linted, with the linter whose platform and excludes apply."""
        from ekslint.input.project import Listing, is_within
        from ekslint.lint.projectcontext import project_root

        # Input from stdin joins a project only under a name (an editor's buffer); a bare
        # stream (a Helm post-renderer's release) is a whole of its own.
        stdin_name = self.options.stdin_filename
        groups: dict[int, tuple[Linter, list[str]]] = {}
        for path, owner in zip(inputs, owners, strict=True):
            named = stdin_name if path == "-" and stdin_name else path
            groups.setdefault(id(owner), (owner, []))[1].append(named)
        # (A folder named whole is still listed again: its walk skips files its context reads,
        # a .json file of YAML, a file a nested config excludes.)
        roots = set()
        for owner, paths in groups.values():
            root = project_root(paths, owner.settings.config_path)
            if root is not None:
                roots.add(root)
        listings: list[tuple[Listing, Linter]] = []
        for root in sorted(roots, key=len):  # outer projects first; a nested one is inside
            if not any(is_within(root, done.folder) for done, _ in listings):
                listings.append((Listing(root), self.linter_for(os.path.join(root, "-"))))
        return listings

    def _write(self, report: RunReport, out: TextIO, err: TextIO) -> None:
        writer(self.options.format)(report, out, err, self.options.colour)

    def adopt(
        self,
        inputs: list[str],
        results: list[FileResult],
        baseline: Baseline | None,
        err: TextIO,
    ) -> int:
        """``--write-baseline FILE``: accept every current finding in a baseline file;
        ``--add-suppressions REASON``: in suppression comments, and (for JSON files and lines
        a comment cannot go on) in the ``--baseline`` file."""
        from ekslint.baseline import Baseline

        args = self.options
        failed = False
        for result in results:
            for error in result.errors:
                err.write(f"ekslint: {error}\n")
                failed = True
        if args.write_baseline:
            written = Baseline(args.write_baseline)
            for result in results:
                written.add(result.findings, _text(result))
            problem = written.save()
            if problem is not None:
                err.write(f"ekslint: {problem}\n")
                return exitcodes.ERROR
            total = sum(written.counts.values())
            err.write(f"ekslint: wrote {_findings(total)} to the baseline {args.write_baseline}\n")
            return exitcodes.ERROR if failed else exitcodes.CLEAN
        from ekslint.adopt import annotate, clean_reason
        from ekslint.fix.fixer import WriteOptions, write_atomically
        from ekslint.lint.suppress import SUPPRESSION_RULE

        assert args.add_suppressions is not None
        reason = clean_reason(args.add_suppressions)
        suppression_rule = self.linter.platform.rule_by_name_or_id(SUPPRESSION_RULE)
        to_baseline = Baseline(args.baseline or ".ekslint-baseline.json")
        if baseline is not None:
            to_baseline.counts.update(baseline.counts)
        added = baselined = 0
        # Comments are written under the same guards as fixes (symlinks, read-only files).
        where = WriteOptions.for_paths(
            list(args.paths), outside_links=args.fix_outside_links, read_only=args.fix_read_only
        )
        for path, result in zip(inputs, results, strict=True):
            # A problem with a suppression is not itself suppressed: fix the comment instead.
            findings = [
                f
                for f in result.findings
                if suppression_rule is None or f.rule != suppression_rule.id
            ]
            if baseline is not None:
                findings = baseline.new(findings, _text(result))
            if not findings or result.errors or path == "-":
                continue
            text = _text(result)
            if path.endswith(".json"):
                left = findings
            else:
                annotated, left = annotate(text, findings, reason)
                if annotated != text:
                    problem = write_atomically(
                        path, annotated, result.stat, where, text.encode("utf-8")
                    )
                    if problem is not None:
                        problem = problem.replace("not fixed:", "no comments written:", 1)
                        err.write(f"ekslint: {result.path}: {problem}\n")
                        failed = True
                        continue
                added += len(findings) - len(left)
            if left:
                to_baseline.add(left, text)
                baselined += len(left)
        err.write(f"ekslint: added suppression comments for {_findings(added)}\n")
        if baselined:
            problem = to_baseline.save()
            if problem is not None:
                err.write(f"ekslint: {problem}\n")
                return exitcodes.ERROR
            err.write(
                f"ekslint: {_findings(baselined)} cannot take a comment (JSON files, lines inside "
                f"strings): accepted in the baseline {to_baseline.path}; lint with --baseline "
                f"{to_baseline.path} to keep them accepted\n"
            )
        return exitcodes.ERROR if failed else exitcodes.CLEAN


def _one_name_per_file(inputs: list[str]) -> list[str]:
    """The inputs with each real file once, under the first name it was found by: a file
    fixed through one name (a symlink in the tree, a path given twice) has changed by the
    time the other name is written, which would be refused as changed on disk. (Not by its
    inode: a hard link is a file of its own once the other name is replaced by a rename.)"""
    seen: set[str] = set()
    kept = []
    for path in inputs:
        if path != "-":
            real = os.path.realpath(path)
            if real in seen:
                continue
            seen.add(real)
        kept.append(path)
    return kept


def _checked(result: FileResult) -> bool:
    """Whether a file counts as checked: not when its documents are all mappings that are no
    Kubernetes object (a tool's config named explicitly) and nothing is reported about it."""
    return bool(
        result.objects
        or not result.mappings
        or result.chart
        or result.skipped
        or result.findings
        or result.errors
    )


def _findings(count: int) -> str:
    return f"{count} finding{'' if count == 1 else 's'}"


def _severities(linter: Linter) -> dict[str, str]:
    return {rule_id: linter.severity(rule_id) for rule_id in linter.platform.rules}


def _text(result: FileResult) -> str:
    """The text of a file as read (kept while linting, else read again), byte order mark
    included."""
    if not result.chunks and result.findings and not result.path.startswith("<"):
        try:
            with open(result.path, encoding="utf-8", errors="replace", newline="") as handle:
                return handle.read()
        except OSError:
            return ""
    return _kept_text(result)


def _kept_text(result: FileResult) -> str:
    """The text of a file as kept while linting, byte order mark included."""
    body = "".join(text for _, text in (result.chunks[i] for i in sorted(result.chunks)))
    return ("\ufeff" if result.chunks_had_bom else "") + body


def _discard_stdout() -> None:
    """After a failed write to stdout, send what is still buffered nowhere, so that Python's
    flush at exit does not fail again with a traceback."""
    import contextlib
    import os
    import sys

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
