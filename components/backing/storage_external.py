"""External object storage: an existing S3-compatible bucket the stack only points at."""

from __future__ import annotations

from config.backing import ExternalStorage

from ..interfaces import ObjectStorage


def external_storage(cfg: ExternalStorage) -> ObjectStorage:
    return ObjectStorage(
        bucket=cfg.bucket,
        region=cfg.region,
        endpoint=cfg.endpoint,
        credentials_secret=cfg.credentials_secret,
    )
