"""YAML through libyaml where PyYAML was built with it: the same safe subset, about ten times
faster than the pure-Python loader and dumper (stack files are read on every render and test)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load(text: str) -> Any:
    return yaml.load(text, Loader=Loader)


def load_all(text: str) -> Iterator[Any]:
    return yaml.load_all(text, Loader=Loader)


def dump(obj: Any) -> str:
    """As the renderer writes a manifest: keys sorted, block style."""
    return yaml.dump(obj, Dumper=Dumper, sort_keys=True, default_flow_style=False)
