"""Every shell script in a set of rendered Kubernetes manifests.

A container runs shell when its command (or command plus args) is `sh -c SCRIPT` (or bash,
ash, dash); exec probes and lifecycle hooks the same. A ConfigMap value is a script when its key
ends in `.sh` or the value starts with a shell `#!` line. Each comes with where it was found and
the container's env, so tests can run it as the pod would.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import yaml_io

SHELLS = {"sh": "sh", "ash": "sh", "dash": "dash", "bash": "bash"}
POD_PATHS = {
    "Pod": ("spec",),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
}


@dataclass(frozen=True)
class ShellScript:
    origin: str
    text: str
    # shellcheck's dialect: sh (POSIX) unless the script or its command says bash/dash.
    shell: str
    env: Sequence[Mapping[str, Any]] = field(default=(), compare=False)


def _shell_of(executable: str) -> str | None:
    return SHELLS.get(executable.rsplit("/", 1)[-1])


def _inline(argv: Sequence[str]) -> tuple[str, str] | None:
    """(dialect, script) of `sh -c SCRIPT ...`, or None for any other command."""
    if len(argv) >= 3 and argv[1] == "-c" and (shell := _shell_of(argv[0])) is not None:
        return shell, argv[2]
    return None


def _pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    path = POD_PATHS.get(obj.get("kind", ""))
    node: Any = obj
    for key in path or ():
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if path and isinstance(node, Mapping) else None


def _container_scripts(obj: Mapping[str, Any], pod: Mapping[str, Any]) -> Iterator[ShellScript]:
    where = f"{obj['kind']}/{obj['metadata']['name']}"
    for group in ("initContainers", "containers"):
        for c in pod.get(group) or []:
            name = f"{where} {group}[{c['name']}]"
            env = c.get("env") or []
            argv = [*(c.get("command") or []), *(c.get("args") or [])]
            if (found := _inline(argv)) is not None:
                yield ShellScript(f"{name} command", found[1], found[0], env)
            hooks = {f"{p}": c.get(p) for p in ("livenessProbe", "readinessProbe", "startupProbe")}
            hooks.update({f"lifecycle.{k}": v for k, v in (c.get("lifecycle") or {}).items()})
            for label, hook in sorted(hooks.items()):
                command = ((hook or {}).get("exec") or {}).get("command") or []
                if (found := _inline(command)) is not None:
                    yield ShellScript(f"{name} {label}", found[1], found[0], env)


def _shebang_shell(text: str) -> str | None:
    if not text.startswith("#!"):
        return None
    words = text[2:].split("\n", 1)[0].split()
    if not words:
        return None
    if words[0].endswith("/env") and len(words) > 1:
        return _shell_of(words[1])
    return _shell_of(words[0])


def _config_map_scripts(obj: Mapping[str, Any]) -> Iterator[ShellScript]:
    for key, value in sorted((obj.get("data") or {}).items()):
        shell = _shebang_shell(value)
        if shell is None and key.endswith(".sh"):
            shell = "sh"
        if shell is not None:
            yield ShellScript(f"ConfigMap/{obj['metadata']['name']} data[{key}]", value, shell)


def scripts(manifests: Iterable[Mapping[str, Any]]) -> list[ShellScript]:
    found: list[ShellScript] = []
    for obj in manifests:
        if obj.get("kind") == "ConfigMap":
            found.extend(_config_map_scripts(obj))
        elif (pod := _pod_spec(obj)) is not None:
            found.extend(_container_scripts(obj, pod))
    return found


def read_manifests(directory: Path) -> list[dict[str, Any]]:
    """Every object in the YAML files of a rendered manifests directory."""
    objects: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.yaml")):
        objects.extend(d for d in yaml_io.load_all(path.read_text()) if isinstance(d, dict))
    return objects
