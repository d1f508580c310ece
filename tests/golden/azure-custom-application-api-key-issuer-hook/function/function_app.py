import json
import logging
import os
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

import azure.functions as func
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient

# Rotates the third-party API key in one Key Vault secret when Event Grid reports
# Microsoft.KeyVault.SecretNearExpiry for it: asks the issuer hook (ISSUER_HOOK_URL) for a new key
# with an Entra ID token of this Function's managed identity, and writes exactly the key the hook
# returned as one new version that expires one rotation period plus the near-expiry window later.
# It never makes a key up, and refuses an empty key or one equal to the current version. Generated
# by secretsint.
CONTENT_TYPE = "text/plain"
NEAR_EXPIRY_EVENT = "Microsoft.KeyVault.SecretNearExpiry"

app = func.FunctionApp()


# The schemes the issuer hook may be called over. Only https: the request carries a bearer token.
HOOK_SCHEMES = ("https",)
HOOK_TIMEOUT_SECONDS = 30


class HookRefused(RuntimeError):
    """The hook's answer is not a key this function may store; the stored key stays."""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the bearer token elsewhere: it fails the call instead."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise HookRefused(f"the issuer hook redirected ({code}); call its final URL directly")


def call_hook(url: str, token: str, secret_id: str, idempotency_key: str) -> str:
    """POSTs the rotation to the issuer hook and returns the non-empty api_key it answers."""
    if urlsplit(url).scheme not in HOOK_SCHEMES:
        raise HookRefused(f"the issuer hook must be an https URL, not {urlsplit(url).scheme}://")
    request = urllib.request.Request(
        url,
        data=json.dumps({"secret_id": secret_id, "idempotency_key": idempotency_key}).encode("utf-8"),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
        },
    )
    with urllib.request.build_opener(NoRedirect).open(request, timeout=HOOK_TIMEOUT_SECONDS) as response:
        answer = json.loads(response.read().decode("utf-8"))
    key = answer.get("api_key") if isinstance(answer, dict) else None
    if not isinstance(key, str) or not key:
        raise HookRefused("the issuer hook returned no api_key: the stored key stays")
    return key


@dataclass(frozen=True)
class Settings:
    vault_url: str
    secret_name: str
    rotation_period: timedelta
    near_expiry_window: timedelta
    client_id: str
    hook_url: str
    hook_audience: str


def settings_from_environment() -> Settings:
    return Settings(
        vault_url=os.environ["KEY_VAULT_URL"],
        secret_name=os.environ["SECRET_NAME"],
        rotation_period=timedelta(seconds=int(os.environ["ROTATION_PERIOD_SECONDS"])),
        near_expiry_window=timedelta(seconds=int(os.environ["NEAR_EXPIRY_WINDOW_SECONDS"])),
        client_id=os.environ["AZURE_CLIENT_ID"],
        hook_url=os.environ["ISSUER_HOOK_URL"],
        hook_audience=os.environ["ISSUER_HOOK_AUDIENCE"],
    )


def rotate(
    client: SecretClient,
    credential: ManagedIdentityCredential,
    event_id: str,
    event_data: Dict[str, Any],
    settings: Settings,
    now: datetime,
) -> Optional[str]:
    """Writes the hook's key as one new version and returns its id, or None when nothing is due."""
    if event_data.get("ObjectName") != settings.secret_name:
        logging.warning("ignoring an event for %s", event_data.get("ObjectName"))
        return None
    current = client.get_secret(settings.secret_name)
    if current.properties.version != event_data.get("Version"):
        # A newer version already exists (an earlier delivery of this event, or a manual update).
        logging.info("version %s is no longer current; nothing to rotate", event_data.get("Version"))
        return None
    token = credential.get_token(f"{settings.hook_audience}/.default").token
    # The event ID is the same on every redelivery: the issuer mints at most one key for it.
    secret_id = f"{settings.vault_url.rstrip('/')}/secrets/{settings.secret_name}"
    key = call_hook(settings.hook_url, token, secret_id, event_id)
    if key == current.value:
        raise HookRefused("the issuer hook returned the current key: the stored key stays")
    written = client.set_secret(
        settings.secret_name,
        key,
        content_type=CONTENT_TYPE,
        expires_on=now + settings.rotation_period + settings.near_expiry_window,
        tags={"rotated-by": "secretsint-issuer-hook", "previous-version": str(current.properties.version)},
    )
    return written.properties.version


@app.function_name(name="rotate_secret")
@app.event_grid_trigger(arg_name="event")
def rotate_secret(event: func.EventGridEvent) -> None:
    if event.event_type != NEAR_EXPIRY_EVENT:
        logging.warning("ignoring event type %s", event.event_type)
        return
    settings = settings_from_environment()
    credential = ManagedIdentityCredential(client_id=settings.client_id)
    client = SecretClient(vault_url=settings.vault_url, credential=credential)
    version = rotate(client, credential, event.id, event.get_json(), settings, datetime.now(timezone.utc))
    if version is not None:
        logging.info("wrote version %s of %s", version, settings.secret_name)
