"""Where two input values differ, and whether a difference touches a force-new path.

Paths are tuples of keys and list indices. A provider's force-new rule is a path too, with `*`
for any list index (pulumi-kubernetes writes `.spec.containers[*].image`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Path = tuple[str | int, ...]

# What the engine substitutes for an input whose value came from a resource it is about to
# delete (pkg/resource/deploy/step_generator.go, calculateDependentReplacements).
UNKNOWN = object()


@dataclass(frozen=True)
class Change:
    path: Path
    # The new value at `path` (None where the old value was removed).
    new: Any


def changes(old: Any, new: Any, at: Path = ()) -> list[Change]:
    """Leaf differences, as pulumi-kubernetes' Diff walks its merge patch (provider.go,
    convertPatchToDiff): maps key by key, lists element by element, anything else whole."""
    if new is UNKNOWN:
        return [Change(at, UNKNOWN)]
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[Change] = []
        for key in sorted(set(old) | set(new)):
            if key not in new:
                found.append(Change((*at, key), None))
            elif key not in old:
                found.append(Change((*at, key), new[key]))
            else:
                found.extend(changes(old[key], new[key], (*at, key)))
        return found
    if isinstance(old, list) and isinstance(new, list):
        found = []
        for index in range(max(len(old), len(new))):
            if index >= len(new):
                found.append(Change((*at, index), None))
            elif index >= len(old):
                found.append(Change((*at, index), new[index]))
            else:
                found.extend(changes(old[index], new[index], (*at, index)))
        return found
    return [] if old == new else [Change(at, new)]


def parse(rule: str) -> Path:
    """`.spec.containers[*].image` or `brokerNodeGroupInfo.clientSubnets` -> a path."""
    parts: list[str | int] = []
    for token in rule.lstrip(".").replace("[", ".[").split("."):
        if not token:
            continue
        parts.append("*" if token == "[*]" else token)
    return tuple(parts)


def _step_matches(rule: str | int, key: str | int) -> bool:
    return rule == key or (rule == "*" and isinstance(key, int))


def _contains(value: Any, rest: Path) -> bool:
    if not rest:
        return True
    head, tail = rest[0], rest[1:]
    if isinstance(value, dict) and isinstance(head, str):
        return head in value and _contains(value[head], tail)
    if isinstance(value, list) and head == "*":
        return any(_contains(v, tail) for v in value)
    return False


def touches(change: Change, rule: Path) -> bool:
    """Whether a change hits a force-new path: the rule is at or above the changed leaf, or the
    leaf is a whole new value that holds the rule's path (the k8s provider's jsonpath match on the
    patch, openapi.PatchPropertiesChanged). An unknown value may hold anything: it matches every
    rule beneath it. That is the conservative reading the observed replacements bear out
    (pulumi/pulumi-kubernetes #1567, #2262: a Deployment replaced with the Secret it reads)."""
    path = change.path
    common = min(len(path), len(rule))
    if not all(_step_matches(rule[i], path[i]) for i in range(common)):
        return False
    if len(rule) <= len(path):
        return True
    if change.new is UNKNOWN:
        return True
    return _contains(change.new, rule[len(path) :])


def under(path: Path, prefix: Path) -> bool:
    return len(path) >= len(prefix) and all(_step_matches(prefix[i], path[i]) for i in range(len(prefix)))


def show(path: Path) -> str:
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else str(key))
    return text
