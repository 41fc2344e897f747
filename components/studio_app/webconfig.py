"""config.js: the web client's runtime configuration, as a pure function.

Byte for byte what the chart's templates/studio/web-client/configmap.yaml renders at the release
of the deployed Studio version, with the feature flags that release has (config/versions.py).
"""

from __future__ import annotations

import hashlib
import json

from config.studio import FEATURE_FLAGS, StudioConfig
from config.versions import contract_for

# The ConfigMap key, and the file nginx serves it as.
CONFIG_KEY = "windowVariables"
CONFIG_FILE = "config.js"
CONFIG_PATH = f"/usr/share/nginx/html/{CONFIG_FILE}"


def _flag(enabled: bool) -> str:
    # Byte for byte what the chart renders: bare `false` by default, the quoted value once a
    # user sets it ("true"), so the web client sees exactly what it sees under Helm.
    return '"true"' if enabled else "false"


def config_js(studio: StudioConfig, version: str) -> str:
    """The browser-facing URLs use https when the ingress terminates TLS (connectionType)."""
    features = studio.web_client.features
    enabled = {flag for field, flag in FEATURE_FLAGS.items() if getattr(features, field)}
    keycloak = [
        ("KEYCLOAK_URL", json.dumps(studio.keycloak_browser_url)),
        ("KEYCLOAK_REALM", json.dumps(studio.keycloak.realm)),
        ("KEYCLOAK_CLIENT_ID", json.dumps(studio.keycloak.client_id)),
    ]
    lines = [
        ("API_ENDPOINT", json.dumps(studio.path_url("backend", "/api"))),
        *(keycloak if studio.uses_keycloak else []),
        *((flag, _flag(flag in enabled)) for flag in contract_for(studio.version).config_js_flags),
        ("CURRENT_VERSION_NUMBER", json.dumps(version)),
    ]
    return "".join(f"window.{name} = {value};\n" for name, value in lines)


def checksum(content: str) -> str:
    """Pod annotation checksum/config: a config change rolls the web client pods."""
    return hashlib.sha256(content.encode()).hexdigest()
