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
