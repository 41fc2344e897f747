"""docs/assistant.md: its stack files, `--set` line and quoted refusals are what the program accepts and says.

Config checks only (no whole-program run): each example is added to the stack file its first
comment names, as a user would, and checked the way `pulumi up` and the renderer check it.
"""

from __future__ import annotations

import copy
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.capacity import deployment_capacity
from config.defaults import merge
from tests.harness import stack_input
from tools import program

PAGE = Path(__file__).resolve().parent.parent / "docs" / "assistant.md"
TEXT = PAGE.read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, flags=re.S)


def _examples() -> dict[str, tuple[str, dict[str, Any]]]:
    """Each YAML example by the stack it is added to: {stack: (stack, config section)}."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for block in _blocks("yaml"):
        named = re.search(r"Pulumi\.(\w+)\.yaml", block.splitlines()[0])
        assert named, f"an example's first line names the stack file it is added to: {block.splitlines()[0]}"
        config = yaml.safe_load(block)["config"]
        label = "external" if "rasa-studio:database" in config else named.group(1)
        found[label] = (named.group(1), config)
    return found


EXAMPLES = _examples()


def _plain(stack: str, example: dict[str, Any]) -> dict[str, Any]:
    plain = copy.deepcopy(stack_input(stack).plain)
    for full_key, value in example.items():
        key = full_key.removeprefix("rasa-studio:")
        plain[key] = merge(plain.get(key, {}), value)
    return plain


def _problems(stack: str, plain: dict[str, Any]) -> list[str]:
    return program.check(stack, plain)[1]


def test_the_page_shows_dev_prod_and_external() -> None:
    assert set(EXAMPLES) == {"dev", "prod", "external"}
    assert EXAMPLES["external"][0] == "dev"


@pytest.mark.parametrize("label", sorted(EXAMPLES))
def test_each_example_is_a_valid_stack_with_the_assistant_on(label: str) -> None:
    stack, example = EXAMPLES[label]
    config, problems = program.check(stack, _plain(stack, example))
    assert problems == []
    assert config is not None and config.assistant.enabled


def test_the_dev_example_fits_the_kind_node_and_the_built_in_request_would_not() -> None:
    """As the page says: its smaller request keeps the README's one kind node; without it, two."""
    stack, example = EXAMPLES["dev"]
    plain = _plain(stack, example)
    config = program.check(stack, plain)[0]
    assert config is not None and deployment_capacity(config).nodes == 1
    built_in = program.check(stack, _without(plain, "assistant.resources"))[0]
    assert built_in is not None and deployment_capacity(built_in).nodes > 1


def test_the_prod_example_shares_locks_and_the_external_one_brings_its_secrets() -> None:
    prod = program.check("prod", _plain(*EXAMPLES["prod"]))[0]
    assert prod is not None and prod.assistant.peak_replicas >= 2
    assert prod.assistant.lock_store.mode == "elasticache"
    external = program.check("dev", _plain(*EXAMPLES["external"]))[0]
    assert external is not None
    assert (external.database.mode, external.kafka.mode) == ("external", "external")
    assert external.assistant.tracker_store.password_secret is not None
    assert external.assistant.kafka.password_secret is not None


def _without(plain: dict[str, Any], path: str) -> dict[str, Any]:
    changed = copy.deepcopy(plain)
    *parents, last = path.split(".")
    node = changed
    for part in parents:
        node = node[part]
    del node[last]
    return changed


# Each refusal the page quotes, and the change to one of its examples that must produce it.
REFUSALS = {
    "assistant.replicas": ("prod", "assistant.lockStore"),
    "assistant.trackerStore.passwordSecret": ("external", "assistant.trackerStore.passwordSecret"),
}


def test_the_quoted_refusals_are_the_programs_own_words() -> None:
    quoted = [line for block in _blocks("text") for line in block.splitlines() if line.startswith("rasa-studio:")]
    assert {line.split(":")[1] for line in quoted} == set(REFUSALS)
    for line in quoted:
        label, removed = REFUSALS[line.split(":")[1]]
        stack, example = EXAMPLES[label]
        plain = _plain(stack, example)
        assert _problems(stack, plain) == []
        assert line in _problems(stack, _without(plain, removed))


def test_the_set_line_renders_a_valid_dev_stack() -> None:
    (command,) = [b for b in _blocks("sh") if "tools.render dev" in b]
    words = shlex.split(command.replace("\\\n", " "))
    sets = [words[i + 1] for i, word in enumerate(words) if word == "--set"]
    assert sets and all(s.startswith("assistant.") for s in sets)
    # On a dev stack file without the section (Pulumi.dev.yaml carries one, switched off).
    bare = "assistant=null"
    config, problems = program.check("dev", stack_input("dev", bare, *sets).plain)
    assert problems == [] and config is not None and config.assistant.enabled
    # Each of the three keys is needed: without one the same line is refused.
    for dropped in sets[1:]:
        assert _problems("dev", stack_input("dev", bare, *(s for s in sets if s != dropped)).plain)


def test_the_page_is_linked_from_the_readme_and_rasa_pro() -> None:
    root = PAGE.parent.parent
    assert "(docs/assistant.md)" in (root / "README.md").read_text()
    assert "(assistant.md)" in (root / "docs" / "rasa-pro.md").read_text()
