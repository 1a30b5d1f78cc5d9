"""The language server: the API's ``Session`` (the CLI's Linter and Fixer) behind pygls.

Each open manifest is linted together with the other open manifests under the same config file,
so a ServiceAccount, Secret or eks-config edited in one buffer changes the diagnostics of the
others. Settings: the ``.ekslint.yaml`` found from the document's folder, overridden by the
client's (``initializationOptions.settings``, then ``workspace/didChangeConfiguration``'s
``ekslint`` section), which take the same keys and are validated the same way.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from ekslint import __version__
from ekslint.api import Finding, Session
from ekslint.config.load import (
    ConfigError,
    check_settings,
    find_config,
    settings_from_file,
    settings_from_mapping,
)
from ekslint.config.settings import Settings, is_excluded
from ekslint.input.read import CONFIG_FILES, MANIFEST_SUFFIXES
from ekslint.lint.rulepack import RuleDataError
from ekslint.server.positions import LspText

DEBOUNCE_SECONDS = 0.3  # after the last keystroke, before linting
FIX_ALL = "source.fixAll.ekslint"
EDITOR_SETTINGS = "editor settings"
SOURCE = "ekslint"
_CONFIG_NAMES = (*CONFIG_FILES, "pyproject.toml")


class EkslintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("ekslint", __version__)
        self.client_settings: dict[str, Any] = {}
        self.published: dict[str, list[types.Diagnostic]] = {}
        self.pending: dict[str, asyncio.TimerHandle] = {}

    # -- which documents, under which settings -------------------------------------------------

    def path_of(self, uri: str) -> str:
        return to_fs_path(uri) or uri

    def is_manifest(self, uri: str) -> bool:
        name = os.path.basename(self.path_of(uri))
        return name.endswith(MANIFEST_SUFFIXES) and name not in CONFIG_FILES

    def config_of(self, uri: str) -> str | None:
        path = to_fs_path(uri)
        if path is None:
            return None
        return find_config(os.path.dirname(os.path.abspath(path)))

    def settings_for(self, config: str | None) -> Settings:
        """Raises ConfigError / RuleDataError for a config the CLI would refuse."""
        settings, source = settings_from_file(config)
        check_settings(settings, source)
        if self.client_settings:
            base = self.workspace.root_path or os.getcwd()
            settings_from_mapping(self.client_settings, EDITOR_SETTINGS, base, onto=settings)
        return settings

    def group(self, config: str | None) -> list[str]:
        return [
            uri
            for uri in self.workspace.text_documents
            if self.is_manifest(uri) and self.config_of(uri) == config
        ]

    # -- linting ---------------------------------------------------------------------------

    def lint_group(self, config: str | None) -> tuple[Session | None, dict[str, Any], str | None]:
        """The session and results of every open manifest under ``config``, or a config error."""
        try:
            settings = self.settings_for(config)
        except (ConfigError, RuleDataError) as exc:
            return None, {}, str(exc)
        uris = [u for u in self.group(config) if not is_excluded(self.path_of(u), settings.exclude)]
        texts = {self.path_of(u): self.workspace.get_text_document(u).source for u in uris}
        session = Session(settings)
        results = session.lint(texts)
        return session, {u: results[self.path_of(u)] for u in uris}, None

    def diagnostics(self, uri: str, findings: list[Finding]) -> list[types.Diagnostic]:
        text = self.lsp_text(uri)
        out = []
        for finding in findings:
            out.append(
                types.Diagnostic(
                    range=self.range(text, finding.offset, finding.end_offset),
                    message=finding.message,
                    severity=types.DiagnosticSeverity.Error
                    if finding.severity == "error"
                    else types.DiagnosticSeverity.Warning,
                    code=finding.rule,
                    source=SOURCE,
                    data={"name": finding.name},
                )
            )
        return out

    def refresh(self, config: str | None, changed: str | None = None) -> None:
        """Lint the group; publish for ``changed`` and for every document whose diagnostics
        moved (one that depends on a ServiceAccount, Secret or eks-config just edited)."""
        session, results, error = self.lint_group(config)
        uris = self.group(config)
        for uri in uris:
            if error is not None:
                diagnostics = [
                    types.Diagnostic(
                        range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                        message=f"ekslint configuration: {error}",
                        severity=types.DiagnosticSeverity.Error,
                        code="config",
                        source=SOURCE,
                    )
                ]
            elif uri in results and session is not None:
                diagnostics = self.diagnostics(uri, session.public(results[uri]))
            else:
                diagnostics = []  # excluded by the configuration
            if uri == changed or self.published.get(uri) != diagnostics:
                self.publish(uri, diagnostics)

    def refresh_all(self) -> None:
        configs = {self.config_of(u) for u in self.workspace.text_documents if self.is_manifest(u)}
        for config in configs:
            self.refresh(config)

    def publish(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        self.published[uri] = diagnostics
        version = self.workspace.get_text_document(uri).version
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def schedule(self, uri: str) -> None:
        handle = self.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        loop = asyncio.get_running_loop()
        self.pending[uri] = loop.call_later(DEBOUNCE_SECONDS, self.lint_now, uri)

    def lint_now(self, uri: str) -> None:
        self.pending.pop(uri, None)
        if uri in self.workspace.text_documents:
            self.refresh(self.config_of(uri), changed=uri)

    # -- positions and edits ------------------------------------------------------------------

    def lsp_text(self, uri: str) -> LspText:
        encoding = self.server_capabilities.position_encoding or "utf-16"
        return LspText(self.workspace.get_text_document(uri).source, str(encoding))

    def range(self, text: LspText, start: int, end: int) -> types.Range:
        return types.Range(
            types.Position(*text.position(start)), types.Position(*text.position(end))
        )

    def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        if not self.is_manifest(uri):
            return []
        session, results, _ = self.lint_group(self.config_of(uri))
        if session is None or uri not in results:
            return []
        only = params.context.only
        text = self.lsp_text(uri)
        wanted = params.range
        start = text.offset(wanted.start.line, wanted.start.character)
        end = text.offset(wanted.end.line, wanted.end.character)
        actions: list[types.CodeAction] = []
        if _wanted(only, types.CodeActionKind.QuickFix):
            for finding in session.public(results[uri]):
                fix = finding.fix
                if fix is None or not fix.edits:
                    continue
                if finding.end_offset < start or finding.offset > end:
                    continue
                unsafe = fix.applicability == "unsafe"
                edits = [
                    types.TextEdit(self.range(text, e.offset, e.end_offset), e.replacement)
                    for e in fix.edits
                ]
                actions.append(
                    types.CodeAction(
                        title=f"ekslint: {fix.description}"
                        + (" (unsafe fix: review it)" if unsafe else ""),
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[d for d in params.context.diagnostics if _same(d, finding)]
                        or self.diagnostics(uri, [finding]),
                        edit=types.WorkspaceEdit(changes={uri: edits}),
                        is_preferred=not unsafe,
                    )
                )
        if _wanted(only, FIX_ALL):
            before = text.text
            after = session.fix(results[uri], unsafe=False)
            if after != before:
                actions.append(
                    types.CodeAction(
                        title="ekslint: fix all safely fixable problems",
                        kind=FIX_ALL,
                        edit=types.WorkspaceEdit(changes={uri: [_whole_edit(text, after)]}),
                    )
                )
        return actions


def _wanted(only: Any, kind: str) -> bool:
    """Whether a client's ``only`` list asks for actions of ``kind`` (a prefix asks for all
    kinds below it: ``source`` covers ``source.fixAll.ekslint``)."""
    if not only:
        return True
    return any(kind == str(k) or kind.startswith(f"{k}.") for k in only)


def _same(diagnostic: types.Diagnostic, finding: Finding) -> bool:
    return diagnostic.source == SOURCE and diagnostic.code == finding.rule


def _whole_edit(text: LspText, after: str) -> types.TextEdit:
    """One edit from ``text`` to ``after``: the span between their common prefix and suffix."""
    before = text.text
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < limit - prefix
        and before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]
    ):
        suffix += 1
    return types.TextEdit(
        types.Range(
            types.Position(*text.position(prefix)),
            types.Position(*text.position(len(before) - suffix)),
        ),
        after[prefix : len(after) - suffix],
    )


def build_server() -> EkslintServer:
    server = EkslintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: EkslintServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("settings"), dict):
            ls.client_settings = options["settings"]

    @server.feature(types.INITIALIZED)
    def initialized(ls: EkslintServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace else None
        if watched is not None and watched.dynamic_registration:
            watchers = [
                types.FileSystemWatcher(glob_pattern=f"**/{name}") for name in _CONFIG_NAMES
            ] + [types.FileSystemWatcher(glob_pattern="**/*.{yaml,yml,json}")]
            ls.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="ekslint-watched-files",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=watchers
                            ),
                        )
                    ]
                )
            )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: EkslintServer, params: types.DidOpenTextDocumentParams) -> None:
        uri = params.text_document.uri
        if ls.is_manifest(uri):
            ls.refresh(ls.config_of(uri), changed=uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: EkslintServer, params: types.DidChangeTextDocumentParams) -> None:
        if ls.is_manifest(params.text_document.uri):
            ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: EkslintServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        if os.path.basename(ls.path_of(uri)) in _CONFIG_NAMES:
            ls.refresh_all()  # the config file on disk changed
        elif ls.is_manifest(uri):
            handle = ls.pending.pop(uri, None)
            if handle is not None:
                handle.cancel()
            ls.refresh(ls.config_of(uri), changed=uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: EkslintServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        handle = ls.pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        if ls.published.pop(uri, None) is not None:
            ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        ls.refresh_all()  # what it declared is gone for the others

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: EkslintServer, params: types.DidChangeConfigurationParams
    ) -> None:
        settings = params.settings
        if isinstance(settings, dict) and "ekslint" in settings:
            section = settings["ekslint"]
            ls.client_settings = section if isinstance(section, dict) else {}
            ls.refresh_all()

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(
        ls: EkslintServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        ls.refresh_all()

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL]),
    )
    def code_action(ls: EkslintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return ls.code_actions(params)

    return server


def serve() -> None:
    build_server().start_io()
