"""External PostgreSQL: someone else's server; its databases and user must already exist."""

from __future__ import annotations

from config.backing import ExternalDatabase

from ..interfaces import Database, SecretRef


def external_database(cfg: ExternalDatabase) -> Database:
    return Database(
        host=cfg.host,
        port=cfg.port,
        username=cfg.username,
        password=SecretRef(cfg.password_secret.name, cfg.password_secret.key),
        query=f"sslmode={cfg.ssl_mode}",
        prefer_ssl=cfg.ssl_mode != "disable",
    )
