"""Operators' pod settings: where each lands in the manifests, the merge rule, what is refused."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from components.labels import NAME_LABEL
from config import ConfigError, workloads
from config.pods import PodSettings, merge
from tests import crd_schema
from tests.harness import containers, env_of, find, manifests, run_config, stack_input
from tools import program, schema
from tools.render import render

POD_KINDS = ("Deployment", "StatefulSet", "Job")

# Everything an operator can set, once, in Kubernetes' own shapes.
EVERY_KNOB: dict[str, Any] = {
    "nodeSelector": {"node-pool": "studio"},
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "studio", "effect": "NoSchedule"}],
    "affinity": {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]}]}
                ]
            }
        }
    },
    "topologySpreadConstraints": [
        {"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway"}
    ],
    "priorityClassName": "platform-critical",
    "podAnnotations": {"fluentbit.io/parser": "json"},
    "podLabels": {"team": "conversational-ai"},
    "extraEnv": [
        {"name": "HTTPS_PROXY", "value": "http://proxy.corp.example:3128"},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "FEATURE_TOKEN", "valueFrom": {"secretKeyRef": {"name": "features", "key": "token"}}},
    ],
    "extraEnvFrom": [{"configMapRef": {"name": "proxy-settings"}}, {"secretRef": {"name": "extra", "optional": True}}],
    "imagePullPolicy": "Always",
    "extraVolumes": [
        {"name": "corp-ca", "configMap": {"name": "corp-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}
    ],
    "extraVolumeMounts": [{"name": "corp-ca", "mountPath": "/etc/corp-ca", "readOnly": True}],
}


def _config(stack: str, **sections: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    given = stack_input(stack)
    plain = copy.deepcopy(given.plain)
    for section, values in sections.items():
        plain.setdefault(section, {}).update(values)
    return plain, {"rasaProLicense": "x", "registryPassword": "x", **given.secrets}


def _run(stack: str, **sections: dict[str, Any]) -> Any:
    plain, secrets = _config(stack, **sections)
    return run_config(stack, plain, secrets)


def _pod_objects(run: Any) -> list[dict[str, Any]]:
    return [m for m in manifests(run) if m["kind"] in POD_KINDS]


def _template(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["spec"]["template"]


def _assert_every_knob(obj: dict[str, Any], priority: str = "platform-critical") -> None:
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    template = _template(obj)
    spec = template["spec"]
    assert spec["nodeSelector"]["node-pool"] == "studio", name
    assert spec["tolerations"] == EVERY_KNOB["tolerations"], name
    assert spec["affinity"] == EVERY_KNOB["affinity"], name
    assert spec["priorityClassName"] == priority, name
    (constraint,) = spec["topologySpreadConstraints"]
    # No selector given: the workload's own pods are counted.
    selector = obj["spec"]["selector"]["matchLabels"] if obj["kind"] != "Job" else None
    if selector is not None:
        assert constraint["labelSelector"]["matchLabels"] == selector, name
    assert constraint["topologyKey"] == "topology.kubernetes.io/zone", name
    assert template["metadata"]["annotations"]["fluentbit.io/parser"] == "json", name
    assert template["metadata"]["labels"]["team"] == "conversational-ai", name
    assert {
        "name": "corp-ca",
        "configMap": {"name": "corp-ca", "items": [{"key": "ca.crt", "path": "ca.crt"}]},
    } in spec["volumes"], name
    for c in containers(obj):
        where = f"{name} container {c['name']}"
        env = env_of(c)
        assert env["HTTPS_PROXY"] == {"name": "HTTPS_PROXY", "value": "http://proxy.corp.example:3128"}, where
        assert env["POD_IP"]["valueFrom"] == {"fieldRef": {"fieldPath": "status.podIP"}}, where
        assert env["FEATURE_TOKEN"]["valueFrom"] == {"secretKeyRef": {"name": "features", "key": "token"}}, where
        assert c["envFrom"][-2:] == EVERY_KNOB["extraEnvFrom"], where
        assert c["imagePullPolicy"] == "Always", where
        assert {"name": "corp-ca", "mountPath": "/etc/corp-ca", "readOnly": True} in c["volumeMounts"], where


@pytest.mark.parametrize(
    ("stack", "sets"),
    [
        ("dev", {}),  # orchestrated model services; Kafka, PostgreSQL and MinIO in the cluster
        ("dev", {"studio": {"version": "1.17.0-latest"}, "modelService": {"architecture": "embedded"}}),
        ("staging", {}),  # MSK, RDS, S3: the setup Jobs still run in the cluster
    ],
    ids=["dev-orchestrated", "dev-embedded", "staging"],
)
def test_pod_defaults_reach_every_pod_where_kubernetes_expects_them(stack: str, sets: dict[str, Any]) -> None:
    plain, secrets = _config(stack, **sets)
    plain["kubernetes"]["podDefaults"] = EVERY_KNOB
    run = run_config(stack, plain, secrets)
    objects = _pod_objects(run)
    assert len(objects) >= 6
    for obj in objects:
        _assert_every_knob(obj)
    version = plain["kubernetes"].get("version", "1.30")
    # Gateway API objects (the dev stack's exposure) are checked against their CRDs' schemas.
    errors = [
        e
        for m in manifests(run)
        for e in (crd_schema.errors(m) if crd_schema.handles(m) else schema.errors(m, version))
    ]
    assert errors == []


# The long-running pods of Studio and the backing services, as the registry declares them.
WORKLOADS = [w for w in workloads.WORKLOADS if w.part in ("studio", "backingServices")]


def _own_priority(key: str) -> str:
    return f"own-{key}".lower().replace(".", "-")


def _group_of(obj: dict[str, Any]) -> str:
    return str(_template(obj)["metadata"]["labels"][NAME_LABEL])


def _every_workload_with_its_own_settings() -> Any:
    # One run for all the cases below: every workload gets every setting, each with its own
    # priority class, so a setting that leaked to another workload's pods shows as a wrong one.
    plain, secrets = _config("dev")
    for workload in WORKLOADS:
        target = plain
        for part in workload.key.split("."):
            target = target.setdefault(part, {})
        target.update({**EVERY_KNOB, "priorityClassName": _own_priority(workload.key)})
    return run_config("dev", plain, secrets)


@pytest.mark.parametrize("group", [w.group for w in WORKLOADS])
def test_a_workloads_own_settings_reach_only_its_pods(group: str) -> None:
    run = _every_workload_with_its_own_settings()
    (obj,) = [o for o in _pod_objects(run) if _group_of(o) == group]
    mine = _own_priority(workloads.workload(group).key)
    _assert_every_knob(obj, priority=mine)
    others = [o for o in _pod_objects(run) if o is not obj]
    assert others and all(_template(o)["spec"].get("priorityClassName") != mine for o in others)
    # Pods of no workload above (the Jobs, the model services) take none of these settings.
    listed = {w.group for w in WORKLOADS}
    unlisted = [o for o in others if _group_of(o) not in listed]
    assert unlisted and all("priorityClassName" not in _template(o)["spec"] for o in unlisted)
    assert schema.errors(obj, "1.30") == []


def _with_own_priorities(plain: dict[str, Any], config: Any) -> dict[str, Any]:
    for workload in workloads.enabled(config):
        target = plain
        for part in workload.key.split("."):
            target = target.setdefault(part, {})
        target["priorityClassName"] = _own_priority(workload.key)
    return plain


@pytest.mark.parametrize("architecture", ["orchestrated", "embedded"])
def test_every_workload_takes_the_settings_at_its_registry_key(architecture: str) -> None:
    plain, secrets = _config("dev")
    if architecture == "embedded":
        plain = {**plain, "studio": {**plain["studio"], "version": "1.17.0-latest"}}
        plain["modelService"] = {**plain.get("modelService", {}), "architecture": "embedded"}
    config, problems = program.check("dev", plain)
    assert config is not None, problems
    run = run_config("dev", _with_own_priorities(copy.deepcopy(plain), config), secrets)
    found = {_group_of(o): str(_template(o)["spec"].get("priorityClassName")) for o in _pod_objects(run)}
    assert found == {group: _own_priority(workloads.workload(group).key) for group in found}
    # The Jobs and the model services are among them, not only the long-running Studio pods.
    assert {"database-migration", "kafka-topics"} <= set(found)
    assert ("model-service" in found) == (architecture == "embedded")


def test_service_account_annotations_for_cloud_iam() -> None:
    iam = {"serviceAccount": {"annotations": {"iam.gke.io/gcp-service-account": "studio@p.iam.gserviceaccount.com"}}}
    run = _run("dev", modelService=iam)
    accounts = {m["metadata"]["name"]: m for m in manifests(run) if m["kind"] == "ServiceAccount"}
    for name in ("model-training-service", "model-running-service"):
        assert accounts[name]["metadata"]["annotations"] == iam["serviceAccount"]["annotations"]
    embedded = _run("dev", studio={"version": "1.17.0-latest"}, modelService={"architecture": "embedded", **iam})
    assert (
        find(embedded, "ServiceAccount", "rasapro")["metadata"]["annotations"] == iam["serviceAccount"]["annotations"]
    )


def test_service_account_annotation_the_storage_sets_is_refused() -> None:
    plain, secrets = _config("staging")  # S3 with IRSA sets eks.amazonaws.com/role-arn
    plain["modelService"]["serviceAccount"] = {"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"}}
    with pytest.raises(ConfigError) as info:
        run_config("staging", plain, secrets)
    assert any(
        p.startswith("rasa-studio:modelService.serviceAccount.annotations: 'eks.amazonaws.com/role-arn'")
        for p in info.value.problems
    ), info.value.problems


# --- the merge rule ----------------------------------------------------------------------


def test_merge_maps_merge_key_by_key_and_lists_are_replaced() -> None:
    defaults = PodSettings.model_validate(
        {
            "nodeSelector": {"pool": "shared", "arch": "amd64"},
            "podAnnotations": {"a": "1"},
            "tolerations": [{"key": "shared", "operator": "Exists"}],
            "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}],
            "priorityClassName": "low",
        }
    )
    own = PodSettings.model_validate(
        {
            "nodeSelector": {"pool": "studio"},
            "tolerations": [{"key": "studio", "operator": "Exists"}],
            "priorityClassName": "high",
        }
    )
    merged = merge(defaults, own)
    assert merged.node_selector == {"pool": "studio", "arch": "amd64"}
    assert merged.pod_annotations == {"a": "1"}
    assert [t.key for t in merged.tolerations or []] == ["studio"]
    assert [e.name for e in merged.extra_env or []] == ["HTTPS_PROXY"]
    assert merged.priority_class_name == "high"
    # An empty list is a value: it clears the defaults' list.
    cleared = merge(defaults, PodSettings.model_validate({"extraEnv": []}))
    assert cleared.extra_env == []


def test_merge_rule_in_the_rendered_pods() -> None:
    plain, secrets = _config("dev")
    plain["kubernetes"]["podDefaults"] = {
        "nodeSelector": {"pool": "shared", "arch": "amd64"},
        "tolerations": [{"key": "shared", "operator": "Exists"}],
    }
    plain["studio"]["backend"] = {
        "nodeSelector": {"pool": "studio"},
        "tolerations": [{"key": "studio", "operator": "Exists", "effect": "NoSchedule"}],
    }
    run = run_config("dev", plain, secrets)
    backend = _template(find(run, "Deployment", "studio-backend"))["spec"]
    assert backend["nodeSelector"] == {"pool": "studio", "arch": "amd64"}
    assert backend["tolerations"] == [{"key": "studio", "operator": "Exists", "effect": "NoSchedule"}]
    web = _template(find(run, "Deployment", "studio-web-client"))["spec"]
    assert web["nodeSelector"] == {"pool": "shared", "arch": "amd64"}
    assert web["tolerations"] == [{"key": "shared", "operator": "Exists"}]


def test_nothing_set_changes_nothing() -> None:
    run = _run("dev")
    for obj in _pod_objects(run):
        spec = _template(obj)["spec"]
        assert "nodeSelector" not in spec and "tolerations" not in spec and "priorityClassName" not in spec
        assert all(c["imagePullPolicy"] == "IfNotPresent" for c in containers(obj))


# --- what is refused ---------------------------------------------------------------------


def test_extra_env_the_program_sets_is_refused_naming_the_variable() -> None:
    plain, secrets = _config("dev")
    plain["studio"]["backend"] = {"extraEnv": [{"name": "KEYCLOAK_URL", "value": "elsewhere"}]}
    with pytest.raises(ConfigError) as info:
        run_config("dev", plain, secrets)
    (found,) = info.value.problems
    assert found.startswith("rasa-studio:studio.backend.extraEnv: KEYCLOAK_URL is set by rasa-studio")


def test_extra_env_in_the_defaults_colliding_anywhere_is_refused() -> None:
    plain, secrets = _config("dev")
    # The migration Job sets DB_SSL itself (every Studio version's chart does).
    plain["kubernetes"]["podDefaults"] = {"extraEnv": [{"name": "DB_SSL", "value": "true"}]}
    with pytest.raises(ConfigError) as info:
        run_config("dev", plain, secrets)
    assert any("DB_SSL is set by rasa-studio" in p for p in info.value.problems), info.value.problems


def test_renderer_refuses_a_collision_with_exit_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import yaml

    plain, _ = _config("dev")
    plain["studio"]["backend"] = {"extraEnv": [{"name": "KEYCLOAK_URL", "value": "http://other"}]}
    config: dict[str, Any] = {"pulumi:disable-default-providers": ["*"]}
    config.update({f"rasa-studio:{k}": v for k, v in plain.items()})
    config["rasa-studio:rasaProLicense"] = {"secure": "AAABAJ0="}
    config["rasa-studio:registryPassword"] = {"secure": "AAABAJ0="}
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_text(yaml.safe_dump({"config": config}))
    out = tmp_path / "out"
    assert render(["bad", "--config", str(stack_file), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "rasa-studio:studio.backend.extraEnv: KEYCLOAK_URL is set by rasa-studio" in err
    assert "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("settings", "key", "reason"),
    [
        ({"podLabels": {"app.kubernetes.io/name": "mine"}}, "podLabels", "label contract"),
        ({"podLabels": {"app.kubernetes.io/instance": "x"}}, "podLabels", "label contract"),
        ({"podLabels": {"team": "not a label value"}}, "podLabels", "label value"),
        ({"podAnnotations": {"bad key!": "x"}}, "podAnnotations.bad key!", "annotation key"),
        ({"extraEnv": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}, "extraEnv", "listed twice"),
        ({"extraEnv": [{"name": "A"}]}, "extraEnv.0", "exactly one of value, valueFrom"),
        (
            {"extraEnv": [{"name": "A", "value": "1", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]},
            "extraEnv.0",
            "exactly one",
        ),
        ({"extraEnv": [{"name": "A=B", "value": "1"}]}, "extraEnv.0.name", "does not match"),
        ({"extraEnv": [{"name": "FEATURE_API_TOKEN", "value": "abc"}]}, "extraEnv.0", "valueFrom.secretKeyRef"),
        ({"extraEnvFrom": [{"prefix": "X_"}]}, "extraEnvFrom.0", "exactly one of configMapRef, secretRef"),
        ({"tolerations": [{"key": "a", "operator": "Exists", "value": "b"}]}, "tolerations.0", "takes no value"),
        ({"tolerations": [{"key": "a", "effect": "NoSchedule", "tolerationSeconds": 5}]}, "tolerations.0", "NoExecute"),
        ({"imagePullPolicy": "Sometimes"}, "imagePullPolicy", "one of"),
        ({"priorityClassName": "Not_Valid"}, "priorityClassName", "DNS-1123"),
        ({"extraVolumeMounts": [{"name": "nope", "mountPath": "/x"}]}, "extraVolumeMounts", "not one of the pod's"),
        ({"extraVolumeMounts": [{"name": "v", "mountPath": "relative"}]}, "extraVolumeMounts.0.mountPath", "match"),
        ({"extraVolumes": [{"name": "v"}]}, "extraVolumes.0", "exactly one of"),
        ({"affinity": {"nodeAffinity": {"typo": {}}}}, "affinity.nodeAffinity.typo", "unknown key"),
        (
            {"topologySpreadConstraints": [{"maxSkew": 0, "topologyKey": "k", "whenUnsatisfiable": "DoNotSchedule"}]},
            "topologySpreadConstraints.0.maxSkew",
            ">= 1",
        ),
    ],
)
def test_bad_pod_settings_are_refused_by_key(settings: dict[str, Any], key: str, reason: str) -> None:
    plain, secrets = _config("dev")
    plain["studio"]["backend"] = settings
    with pytest.raises(ConfigError) as info:
        run_config("dev", plain, secrets)
    matching = [p for p in info.value.problems if p.startswith(f"rasa-studio:studio.backend.{key}: ")]
    assert matching and any(reason in p for p in matching), info.value.problems


@pytest.mark.parametrize("label", ["pod-template-hash", "batch.kubernetes.io/job-name", "job-name"])
def test_labels_kubernetes_controllers_set_are_refused(label: str) -> None:
    plain, secrets = _config("dev")
    plain["kafka"]["topicsJob"] = {"podLabels": {label: "x"}}
    with pytest.raises(ConfigError) as info:
        run_config("dev", plain, secrets)
    assert any(
        p.startswith("rasa-studio:kafka.topicsJob.podLabels: ") and "controller" in p for p in info.value.problems
    ), info.value.problems


def test_pod_labels_never_change_selectors() -> None:
    run = _run("dev", kubernetes={"podDefaults": {"podLabels": {"team": "ai"}}})
    base = _run("dev")
    for obj in _pod_objects(run):
        if obj["kind"] == "Job":
            continue
        same = find(base, obj["kind"], obj["metadata"]["name"])
        assert obj["spec"]["selector"] == same["spec"]["selector"]
        assert _template(obj)["metadata"]["labels"]["team"] == "ai"
