"""GCS and Azure Blob for the embedded model service: Rasa Pro's model-storage variables."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from config import ConfigError, validate
from tests.harness import containers, env_of, find, manifests, run_config, stack_input
from tools import schema


def _run(storage: dict[str, Any], model_service: dict[str, Any] | None = None) -> Any:
    given = stack_input("dev")
    plain = copy.deepcopy(given.plain)
    plain["studio"]["version"] = "1.17.0-latest"
    plain["modelService"].update({"architecture": "embedded", **(model_service or {})})
    plain["objectStorage"] = {"mode": "external", **storage}
    return run_config("dev", plain, {"rasaProLicense": "x", "registryPassword": "x"})


def _model_service(run: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    deployment = find(run, "Deployment", "rasapro")
    assert schema.errors(deployment, "1.30") == []
    return deployment, containers(deployment)[0]


def test_gcs_with_a_key_file_from_a_secret() -> None:
    run = _run({"provider": "gcs", "bucket": "studio-models", "gcsCredentials": {"name": "gcs-key", "key": "key.json"}})
    deployment, c = _model_service(run)
    env = env_of(c)
    assert env["RASA_REMOTE_STORAGE"]["value"] == "gcs"
    assert env["BUCKET_NAME"]["value"] == "studio-models"
    assert env["GOOGLE_APPLICATION_CREDENTIALS"]["value"] == "/etc/rasa/gcs/credentials.json"
    assert not [n for n in env if n.startswith("AWS_") or n.startswith("AZURE_")]
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["gcs-credentials"]["secret"] == {
        "secretName": "gcs-key",
        "items": [{"key": "key.json", "path": "credentials.json"}],
        "defaultMode": 0o440,
    }
    assert {"name": "gcs-credentials", "mountPath": "/etc/rasa/gcs", "readOnly": True} in c["volumeMounts"]


def test_gcs_with_workload_identity_has_no_key_file() -> None:
    identity = {"iam.gke.io/gcp-service-account": "studio@project.iam.gserviceaccount.com"}
    run = _run({"provider": "gcs", "bucket": "studio-models"}, {"serviceAccount": {"annotations": identity}})
    deployment, c = _model_service(run)
    env = env_of(c)
    assert env["RASA_REMOTE_STORAGE"]["value"] == "gcs" and "GOOGLE_APPLICATION_CREDENTIALS" not in env
    assert "gcs-credentials" not in {v["name"] for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert find(run, "ServiceAccount", "rasapro")["metadata"]["annotations"] == identity


def test_azure_blob_with_the_account_key_from_a_secret() -> None:
    run = _run(
        {
            "provider": "azure",
            "bucket": "models",
            "azureAccountName": "studiomodels",
            "azureAccountKey": {"name": "azure-storage", "key": "storageAccountKey"},
        }
    )
    _, c = _model_service(run)
    env = env_of(c)
    assert env["RASA_REMOTE_STORAGE"] == {"name": "RASA_REMOTE_STORAGE", "value": "azure"}
    assert env["AZURE_CONTAINER"]["value"] == "models"
    assert env["AZURE_ACCOUNT_NAME"]["value"] == "studiomodels"
    assert env["AZURE_ACCOUNT_KEY"]["valueFrom"] == {
        "secretKeyRef": {"name": "azure-storage", "key": "storageAccountKey"}
    }
    assert "BUCKET_NAME" not in env and not [n for n in env if n.startswith("AWS_")]
    # The key is only ever a reference: no value of it anywhere in the manifests.
    assert all("storageAccountKey" not in str(m.get("data", "")) for m in manifests(run))


def test_s3_stays_the_default_provider() -> None:
    run = _run({"bucket": "studio-models", "region": "eu-central-1", "credentialsSecret": "s3-keys"})
    _, c = _model_service(run)
    env = env_of(c)
    assert env["RASA_REMOTE_STORAGE"]["value"] == "aws" and env["AWS_DEFAULT_REGION"]["value"] == "eu-central-1"
    assert env["AWS_ACCESS_KEY_ID"]["valueFrom"]["secretKeyRef"] == {"name": "s3-keys", "key": "AWS_ACCESS_KEY_ID"}


BASE: dict[str, Any] = {
    "environment": "dev",
    "studio": {"host": "studio.example.com", "version": "1.17.0-latest"},
    "modelService": {"architecture": "embedded"},
}


@pytest.mark.parametrize(
    ("storage", "key", "reason"),
    [
        ({"provider": "azure", "bucket": "models"}, "objectStorage.azureAccountName", "required with provider azure"),
        (
            {"provider": "azure", "bucket": "models", "azureAccountName": "acct"},
            "objectStorage.azureAccountKey",
            "required with provider azure",
        ),
        (
            {"provider": "gcs", "bucket": "models", "endpoint": "https://storage.googleapis.com"},
            "objectStorage.endpoint",
            "aws only",
        ),
        (
            {"provider": "gcs", "bucket": "models", "credentialsSecret": "keys"},
            "objectStorage.credentialsSecret",
            "aws only",
        ),
        (
            {"bucket": "models", "gcsCredentials": {"name": "k", "key": "k"}},
            "objectStorage.gcsCredentials",
            "gcs only",
        ),
        ({"provider": "dropbox", "bucket": "models"}, "objectStorage.provider", "one of"),
        (
            {
                "provider": "azure",
                "bucket": "models",
                "azureAccountName": "Bad_Name",
                "azureAccountKey": {"name": "a", "key": "b"},
            },
            "objectStorage.azureAccountName",
            "does not match",
        ),
    ],
)
def test_bad_storage_settings_are_refused_by_key(storage: dict[str, Any], key: str, reason: str) -> None:
    config, problems = validate({**BASE, "objectStorage": {"mode": "external", **storage}})
    assert config is None
    assert any(p.startswith(f"rasa-studio:{key}: ") and reason in p for p in problems), problems


def test_gcs_needs_the_embedded_model_service() -> None:
    raw = {
        "environment": "dev",
        "studio": {"host": "studio.example.com", "version": "1.7.0"},
        "objectStorage": {"mode": "external", "provider": "gcs", "bucket": "models"},
    }
    config, problems = validate(raw)
    assert config is None
    assert any(p.startswith("rasa-studio:objectStorage.provider: gcs needs the embedded") for p in problems), problems
    with pytest.raises(ConfigError):
        run_config("dev", raw)
