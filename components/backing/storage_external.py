"""External object storage: an existing bucket (S3 or S3-compatible, GCS, Azure Blob) the stack only points at."""

from __future__ import annotations

from config.backing import ExternalStorage
from config.base import SecretKeyRef

from ..interfaces import ObjectStorage, SecretRef


def _ref(ref: SecretKeyRef | None) -> SecretRef | None:
    return SecretRef(ref.name, ref.key) if ref is not None else None


def external_storage(cfg: ExternalStorage) -> ObjectStorage:
    return ObjectStorage(
        bucket=cfg.bucket,
        region=cfg.region,
        endpoint=cfg.endpoint,
        credentials_secret=cfg.credentials_secret,
        provider=cfg.provider,
        gcs_credentials=_ref(cfg.gcs_credentials),
        azure_account_name=cfg.azure_account_name,
        azure_account_key=_ref(cfg.azure_account_key),
    )
