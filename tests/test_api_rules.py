"""Values the API server (or S3, MSK, the backend's cron) would refuse are refused by the config step.

Each case is a value kubernetes-validate's schemas accept and the API server's Go validation
refuses (config/k8s_validation.py cites the function): before, a `pulumi up` failed halfway on
it. The cases run the config step only (no program run), and a hypothesis strategy produces such
values for every Kubernetes-typed knob and has the renderer exit 2 on each.
"""

from __future__ import annotations

import contextlib
import copy
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import k8s_validation as v
from config.loader import stack_name_problem
from tests.harness import stack_file, stack_input
from tools import program
from tools.render import render

DEV = stack_input("dev").plain
STAGING = stack_input("staging").plain


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    plain = copy.deepcopy(base)
    node = plain
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return plain


def _problems(base: dict[str, Any], path: str, value: Any, stack: str = "dev") -> list[str]:
    config, problems = program.check(stack, _with(base, path, value))
    assert config is None, f"{path}={value!r} was accepted"
    return problems


BACKEND = "studio.backend"
# (key set, value, the key the problem names, a word of the reason)
REFUSED: list[tuple[str, Any, str, str]] = [
    # label keys and values (ValidateLabels): nodeSelector, pod labels, matchLabels
    (f"{BACKEND}.nodeSelector", {"pool": "not a value"}, f"{BACKEND}.nodeSelector", "label value"),
    (f"{BACKEND}.nodeSelector", {"Kubernetes.io/arch": "amd64"}, f"{BACKEND}.nodeSelector", "qualified name"),
    (f"{BACKEND}.nodeSelector", {"a/b/c": "x"}, f"{BACKEND}.nodeSelector", "qualified name"),
    (f"{BACKEND}.podLabels", {"team": "x" * 64}, f"{BACKEND}.podLabels", "label value"),
    (f"{BACKEND}.podLabels", {"team": "-x"}, f"{BACKEND}.podLabels", "label value"),
    (
        f"{BACKEND}.affinity",
        {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "a b"}}}
                ]
            }
        },
        f"{BACKEND}.affinity",
        "label value",
    ),
    # annotations (ValidateAnnotations): keys and 256 KiB in all
    (f"{BACKEND}.podAnnotations", {"example.com/": "x"}, f"{BACKEND}.podAnnotations", "qualified name"),
    (
        f"{BACKEND}.podAnnotations",
        {"a": "x" * (200 * 1024), "b": "y" * (60 * 1024)},
        f"{BACKEND}.podAnnotations",
        "262144",
    ),
    ("studio.ingress.annotations", {"a": "x" * (257 * 1024)}, "studio.ingress.annotations", "262144"),
    # tolerations (validateTolerations)
    (f"{BACKEND}.tolerations", [{"key": "bad key", "operator": "Exists"}], f"{BACKEND}.tolerations.0", "qualified"),
    (
        f"{BACKEND}.tolerations",
        [{"key": "dedicated", "operator": "Equal", "value": "not valid!"}],
        f"{BACKEND}.tolerations.0",
        "label value",
    ),
    (f"{BACKEND}.tolerations", [{"value": "x"}], f"{BACKEND}.tolerations.0", "Exists"),
    # affinity operators and their values (ValidateNodeSelectorRequirement)
    (
        f"{BACKEND}.affinity",
        {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["a"]}]}]
                }
            }
        },
        f"{BACKEND}.affinity",
        "an integer",
    ),
    (
        f"{BACKEND}.affinity",
        {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "cores", "operator": "Lt", "values": ["1", "2"]}]}
                    ]
                }
            }
        },
        f"{BACKEND}.affinity",
        "exactly one",
    ),
    (
        f"{BACKEND}.affinity",
        {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [{"key": "pool", "operator": "In"}]}]
                }
            }
        },
        f"{BACKEND}.affinity",
        "needs values",
    ),
    (
        f"{BACKEND}.affinity",
        {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchFields": [{"key": "metadata.labels", "operator": "In", "values": ["a"]}]}
                    ]
                }
            }
        },
        f"{BACKEND}.affinity",
        "metadata.name",
    ),
    (
        f"{BACKEND}.affinity",
        {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": "zone key"}]}},
        f"{BACKEND}.affinity",
        "qualified name",
    ),
    # topology spread (validateTopologySpreadConstraints)
    (
        f"{BACKEND}.topologySpreadConstraints",
        [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": 2}],
        f"{BACKEND}.topologySpreadConstraints.0",
        "DoNotSchedule",
    ),
    (
        f"{BACKEND}.topologySpreadConstraints",
        [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"}] * 2,
        f"{BACKEND}.topologySpreadConstraints",
        "listed twice",
    ),
    # fieldRef paths and resourceFieldRef divisors (validateEnvVarValueFrom)
    (
        f"{BACKEND}.extraEnv",
        [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.node"}}}],
        f"{BACKEND}.extraEnv.0.valueFrom.fieldRef.fieldPath",
        "spec.nodeName",
    ),
    (
        f"{BACKEND}.extraEnv",
        [{"name": "TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['bad key']"}}}],
        f"{BACKEND}.extraEnv.0.valueFrom.fieldRef.fieldPath",
        "qualified name",
    ),
    (
        f"{BACKEND}.extraEnv",
        [{"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "2"}}}],
        f"{BACKEND}.extraEnv.0.valueFrom.resourceFieldRef",
        "1m or 1",
    ),
    (
        f"{BACKEND}.extraEnv",
        [{"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "3Mi"}}}],
        f"{BACKEND}.extraEnv.0.valueFrom.resourceFieldRef",
        "1Mi",
    ),
    (
        f"{BACKEND}.extraEnv",
        [{"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "lots"}}}],
        f"{BACKEND}.extraEnv.0.valueFrom.resourceFieldRef",
        "quantity",
    ),
    # volumes: subPath, item keys and paths, CSI driver, emptyDir sizeLimit
    (
        f"{BACKEND}.extraVolumeMounts",
        [{"name": "ca", "mountPath": "/ca", "subPath": "../etc"}],
        f"{BACKEND}.extraVolumeMounts.0.subPath",
        "'..'",
    ),
    (
        f"{BACKEND}.extraVolumeMounts",
        [{"name": "ca", "mountPath": "/ca", "subPath": "/etc"}],
        f"{BACKEND}.extraVolumeMounts.0.subPath",
        "relative",
    ),
    (
        f"{BACKEND}.extraVolumes",
        [{"name": "ca", "secret": {"secretName": "ca", "items": [{"key": "ca crt", "path": "ca.crt"}]}}],
        f"{BACKEND}.extraVolumes.0.secret.items.0.key",
        "Secret or ConfigMap key",
    ),
    (
        f"{BACKEND}.extraVolumes",
        [{"name": "ca", "configMap": {"name": "ca", "items": [{"key": "ca", "path": "certs/../../x"}]}}],
        f"{BACKEND}.extraVolumes.0.configMap.items.0.path",
        "'..'",
    ),
    (
        f"{BACKEND}.extraVolumes",
        [{"name": "ca", "configMap": {"name": "ca", "items": [{"key": "ca", "path": "..data"}]}}],
        f"{BACKEND}.extraVolumes.0.configMap.items.0.path",
        "'..'",
    ),
    (
        f"{BACKEND}.extraVolumes",
        [{"name": "s", "csi": {"driver": "secrets store"}}],
        f"{BACKEND}.extraVolumes.0.csi.driver",
        "CSI driver",
    ),
    (
        f"{BACKEND}.extraVolumes",
        [{"name": "s", "csi": {"driver": "a" * 64}}],
        f"{BACKEND}.extraVolumes.0.csi.driver",
        "CSI driver",
    ),
    (
        f"{BACKEND}.extraVolumes",
        [{"name": "tmp", "emptyDir": {"sizeLimit": "-1Gi"}}],
        f"{BACKEND}.extraVolumes.0.emptyDir.sizeLimit",
        "greater than zero",
    ),
    (
        f"{BACKEND}.extraVolumes",
        [{"name": "tmp", "emptyDir": {"sizeLimit": "lots"}}],
        f"{BACKEND}.extraVolumes.0.emptyDir.sizeLimit",
        "quantity",
    ),
    # storage: whole bytes, and room for a database's or Kafka's logs
    ("database.storageSize", "1500m", "database.storageSize", "whole number of bytes"),
    ("database.storageSize", "512Mi", "database.storageSize", "1Gi"),
    ("kafka.storageSize", "100M", "kafka.storageSize", "1Gi"),
    ("objectStorage.storageSize", "0.5", "objectStorage.storageSize", "whole number of bytes"),
    ("modelService.storageSize", "1.5", "modelService.storageSize", "whole number of bytes"),
    # hosts are DNS names (Ingress rules, HTTPRoute hostnames)
    ("studio.host", "10.0.0.10", "studio.host", "IP address"),
    # cron, parsed
    (
        f"{BACKEND}.conversationRetention",
        {"deleteOlderThanHours": 24, "cronExpression": "61 * * * *"},
        f"{BACKEND}.conversationRetention.cronExpression",
        "minute 61",
    ),
    (
        f"{BACKEND}.conversationRetention",
        {"deleteOlderThanHours": 24, "cronExpression": "every hour"},
        f"{BACKEND}.conversationRetention.cronExpression",
        "five fields",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "key", "reason"), REFUSED, ids=[f"{c[0]}-{i}" for i, c in enumerate(REFUSED)]
)
def test_what_the_api_server_refuses_is_refused_by_key(path: str, value: Any, key: str, reason: str) -> None:
    problems = _problems(DEV, path, value)
    # The key given or one below it (affinity's nested terms are named down to the item).
    matching = [
        p for p in problems if p.split(": ")[0] in (f"rasa-studio:{key}",) or p.startswith(f"rasa-studio:{key}.")
    ]
    assert matching and any(reason in p for p in matching), problems


@pytest.mark.parametrize(
    ("bucket", "reason"),
    [
        ("192.168.5.4", "IP address"),
        ("xn--models", "'xn--'"),
        ("models-s3alias", "'-s3alias'"),
        ("x--ol-s3", "--ol-s3"),
    ],
)
def test_s3_refuses_these_bucket_names(bucket: str, reason: str) -> None:
    problems = _problems(STAGING, "objectStorage.bucket", bucket, "staging")
    assert any(p.startswith("rasa-studio:objectStorage.bucket: ") and reason in p for p in problems), problems


def test_msk_total_brokers_are_capped_not_only_per_subnet() -> None:
    # 11 per subnet is within the per-subnet bound; with three subnets it is 33 brokers.
    plain = _with(STAGING, "aws.subnetIds", [f"subnet-0a1b2c3d4e5f6000{i}" for i in range(1, 4)])
    # The stack file pins MSK to its two subnets; here it follows aws.subnetIds.
    del plain["kafka"]["subnetIds"]
    assert program.check("staging", _with(plain, "kafka.brokersPerSubnet", 10))[0] is not None
    problems = _problems(plain, "kafka.brokersPerSubnet", 11, "staging")
    assert any(p.startswith("rasa-studio:kafka.brokersPerSubnet: ") and "33 brokers" in p for p in problems)


@pytest.mark.parametrize("stack", ["dev_", "dev.", "-dev", "d" * 64])
def test_a_stack_name_that_is_no_label_value_is_refused(stack: str) -> None:
    config, problems = program.check(stack, DEV)
    assert config is None
    assert problems == [stack_name_problem(stack)]
    assert "app.kubernetes.io/instance" in problems[0]


@pytest.mark.parametrize("stack", ["dev", "team.dev", "d" * 63, "studio_prod-2"])
def test_a_stack_name_that_is_a_label_value_is_fine(stack: str) -> None:
    assert stack_name_problem(stack) is None


def test_valid_values_of_the_same_knobs_still_pass() -> None:
    good = {
        "nodeSelector": {"kubernetes.io/arch": "amd64", "pool": ""},
        "tolerations": [{"key": "dedicated", "value": "studio", "effect": "NoSchedule"}, {"operator": "Exists"}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["4"]}],
                            "matchFields": [{"key": "metadata.name", "operator": "NotIn", "values": ["node-1"]}],
                        }
                    ]
                }
            }
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "DoNotSchedule",
                "minDomains": 2,
            }
        ],
        "podAnnotations": {"Example.COM/Team": "x"},
        "extraEnv": [
            {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu", "divisor": "1m"}}},
            {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1024Ki"}}},
            {"name": "TEAM", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['team']"}}},
        ],
        "extraVolumes": [
            {"name": "ca", "configMap": {"name": "ca", "items": [{"key": "ca.crt", "path": "certs/ca.crt"}]}},
            {"name": "s", "csi": {"driver": "secrets-store.csi.k8s.io"}},
        ],
        "extraVolumeMounts": [{"name": "ca", "mountPath": "/ca", "subPath": "certs"}],
        "conversationRetention": {"deleteOlderThanHours": 24, "cronExpression": "*/15 2-4 1,15 jan-mar mon-fri"},
    }
    config, problems = program.check("dev", _with(DEV, BACKEND, good))
    assert config is not None, problems
    assert program.check("dev", _with(DEV, "database.storageSize", "1Gi"))[0] is not None


# --- the fuzz corpus: invalid values for every Kubernetes-typed knob, each must exit 2 -----------

_BAD_NAME_CHARS = st.sampled_from([" ", "!", "@", "#", "$", "%", "*", "=", "+", "?", ",", ":", ";", "é"])
_bad_label_value = st.one_of(
    st.text(alphabet="abcXYZ019-_.", min_size=64, max_size=80),
    st.tuples(st.sampled_from(["-", "_", "."]), st.text(alphabet="abc", max_size=5)).map("".join),
    st.tuples(st.text(alphabet="abc", min_size=1, max_size=5), _BAD_NAME_CHARS).map("".join),
)
_bad_key = st.one_of(
    st.tuples(st.text(alphabet="abc", min_size=1, max_size=4), _BAD_NAME_CHARS, st.text(alphabet="x", max_size=3)).map(
        "".join
    ),
    st.just("a/b/c"),
    st.just("example.com/"),
    st.text(alphabet="abc", min_size=64, max_size=70),
    st.sampled_from(["Example.com/x", "-x", "x-", "/x"]),
)
# Annotation keys are checked lowercased: a capital in the prefix is fine there.
_bad_annotation_key = _bad_key.filter(lambda k: k != "Example.com/x")
_bad_config_key = st.one_of(
    st.tuples(st.text(alphabet="abc", min_size=1, max_size=4), _BAD_NAME_CHARS).map("".join),
    st.sampled_from([".", "..", "..x", "a/b"]),
    st.text(alphabet="abc", min_size=254, max_size=260),
)
_bad_divisor = st.sampled_from(["2", "3m", "1.5", "10Mi", "0.5Gi", "lots"])
_bad_path = st.sampled_from(["/abs", "../up", "a/../../b", "..", "a/.."])


def _pod_knobs() -> st.SearchStrategy[tuple[str, Any]]:
    """(pod settings key, invalid value) over every Kubernetes-typed pod knob."""
    return st.one_of(
        st.tuples(st.just("nodeSelector"), st.builds(lambda k: {k: "x"}, _bad_key)),
        st.tuples(st.just("nodeSelector"), st.builds(lambda val: {"pool": val}, _bad_label_value)),
        st.tuples(st.just("podLabels"), st.builds(lambda k: {k: "x"}, _bad_key)),
        st.tuples(st.just("podLabels"), st.builds(lambda val: {"team": val}, _bad_label_value)),
        st.tuples(st.just("podAnnotations"), st.builds(lambda k: {k: "x"}, _bad_annotation_key)),
        st.tuples(
            st.just("tolerations"),
            st.one_of(
                st.builds(lambda k: [{"key": k, "operator": "Exists"}], _bad_key),
                st.builds(lambda val: [{"key": "k", "value": val}], _bad_label_value.filter(bool)),
                st.builds(
                    lambda val: [{"key": "k", "operator": "Exists", "value": val}], st.text(min_size=1, max_size=5)
                ),
            ),
        ),
        st.tuples(
            st.just("affinity"),
            st.one_of(
                st.builds(
                    lambda op, vals: {
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {"matchExpressions": [{"key": "k", "operator": op, "values": vals}]}
                                ]
                            }
                        }
                    },
                    st.sampled_from(["Gt", "Lt"]),
                    st.one_of(
                        st.just([]), st.lists(st.integers(0, 9).map(str), min_size=2, max_size=3), st.just(["x"])
                    ),
                ),
                st.builds(
                    lambda key: {
                        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [{"topologyKey": key}]}
                    },
                    _bad_key,
                ),
            ),
        ),
        st.tuples(
            st.just("topologySpreadConstraints"),
            st.builds(
                lambda n: [
                    {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "minDomains": n}
                ],
                st.integers(1, 5),
            ),
        ),
        st.tuples(
            st.just("extraEnv"),
            st.one_of(
                st.builds(
                    lambda path: [{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": path}}}],
                    st.sampled_from(["spec.node", "metadata", "status.phase", "metadata.labels", "metadata.name['x']"]),
                ),
                st.builds(
                    lambda res, div: [
                        {"name": "X", "valueFrom": {"resourceFieldRef": {"resource": res, "divisor": div}}}
                    ],
                    st.sampled_from(["limits.cpu", "requests.memory"]),
                    _bad_divisor,
                ),
            ),
        ),
        st.tuples(
            st.just("extraVolumeMounts"),
            st.builds(lambda p: [{"name": "v", "mountPath": "/v", "subPath": p}], _bad_path),
        ),
        st.tuples(
            st.just("extraVolumes"),
            st.one_of(
                st.builds(
                    lambda p: [{"name": "v", "configMap": {"name": "c", "items": [{"key": "k", "path": p}]}}], _bad_path
                ),
                st.builds(
                    lambda k: [{"name": "v", "secret": {"secretName": "s", "items": [{"key": k, "path": "p"}]}}],
                    _bad_config_key,
                ),
                st.builds(lambda d: [{"name": "v", "csi": {"driver": d}}], _bad_key),
                st.builds(
                    lambda q: [{"name": "v", "emptyDir": {"sizeLimit": q}}], st.sampled_from(["-1", "0", "1GB", "x"])
                ),
            ),
        ),
    )


# Where pod settings live: the defaults of every workload, a Studio component, a backing service,
# a setup Job and a model service.
POD_SETTINGS_AT = (
    "kubernetes.podDefaults",
    BACKEND,
    "studio.webClient",
    "kafka",
    "database.setupJob",
    "modelService.pods.trainingConsumer",
)


def _knobs() -> st.SearchStrategy[tuple[str, Any]]:
    """(key path, invalid value) over every Kubernetes-typed knob of the dev stack."""
    pod = st.builds(lambda at, knob: (f"{at}.{knob[0]}", knob[1]), st.sampled_from(POD_SETTINGS_AT), _pod_knobs())
    other = st.one_of(
        st.tuples(st.just("studio.ingress.annotations"), st.builds(lambda k: {k: "x"}, _bad_annotation_key)),
        st.tuples(
            st.just("modelService.serviceAccount.annotations"), st.builds(lambda k: {k: "x"}, _bad_annotation_key)
        ),
        st.tuples(
            st.sampled_from(["kafka.storageSize", "database.storageSize"]),
            st.sampled_from(["1500m", "0.5", "512Mi", "100M", "-1Gi", "lots"]),
        ),
        st.tuples(
            st.sampled_from(["objectStorage.storageSize", "modelService.storageSize"]), st.sampled_from(["1.5", "0.1"])
        ),
        st.tuples(st.just("studio.host"), st.sampled_from(["10.0.0.1", "192.168.1.20", "::1"])),
    )
    return st.one_of(pod, other)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(knob=_knobs())
def test_invalid_kubernetes_values_exit_2_naming_the_knob(knob: tuple[str, Any]) -> None:
    key, value = knob
    plain = _with(DEV, key, value)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        stderr = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            code = render(["dev", "--config", str(stack_file(Path(tmp), plain, "dev")), "--out", str(out)])
        assert code == 2, (key, value)
        lines = [line.strip() for line in stderr.getvalue().splitlines()[1:]]
        assert lines and all(line.startswith(f"rasa-studio:{key}") for line in lines), lines
        assert not out.exists()


def test_the_validators_cite_what_they_follow() -> None:
    # The module names the Go functions it follows, so a reader can check them against the source.
    doc = v.__doc__ or ""
    for name in ("IsQualifiedName", "ValidateAnnotations", "validateTolerations", "validateLocalDescendingPath"):
        assert name in doc
    assert v.TOTAL_ANNOTATION_SIZE == 256 * 1024


def test_annotations_are_counted_together_where_they_land_together() -> None:
    # Each map alone is within 256 KiB; the pod (or the Ingress) gets both.
    plain = _with(DEV, "kubernetes.podDefaults", {"podAnnotations": {"a": "x" * (200 * 1024)}})
    problems = _problems(plain, f"{BACKEND}.podAnnotations", {"b": "y" * (100 * 1024)})
    assert any(
        p.startswith(f"rasa-studio:{BACKEND}.podAnnotations: with kubernetes.podDefaults merged in") and "262144" in p
        for p in problems
    ), problems
    ingress = {
        "exposure": "ingress",
        "gateway": None,
        "ingress": {"annotations": {"a": "x" * (200 * 1024)}, "paths": {"talk": {"annotations": {"b": "y" * 70000}}}},
    }
    problems = _problems(_with(DEV, "studio", {**DEV["studio"], **ingress}), "studio.ingress.profile", "nginx")
    assert any(p.startswith("rasa-studio:studio.ingress.paths.talk.annotations: with the shared") for p in problems)
