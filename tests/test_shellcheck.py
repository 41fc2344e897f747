"""The shell script extractor and the shellcheck check that CI runs on every render."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness import STACKS, manifests, run_stack
from tools import shellcheck
from tools.shell_scripts import scripts

BROKEN = 'for f in $(ls /data); do echo $f; done\n[ $1 == "x" ]\n'


def job(name: str, command: list[str], **container: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "template": {"spec": {"containers": [{"name": "main", "image": "x", "command": command, **container}]}}
        },
    }


def test_finds_every_kind_of_script_and_nothing_else() -> None:
    objects = [
        job("inline", ["/bin/sh", "-c", "echo inline"]),
        job("bash", ["bash", "-c", "echo bash"]),
        job("args", ["sh"], args=["-c", "echo args"]),
        job("python", ["python", "-c", "print(1)"]),
        job("probe", ["app"], readinessProbe={"exec": {"command": ["sh", "-c", "test -f /ready"]}}),
        {
            "kind": "ConfigMap",
            "metadata": {"name": "cm"},
            "data": {"start.sh": "echo start\n", "run": "#!/usr/bin/env bash\necho run\n", "app.conf": "a=b\n"},
        },
    ]
    found = {s.origin: (s.shell, s.text) for s in scripts(objects)}
    assert found == {
        "Job/inline containers[main] command": ("sh", "echo inline"),
        "Job/bash containers[main] command": ("bash", "echo bash"),
        "Job/args containers[main] command": ("sh", "echo args"),
        "Job/probe containers[main] readinessProbe": ("sh", "test -f /ready"),
        "ConfigMap/cm data[run]": ("bash", "#!/usr/bin/env bash\necho run\n"),
        "ConfigMap/cm data[start.sh]": ("sh", "echo start\n"),
    }


def test_finds_the_scripts_the_dev_stack_renders() -> None:
    # Job names end in a digest of their spec.
    origins = {re.sub(r"-[0-9a-f]{8} ", " ", s.origin) for s in scripts(manifests(run_stack("dev")))}
    for expected in (
        "Job/database-init containers[database-init] command",
        "Job/kafka-topics containers[kafka-topics] command",
        "Job/minio-bucket containers[make-bucket] command",
        "Job/studio-database-migration initContainers[wait-for-postgresql] command",
        "ConfigMap/kafka-scripts data[start.sh]",
        "ConfigMap/postgresql-init data[10-studio.sh]",
        "StatefulSet/postgresql containers[postgresql] readinessProbe",
    ):
        assert expected in origins, sorted(origins)


def test_a_script_with_shellcheck_findings_fails_the_check() -> None:
    checked, findings = shellcheck.check(scripts([job("broken", ["sh", "-c", BROKEN])]))
    assert checked == 1
    (finding,) = findings
    assert finding.origins == ("Job/broken containers[main] command",)
    assert "SC2045" in finding.report  # iterating over ls output
    assert "SC2086" in finding.report  # unquoted expansion


def test_the_command_line_fails_on_a_broken_render_and_passes_a_clean_one(tmp_path: Path) -> None:
    broken, clean = tmp_path / "broken", tmp_path / "clean"
    broken.mkdir()
    clean.mkdir()
    (broken / "job.yaml").write_text(yaml.safe_dump(job("broken", ["sh", "-c", BROKEN])))
    (clean / "job.yaml").write_text(yaml.safe_dump(job("clean", ["sh", "-c", 'echo "$1"'])))
    assert shellcheck.main([str(broken)]) == 1
    assert shellcheck.main([str(clean)]) == 0
    assert shellcheck.main([str(tmp_path / "missing")]) == 2


@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_script_passes_shellcheck(stack: str) -> None:
    found = scripts(manifests(run_stack(stack)))
    assert found
    _checked, findings = shellcheck.check(found)
    assert findings == [], "\n\n".join(f"{f.origins}\n{f.report}" for f in findings)
