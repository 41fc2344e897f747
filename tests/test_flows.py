"""tools/flows/ without the analyzer: peers, expected flows, parsing and judging its output.

tests/data/nca-dev-connectivity.txt is what network-config-analyzer 2.1.0 printed for the dev
render behind ingress-nginx (case dev-ingress-nginx) plus the synthetic peers
(`nca --connectivity -o txt_no_fw_rules`); nca-dev-envoy-connectivity.txt,
nca-staging-connectivity.txt and nca-dev-gateway-in-namespace-connectivity.txt the same for the dev
(Envoy Gateway), staging (ALB) and dev-gateway-in-namespace (a Gateway's proxies in Studio's
namespace) cases. The
verdicts below are judged from them and from hand-edited copies of them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from components.network_flows import ANYWHERE, INGRESS_CONTROLLER, KUBE_DNS, OUTSIDE, RASA_JOBS, flows
from tests.harness import manifests, run_stack
from tools import flows as check
from tools.flows import ALL, CASES, Conn, parse_connections

DATA = Path(__file__).resolve().parent / "data"
DEV_CONNECTIVITY = (DATA / "nca-dev-connectivity.txt").read_text()
NO_WARNINGS = ""


def dev_config():
    return check.case_config(CASES["dev-ingress-nginx"])


def workloads_of(connectivity: str, namespace: str = "rasa-studio") -> list[dict[str, Any]]:
    """Minimal workload manifests for the Studio endpoints the analyzer named (peers left out)."""
    found = set(re.findall(rf"{namespace}/([a-z0-9-]+)\[(Deployment|StatefulSet|Job)\]", connectivity))
    return [{"kind": kind, "metadata": {"name": name, "namespace": namespace}} for name, kind in sorted(found)]


def judge_dev(connectivity: str, warnings: str = NO_WARNINGS) -> check.Verdict:
    return check.judge("dev-ingress-nginx", dev_config(), "dev", workloads_of(DEV_CONNECTIVITY), connectivity, warnings)


# --- parsing the analyzer's text -----------------------------------------------------------


def test_connections_parse_as_the_analyzer_prints_them() -> None:
    assert parse_connections("All connections") == ALL
    assert parse_connections("No connections") == ()
    dns = parse_connections("{protocols:TCP, UDP,dst_ports:53}")
    assert dns == (Conn(frozenset({"TCP", "UDP"}), ((53, 53),)),)
    api = parse_connections("{protocols:TCP,dst_ports:443,6443,8000-8001}")
    assert check.allows(api, "TCP", 6443) and check.allows(api, "TCP", 8001)
    assert not check.allows(api, "TCP", 5432) and not check.allows(api, "UDP", 443)
    assert not check.allows(api, "TCP", None)
    assert check.allows(ALL, "TCP", None)


def test_connections_beyond_what_is_wanted_are_caught() -> None:
    conns = parse_connections("{protocols:TCP,dst_ports:5432,9092}")
    assert check.within(conns, {("TCP", 5432), ("TCP", 9092)})
    assert not check.within(conns, {("TCP", 5432)})
    assert not check.within(ALL, {("TCP", 5432)})
    assert check.within(ALL, {("TCP", None)})


def test_unknown_connection_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="paths"):
        parse_connections("{protocols:TCP,dst_ports:80,paths:/api}")


def test_address_ranges_cover_cidrs_only_when_whole() -> None:
    split = check.ranges("0.0.0.0-9.255.255.255") + check.ranges("10.1.0.0-255.255.255.255")
    assert not check._covers(split, "0.0.0.0/0")
    assert check._covers([*split, *check.ranges("10.0.0.0-10.0.255.255")], "0.0.0.0/0")


# --- peers and expectations ----------------------------------------------------------------


def test_the_entry_peer_follows_studio_entry_peer() -> None:
    config = check.case_config(check.Case("prod", {"studio": {"entryPeer": {"namespace": "traefik", "cidrs": []}}}))
    assert check.peers(config, "prod")[INGRESS_CONTROLLER].namespace == "traefik"
    namespaces = {d["metadata"]["name"] for d in check.peer_manifests(config, "prod") if d["kind"] == "Namespace"}
    assert {"traefik", "kube-system", check.FOREIGN_NAMESPACE} <= namespaces


def test_rasa_jobs_and_assistant_namespaces_are_peers_only_where_they_exist() -> None:
    embedded = check.case_config(CASES["dev-embedded"])
    assert RASA_JOBS not in check.peers(embedded, "dev")
    clients = check.case_config(CASES["dev-kafka-clients"])
    known = check.peers(clients, "dev")
    assert known["namespace:assistants"].namespace == "assistants"
    # The Rasa Pro Job pod carries no part-of label: the consumers label their Jobs themselves.
    assert "app.kubernetes.io/part-of" not in known[RASA_JOBS].labels


def test_dev_expects_the_setup_jobs_and_the_talk_proxy_to_connect() -> None:
    groups = check.workloads(workloads_of(DEV_CONNECTIVITY))
    wanted = {(e.source, e.destination, e.port) for e in check.expectations(dev_config(), "dev", groups)}
    ns = "rasa-studio"
    assert (f"{ns}/database-init-b66cd158[Job]", f"{ns}/postgresql[StatefulSet]", 5432) in wanted
    assert (f"{ns}/kafka-topics-4316510d[Job]", f"{ns}/kafka[StatefulSet]", 9092) in wanted
    assert (f"{ns}/minio-bucket-2292e55e[Job]", f"{ns}/minio[StatefulSet]", 9000) in wanted
    assert ("ingress-nginx/ingress-controller[Pod]", f"{ns}/nginx-reverse-proxy[Deployment]", 8080) in wanted
    assert (f"{ns}/nginx-reverse-proxy[Deployment]", f"{ns}/rasa-pro-jobs[Pod]", 5005) in wanted
    # Every pod of ours, the started Rasa Pro Jobs included, resolves names.
    assert (f"{ns}/rasa-pro-jobs[Pod]", "kube-system/kube-dns[Pod]", 53) in wanted


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_model_never_asks_for_a_forbidden_flow(name: str) -> None:
    config = check.case_config(CASES[name])
    found = flows(config)
    for source, destination, port in check.forbidden(config, CASES[name].stack):
        assert not [
            f for f in found if f.source == source and f.destination == destination and port in (None, f.port)
        ], (source, destination)


def test_the_web_client_and_rasa_jobs_must_not_reach_a_managed_database() -> None:
    config = check.case_config(CASES["prod"])
    assert ("web-client", OUTSIDE, 5432) in check.forbidden(config, "prod")
    assert (RASA_JOBS, OUTSIDE, 5432) in check.forbidden(config, "prod")


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_rendered_workload_belongs_to_a_pod_group(stack: str) -> None:
    groups = check.workloads(manifests(run_stack(stack)))
    assert groups and all(groups.values()), groups
    assert {"database-init", "kafka-topics"} <= set(groups.values())


# --- verdicts --------------------------------------------------------------------------------


def test_the_recorded_dev_analysis_passes() -> None:
    verdict = judge_dev(DEV_CONNECTIVITY)
    assert verdict.ok, verdict.report()
    # 38 flows, plus both orchestrators to the API server on 443 and 6443 (they run with the
    # chart's RBAC-bound account since issue 11).
    assert verdict.architecture_counts() == (42, 0)
    assert len(verdict.forbidden_denied) == 16


def test_a_blocked_flow_fails_the_check() -> None:
    without = "\n".join(ln for ln in DEV_CONNECTIVITY.splitlines() if not ln.startswith("rasa-studio/database-init-"))
    verdict = judge_dev(without)
    assert not verdict.ok
    assert [e.flow for e in verdict.blocked] == [
        "database-init -> postgresql:5432",
        f"* -> {KUBE_DNS}:53/UDP",
        f"* -> {KUBE_DNS}:53/TCP",
    ]
    assert verdict.unselected == ["rasa-studio/database-init-b66cd158[Job]"]


def test_a_foreign_pod_reaching_postgresql_fails_the_check() -> None:
    leak = "unrelated-tenant/foreign[Pod] => rasa-studio/postgresql[StatefulSet] : All connections"
    verdict = judge_dev(DEV_CONNECTIVITY + leak + "\n")
    assert not verdict.ok
    assert verdict.forbidden_allowed == [
        "foreign -> postgresql:any (unrelated-tenant/foreign[Pod] -> rasa-studio/postgresql[StatefulSet])"
    ]
    assert verdict.unexpected == [
        "unrelated-tenant/foreign[Pod] -> rasa-studio/postgresql[StatefulSet]: all connections"
    ]


def test_the_web_client_reaching_postgresql_fails_the_check() -> None:
    leak = "rasa-studio/studio-web-client[Deployment] => rasa-studio/postgresql[StatefulSet] : {protocols:TCP,dst_ports:5432}"
    verdict = judge_dev(DEV_CONNECTIVITY + leak + "\n")
    assert any(x.startswith("web-client -> postgresql:5432") for x in verdict.forbidden_allowed)


def test_an_extra_port_to_the_outside_fails_the_check() -> None:
    text = DEV_CONNECTIVITY.replace(
        "rasa-studio/rasa-pro-jobs[Pod] => 0.0.0.0-255.255.255.255 : {protocols:TCP,dst_ports:443}",
        "rasa-studio/rasa-pro-jobs[Pod] => 0.0.0.0-255.255.255.255 : {protocols:TCP,dst_ports:443,5432}",
    )
    assert text != DEV_CONNECTIVITY
    verdict = judge_dev(text)
    assert verdict.unexpected == ["rasa-studio/rasa-pro-jobs[Pod] -> 0.0.0.0-255.255.255.255: TCP 443,5432"]


def test_an_empty_policy_and_an_unknown_workload_fail_the_check() -> None:
    # As network-config-analyzer 2.1.0 warns while reading the staging render of before the fix.
    warnings = (
        "build/staging/manifests/rasa-studio.networkpolicy.rasa-studio-kafka.yaml:21:5: "
        'Warning: A podSelector selects no pods. Better use "podSelector: Null"\n'
    )
    verdict = check.judge(
        "dev",
        dev_config(),
        "dev",
        [
            *workloads_of(DEV_CONNECTIVITY),
            {"kind": "Deployment", "metadata": {"name": "sidecar", "namespace": "rasa-studio"}},
        ],
        DEV_CONNECTIVITY,
        warnings,
    )
    assert verdict.empty_policies == ["rasa-studio/rasa-studio-kafka"]
    assert verdict.unknown_workloads == ["rasa-studio/sidecar[Deployment]"]
    assert not verdict.ok


# --- entry points: an ALB's address ranges, a Gateway's proxy pods ----------------------------------

STAGING_CONNECTIVITY = (DATA / "nca-staging-connectivity.txt").read_text()
ENVOY_CONNECTIVITY = (DATA / "nca-dev-envoy-connectivity.txt").read_text()
ALB_TO_WEB = "10.1.0.0-10.1.1.255 => rasa-studio/studio-web-client[Deployment] : {protocols:TCP,dst_ports:8080}"


def judge_case(case: str, connectivity: str) -> check.Verdict:
    config = check.case_config(CASES[case])
    stack = CASES[case].stack
    return check.judge(case, config, stack, workloads_of(connectivity), connectivity, NO_WARNINGS)


@pytest.mark.parametrize(("case", "text"), [("staging", STAGING_CONNECTIVITY), ("dev", ENVOY_CONNECTIVITY)])
def test_the_recorded_entry_point_analyses_pass(case: str, text: str) -> None:
    verdict = judge_case(case, text)
    assert verdict.ok, verdict.report()
    # The browser's four front doors, from the entry point only.
    assert {e.flow for e in verdict.allowed if e.flow.startswith(INGRESS_CONTROLLER)} == {
        f"{INGRESS_CONTROLLER} -> web-client:8080",
        f"{INGRESS_CONTROLLER} -> backend:4000",
        f"{INGRESS_CONTROLLER} -> keycloak:8080",
        f"{INGRESS_CONTROLLER} -> nginx-reverse-proxy:8080",
    }


def test_alb_ranges_admitted_only_in_part_fail_the_check() -> None:
    assert ALB_TO_WEB in STAGING_CONNECTIVITY
    half = ALB_TO_WEB.replace("10.1.0.0-10.1.1.255", "10.1.0.0-10.1.0.255")
    verdict = judge_case("staging", STAGING_CONNECTIVITY.replace(ALB_TO_WEB, half))
    assert [e.flow for e in verdict.blocked] == [f"{INGRESS_CONTROLLER} -> web-client:8080"]


def test_the_web_client_open_to_every_address_fails_the_check() -> None:
    wide = ALB_TO_WEB.replace("10.1.0.0-10.1.1.255", "0.0.0.0-10.0.255.255")
    verdict = judge_case("staging", STAGING_CONNECTIVITY + wide + "\n")
    assert verdict.unexpected == ["0.0.0.0-10.0.255.255 -> rasa-studio/studio-web-client[Deployment]: TCP 8080"]


def test_another_pod_beside_the_gateway_proxy_fails_the_check() -> None:
    leak = "envoy-gateway-system/entry-neighbour[Pod] => rasa-studio/studio-backend[Deployment] : {protocols:TCP,dst_ports:4000}"
    verdict = judge_case("dev", ENVOY_CONNECTIVITY + leak + "\n")
    assert not verdict.ok
    assert verdict.forbidden_allowed == [
        "entry-neighbour -> backend:any (envoy-gateway-system/entry-neighbour[Pod] -> rasa-studio/studio-backend[Deployment])"
    ]


def test_every_exposure_profile_is_in_the_matrix() -> None:
    exposures = set()
    for case in CASES.values():
        config = check.case_config(case)
        gateway = config.studio.gateway
        exposure = gateway.controller if gateway is not None else config.studio.ingress.profile
        exposures.add(f"{exposure} in Studio's namespace" if config.entry_in_namespace else exposure)
    assert exposures == {
        "nginx",
        "alb",
        "envoy-gateway",
        "generic",
        "generic in Studio's namespace",
        "nginx in Studio's namespace",
    }


IN_NAMESPACE = "dev-gateway-in-namespace"
IN_NAMESPACE_CONNECTIVITY = (DATA / "nca-dev-gateway-in-namespace-connectivity.txt").read_text()
PROXY = "rasa-studio/ingress-controller[Pod]"


def test_the_recorded_in_namespace_gateway_analysis_passes() -> None:
    verdict = judge_case(IN_NAMESPACE, IN_NAMESPACE_CONNECTIVITY)
    assert verdict.ok, verdict.report()
    allowed = {e.flow for e in verdict.allowed}
    # Clients reach the proxies on the listener port, the proxies their controller and the four paths.
    assert {
        f"{ANYWHERE} -> {INGRESS_CONTROLLER}:80",
        f"{INGRESS_CONTROLLER} -> namespace:istio-system:any",
        f"{INGRESS_CONTROLLER} -> web-client:8080",
        f"{INGRESS_CONTROLLER} -> backend:4000",
        f"{INGRESS_CONTROLLER} -> keycloak:8080",
        f"{INGRESS_CONTROLLER} -> nginx-reverse-proxy:8080",
    } <= allowed


def test_proxies_held_by_the_default_deny_fail_the_check() -> None:
    # What the policies did before: the proxies in Studio's namespace had no allow policy, so the
    # default deny cut them off from clients, their controller and every backend.
    cut = "\n".join(ln for ln in IN_NAMESPACE_CONNECTIVITY.splitlines() if PROXY not in ln or "kube-dns" in ln)
    verdict = judge_case(IN_NAMESPACE, cut)
    assert not verdict.ok
    assert {e.flow for e in verdict.blocked} >= {
        f"{ANYWHERE} -> {INGRESS_CONTROLLER}:80",
        f"{INGRESS_CONTROLLER} -> web-client:8080",
        f"{INGRESS_CONTROLLER} -> backend:4000",
    }


def test_proxies_taken_for_rasa_jobs_fail_the_check() -> None:
    # The Rasa Pro Jobs' policy selects pods without part-of: proxies it selected would be opened
    # to the consumer's readiness checks and the outside.
    leak = f"rasa-studio/model-running-consumer[Deployment] => {PROXY} : {{protocols:TCP,dst_ports:5005}}\n"
    verdict = judge_case(IN_NAMESPACE, IN_NAMESPACE_CONNECTIVITY + leak)
    assert verdict.unexpected == [f"rasa-studio/model-running-consumer[Deployment] -> {PROXY}: TCP 5005"]


def test_the_in_namespace_proxies_get_their_own_policy_and_no_jobs_policy() -> None:
    run = run_stack("dev", *IN_NAMESPACE_SETS)
    by_name = {m["metadata"]["name"]: m for m in manifests(run) if m["kind"] == "NetworkPolicy"}
    entry = by_name["rasa-studio-entry-proxies"]["spec"]
    assert entry["podSelector"] == {"matchLabels": {"gateway.networking.k8s.io/gateway-name": "studio"}}
    assert [p["port"] for p in entry["ingress"][0]["ports"]] == [80]
    jobs = by_name["rasa-studio-rasa-pro-jobs"]["spec"]["podSelector"]["matchExpressions"]
    assert {"key": "gateway.networking.k8s.io/gateway-name", "operator": "NotIn", "values": ["studio"]} in jobs
    # Elsewhere nothing changes: no entry policy, the Jobs' selector as before.
    dev = {m["metadata"]["name"] for m in manifests(run_stack("dev")) if m["kind"] == "NetworkPolicy"}
    assert "rasa-studio-entry-proxies" not in dev


IN_NAMESPACE_SETS = (
    "studio.gateway.controller=generic",
    "studio.gateway.create.gatewayClassName=istio",
    "studio.gateway.controlPlaneNamespace=istio-system",
)


# --- the connectivity map ----------------------------------------------------------------------


def test_each_render_writes_the_connectivity_map(tmp_path: Path) -> None:
    from tools.render import render

    assert render(["dev", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "connectivity.md").read_text()
    assert "| every pod | kube-dns | 53/UDP, 53/TCP |" in text
    assert "| ingress-controller | nginx-reverse-proxy | 8080/TCP |" in text
    assert "| database-init | postgresql | 5432/TCP |" in text
    assert (
        "- **ingress-controller**: pods in the namespace `envoy-gateway-system` labelled "
        "`gateway.envoyproxy.io/owning-gateway-name: studio`, "
        "`gateway.envoyproxy.io/owning-gateway-namespace: rasa-studio` (studio.entryPeer)"
    ) in text


def test_the_sanity_query_finding_counts_as_an_empty_policy_too() -> None:
    text = "NetworkPolicy rasa-studio/rasa-studio-postgresql is empty - it does not select any pods\n"
    assert check.empty_policies(text) == ["rasa-studio/rasa-studio-postgresql"]
    assert check.empty_policies("Warning: A podSelector selects all pods in the current namespace") == []


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_rendered_pod_carries_its_groups_labels_and_every_group_has_a_policy(stack: str) -> None:
    from components.labels import POD_GROUPS, pod_labels

    rendered = manifests(run_stack(stack))
    found = flows(check.case_config(CASES[stack]))
    groups_with_flows = {p for f in found for p in (f.source, f.destination)}
    policies = {m["metadata"]["name"] for m in rendered if m["kind"] == "NetworkPolicy"}
    for m in rendered:
        group = check.group_of(m["metadata"]["name"]) if m["kind"] in check.WORKLOAD_KINDS else None
        if group is None:
            continue
        assert group in POD_GROUPS
        labels = m["spec"]["template"]["metadata"]["labels"]
        assert labels == pod_labels(group, stack), m["metadata"]["name"]
        assert group in groups_with_flows and f"rasa-studio-{group}" in policies, group
