"""The configuration file: ``.ekslint.yaml`` or ``[tool.ekslint]`` in ``pyproject.toml``.

Found by walking up from each linted file's folder to the top of its git work tree (outside a
work tree: to the working directory), so every file gets the config of its own project whatever
the working directory, and no file above the project (a shared temporary folder, a CI workspace)
can change it; ``--config`` overrides. Validated against
``rules/schema/config.schema.json``, then checked against the rule packs (the platform exists,
every rule selector names a rule). A mistake is reported with the file, line, column, key, the
bad value and what was expected.
"""

from __future__ import annotations

import os
import re

from ekslint.config.settings import Globs, Settings
from ekslint.record import record

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from typing import Any

    from jsonschema import ValidationError

    from ekslint.lint.rulepack import Platform

CONFIG_NAMES = (".ekslint.yaml", ".ekslint.yml")
PYPROJECT = "pyproject.toml"
_TYPE_NAMES = {
    "array": "a list",
    "object": "a mapping",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing",
}


class ConfigError(Exception):
    """An unusable configuration (exit code 2)."""


@record
class ConfigSource:
    """A loaded config file: its data, and where each key sits in it."""

    path: str
    data: Any
    node: Any = None  # YAML root node (.ekslint.yaml)
    text: str | None = None  # TOML text (pyproject.toml)

    def where(self, parts: list[str], key_only: bool = False) -> str:
        """``path:line:col`` of the value at ``parts`` (of its key when ``key_only``)."""
        if self.node is not None:
            mark = _yaml_mark(self.node, parts, key_only)
        elif self.text is not None:
            mark = _toml_mark(self.text, parts)
        else:
            mark = None
        return f"{self.path}:{mark[0]}:{mark[1]}" if mark else self.path

    def error(self, parts: list[str], message: str, key_only: bool = False) -> ConfigError:
        return ConfigError(f"{self.where(parts, key_only)}: {message}")


# -- finding and reading -----------------------------------------------------------------------


def search_boundary(folder: str) -> str:
    """The highest folder searched for a config file from ``folder``: the top of its git work
    tree. Outside a work tree: the home folder, or the last folder below one that other users
    may write to (a config planted in the system temporary folder must not apply)."""
    import stat

    from ekslint.input.project import git_root

    root = git_root(folder)
    if root is not None:
        return root
    home = os.path.expanduser("~")
    current = os.path.abspath(folder)
    while True:
        parent = os.path.dirname(current)
        if current == home or parent == current:
            return current
        try:
            shared = bool(os.stat(parent).st_mode & (stat.S_IWOTH | stat.S_ISVTX))
        except OSError:
            return current
        if shared:
            return current
        current = parent


def find_config(start: str, boundary: str | None = None) -> str | None:
    """The nearest ``.ekslint.yaml``/``.yml``, or ``pyproject.toml`` with ``[tool.ekslint]``,
    from folder ``start`` up to ``boundary`` (default: ``search_boundary(start)``)."""
    from ekslint.input.project import is_within

    folder = os.path.abspath(start)
    stop = os.path.abspath(boundary or search_boundary(folder))
    if not is_within(folder, stop):
        stop = folder
    while True:
        for name in CONFIG_NAMES:
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate):
                return candidate
        pyproject = os.path.join(folder, PYPROJECT)
        if os.path.isfile(pyproject) and _has_ekslint_section(pyproject):
            return pyproject
        parent = os.path.dirname(folder)
        if parent == folder or folder == stop:
            return None
        folder = parent


def _has_ekslint_section(path: str) -> bool:
    # Most pyproject.toml files never mention ekslint: skip them without parsing (tomllib is
    # only imported when a file may hold the section), and never fail on someone else's file.
    try:
        with open(path, "rb") as handle:
            if b"ekslint" not in handle.read():
                return False
    except OSError:
        return False
    return _load_pyproject(path).data is not None


def load_config(path: str) -> ConfigSource:
    if os.path.basename(path) == PYPROJECT:
        source = _load_pyproject(path)
        if source.data is None:
            raise ConfigError(f"{path}: no [tool.ekslint] section")
        return source
    text = _read(path)
    import yaml

    loader_class: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _reject_alias_bombs(node, path)
            _reject_duplicate_keys(node, path)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        problem = exc.problem or exc.context
        if exc.problem and exc.context:
            problem = f"{exc.problem} ({exc.context})"
        raise ConfigError(f"{path}:{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    if data is None:
        return ConfigSource(path, {})
    return ConfigSource(path, data, node=node)


def load_valid_config(path: str) -> ConfigSource:
    """``load_config`` and ``validate``; a file unchanged since it last validated comes from
    the cache (ekslint.data), so a pre-commit run skips both. A source from the cache has no
    positions: ``full_source`` reloads it when an error message needs them."""
    from ekslint.data import load_validated

    loaded: list[ConfigSource] = []

    def load(file: str) -> Any:
        source = load_config(file)
        validate(source)
        loaded.append(source)
        return source.data

    data = load_validated(path, "config", _accept, load=load)
    return loaded[0] if loaded else ConfigSource(path, data)


def full_source(source: ConfigSource) -> ConfigSource:
    """The same config with its node/text, for positions in an error message."""
    if source.node is not None or source.text is not None:
        return source
    return load_config(source.path)


def _accept(data: Any, path: str) -> None:
    """Validation happened while loading (see load_valid_config)."""


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read: not UTF-8 ({exc.reason})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _load_pyproject(path: str) -> ConfigSource:
    """The ``[tool.ekslint]`` table (data None when there is none)."""
    import tomllib

    text = _read(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column (\d+)\)$", message)
        where = f":{found.group(1)}:{found.group(2)}" if found else ""
        problem = message[: found.start()].strip() if found else message
        raise ConfigError(f"{path}{where}: invalid TOML: {problem}") from None
    tool = document.get("tool")
    section = tool.get("ekslint") if isinstance(tool, dict) else None
    return ConfigSource(path, section, text=text)


# Aliases may add this many nodes beyond those written: plenty for sharing a list of registries
# between keys, far below what a "billion laughs" doubling reaches.
MAX_ALIAS_NODES = 100_000


def _reject_alias_bombs(root: Any, path: str) -> None:
    """Refuse an alias inside the node it names (a structure that never ends) and aliases that
    expand beyond ``MAX_ALIAS_NODES``: loading either would hang or exhaust memory. Linear: each
    node is sized once, its aliases reuse the size."""
    import yaml

    sizes: dict[int, int] = {}  # nodes, counting what aliases repeat
    entered: set[int] = set()
    used: set[int] = set()  # nodes met as a child once already
    added = 0  # nodes that aliases add to what is written
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        children: list[Any] = []
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if done:
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children)
            for child in children:
                if id(child) in used:  # an alias: its whole subtree is read again
                    added += sizes[id(child)]
                used.add(id(child))
            if added > MAX_ALIAS_NODES:
                mark = node.start_mark
                raise ConfigError(
                    f"{path}:{mark.line + 1}:{mark.column + 1}: aliases here expand the config "
                    f"by more than {MAX_ALIAS_NODES:,} nodes; write the values out"
                )
            continue
        if id(node) in sizes:
            continue
        if id(node) in entered:
            mark = node.start_mark
            raise ConfigError(
                f"{path}:{mark.line + 1}:{mark.column + 1}: an alias refers to the node that "
                "contains it (a structure without end); write the values out"
            )
        entered.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children)


def _reject_duplicate_keys(root: Any, path: str) -> None:
    """YAML loaders keep the last of two equal keys silently; in a config that hides a mistake."""
    import yaml

    stack = [root]
    visited: set[int] = set()  # an alias repeats a node: check it once
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        mark = key.start_mark
                        raise ConfigError(
                            f"{path}:{mark.line + 1}:{mark.column + 1}: duplicate key "
                            f"{key.value!r} (first at line {seen[key.value]}); write each key once"
                        )
                    seen[key.value] = key.start_mark.line + 1
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


# -- validation ---------------------------------------------------------------------------------


def validate(source: ConfigSource) -> None:
    """Against the JSON Schema, then: the platform packs exist and the platform is one of them."""
    check_schema(source, "config")
    from ekslint.lint.rulepack import RuleDataError, available_platforms, is_pack_path, pack_name

    base = os.path.dirname(source.path)  # as given, so messages name packs the same way
    names = []
    for index, pack in enumerate(source.data.get("platform-packs", [])):
        where = ["platform-packs", str(index)]
        path = os.path.join(base, pack)
        if not os.path.isfile(path):
            raise source.error(where, f"platform-packs[{index}]: no such file {pack!r}")
        try:
            names.append(pack_name(path))
        except RuleDataError as exc:
            raise ConfigError(str(exc)) from None  # it names the pack file, line and column
    platform = source.data.get("platform")
    if platform is None:
        return
    if is_pack_path(platform):
        if not os.path.isfile(os.path.join(base, platform)):
            raise source.error(["platform"], f"platform: no such pack file {platform!r}")
        return
    known = [*available_platforms(), *names]
    if platform not in known:
        raise source.error(
            ["platform"],
            f"platform: unknown platform {platform!r}; expected one of: {', '.join(known)}, "
            "a pack listed in platform-packs, or the path of a pack file",
        )


def check_schema(source: ConfigSource, kind: str) -> None:
    """``source.data`` against ``rules/schema/<kind>.schema.json``; a mistake names its place."""
    from ekslint.data import schema_error

    error = schema_error(kind, source.data)
    if error is not None:
        raise _describe(error, source)


def load_schema_checked(path: str, kind: str) -> Any:
    """A user's YAML data file (a platform pack) validated against its schema, with file:line:col
    in every error; cached like the config file."""
    from ekslint.data import load_validated

    def load(file: str) -> Any:
        source = load_config(file)
        check_schema(source, kind)
        return source.data

    return load_validated(path, kind, _accept, load=load)


def resolve_platform(value: str, packs: dict[str, str], base: str) -> str:
    """A ``platform`` value as ``load_platform`` takes it: a shipped pack's name, or the path of a
    pack file (``value`` itself relative to ``base``, or the pack of that name in ``packs``)."""
    from ekslint.lint.rulepack import is_pack_path

    if is_pack_path(value):
        return os.path.normpath(os.path.join(base, value))
    return packs.get(value, value)


def _describe(error: ValidationError, source: ConfigSource) -> ConfigError:
    """A ``jsonschema.ValidationError`` as a person would say it, at the value's position."""
    parts = [str(part) for part in error.absolute_path]
    key = _display(parts)
    rule, value = error.validator, error.instance
    definition: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    properties = schema.get("properties")
    if isinstance(value, dict) and isinstance(properties, dict):
        # An unknown key is the likelier mistake than a missing one: `protcol` is both.
        unknown = [k for k in value if k not in properties]
        if unknown and schema.get("additionalProperties") is False:
            return _unknown_key(source, parts, str(unknown[0]), sorted(properties))
        if rule == "required":
            missing = [k for k in definition if k not in value]
            return source.error(
                parts,
                f"{key}: missing key {', '.join(missing)}; expected the keys "
                f"{', '.join(definition)}",
            )
    patterns = schema.get("patternProperties")
    if isinstance(value, dict) and isinstance(patterns, dict) and rule == "additionalProperties":
        unknown = [k for k in map(str, value) if not any(re.search(p, k) for p in patterns)]
        if unknown:
            where = [*parts, unknown[0]]
            return source.error(
                where,
                f"unknown key {_display(where)}; expected keys matching {', '.join(patterns)}",
                key_only=True,
            )
    if rule == "enum":
        expected = "one of " + ", ".join(str(v) for v in definition)
    elif rule == "type":
        kinds = definition if isinstance(definition, list) else [definition]
        expected = " or ".join(_TYPE_NAMES.get(str(k), str(k)) for k in kinds)
    elif rule == "pattern":
        expected = _pattern_meaning(parts) or f"a value matching {definition}"
    elif rule == "minLength":
        expected = "a non-empty string"
    else:
        return source.error(parts, f"{key}: {error.message}")
    return source.error(parts, f"{key}: bad value {value!r}; expected {expected}")


def _pattern_meaning(parts: list[str]) -> str | None:
    if parts and (parts[-1] == "host" or parts[0] == "injected-pull-secrets"):
        return "a registry host or host:port as in the image reference, without scheme or path"
    if parts and parts[0] == "public-repositories":
        return "a registry host[:port], optionally followed by /namespace, without scheme"
    if parts and parts[0] in ("select", "ignore", "per-file-ignores"):
        return "a rule ID (EKS013), an ID prefix (EKS01, EKS) or a rule name (wildcard-all)"
    if parts == ["platform"]:
        return "the name of a rule pack: lower-case letters, digits and '-'"
    return None


def _unknown_key(
    source: ConfigSource, parts: list[str], name: str, allowed: list[str]
) -> ConfigError:
    import difflib

    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    key = _display([*parts, name])
    return source.error(
        [*parts, name],
        f"unknown key {key}{hint}; expected one of: {', '.join(allowed)}",
        key_only=True,
    )


def _display(parts: list[str]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "(top level)"


def _yaml_mark(root: Any, parts: list[str], key_only: bool) -> tuple[int, int] | None:
    import yaml

    current, mark = root, root.start_mark
    for index, part in enumerate(parts):
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if str(key.value) == part:
                    last = index == len(parts) - 1
                    mark = key.start_mark if (key_only and last) else value.start_mark
                    current = value
                    break
            else:
                break
        elif isinstance(current, yaml.SequenceNode) and part.isdigit():
            if int(part) >= len(current.value):
                break
            current = current.value[int(part)]
            mark = current.start_mark
        else:
            break
    return (mark.line + 1, mark.column + 1)


# A pattern string: re compiles it when first used (and keeps it), not at every import.
_TOML_HEADER = r"^[ \t]*\[\[?[ \t]*([^\]\[]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$"


def _toml_mark(text: str, parts: list[str]) -> tuple[int, int] | None:
    """Where a key of ``[tool.ekslint]`` (or of its sub-table) is written: good enough for
    messages, without a TOML parser that keeps positions."""
    tables: dict[str, tuple[int, int]] = {}
    arrays: dict[str, int] = {}  # [[name]]: how many so far
    table = ""
    keys: dict[tuple[str, str], tuple[int, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(_TOML_HEADER, line)
        if header:
            table = re.sub(r"[ \t]*\.[ \t]*", ".", header.group(1)).replace('"', "")
            position = (number, line.index("[") + 1)
            tables.setdefault(table, position)
            if line.lstrip().startswith("[["):
                arrays[table] = arrays.get(table, -1) + 1
                table = f"{table}.{arrays[table]}"
                tables[table] = position
            continue
        key = re.match(r"^([ \t]*)(\"[^\"]+\"|'[^']+'|[A-Za-z0-9_-]+)[ \t]*=", line)
        if key:
            keys.setdefault((table, key.group(2).strip("\"'")), (number, len(key.group(1)) + 1))
    section = "tool.ekslint"
    best = tables.get(section)
    for depth, part in enumerate(parts):
        found = keys.get((section, part))
        if found is None and (section + "." + part) in tables:
            found = tables[section + "." + part]
        if found is None:
            break
        best = found
        section = f"{section}.{part}"
        if depth == 0 and (section not in tables):
            break  # an inline value: its inner keys are on the same line
    return best


# -- applying ------------------------------------------------------------------------------------


def apply_config(settings: Settings, source: ConfigSource) -> None:
    """Copy validated config values into ``settings``, remembering where they came from."""
    data, origin = source.data, source.path
    base = os.path.dirname(os.path.abspath(origin))
    if "platform-packs" in data:
        from ekslint.lint.rulepack import pack_name

        for pack in data["platform-packs"]:
            path = os.path.normpath(os.path.join(base, pack))
            settings.platform_packs[pack_name(path)] = path
        settings.origins["platform-packs"] = origin
    if "platform" in data:
        settings.platform = resolve_platform(data["platform"], settings.platform_packs, base)
        settings.origins["platform"] = origin
    simple = {
        "select": "select",
        "ignore": "ignore",
        "severity": "severity",
        "per-file-ignores": "per_file_ignores",
        "pull-secrets": "pull_secrets",
        "injected-pull-secrets": "injected_pull_secrets",
        "public-repositories": "public_repositories",
    }
    for key, attribute in simple.items():
        if key in data:
            setattr(settings, attribute, data[key])
            settings.origins[key] = origin
    settings.config_path = origin
    if "exclude" in data:
        settings.exclude = Globs(list(data["exclude"]), settings.root)
        settings.origins["exclude"] = origin
    seen: dict[str, int] = {}
    for index, entry in enumerate(data.get("registries", [])):
        from ekslint.kube.images import normalize_registry

        host = normalize_registry(entry["host"])
        if host in seen:
            raise source.error(
                ["registries", str(index), "host"],
                f"registries[{index}].host: {entry['host']!r} is declared twice (first as "
                f"registries[{seen[host]}]); keep one entry with the protocol it serves",
            )
        seen[host] = index
        settings.declare(entry["host"], entry["protocol"], origin)


def default_settings() -> Settings:
    settings = Settings()
    for key in ("platform", "select", "ignore", "severity", "exclude", "per-file-ignores"):
        settings.origins[key] = "default"
    return settings


def settings_from_file(path: str | None) -> tuple[Settings, ConfigSource | None]:
    """Defaults, then the config file at ``path`` (validated) when there is one."""
    settings = default_settings()
    if path is None:
        return settings, None
    source = load_valid_config(path)
    apply_config(settings, source)
    return settings, source


def settings_from_mapping(
    data: Any, origin: str = "<config>", base: str | None = None, onto: Settings | None = None
) -> Settings:
    """Config-file keys given as a mapping (the Python API, a language client's settings),
    validated like a file; ``base`` is the folder relative paths start from (default: the
    working directory). With ``onto``, they override those settings (a file's, say)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: bad value {data!r}; expected a mapping of config keys")
    folder = os.path.abspath(base or os.getcwd())
    source = ConfigSource(os.path.join(folder, origin), data)
    settings = onto if onto is not None else default_settings()
    config_path = settings.config_path
    from ekslint.lint.rulepack import RuleDataError, load_platform

    try:
        validate(source)
        apply_config(settings, source)
        check_selectors(settings, load_platform(settings.platform), source)
    except (ConfigError, RuleDataError) as exc:
        # Messages name the mapping as the caller called it, not as a file in `folder`.
        raise type(exc)(str(exc).replace(source.path, origin)) from None
    for key, value in settings.origins.items():
        if value == source.path:
            settings.origins[key] = origin
    settings.config_path = config_path
    if "exclude" in data:
        settings.exclude = Globs(list(data["exclude"]), folder)
    return settings


def check_settings(settings: Settings, source: ConfigSource | None) -> None:
    """Every rule selector names a rule of the chosen platform; a mistake in a file is reported
    at its position."""
    from ekslint.lint.rulepack import load_platform

    platform = load_platform(settings.platform)
    try:
        check_selectors(settings, platform, source)
    except ConfigError:
        if source is None:
            raise
        check_selectors(settings, platform, full_source(source))  # again, with positions
        raise


def configured_platform(chosen: str | None) -> str:
    """``--platform``, else the nearest config file's ``platform``, else the default; a name
    from the config's ``platform-packs`` becomes that pack's file."""
    from ekslint.lint.rulepack import RuleDataError

    settings = Settings()
    try:
        path = find_config(os.getcwd())
        if path:
            apply_config(settings, load_valid_config(path))
    except (ConfigError, RuleDataError):
        pass  # a broken config is reported by a lint run; here it only picks the pack
    if chosen:
        return resolve_platform(chosen, settings.platform_packs, os.getcwd())
    return settings.platform


def check_selectors(settings: Settings, platform: Platform, source: ConfigSource | None) -> None:
    """Every rule selector, in the file or on the command line, names a rule of the platform."""
    from ekslint.lint.selection import expand, expected_selector, selector_hint

    def bad(word: str, what: str) -> str:
        hint = selector_hint(platform, word)
        return (
            f"{what}: unknown rule selector {word!r}{f' ({hint})' if hint else ''}; "
            f"expected {expected_selector(platform)}"
        )

    for key in ("select", "ignore"):
        origin = settings.origins.get(key)
        for index, word in enumerate(getattr(settings, key)):
            if expand(platform, word):
                continue
            if source is not None and origin == source.path:
                raise source.error([key, str(index)], bad(word, f"{key}[{index}]"))
            raise ConfigError(bad(word, f"--{key}"))
    for word in settings.severity:
        if not expand(platform, word) and source is not None:
            raise source.error(["severity", word], bad(word, "severity"), key_only=True)
    for pattern, words in settings.per_file_ignores.items():
        for index, word in enumerate(words):
            if not expand(platform, word) and source is not None:
                where = ["per-file-ignores", pattern, str(index)]
                raise source.error(where, bad(word, _display(where)))
