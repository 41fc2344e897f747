"""tools/flows/ with network-config-analyzer: the real analyzer on real renders, broken on purpose.

Needs the analyzer's own virtualenv (.ci/netpol creates .venv-netpol and runs this file; NCA
may point elsewhere). Without it these tests are skipped, and the plain suite still covers the
pure parts (tests/test_flows.py).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import flows as check

NCA = Path(os.environ.get("NCA", str(check.DEFAULT_NCA)))

pytestmark = pytest.mark.skipif(
    not NCA.exists(), reason=f"network-config-analyzer is not installed at {NCA}: run .ci/netpol to create it"
)


@pytest.fixture(scope="module")
def dev_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dev")
    check.render("dev", check.CASES["dev"], out)
    return out


def _judge(out: Path) -> check.Verdict:
    config = check.case_config(check.CASES["dev"])
    peers_file = out / "peers.yaml"
    peers_file.write_text(yaml.safe_dump_all(check.peer_manifests(config, "dev"), sort_keys=True))
    manifests = [yaml.safe_load(p.read_text()) for p in sorted((out / "manifests").glob("*.yaml"))]
    connectivity, warnings = check.analyze(NCA, out / "manifests", peers_file)
    return check.judge("dev", config, "dev", manifests, connectivity, warnings)


def _broken(source: Path, tmp_path: Path, pattern: str, edit: Any) -> Path:
    """A copy of a render with the one manifest matching `pattern` edited."""
    out = tmp_path / "broken"
    shutil.copytree(source / "manifests", out / "manifests")
    (path,) = sorted((out / "manifests").glob(pattern))
    obj = yaml.safe_load(path.read_text())
    edit(obj)
    path.write_text(yaml.safe_dump(obj))
    return out


def test_the_dev_render_passes(dev_render: Path) -> None:
    verdict = _judge(dev_render)
    assert verdict.ok, verdict.report()
    allowed, blocked = verdict.architecture_counts()
    assert blocked == 0 and allowed == len({e.flow for e in verdict.allowed})


def test_a_broken_pod_label_fails_the_check(dev_render: Path, tmp_path: Path) -> None:
    # The label mismatch of the original bug: a setup Job's pods named differently from what
    # its NetworkPolicy selects.
    def rename(job: dict[str, Any]) -> None:
        job["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] = "database-init-job"

    verdict = _judge(_broken(dev_render, tmp_path, "rasa-studio.job.database-init-*.yaml", rename))
    assert not verdict.ok
    assert "database-init -> postgresql:5432" in {e.flow for e in verdict.blocked}
    assert [w for w in verdict.unselected if "database-init" in w]
    # The policy meant for it now selects nothing, and so does PostgreSQL's rule admitting it.
    assert verdict.empty_policies == ["rasa-studio/rasa-studio-database-init", "rasa-studio/rasa-studio-postgresql"]


def test_a_policy_open_to_every_namespace_fails_the_check(dev_render: Path, tmp_path: Path) -> None:
    def open_up(policy: dict[str, Any]) -> None:
        policy["spec"]["ingress"].append({"from": [{"namespaceSelector": {}}]})

    verdict = _judge(_broken(dev_render, tmp_path, "rasa-studio.networkpolicy.rasa-studio-postgresql.yaml", open_up))
    assert not verdict.ok
    assert any(x.startswith("foreign -> postgresql:any") for x in verdict.forbidden_allowed)
    assert any(x.startswith("foreign-impostor -> postgresql:any") for x in verdict.forbidden_allowed)
