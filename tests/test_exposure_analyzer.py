"""The entry points judged by network-config-analyzer on real renders, broken on purpose.

Needs the analyzer's virtualenv (.ci/netpol creates .venv-netpol and runs this file); skipped
without it. tests/test_flows.py judges recorded analyzer output of the same cases.
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
def renders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    found = {}
    for case in ("staging", "dev", "dev-gateway-in-namespace"):
        out = tmp_path_factory.mktemp(case)
        check.render(case, check.CASES[case], out)
        found[case] = out
    return found


def judge(case: str, out: Path) -> check.Verdict:
    config = check.case_config(check.CASES[case])
    stack = check.CASES[case].stack
    peers_file = out / "peers.yaml"
    peers_file.write_text(yaml.safe_dump_all(check.peer_manifests(config, stack), sort_keys=True))
    manifests = [yaml.safe_load(p.read_text()) for p in sorted((out / "manifests").glob("*.yaml"))]
    connectivity, warnings = check.analyze(NCA, out / "manifests", peers_file)
    return check.judge(case, config, stack, manifests, connectivity, warnings)


def broken(source: Path, tmp_path: Path, policy: str, edit: Any) -> Path:
    out = tmp_path / "broken"
    shutil.copytree(source / "manifests", out / "manifests")
    path = out / "manifests" / f"rasa-studio.networkpolicy.{policy}.yaml"
    obj = yaml.safe_load(path.read_text())
    edit(obj)
    path.write_text(yaml.safe_dump(obj))
    return out


@pytest.mark.parametrize("case", ["staging", "dev", "dev-gateway-in-namespace"])
def test_the_entry_points_pass(case: str, renders: dict[str, Path]) -> None:
    verdict = judge(case, renders[case])
    assert verdict.ok, verdict.report()


def test_an_alb_rule_open_to_every_address_fails(renders: dict[str, Path], tmp_path: Path) -> None:
    def widen(policy: dict[str, Any]) -> None:
        for rule in policy["spec"]["ingress"]:
            for peer in rule["from"]:
                if "ipBlock" in peer:
                    peer["ipBlock"]["cidr"] = "0.0.0.0/0"

    verdict = judge("staging", broken(renders["staging"], tmp_path, "rasa-studio-web-client", widen))
    assert not verdict.ok
    assert any(u.endswith("-> rasa-studio/studio-web-client[Deployment]: TCP 8080") for u in verdict.unexpected)


def test_a_gateway_rule_without_its_pod_labels_fails(renders: dict[str, Path], tmp_path: Path) -> None:
    def whole_namespace(policy: dict[str, Any]) -> None:
        for rule in policy["spec"]["ingress"]:
            for peer in rule["from"]:
                if peer.get("namespaceSelector", {}).get("matchLabels") == {
                    "kubernetes.io/metadata.name": "envoy-gateway-system"
                }:
                    peer.pop("podSelector")

    verdict = judge("dev", broken(renders["dev"], tmp_path, "rasa-studio-backend", whole_namespace))
    assert not verdict.ok
    assert [f for f in verdict.forbidden_allowed if f.startswith("entry-neighbour -> backend")]


def test_gateway_proxies_in_the_namespace_without_their_policy_fail(renders: dict[str, Path], tmp_path: Path) -> None:
    # The proxies beside an in-namespace Gateway, left to the default deny as before.
    out = tmp_path / "broken"
    shutil.copytree(renders["dev-gateway-in-namespace"] / "manifests", out / "manifests")
    (out / "manifests" / "rasa-studio.networkpolicy.rasa-studio-entry-proxies.yaml").unlink()
    verdict = judge("dev-gateway-in-namespace", out)
    assert not verdict.ok
    assert {"anywhere -> ingress-controller:80", "ingress-controller -> web-client:8080"} <= {
        e.flow for e in verdict.blocked
    }
