# {{code:HOOK_CALL}}


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
