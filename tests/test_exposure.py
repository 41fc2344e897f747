"""Exposure: Ingress (nginx-compatible, ALB) or Gateway API routes, and where traffic enters.

Golden values come from the controllers' documentation: ingress-nginx annotations
(kubernetes/ingress-nginx docs/user-guide/nginx-configuration/annotations.md), the AWS Load
Balancer Controller's (kubernetes-sigs/aws-load-balancer-controller docs/guide/ingress/
annotations.md), the Gateway API v1 CRDs (tests/data/gateway-api) and Envoy Gateway's proxy labels.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from config import validate
from config.defaults import merge
from tests import crd_schema
from tests.harness import SECRETS, containers, env_of, find, manifests, run_config, run_stack, stack_input
from tests.test_config import BASE, with_
from tools.render import render

STUDIO_PATHS = {"/": "studio", "/api": "studio-api", "/auth": "studio-auth", "/talk": "studio-talk"}
EMBEDDED = {"studio": {"version": "1.17.0-latest"}, "modelService": {"architecture": "embedded"}}
ALB = "alb.ingress.kubernetes.io/"
CERT = "arn:aws:acm:eu-central-1:111122223333:certificate/0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"


def dev_with(**studio: Any) -> dict[str, Any]:
    """The dev stack exposed some other way (dev itself uses the Gateway API)."""
    plain = copy.deepcopy(stack_input("dev").plain)
    plain["studio"].pop("exposure")
    plain["studio"].pop("gateway")
    return merge(plain, {"studio": studio})


def nginx_dev(**studio: Any) -> dict[str, Any]:
    return dev_with(**merge({"tls": {"enabled": True, "clusterIssuer": "letsencrypt"}}, studio))


def of_kind(run: Any, kind: str) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in manifests(run) if m["kind"] == kind}


def ingress_backends(ingress: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [
        (rule["host"], p["path"], p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    ]


def probe_behind(run: Any, service_name: str) -> dict[str, Any]:
    """Readiness probe of the pods a Service sends to, found through its selector."""
    service = find(run, "Service", service_name)
    selector = service["spec"]["selector"]
    pods = [
        m
        for m in manifests(run)
        if m["kind"] in ("Deployment", "StatefulSet")
        and selector.items() <= m["spec"]["template"]["metadata"]["labels"].items()
    ]
    assert len(pods) == 1, service_name
    target = service["spec"]["ports"][0]["targetPort"]
    # The container serving the Service's target port (by name or number), and its probe on it.
    for container in containers(pods[0]):
        for port in container.get("ports", []):
            if target in (port["containerPort"], port.get("name")):
                probe = container["readinessProbe"]
                assert probe["httpGet"]["port"] in (port["containerPort"], port.get("name")), (probe, port)
                return probe
    raise AssertionError(f"no container of {service_name}'s pods serves port {target}")


# --- config -----------------------------------------------------------------------------------

GATEWAY = {"parentRef": {"name": "shared", "namespace": "gateways"}}
# (what is wrong, config, the key path the error must name, a word the reason must contain)
BAD = [
    ("gateway without its section", with_(studio={"exposure": "gateway"}), "studio.gateway", "parentRef"),
    ("gateway section with ingress", with_(studio={"gateway": GATEWAY}), "studio.gateway", "exposure: gateway"),
    (
        "ingress section with gateway",
        with_(studio={"exposure": "gateway", "gateway": GATEWAY, "ingress": {"profile": "alb"}}),
        "studio.ingress",
        "exposure: ingress",
    ),
    ("unknown exposure", with_(studio={"exposure": "loadbalancer"}), "studio.exposure", "'gateway'"),
    ("unknown profile", with_(studio={"ingress": {"profile": "traefik"}}), "studio.ingress.profile", "'alb'"),
    ("alb without an entry peer", with_(studio={"ingress": {"profile": "alb"}}), "studio.entryPeer", "cidrs"),
    (
        "alb https without a certificate",
        with_(
            studio={"tls": {"enabled": True}, "ingress": {"profile": "alb"}, "entryPeer": {"cidrs": ["10.0.0.0/22"]}}
        ),
        "studio.ingress.alb.certificateArn",
        "tls.enabled",
    ),
    (
        "alb with a cert-manager issuer",
        with_(
            studio={
                "tls": {"enabled": True, "clusterIssuer": "le"},
                "ingress": {"profile": "alb", "alb": {"certificateArn": CERT}},
                "entryPeer": {"cidrs": ["10.0.0.0/22"]},
            }
        ),
        "studio.tls",
        "ACM",
    ),
    (
        "certificate arn not an ACM arn",
        with_(studio={"ingress": {"profile": "alb", "alb": {"certificateArn": "arn:aws:iam::1:server-certificate/x"}}}),
        "studio.ingress.alb.certificateArn",
        "does not match",
    ),
    (
        "alb settings with nginx",
        with_(studio={"ingress": {"alb": {"groupName": "x"}}}),
        "studio.ingress.alb",
        "profile: alb",
    ),
    (
        "idle timeout beyond AWS's limit",
        with_(studio={"ingress": {"profile": "alb", "alb": {"idleTimeoutSeconds": 5000}}}),
        "studio.ingress.alb.idleTimeoutSeconds",
        "<= 4000",
    ),
    (
        "annotation key with a space",
        with_(studio={"ingress": {"annotations": {"bad key": "x"}}}),
        "studio.ingress.annotations.bad key",
        "annotation key",
    ),
    (
        "per-path host with a scheme",
        with_(studio={"ingress": {"paths": {"backend": {"host": "https://api.example.com"}}}}),
        "studio.ingress.paths.backend.host",
        "host name",
    ),
    (
        "route timeout not a Gateway API duration",
        with_(studio={"exposure": "gateway", "gateway": {**GATEWAY, "talkTimeout": "1 hour"}}),
        "studio.gateway.talkTimeout",
        "does not match",
    ),
    (
        "certificate for a Gateway someone else runs",
        with_(studio={"exposure": "gateway", "gateway": GATEWAY, "tls": {"enabled": True, "secretName": "cert"}}),
        "studio.tls",
        "gateway.create",
    ),
    (
        "created Gateway with https but no certificate",
        with_(
            studio={
                "exposure": "gateway",
                "gateway": {**GATEWAY, "create": {"gatewayClassName": "eg"}, "controller": "envoy-gateway"},
                "tls": {"enabled": True},
            }
        ),
        "studio.tls",
        "secretName",
    ),
    (
        "entry peer both pods and addresses",
        with_(studio={"entryPeer": {"namespace": "x", "cidrs": ["10.0.0.0/8"]}}),
        "studio.entryPeer",
        "not both",
    ),
    ("entry peer empty", with_(studio={"entryPeer": {}}), "studio.entryPeer", "namespace"),
    (
        "entry peer label value too long",
        with_(studio={"entryPeer": {"namespace": "x", "podLabels": {"app": "x" * 64}}}),
        "studio.entryPeer.podLabels.app",
        "label value",
    ),
    (
        "entry cidr with host bits",
        with_(studio={"entryPeer": {"cidrs": ["10.0.0.1/16"]}}),
        "studio.entryPeer.cidrs.0",
        "host bits",
    ),
    (
        "key of an earlier release",
        with_(kubernetes={"ingressAnnotations": {"a": "b"}}),
        "kubernetes.ingressAnnotations",
        "studio.ingress.annotations",
    ),
]


@pytest.mark.parametrize(("case", "raw", "key", "reason"), BAD, ids=[c[0] for c in BAD])
def test_bad_exposure_is_refused_naming_its_key(case: str, raw: dict[str, Any], key: str, reason: str) -> None:
    config, problems = validate(raw)
    assert config is None
    matching = [p for p in problems if p.startswith(f"rasa-studio:{key}: ")]
    assert matching, f"no problem names {key}: {problems}"
    assert any(reason in p for p in matching), matching


def test_renderer_writes_nothing_for_a_bad_exposure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack_file = tmp_path / "Pulumi.bad.yaml"
    plain = {f"rasa-studio:{k}": v for k, v in with_(studio={"exposure": "gateway"}).items()}
    stack_file.write_text(json.dumps({"config": plain}))
    assert render(["bad", "--config", str(stack_file), "--out", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out").exists()
    err = capsys.readouterr().err
    assert "rasa-studio:studio.gateway: is required" in err and "Traceback" not in err


def test_defaults_keep_todays_nginx_ingress() -> None:
    config, problems = validate(BASE)
    assert config is not None, problems
    assert (config.studio.exposure, config.studio.ingress.profile, config.studio.ingress.ingress_class) == (
        "ingress",
        "nginx",
        "nginx",
    )
    assert config.studio.entry is not None and config.studio.entry.namespace == "ingress-nginx"


# --- Ingress: nginx-compatible ------------------------------------------------------------------


def test_nginx_ingress_per_path_with_one_certificate_request() -> None:
    run = run_config("dev", nginx_dev())
    ingresses = of_kind(run, "Ingress")
    assert set(ingresses) == set(STUDIO_PATHS.values())
    expected = {
        "studio": ("/", "studio-web-client", "web-client"),
        "studio-api": ("/api", "studio-backend", "backend"),
        "studio-auth": ("/auth", "studio-keycloak", "keycloak"),
        "studio-talk": ("/talk", "nginx-reverse-proxy", "model-running-orchestrator"),
    }
    for name, (path, service, component) in expected.items():
        ingress = ingresses[name]
        assert ingress["apiVersion"] == "networking.k8s.io/v1"
        assert ingress["spec"]["ingressClassName"] == "nginx"
        assert ingress_backends(ingress) == [("studio.localhost", path, service, 80)]
        assert ingress["spec"]["rules"][0]["http"]["paths"][0]["pathType"] == "Prefix"
        assert ingress["spec"]["tls"] == [{"hosts": ["studio.localhost"], "secretName": "studio-tls"}]
        assert ingress["metadata"]["labels"]["app.kubernetes.io/component"] == component
    # Only one Ingress asks cert-manager for the host's certificate; the others reuse the Secret.
    issuing = [
        n for n, i in ingresses.items() if "cert-manager.io/cluster-issuer" in i["metadata"].get("annotations", {})
    ]
    assert issuing == ["studio"]
    talk = ingresses["studio-talk"]["metadata"]["annotations"]
    assert int(talk["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(talk["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600
    assert not any(k.startswith("nginx.") for k in ingresses["studio-api"]["metadata"].get("annotations", {}))


def test_embedded_talk_goes_to_the_model_service() -> None:
    talk = find(run_config("dev", merge(dev_with(), EMBEDDED)), "Ingress", "studio-talk")
    assert ingress_backends(talk) == [("studio.localhost", "/talk", "rasapro", 80)]
    assert talk["metadata"]["labels"]["app.kubernetes.io/component"] == "model-service"


def test_class_and_annotations_layer_profile_shared_then_path() -> None:
    plain = dev_with(
        tls={"enabled": True, "secretName": "my-cert"},
        ingress={
            "className": "nginx-internal",
            "annotations": {"example.com/team": "ai", "nginx.ingress.kubernetes.io/proxy-read-timeout": "600"},
            "paths": {
                "talk": {"annotations": {"nginx.ingress.kubernetes.io/proxy-read-timeout": "7200"}},
                "backend": {"annotations": {"example.com/team": "api"}},
            },
        },
    )
    ingresses = of_kind(run_config("dev", plain), "Ingress")
    for ingress in ingresses.values():
        assert ingress["spec"]["ingressClassName"] == "nginx-internal"
        assert ingress["spec"]["tls"][0]["secretName"] == "my-cert"
        assert "cert-manager.io/cluster-issuer" not in ingress["metadata"]["annotations"]
    assert ingresses["studio"]["metadata"]["annotations"]["example.com/team"] == "ai"
    assert ingresses["studio-api"]["metadata"]["annotations"]["example.com/team"] == "api"
    talk = ingresses["studio-talk"]["metadata"]["annotations"]
    # The path's own value wins over the shared one, which wins over the profile's 3600.
    assert talk["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "7200"
    assert talk["nginx.ingress.kubernetes.io/proxy-send-timeout"] == "3600"


def test_a_path_on_its_own_host_moves_its_browser_urls() -> None:
    plain = nginx_dev(ingress={"paths": {"backend": {"host": "api.example.com"}, "talk": {"host": "talk.example.com"}}})
    run = run_config("dev", plain)
    ingresses = of_kind(run, "Ingress")
    assert ingress_backends(ingresses["studio-api"]) == [("api.example.com", "/api", "studio-backend", 80)]
    assert ingresses["studio-api"]["spec"]["tls"][0]["hosts"] == ["api.example.com"]
    # Each host gets its own certificate, requested once.
    secrets = {n: i["spec"]["tls"][0]["secretName"] for n, i in ingresses.items()}
    assert secrets["studio"] == secrets["studio-auth"] == "studio-tls"
    assert len({secrets["studio"], secrets["studio-api"], secrets["studio-talk"]}) == 3
    for name in ("studio", "studio-api", "studio-talk"):
        assert ingresses[name]["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt"
    assert "cert-manager.io/cluster-issuer" not in ingresses["studio-auth"]["metadata"].get("annotations", {})
    config_js = find(run, "ConfigMap", "studio-web-client-configmap")["data"]["windowVariables"]
    assert 'window.API_ENDPOINT = "https://api.example.com/api";' in config_js
    assert 'window.KEYCLOAK_URL = "https://studio.localhost/auth";' in config_js
    backend = env_of(containers(find(run, "Deployment", "studio-backend"))[0])
    assert backend["WEB_CLIENT_URL"]["value"] == "https://studio.localhost"
    consumer = env_of(containers(find(run, "StatefulSet", "model-running-service-consumer"))[0])
    assert consumer["BASE_DOMAIN"]["value"] == "https://talk.example.com"
    # The embedded model service and the backend's API_URL (chart 2.x) follow their paths too.
    embedded = run_config("dev", merge(plain, EMBEDDED))
    backend = env_of(containers(find(embedded, "Deployment", "studio-backend"))[0])
    assert backend["API_URL"]["value"] == "https://api.example.com/api"
    model = env_of(containers(find(embedded, "Deployment", "rasapro"))[0])
    assert model["RASA_MODEL_SERVER_BASE_URL"]["value"] == "https://talk.example.com/talk"


# --- Ingress: AWS Load Balancer Controller ------------------------------------------------------


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_shipped_eks_stacks_use_the_alb(stack: str) -> None:
    run = run_stack(stack)
    ingresses = of_kind(run, "Ingress")
    assert set(ingresses) == set(STUDIO_PATHS.values())
    groups = set()
    for name, ingress in ingresses.items():
        notes = ingress["metadata"]["annotations"]
        assert ingress["spec"]["ingressClassName"] == "alb"
        assert "tls" not in ingress["spec"]  # the ALB serves the ACM certificate
        assert notes[ALB + "target-type"] == "ip"
        assert notes[ALB + "scheme"] == "internet-facing"
        assert json.loads(notes[ALB + "listen-ports"]) == [{"HTTP": 80}, {"HTTPS": 443}]
        assert notes[ALB + "ssl-redirect"] == "443"
        assert notes[ALB + "certificate-arn"].startswith("arn:aws:acm:eu-central-1:111122223333:certificate/")
        assert notes[ALB + "ssl-policy"].startswith("ELBSecurityPolicy-TLS13")
        idle = dict(a.split("=") for a in notes[ALB + "load-balancer-attributes"].split(","))
        assert int(idle["idle_timeout.timeout_seconds"]) >= 3600
        groups.add(notes[ALB + "group.name"])
        assert not any(k.startswith("nginx.ingress") or k.startswith("cert-manager") for k in notes), name
        # The ALB checks the path the kubelet's readiness probe checks, on the pods' port.
        service = ingress_backends(ingress)[0][2]
        probe = probe_behind(run, service)
        assert notes[ALB + "healthcheck-path"] == probe["httpGet"]["path"], name
        low, high = (int(c) for c in notes[ALB + "success-codes"].split("-"))
        assert (low, high) == (200, 399)  # what the kubelet accepts from an HTTP probe
    # One ALB for all four, and `/` (which matches everything) evaluated last.
    assert len(groups) == 1
    order = {n: int(i["metadata"]["annotations"][ALB + "group.order"]) for n, i in ingresses.items()}
    assert max(order, key=order.__getitem__) == "studio" and len(set(order.values())) == 4


def test_alb_over_http_has_only_the_http_listener() -> None:
    plain = dev_with(ingress={"profile": "alb", "alb": {"scheme": "internal"}}, entryPeer={"cidrs": ["10.0.0.0/22"]})
    notes = find(run_config("dev", plain), "Ingress", "studio-api")["metadata"]["annotations"]
    assert json.loads(notes[ALB + "listen-ports"]) == [{"HTTP": 80}]
    assert notes[ALB + "scheme"] == "internal"
    assert not {ALB + "certificate-arn", ALB + "ssl-redirect"} & set(notes)


# --- Gateway API ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev"])
def test_gateway_objects_pass_the_official_crd_schemas(stack: str) -> None:
    objects = [m for m in manifests(run_stack(stack)) if crd_schema.handles(m)]
    assert sorted(m["kind"] for m in objects) == ["Gateway", *["HTTPRoute"] * 4]
    assert [e for obj in objects for e in crd_schema.errors(obj)] == []


def test_an_invalid_route_fails_schema_validation() -> None:
    route = copy.deepcopy(find(run_stack("dev"), "HTTPRoute", "studio-talk"))
    assert crd_schema.errors(route) == []
    route["spec"]["rules"][0]["timeouts"]["request"] = "1 hour"
    route["spec"]["rules"][0]["matches"][0]["path"]["type"] = "Prefix"  # Ingress's word, not Gateway API's
    route["spec"]["rules"][0]["backendRef"] = route["spec"]["rules"][0].pop("backendRefs")
    problems = crd_schema.errors(route)
    assert any("timeouts.request" in p for p in problems)
    assert any("path.type" in p and "PathPrefix" in p for p in problems)
    assert any("backendRef" in p and "unexpected" in p for p in problems)
    gateway = copy.deepcopy(find(run_stack("dev"), "Gateway", "studio"))
    gateway["spec"]["listeners"][0]["port"] = 70000
    assert any("port" in p for p in crd_schema.errors(gateway))


def test_the_crds_cel_rules_are_enforced() -> None:
    route = copy.deepcopy(find(run_stack("dev"), "HTTPRoute", "studio-talk"))
    rule = route["spec"]["rules"][0]
    rule["timeouts"] = {"request": "10s", "backendRequest": "1h"}
    rule["matches"][0]["path"]["value"] = "talk"
    assert sorted(crd_schema.errors(route)) == [
        "HTTPRoute/studio-talk: spec.rules.0.matches.0.path: value must be an absolute path and start with "
        "'/' when type one of ['Exact', 'PathPrefix']",
        "HTTPRoute/studio-talk: spec.rules.0.timeouts: backendRequest timeout cannot be longer than request timeout",
    ]
    gateway = copy.deepcopy(find(run_stack("dev"), "Gateway", "studio"))
    gateway["spec"]["listeners"].append(gateway["spec"]["listeners"][0])
    assert sorted(crd_schema.errors(gateway)) == [
        "Gateway/studio: spec.listeners: Combination of port, protocol and hostname must be unique for each listener",
        "Gateway/studio: spec.listeners: Listener name must be unique within the Gateway",
    ]


def test_dev_routes_attach_to_the_gateway_it_creates() -> None:
    run = run_stack("dev")
    gateway = find(run, "Gateway", "studio")
    assert gateway["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert gateway["metadata"]["namespace"] == "rasa-studio"
    assert gateway["spec"]["gatewayClassName"] == "eg"
    (listener,) = gateway["spec"]["listeners"]
    assert (listener["port"], listener["protocol"], listener["hostname"]) == (80, "HTTP", "studio.localhost")
    assert listener["allowedRoutes"]["namespaces"] == {
        "from": "Selector",
        "selector": {"matchLabels": {"kubernetes.io/metadata.name": "rasa-studio"}},
    }
    routes = of_kind(run, "HTTPRoute")
    assert set(routes) == set(STUDIO_PATHS.values())
    services = of_kind(run, "Service")
    for path, name in STUDIO_PATHS.items():
        spec = routes[name]["spec"]
        assert spec["parentRefs"] == [
            {
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
                "name": "studio",
                "namespace": "rasa-studio",
                "sectionName": listener["name"],
            }
        ]
        assert spec["hostnames"] == [listener["hostname"]]
        (rule,) = spec["rules"]
        assert rule["matches"] == [{"path": {"type": "PathPrefix", "value": path}}]
        (backend,) = rule["backendRefs"]
        ports = [p["port"] for p in services[backend["name"]]["spec"]["ports"]]
        assert backend["port"] in ports
    talk = routes["studio-talk"]["spec"]["rules"][0]
    assert talk["timeouts"] == {"request": "1h", "backendRequest": "1h"}
    assert "timeouts" not in routes["studio-api"]["spec"]["rules"][0]
    assert not any("nginx" in k for r in routes.values() for k in r["metadata"].get("annotations", {}))
    # Routes wait for the Gateway so it accepts them on the first apply.
    regs = {r.name: r for r in run.registrations}
    gateway_urn = regs["rasa-studio-app-routes-gateway"].urn
    assert all(gateway_urn in regs[f"rasa-studio-app-routes-{s}"].depends_on for s in ("main", "api", "auth", "talk"))


def test_routes_attach_to_an_existing_gateway_listener() -> None:
    plain = dev_with(
        exposure="gateway",
        gateway={"parentRef": {"name": "shared", "namespace": "gateways", "sectionName": "https"}, "talkTimeout": "2h"},
        tls={"enabled": True},
    )
    run = run_config("dev", plain)
    assert "Gateway" not in {m["kind"] for m in manifests(run)}
    routes = of_kind(run, "HTTPRoute")
    for route in routes.values():
        assert route["spec"]["parentRefs"][0] | {} == {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": "shared",
            "namespace": "gateways",
            "sectionName": "https",
        }
        assert crd_schema.errors(route) == []
    assert routes["studio-talk"]["spec"]["rules"][0]["timeouts"]["request"] == "2h"
    backend = env_of(containers(find(run, "Deployment", "studio-backend"))[0])
    assert backend["WEB_CLIENT_URL"]["value"] == "https://studio.localhost"


@pytest.mark.parametrize(
    ("tls", "secret", "issuer"),
    [
        ({"enabled": True, "secretName": "studio-cert"}, "studio-cert", None),
        ({"enabled": True, "clusterIssuer": "le"}, "studio-tls", "le"),
    ],
)
def test_created_gateway_terminates_tls(tls: dict[str, Any], secret: str, issuer: str | None) -> None:
    plain = dev_with(
        exposure="gateway",
        gateway={
            "parentRef": {"name": "studio", "namespace": "gateways"},
            "create": {"gatewayClassName": "eg"},
            "controller": "envoy-gateway",
        },
        tls=tls,
    )
    run = run_config("dev", plain)
    gateway = find(run, "Gateway", "studio")
    assert gateway["metadata"]["namespace"] == "gateways"
    https, http = gateway["spec"]["listeners"]
    assert (https["name"], https["port"], https["protocol"]) == ("https", 443, "HTTPS")
    assert https["tls"] == {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": secret}]}
    assert gateway["metadata"].get("annotations", {}).get("cert-manager.io/cluster-issuer") == issuer
    # Plain http only redirects to https; the Studio routes attach to the https listener.
    assert (http["name"], http["port"], http["protocol"], "tls" in http) == ("http", 80, "HTTP", False)
    routes = of_kind(run, "HTTPRoute")
    redirect = routes.pop("studio-https-redirect")
    assert redirect["spec"]["parentRefs"][0]["sectionName"] == "http"
    assert redirect["spec"]["rules"] == [
        {"filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]}
    ]
    assert {r["spec"]["parentRefs"][0]["sectionName"] for r in routes.values()} == {"https"}
    assert [e for obj in (gateway, redirect, *routes.values()) for e in crd_schema.errors(obj)] == []


# --- where traffic enters (NetworkPolicies) -------------------------------------------------------


def entry_rules(run: Any) -> dict[str, list[dict[str, Any]]]:
    """Per policy, the `from` peers of rules that admit traffic from outside the namespace."""
    found: dict[str, list[dict[str, Any]]] = {}
    for name, policy in of_kind(run, "NetworkPolicy").items():
        for rule in policy["spec"].get("ingress", []):
            outside = [p for p in rule["from"] if "ipBlock" in p or "namespaceSelector" in p]
            if outside:
                found.setdefault(name, []).extend(outside)
    return found


# The policies of the pods behind /, /api, /auth and /talk (the bot proxy, orchestrated).
ENTRY_TARGETS = {
    "rasa-studio-web-client",
    "rasa-studio-backend",
    "rasa-studio-keycloak",
    "rasa-studio-nginx-reverse-proxy",
}


@pytest.mark.parametrize(
    ("plain", "peer"),
    [
        (
            lambda: stack_input("dev").plain,
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "envoy-gateway-system"}},
                "podSelector": {
                    "matchLabels": {
                        "gateway.envoyproxy.io/owning-gateway-name": "studio",
                        "gateway.envoyproxy.io/owning-gateway-namespace": "rasa-studio",
                    }
                },
            },
        ),
        (
            lambda: dev_with(
                exposure="gateway", gateway={"parentRef": {"name": "public", "namespace": "istio-ingress"}}
            ),
            {
                "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "istio-ingress"}},
                "podSelector": {"matchLabels": {"gateway.networking.k8s.io/gateway-name": "public"}},
            },
        ),
        (lambda: nginx_dev(), {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}),
        (
            lambda: stack_input("staging").plain,
            [{"ipBlock": {"cidr": "10.1.0.0/24"}}, {"ipBlock": {"cidr": "10.1.1.0/24"}}],
        ),
    ],
    ids=["envoy-gateway", "generic-gateway", "nginx", "alb"],
)
def test_traffic_enters_only_from_the_profiles_data_plane(plain: Any, peer: Any) -> None:
    stack = "staging" if "aws" in plain() else "dev"
    rules = entry_rules(run_config(stack, plain()))
    # Only the four Studio entry points admit anything from outside the namespace, and only the peer.
    assert set(rules) == ENTRY_TARGETS
    expected = peer if isinstance(peer, list) else [peer]
    assert all(found == expected for found in rules.values()), rules


def test_entry_peer_overrides_the_preset() -> None:
    plain = nginx_dev(entryPeer={"namespace": "traefik", "podLabels": {"app.kubernetes.io/name": "traefik"}})
    rules = entry_rules(run_config("dev", plain))
    assert rules["rasa-studio-backend"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "traefik"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "traefik"}},
        }
    ]


# --- what the summary says --------------------------------------------------------------------------


def test_outputs_name_the_entry_point_of_each_mode() -> None:
    assert (
        run_stack("dev").outputs["entryPoint"] == "Gateway rasa-studio/studio, created for GatewayClass eg (HTTPRoutes)"
    )
    assert run_stack("dev").outputs["url"] == "http://studio.localhost"
    prod = run_stack("prod").outputs
    assert prod["entryPoint"].startswith("ALB internet-facing, IngressGroup rasa-studio ")
    assert prod["url"] == "https://studio.example.com"
    assert run_config("dev", nginx_dev()).outputs["entryPoint"] == "Ingress class nginx (nginx-compatible controller)"


def test_no_shipped_stack_depends_on_ingress_nginx() -> None:
    for stack in ("dev", "staging", "prod"):
        for obj in manifests(run_stack(stack)):
            text = json.dumps(obj)
            assert "ingress-nginx" not in text and "nginx.ingress.kubernetes.io" not in text, (stack, obj["metadata"])


@pytest.mark.parametrize("exposure", ["ingress", "gateway"])
def test_an_external_keycloak_gets_no_auth_path(exposure: str) -> None:
    # An external Keycloak needs Studio 1.12 or later.
    # Pod settings of an in-cluster Keycloak (a stack file's) go: an external one has no pods.
    external = {
        "keycloak": {"external": {"url": "https://sso.example.com/auth"}, "resources": None},
        **EMBEDDED["studio"],
    }
    plain = merge(stack_input("dev").plain, {"studio": external}) if exposure == "gateway" else nginx_dev(**external)
    plain = merge(plain, {"modelService": EMBEDDED["modelService"]})
    run = run_config("dev", plain, {**SECRETS, "keycloakAdminPassword": "x", "keycloakApiPassword": "x"})
    kind = "HTTPRoute" if exposure == "gateway" else "Ingress"
    assert set(of_kind(run, kind)) == {"studio", "studio-api", "studio-talk"}
