"""Read a `Pulumi.<stack>.yaml` the way the CLI would hand it to the program.

Values the CLI would decrypt (`{secure: v1:...}`) cannot be decrypted here: they become
placeholders the program treats as secrets, so their text never reaches any output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from config import secrets as secret_specs
from config.errors import PROJECT, problem

from .mocks import SECRET_PLACEHOLDER


class StackFileError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class StackInput:
    plain: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    # Secret keys given as ciphertext in the stack file.
    encrypted: set[str] = field(default_factory=set)


def read(path: Path) -> StackInput:
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise StackFileError([f"{path}: no such stack file"]) from None
    except yaml.YAMLError as exc:
        raise StackFileError([f"{path}: not valid YAML: {exc}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise StackFileError([f"{path}: expected a mapping with a 'config' mapping"])
    result = StackInput()
    prefix = f"{PROJECT}:"
    for full_key, value in (document.get("config") or {}).items():
        if not isinstance(full_key, str) or not full_key.startswith(prefix):
            continue  # other namespaces (pulumi:, aws:) configure the engine, not this program
        key = full_key[len(prefix) :]
        if isinstance(value, dict) and set(value) == {"secure"}:
            result.secrets[key] = SECRET_PLACEHOLDER
            result.encrypted.add(key)
        elif key in secret_specs.KEYS:
            # A secret in plain text: handed over as plain so the program refuses it.
            result.plain[key] = value
        else:
            result.plain[key] = value
    return result


def apply_override(target: StackInput, assignment: str) -> None:
    """`--set modelService.assistants=6`: the value is parsed as a YAML scalar."""
    path, sep, text = assignment.partition("=")
    keys = [k for k in path.split(".")]
    if not sep or not all(keys):
        raise StackFileError([f"--set {assignment}: expected KEY.PATH=VALUE"])
    try:
        value = yaml.safe_load(text) if text else ""
    except yaml.YAMLError as exc:
        raise StackFileError([f"--set {assignment}: value is not a YAML scalar: {exc}"]) from None
    if isinstance(value, (dict, list)):
        raise StackFileError([f"--set {assignment}: value must be a scalar"])
    top = keys[0]
    if top in secret_specs.KEYS:
        if len(keys) != 1:
            raise StackFileError([problem(path, "secrets are single values")])
        target.secrets[top] = str(value)
        return
    node = target.plain
    for depth, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        if not isinstance(child, dict):
            raise StackFileError([problem(".".join(keys[: depth + 1]), "is not a mapping, cannot set a key inside it")])
        node = child
    node[keys[-1]] = value
