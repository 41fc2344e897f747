"""config.js: the web client's runtime configuration (RasaHQ/rasa-helm-charts charts/studio/templates/studio/web-client/, chart 2.6.0), as a pure function."""

from __future__ import annotations

import hashlib
import json

from config.studio import StudioConfig

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
    lines = [
        ("API_ENDPOINT", json.dumps(f"{studio.url}/api")),
        ("KEYCLOAK_URL", json.dumps(studio.keycloak_browser_url)),
        ("KEYCLOAK_REALM", json.dumps(studio.keycloak.realm)),
        ("KEYCLOAK_CLIENT_ID", json.dumps(studio.keycloak.client_id)),
        ("VOICE_INSPECTOR_ENABLED", _flag(features.voice_inspector)),
        ("SILENCE_TIMEOUT_ENABLED", _flag(features.silence_timeout)),
        ("EDIT_SYSTEM_RESPONSES_ENABLED", _flag(features.edit_system_responses)),
        ("CURRENT_VERSION_NUMBER", json.dumps(version)),
    ]
    return "".join(f"window.{name} = {value};\n" for name, value in lines)


def checksum(content: str) -> str:
    """Pod annotation checksum/config: a config change rolls the web client pods."""
    return hashlib.sha256(content.encode()).hexdigest()
