"""YAML through libyaml where PyYAML was built with it: the same safe subset, about ten times
faster than the pure-Python loader and dumper (stack files are read on every render and test)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping with the same key twice: YAML 1.2 forbids it, PyYAML keeps the last silently."""


class UniqueKeyLoader(Loader):  # type: ignore[misc,valid-type]
    """The safe loader, refusing a key that appears twice in one mapping, at any depth.

    A stack file with `rasa-studio:studio:` twice would otherwise lose the first block without a
    word. (libyaml only parses; mappings are still built here in Python, so this costs little.)
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                first = seen[key].start_mark
                raise DuplicateKeyError(
                    None,
                    None,
                    f"key {key!r} appears twice in one mapping (first on line {first.line + 1}); "
                    "YAML keeps only the last, so merge the two",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def load_unique(text: str) -> Any:
    """`load` for what people write (stack files, --set values): duplicate keys are an error."""
    return yaml.load(text, Loader=UniqueKeyLoader)


def error_line(exc: yaml.YAMLError, text: str) -> str:
    """One line for a YAML error in `text`: where and what, naming a tab when a tab is the cause."""
    mark = getattr(exc, "problem_mark", None)
    problem = str(getattr(exc, "problem", None) or exc).strip()
    if mark is None:
        return " ".join(problem.split())
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line[: mark.column + 1]:
        # libyaml says only "found character that cannot start any token" for a tab.
        problem = "a tab character: YAML indents with spaces only; replace the tab with spaces"
    elif "\t" in line:
        problem += " (the line has a tab: YAML indents with spaces only)"
    return " ".join(f"line {mark.line + 1}, column {mark.column + 1}: {problem}".split())


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)


def load_all(text: str) -> Iterator[Any]:
    return yaml.load_all(text, Loader=Loader)


def dump(obj: Any) -> str:
    """As the renderer writes a manifest: keys sorted, block style."""
    return yaml.dump(obj, Dumper=Dumper, sort_keys=True, default_flow_style=False)
