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
from config.loader import key_problems

from . import yaml_io
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


def stack_name(path: Path) -> str:
    """`Pulumi.<stack>.yaml` -> stack; any other file name stands for itself."""
    name = path.name
    return name[len("Pulumi.") : -len(".yaml")] if name.startswith("Pulumi.") and name.endswith(".yaml") else name


def existing_stacks(directory: Path) -> list[str]:
    return sorted(stack_name(p) for p in directory.glob("Pulumi.*.yaml"))


# What Pulumi reads at the top of a stack file besides `config` (its stack settings).
STACK_FILE_KEYS = frozenset({"config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"})


def read(path: Path) -> StackInput:
    try:
        text = path.read_text()
    except FileNotFoundError:
        stacks = existing_stacks(path.parent)
        found = f"stacks here: {', '.join(stacks)}" if stacks else "no Pulumi.<stack>.yaml here"
        raise StackFileError([f"{path}: no such stack file ({found})"]) from None
    try:
        document = yaml_io.load_unique(text)
    except yaml.YAMLError as exc:
        raise StackFileError([f"{path}: not valid YAML: {yaml_io.error_line(exc, text)}"]) from None
    values = _config_section(path, document)
    stack = stack_name(path)
    problems = key_problems((str(k) for k in values), stack)
    result = StackInput()
    prefix = f"{PROJECT}:"
    for full_key, value in values.items():
        if not isinstance(full_key, str) or not full_key.startswith(prefix) or "." in full_key:
            continue  # other namespaces configure the engine and providers; the rest is in `problems`
        key = full_key[len(prefix) :]
        if isinstance(value, dict) and set(value) == {"secure"}:
            result.secrets[key] = SECRET_PLACEHOLDER
            result.encrypted.add(key)
        elif key in secret_specs.KEYS:
            spec = next(x for x in secret_specs.ALL if x.key == key)
            problems.append(
                problem(key, f"is stored in plain text; remove it and run: {secret_specs.set_command(spec, stack)}")
            )
        else:
            result.plain[key] = value
    if problems:
        raise StackFileError(problems)
    return result


def _config_section(path: Path, document: Any) -> dict[Any, Any]:
    """The `config:` mapping, or one line saying why there is none (instead of a line per required key)."""
    example = f"`config:` with `{PROJECT}:environment` and the other settings indented below it (see Pulumi.dev.yaml)"
    if document is None or document == {}:
        raise StackFileError([f"{path}: the stack file is empty; it needs {example}"])
    if not isinstance(document, dict):
        raise StackFileError([f"{path}: expected a mapping with {example}, got a {type(document).__name__}"])
    if "config" not in document:
        stray = sorted(str(k) for k in document if str(k) not in STACK_FILE_KEYS)
        found = f"; these keys belong under it, indented: {', '.join(stray)}" if stray else ""
        raise StackFileError([f"{path}: no `config:` mapping{found}"])
    values = document["config"]
    if values is None or values == {}:
        raise StackFileError([f"{path}: `config:` is empty; it needs {example}"])
    if not isinstance(values, dict):
        raise StackFileError([f"{path}: `config:` must be a mapping of keys such as {PROJECT}:environment"])
    if not any(str(k).startswith(f"{PROJECT}:") or ":" not in str(k) for k in values):
        raise StackFileError([f"{path}: `config:` holds no {PROJECT}: settings; it needs {example}"])
    return values


def _keys(path: str, option: str, assignment: str) -> list[str]:
    keys = path.split(".")
    if not all(keys):
        raise StackFileError([f"{option} {assignment}: expected KEY.PATH{'=VALUE' if option == '--set' else ''}"])
    return keys


def apply_override(target: StackInput, assignment: str) -> None:
    """`--set modelService.assistants=6`, `--set kafka.brokers=[a:9096,b:9096]`: the value is YAML
    (a scalar or a flow list or mapping), as the stack file would hold it; `KEY=null` removes KEY."""
    path, sep, text = assignment.partition("=")
    if not sep:
        raise StackFileError([f"--set {assignment}: expected KEY.PATH=VALUE"])
    keys = _keys(path, "--set", assignment)
    top = keys[0]
    if top in secret_specs.KEYS:
        # A secret on the command line ends up in shell history and CI logs, and the offline render
        # has no use for it (secrets render as placeholders): refused, as in the stack file.
        spec = next(x for x in secret_specs.ALL if x.key == top)
        raise StackFileError(
            [
                problem(
                    path,
                    f"is a secret, never given with --set; store it encrypted: {secret_specs.set_command(spec, '<stack>')}",
                )
            ]
        )
    try:
        value = yaml_io.load_unique(text) if text else ""
    except yaml.YAMLError as exc:
        raise StackFileError([f"--set {assignment}: value is not YAML: {yaml_io.error_line(exc, text)}"]) from None
    if value is None:
        remove(target, path, missing_ok=True)
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


def remove(target: StackInput, path: str, missing_ok: bool = False) -> None:
    """`--unset kafka.brokers`: the key as if the stack file never had it."""
    keys = _keys(path, "--unset", path)
    if len(keys) == 1 and keys[0] in target.secrets:
        del target.secrets[keys[0]]
        return
    node: Any = target.plain
    for key in keys[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict) or keys[-1] not in node:
        if missing_ok:
            return
        raise StackFileError([problem(path, "is not set in the stack file, nothing to remove")])
    del node[keys[-1]]
