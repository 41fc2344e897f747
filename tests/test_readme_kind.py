"""The README's kind walkthrough: its sizing is the dev stack's `capacity` output, and its public-images
step deploys without a registry key."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from components.capacity import deployment_capacity
from config import sizing as sz
from config import validate
from config.loader import required_secrets
from tests.harness import containers, manifests, run_config, run_stack, stack_input
from tools import stackfile
from tools.mocks import SECRET_PLACEHOLDER

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
KIND = README[README.index("## Deploy to kind") : README.index("## Deploy to EKS")]
GI = 2**30


def _figure(pattern: str) -> tuple[Decimal, Decimal]:
    match = re.search(pattern, KIND)
    assert match, f"the kind walkthrough no longer says {pattern}"
    return Decimal(match[1]), Decimal(match[2])


def _cpus(quantity: str) -> Decimal:
    return Decimal(sz.cpu_millis(quantity)) / 1000


def _gib(quantity: str) -> Decimal:
    return Decimal(sz.memory_bytes(quantity)) / GI


def test_the_readmes_kind_sizing_is_the_capacity_output() -> None:
    capacity = run_stack("dev").outputs["capacity"]
    docker = _figure(r"Docker with \*\*(\d+) CPUs and (\d+) GiB\*\*")
    peak = _figure(r"peak requests of \*\*([\d.]+) CPUs and ([\d.]+) GiB\*\*")
    node = _figure(r"\*\*one node\*\* of `nodeSize` \((\d+) CPUs, (\d+) GiB")
    assert capacity["nodes"] == 1
    assert peak == (
        round(_cpus(capacity["requests"]["cpu"]), 1),
        round(_gib(capacity["requests"]["memory"]), 1),
    )
    assert node == (_cpus(capacity["nodeSize"]["cpu"]), _gib(capacity["nodeSize"]["memory"]))
    # What Docker gets holds the node's share and room for kind's control plane and Envoy Gateway
    # (about 1 CPU and 1 GiB of requests between them).
    assert docker[0] >= node[0] + 1 and docker[1] >= node[1] + 1


def test_the_figures_would_catch_a_stack_that_outgrew_the_node() -> None:
    bigger = stack_input("dev", "studio.backend.resources=null", "studio.keycloak.resources=null")
    config, problems = validate(bigger.plain)
    assert config is not None, problems
    assert deployment_capacity(config).nodes > 1


def _public_images_step() -> stackfile.StackInput:
    """The dev stack file after step 5's `pulumi config` commands, as the CLI would store them."""
    given = stack_input("dev")
    commands = re.findall(r"^\s*pulumi config (set|rm) --path (\S+)(?: (\S+))?$", KIND, re.MULTILINE)
    assert len(commands) == 5, commands
    for verb, key, value in commands:
        if verb == "rm":
            stackfile.remove(given, key)
        else:
            # `pulumi config set --path` stores 1.15.2 and 3.15.8 as strings.
            stackfile.apply_override(given, f"{key}='{value}'")
    return given


def test_the_public_images_step_needs_no_registry_key_and_fits_the_node() -> None:
    given = _public_images_step()
    config, problems = validate(given.plain)
    assert config is not None, problems
    assert [s.key for s in required_secrets(config)] == ["rasaProLicense"]
    assert deployment_capacity(config).nodes == 1
    run = run_config("dev", given.plain, {"rasaProLicense": SECRET_PLACEHOLDER})
    pods = [m for m in manifests(run) if m["kind"] in ("Deployment", "StatefulSet", "Job")]
    assert all("imagePullSecrets" not in m["spec"]["template"]["spec"] for m in pods)
    images = {c["image"] for m in pods for c in containers(m)}
    assert {i for i in images if "rasa" in i} == {
        "docker.io/rasa/rasa-pro:3.15.8",
        *(f"docker.io/rasa/studio-{name}:1.15.2" for name in ("backend", "database-migration", "event-ingestion")),
        *(f"docker.io/rasa/studio-{name}:1.15.2" for name in ("keycloak", "web-client")),
    }
