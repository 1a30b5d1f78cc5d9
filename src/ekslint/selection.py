"""Which rules run, where, and at what severity: select/ignore, per-file-ignores, overrides."""

from __future__ import annotations

from ekslint.rulepack import Platform
from ekslint.settings import Settings, matches_glob


class RuleSelection:
    def __init__(self, platform: Platform, settings: Settings) -> None:
        self.platform = platform
        self.settings = settings
        self._enabled = {
            rule_id: self._decide(rule_id, settings.select, settings.ignore)
            for rule_id in platform.rules
        }
        self._severity: dict[str, str] = {r.id: r.severity for r in platform.rules.values()}
        for word, severity in settings.severity.items():
            for rule_id in self.expand(word):
                self._severity[rule_id] = severity

    def expand(self, word: str) -> list[str]:
        """Rule IDs a selector names: ``ALL``, an ID, an ID prefix, or a rule name."""
        if word == "ALL":
            return list(self.platform.rules)
        return [
            rule.id
            for rule in self.platform.rules.values()
            if rule.id.startswith(word) or rule.name == word
        ]

    def known(self, word: str) -> bool:
        return bool(self.expand(word))

    def _specificity(self, rule_id: str, selectors: list[str]) -> int:
        best = -1
        rule = self.platform.rules[rule_id]
        for word in selectors:
            if word == "ALL":
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
        for pattern, words in self.settings.per_file_ignores.items():
            if matches_glob(path, pattern) and rule_id in {
                r for w in words for r in self.expand(w)
            }:
                return False
        return True

    def severity(self, rule_id: str) -> str:
        return self._severity.get(rule_id, "warning")
