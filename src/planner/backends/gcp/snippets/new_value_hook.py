# The schemes the issuer hook may be called over. Only https: the request carries an ID token.
HOOK_SCHEMES = ("https",)
HOOK_TIMEOUT_SECONDS = 30


class HookRefused(RuntimeError):
    """The hook's answer is not a key this function may store; the stored key stays."""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would carry the ID token elsewhere: it fails the call instead."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        raise HookRefused(f"the issuer hook redirected ({code}); call its final URL directly")


def call_hook(url: str, token: str, secret: str, idempotency_key: str) -> str:
    """POSTs the rotation to the issuer hook and returns the non-empty api_key it answers."""
    if urlsplit(url).scheme not in HOOK_SCHEMES:
        raise HookRefused(f"the issuer hook must be an https URL, not {urlsplit(url).scheme}://")
    request = urllib.request.Request(
        url,
        data=json.dumps({"secret_id": secret, "idempotency_key": idempotency_key}).encode("utf-8"),
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


def new_value(client: secretmanager.SecretManagerServiceClient, env: Mapping[str, str], event_id: str) -> Dict[str, str]:
    """The key the issuer hook mints for this rotation (the Pub/Sub message ID is its idempotency key)."""
    url = env["ISSUER_HOOK_URL"]
    # A Google-signed ID token of the function's service account, for the hook URL as audience.
    fetch = google.oauth2.id_token.fetch_id_token
    token = str(fetch(google.auth.transport.requests.Request(), url))  # type: ignore[no-untyped-call]  # google-auth: no hints here
    key = call_hook(url, token, env["SECRET_NAME"], event_id)
    try:
        current = client.access_secret_version(name=f"{env['SECRET_NAME']}/versions/latest")
        if json.loads(current.payload.data.decode("utf-8")).get("api_key") == key:
            raise HookRefused("the issuer hook returned the current key: the stored key stays")
    except exceptions.NotFound:
        pass
    return {"api_key": key}
