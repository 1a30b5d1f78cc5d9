"""Which rules run, where, and at what severity: select/ignore, per-file-ignores, overrides.

A selector is ``ALL``, a rule ID (``EKS013``), an ID prefix (``EKS01``, ``EKS``) or a rule name
(``wildcard-all``); the most specific selector wins. Rule names are the same on every platform,
IDs are not (``EKS013`` is ``ECI013`` on aliyun-eci).
"""

from __future__ import annotations

from ekslint.config.settings import matches_glob

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing costs start-up time; mypy reads these
    from ekslint.config.settings import Settings
    from ekslint.lint.rulepack import Platform

ALL = "ALL"


def expand(platform: Platform, word: str) -> list[str]:
    """Rule IDs a selector names on ``platform``."""
    if word == ALL:
        return list(platform.rules)
    return [
        rule.id for rule in platform.rules.values() if rule.id.startswith(word) or rule.name == word
    ]


def id_prefix(platform: Platform) -> str:
    first = next(iter(platform.rules), "")
    return first.rstrip("0123456789")


def expected_selector(platform: Platform) -> str:
    """What a selector should be, for messages."""
    first = next(iter(platform.rules.values()), None)
    example = f" ({first.id}, {id_prefix(platform)}, {first.name})" if first else ""
    return (
        f"a rule ID, ID prefix or rule name of platform {platform.name}{example}; "
        f"'ekslint rules --platform {platform.name}' lists them"
    )


def selector_hint(platform: Platform, word: str) -> str:
    """Why ``word`` selects nothing on ``platform`` and what would, or ""."""
    import difflib

    from ekslint.lint.rulepack import available_platforms, load_platform

    if word != word.upper() and expand(platform, word.upper()):
        return f"rule IDs are upper-case: {word.upper()}"
    for other in available_platforms():
        if other == platform.name:
            continue
        pack = load_platform(other)
        if word in pack.rules:
            name = pack.rules[word].name
            mine = platform.rule_by_name_or_id(name)
            if mine is None:
                return f"{word} is {name} on {other}, which {platform.name} does not have"
            return f"{word} is {name} on {other}; on {platform.name} it is {mine.id}"
        if any(rule_id.startswith(word) for rule_id in pack.rules):
            return f"{word} selects {other} rules; {platform.name} IDs start with " + id_prefix(
                platform
            )
    words = [*platform.rules, *(r.name for r in platform.rules.values())]
    close = difflib.get_close_matches(word, words, n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}?" if close else ""


class RuleSelection:
    __slots__ = ("_enabled", "_severity", "configured", "platform", "settings")

    def __init__(self, platform: Platform, settings: Settings) -> None:
        self.platform = platform
        self.settings = settings
        self._enabled = {
            rule_id: self._decide(rule_id, settings.select, settings.ignore)
            for rule_id in platform.rules
        }
        self._severity: dict[str, str] = {r.id: r.severity for r in platform.rules.values()}
        configured: set[str] = set()
        for word, severity in settings.severity.items():
            for rule_id in self.expand(word):
                self._severity[rule_id] = severity
                configured.add(rule_id)
        # Rules whose severity the configuration set: it wins over a finding's own.
        self.configured = frozenset(configured)

    def expand(self, word: str) -> list[str]:
        """Rule IDs a selector names: ``ALL``, an ID, an ID prefix, or a rule name."""
        return expand(self.platform, word)

    def known(self, word: str) -> bool:
        return bool(self.expand(word))

    def _specificity(self, rule_id: str, selectors: list[str]) -> int:
        best = -1
        rule = self.platform.rules[rule_id]
        for word in selectors:
            if word == ALL:
                best = max(best, 0)
            elif word == rule.name:
                best = max(best, 100)
            elif rule_id.startswith(word):
                best = max(best, len(word))
        return best

    def _decide(self, rule_id: str, select: list[str], ignore: list[str]) -> bool:
        selected = self._specificity(rule_id, select)
        ignored = self._specificity(rule_id, ignore)
        return selected >= 0 and selected > ignored

    def enabled(self, rule_id: str) -> bool:
        return self._enabled.get(rule_id, False)

    def enabled_for(self, rule_id: str, path: str) -> bool:
        if not self.enabled(rule_id):
            return False
        if not self.settings.per_file_ignores:
            return True
        root = self.settings.root
        for pattern, words in self.settings.per_file_ignores.items():
            if matches_glob(path, pattern, root) and rule_id in {
                r for w in words for r in self.expand(w)
            }:
                return False
        return True

    def severity(self, rule_id: str) -> str:
        return self._severity.get(rule_id, "warning")

    def severity_of(self, rule_id: str, own: str | None) -> str:
        return finding_severity(self.severity(rule_id), own, rule_id in self.configured)


def finding_severity(rule_severity: str, own: str | None, configured: bool) -> str:
    """A finding's severity: the configured one, else the finding's own (a rule whose cases
    differ in certainty sets it), else the rule's."""
    return rule_severity if own is None or configured else own
