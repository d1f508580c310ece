"""Runs the generated rotation Lambda of a third-party API key against moto's RotateSecret.

usage: rotate_api_key.py LAMBDA_PY SCENARIO
SCENARIO: "reminder" (no issuer hook), "hook" (the hook mints a new key), "hook-same" (the hook
returns the current key) or "hook-empty" (it returns no key).
Prints JSON: the versions and their stages, AWSCURRENT afterwards, the steps that ran, the hook's
calls and the error RotateSecret reported (null when it succeeded).

moto invokes Lambda functions through LambdaBackend.invoke, which moto_rotation routes to the
generated handler; here the issuer hook's ARN is routed to a stand-in issuer instead, so the
generated function's own lambda.invoke call goes through moto's real Lambda API.
"""

import json
import sys

from moto_rotation import Moto

NAME = "prod/app/api-key"
FIRST = "initial-key-for-tests"
HOOK = "arn:aws:lambda:us-east-1:123456789012:function:mint-key"

path, scenario = sys.argv[1], sys.argv[2]
moto = Moto(path)
hook_calls = []
try:
    from moto.awslambda.models import LambdaBackend

    rotation_invoke = LambdaBackend.invoke

    def invoke(backend, function_name, qualifier, body, headers, response_headers):
        if function_name != HOOK and not function_name.endswith(":mint-key"):
            return rotation_invoke(backend, function_name, qualifier, body, headers, response_headers)
        request = json.loads(body)
        hook_calls.append(sorted(request))
        answer = {
            "hook": {"api_key": "minted-key-%d" % len(hook_calls)},
            "hook-same": {"api_key": FIRST},
            "hook-empty": {"api_key": ""},
        }[scenario]
        return json.dumps(answer).encode("utf-8")

    LambdaBackend.invoke = invoke
    moto.sm.create_secret(Name=NAME, SecretString=json.dumps({"api_key": FIRST}))
    error = None
    try:
        moto.rotate(NAME)
    except Exception as e:  # RotateSecret reports the function's failure as a ClientError
        error = "%s: %s" % (type(e).__name__, e)
    def stored_key(version_id):
        # moto stages an empty AWSPENDING placeholder before it invokes the function; only a
        # version with a value is a stored key.
        try:
            value = moto.sm.get_secret_value(SecretId=NAME, VersionId=version_id)
        except moto.sm.exceptions.ResourceNotFoundException:
            return None
        return json.loads(value["SecretString"])["api_key"] if "SecretString" in value else None

    versions = moto.sm.list_secret_version_ids(SecretId=NAME, IncludeDeprecated=True)["Versions"]
    json.dump(
        {
            "versions": sorted(
                ({"stages": sorted(v.get("VersionStages", [])), "api_key": stored_key(v["VersionId"])} for v in versions),
                key=lambda v: (v["api_key"] or "", v["stages"]),
            ),
            "current": moto.value(NAME, "AWSCURRENT")["api_key"],
            "steps": moto.steps,
            "hook_calls": hook_calls,
            "error": error,
        },
        sys.stdout,
        sort_keys=True,
    )
finally:
    moto.stop()
