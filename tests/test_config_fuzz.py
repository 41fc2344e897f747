"""Property: any stack config either renders manifests that pass strict schema validation, or is
refused with exit code 2 and one `rasa-studio:<key>: <reason>` line per problem: never a traceback.

Configs are the three stack files with one to three leaf keys of the config model set to values
from tests/config_strategies.py (derived from the models, so new fields are fuzzed too).
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from config import StackConfig
from tests import config_strategies as cs
from tests import crd_schema
from tests.harness import STACKS, stack_file, stack_input
from tools import program, schema
from tools.render import render

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
BASES = {stack: stack_input(stack).plain for stack in STACKS}
# One line per problem, naming a key path under one of the model's top-level keys.
_TOP = sorted(f.alias or n for n, f in StackConfig.model_fields.items())
PROBLEM = re.compile(rf"^rasa-studio:({'|'.join(_TOP)})(\.\S.*)?: \S")


def test_every_leaf_of_the_model_is_fuzzed() -> None:
    paths = {".".join(leaf.path) for leaf in cs.leaves()}
    # A sample from every section, including keys only one mode has.
    assert {
        "protectData",
        "kubernetes.namespace",
        "studio.backend.autoscaling.maxReplicas",
        "modelService.nodeSize.cpu",
        "kafka.brokers",
        "kafka.securityProtocol",
        "database.sslMode",
        "objectStorage.endpoint",
        "aws.tags",
        "acknowledgeUnsafeProd",
    } <= paths


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), stack=st.sampled_from(STACKS))
def test_the_config_step_accepts_or_names_a_key_for_any_config(data: st.DataObject, stack: str) -> None:
    plain = data.draw(cs.patches(BASES[stack]))
    config, problems = program.check(stack, plain)
    event("valid" if config is not None else "refused")
    if config is None:
        assert problems
        assert all(PROBLEM.match(p) for p in problems), problems


# Each valid example is a whole program run (~0.5 s) plus schema validation, a refused one takes
# milliseconds: kept small (the config-step property above covers many more configs).
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(data=st.data(), stack=st.sampled_from(STACKS))
def test_the_renderer_writes_valid_manifests_or_exits_2(data: st.DataObject, stack: str) -> None:
    # One key, and half of the examples valid, so that the renderer's output is checked every run.
    plain = data.draw(cs.patches(BASES[stack], max_keys=1))
    if data.draw(st.booleans(), label="valid"):
        assume(program.check(stack, plain)[0] is not None)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        # The stack name decides the prod-naming rule: the stack file is read as `stack`.
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = render([stack, "--config", str(stack_file(Path(tmp), plain)), "--out", str(out)])
        assert "Traceback" not in stdout.getvalue() + stderr.getvalue()
        event(f"exit {code}")
        if code == 2:
            lines = [line.strip() for line in stderr.getvalue().splitlines()[1:]]
            assert lines and all(PROBLEM.match(line) for line in lines), stderr.getvalue()
            assert not out.exists()
            return
        assert code == 0
        config, _ = program.check(stack, plain)
        assert config is not None
        found = []
        for path in sorted((out / "manifests").iterdir()):
            obj = yaml.load(path.read_text(), Loader=_Loader)
            # Gateway API objects are checked against their CRDs' schemas (kubernetes-validate lacks them).
            found += (
                crd_schema.errors(obj) if crd_schema.handles(obj) else schema.errors(obj, config.kubernetes.version)
            )
        assert found == []


def test_a_control_character_in_a_map_key_stays_on_its_problems_line() -> None:
    # Found by the property above: \x1e in an annotation key split the renderer's one line per
    # problem in two (str.splitlines breaks on it), so the key was lost from the error.
    plain = {
        **BASES["dev"],
        "kubernetes": {**BASES["dev"]["kubernetes"], "podDefaults": {"podAnnotations": {"\x1e": "x"}}},
    }
    config, problems = program.check("dev", plain)
    assert config is None and problems
    for line in problems:
        assert line.splitlines() == [line] and PROBLEM.match(line), line
    assert any(p.startswith("rasa-studio:kubernetes.podDefaults.podAnnotations.\\x1e: ") for p in problems), problems
