"""The configuration file: ``.ekslint.yaml`` or ``[tool.ekslint]`` in ``pyproject.toml``.

Found by walking up from the working directory (``--config`` overrides), validated against
``rules/schema/config.schema.json``; a mistake is reported with the file, line, column, key, the
bad value and what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ekslint.settings import Settings

CONFIG_NAMES = (".ekslint.yaml", ".ekslint.yml")


class ConfigError(Exception):
    """An unusable configuration (exit code 2)."""


def find_config(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _pyproject_section(pyproject) is not None:
            return pyproject
    return None


def _pyproject_section(path: Path) -> dict[str, Any] | None:
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    section = data.get("tool", {}).get("ekslint")
    return section if isinstance(section, dict) else None


def load_config(path: Path) -> tuple[dict[str, Any], Any]:
    """The config mapping, and a YAML root node for positions (None for pyproject.toml)."""
    if path.name == "pyproject.toml":
        section = _pyproject_section(path)
        if section is None:
            raise ConfigError(f"{path}: no [tool.ekslint] section")
        return section, None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(text, Loader=loader)
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"{mark.line + 1}:{mark.column + 1}" if mark else "1:1"
        raise ConfigError(f"{path}:{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if data is None:
        return {}, None
    return data, node


def validate(data: Any, path: Path, node: Any) -> None:
    from ekslint import _validators

    try:
        _validators.validate_config(data)  # type: ignore[no-untyped-call]
    except _validators.JsonSchemaValueException as exc:
        raise ConfigError(_describe(exc, path, node)) from None


def _describe(exc: Any, path: Path, node: Any) -> str:
    parts = [p for p in str(exc.name).replace("]", "").replace("[", ".").split(".")[1:] if p]
    key = ".".join(parts) or "(top level)"
    rule, definition = exc.rule, exc.rule_definition
    if rule == "additionalProperties" and isinstance(exc.value, dict):
        allowed = sorted(_allowed_keys(exc.definition))
        unknown = sorted(k for k in exc.value if k not in allowed)
        where = f"{key}." if parts else ""
        location = _position(node, [*parts, unknown[0]] if unknown else parts, key_only=True)
        return (
            f"{path}{location}: unknown key {where}{unknown[0] if unknown else '?'}; "
            f"expected one of: {', '.join(allowed)}"
        )
    location = _position(node, parts)
    value = repr(exc.value)
    if rule == "enum":
        expected = "one of " + ", ".join(str(v) for v in definition)
    elif rule == "type":
        expected = f"a value of type {definition}"
    elif rule == "pattern":
        expected = f"a value matching {definition}"
    elif rule == "required":
        expected = f"the keys {', '.join(definition)}"
    elif rule == "minLength":
        expected = "a non-empty string"
    else:
        expected = str(exc.message).split(" must ", 1)[-1]
    return f"{path}{location}: {key}: bad value {value}; expected {expected}"


def _allowed_keys(definition: Any) -> list[str]:
    if isinstance(definition, dict) and isinstance(definition.get("properties"), dict):
        return list(definition["properties"])
    return []


def _position(node: Any, parts: list[str], key_only: bool = False) -> str:
    """``:line:col`` of the YAML node at ``parts``; the key's position when ``key_only``."""
    current, mark = node, None
    for index, part in enumerate(parts):
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                if key.value == part:
                    mark = (
                        key.start_mark
                        if (key_only and index == len(parts) - 1)
                        else (value.start_mark)
                    )
                    current = value
                    break
            else:
                break
        elif isinstance(current, yaml.SequenceNode) and part.isdigit():
            items = current.value
            if int(part) >= len(items):
                break
            current = items[int(part)]
            mark = current.start_mark
        else:
            break
    return f":{mark.line + 1}:{mark.column + 1}" if mark else ""


def apply_config(settings: Settings, data: dict[str, Any], origin: str) -> None:
    """Copy validated config values into ``settings``, remembering where they came from."""
    simple = {
        "platform": "platform",
        "select": "select",
        "ignore": "ignore",
        "severity": "severity",
        "exclude": "exclude",
        "per-file-ignores": "per_file_ignores",
        "pull-secrets": "pull_secrets",
    }
    for key, attribute in simple.items():
        if key in data:
            setattr(settings, attribute, data[key])
            settings.origins[key] = origin
    for entry in data.get("registries", []):
        settings.declare(entry["host"], entry["protocol"], origin)
