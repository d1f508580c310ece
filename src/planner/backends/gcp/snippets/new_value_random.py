def new_value(client: secretmanager.SecretManagerServiceClient, env: Mapping[str, str], event_id: str) -> Dict[str, str]:
    """A new random value; replace with the issuer's key-rotation call for third-party keys."""
    field = "api_key" if env["CREDENTIAL_TYPE"] == "api-key" else "value"
    return {field: new_password(32)}
