"""Run the real program (`__main__.py`) for a stack config under Pulumi's mock runtime.

The renderer and the tests both come through here, so they exercise exactly the code path
`pulumi up` runs; only the engine and the providers are mocks.
"""

from __future__ import annotations

import asyncio
import json
import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from components import preflight
from config import StackConfig
from config.errors import PROJECT
from config.loader import check as config_check

from .mocks import Registration, install
from .output import REDACTED

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "__main__.py"


@dataclass
class ProgramRun:
    registrations: list[Registration]
    outputs: dict[str, Any]

    def by_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]


def _wire(value: Any) -> str:
    # Pulumi hands structured config to programs as JSON text, strings as themselves.
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


async def _resolve(exported: dict[str, Any], into: dict[str, Any]) -> None:
    for key, value in sorted(exported.items()):
        out = pulumi.Output.from_input(value)
        resolved = await out.future()
        into[key] = REDACTED if await out.is_secret() else resolved


def check(stack: str, plain: dict[str, Any]) -> tuple[StackConfig | None, list[str]]:
    """The program's config step without the runtime: validation, then the preflight checks."""
    config, problems = config_check(stack, plain, preflight.problems)
    return (config if not problems else None), problems


def run(
    stack: str, plain: dict[str, Any], secrets: dict[str, str], previous: dict[str, Any] | None = None
) -> ProgramRun:
    """Run the program once; raises config.ConfigError for invalid config.

    `plain` and `secrets` are keyed without the project prefix, as a stack file's keys read
    after `rasa-studio:`. `previous` are the outputs of the stack's last update, which the
    program reads back (config/previous.py); None: a first deployment.
    """
    # A fresh loop per run: Python 3.12+ no longer makes one implicitly, and state left on an
    # old loop by an earlier run must not leak into this one.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        monitor = install(PROJECT, stack, previous)
        values = {f"{PROJECT}:{k}": _wire(v) for k, v in plain.items()}
        values.update({f"{PROJECT}:{k}": v for k, v in secrets.items()})
        pulumi.runtime.set_all_config(values, secret_keys=[f"{PROJECT}:{k}" for k in secrets])

        outputs: dict[str, Any] = {}

        def program() -> pulumi.Output[None]:
            runpy.run_path(str(MAIN), run_name="__main__")
            root = pulumi.runtime.get_root_resource()
            # Mocks finish the stack resource before the program runs, so its exports are read
            # here rather than from the monitor.
            exported = dict(getattr(root, "outputs", {}) or {})
            return pulumi.Output.from_input(_resolve(exported, outputs))

        pulumi.runtime.test(program)()
        registrations = sorted(monitor.registrations, key=lambda r: r.urn)
        return ProgramRun(registrations, outputs)
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
        asyncio.set_event_loop(None)
        loop.close()
