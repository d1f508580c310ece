import json
import logging
import os

import boto3

# Secrets Manager rotation function for the third-party API key {{text:SECRET_NAME}}.
#
# The key is issued by someone else, so this function never makes one up: random bytes would be
# a key the issuer does not know, and every consumer would fail.
# @if MODE=reminder
# No issuer hook is declared, so nothing here can mint a key. On each scheduled rotation
# createSecret writes nothing and fails with a reminder: Secrets Manager reports RotationFailed,
# which the plan's EventBridge rule sends to its SNS topic. Rotate the key at its issuer and
# write it with PutSecretValue; declare api_key.issuer_hook to let this function do it.
# @end
# @if MODE=hook
# createSecret invokes the issuer hook {{text:HOOK}} (a Lambda function) with
# {"SecretId", "ClientRequestToken"}; it must mint a new key at the issuer and return
# {"{{text:FIELD}}": "<new key>"}. The new key is staged AWSPENDING; testSecret requires it to be
# non-empty and different from AWSCURRENT before finishSecret moves AWSCURRENT to it.
# @end

logger = logging.getLogger()
logger.setLevel(logging.INFO)

VALUE_FIELD = {{str:FIELD}}
# @if MODE=hook
ISSUER_HOOK = os.environ.get("ISSUER_HOOK", {{str:HOOK}})
# @end
# @if MODE=reminder


class RotationNeedsAPerson(Exception):
    """The key is due, and only its issuer can make a new one."""
# @end


def lambda_handler(event, context):
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    service = boto3.client("secretsmanager")

    metadata = service.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError("Secret %s is not enabled for rotation" % arn)
# @if MODE=reminder
    if step == "createSecret":
        raise RotationNeedsAPerson(
            "The API key in %s is due for rotation and is issued by a third party: rotate it at the issuer "
            "and write the new key with PutSecretValue. This function changes nothing." % arn
        )
    # No step after createSecret runs for a rotation this function started; a version someone
    # else staged AWSPENDING is theirs to finish.
    logger.info("%s: %s is rotated by people; nothing to do", step, arn)
# @end
# @if MODE=hook
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        raise ValueError("Secret version %s has no stage for rotation of secret %s" % (token, arn))
    if "AWSCURRENT" in versions[token]:
        logger.info("Secret version %s is already AWSCURRENT for %s", token, arn)
        return
    if "AWSPENDING" not in versions[token]:
        raise ValueError("Secret version %s is not AWSPENDING for rotation of secret %s" % (token, arn))

    if step == "createSecret":
        create_secret(service, arn, token, event.get("RotationToken"))
    elif step == "setSecret":
        logger.info("setSecret: the issuer activated the key it minted for %s; nothing to set", arn)
    elif step == "testSecret":
        test_secret(service, arn, token)
    elif step == "finishSecret":
        finish_secret(service, arn, token)
    else:
        raise ValueError("Invalid step parameter %s" % step)


def get_secret_dict(service, arn, stage, token=None):
    kwargs = {"SecretId": arn, "VersionStage": stage}
    if token:
        kwargs["VersionId"] = token
    return json.loads(service.get_secret_value(**kwargs)["SecretString"])


def mint_key(arn, token):
    """The new key, as the issuer hook returns it; never logged."""
    response = boto3.client("lambda").invoke(
        FunctionName=ISSUER_HOOK,
        InvocationType="RequestResponse",
        Payload=json.dumps({"SecretId": arn, "ClientRequestToken": token}).encode("utf-8"),
    )
    if response.get("FunctionError"):
        raise ValueError("createSecret: the issuer hook %s failed (%s)" % (ISSUER_HOOK, response["FunctionError"]))
    answer = json.loads(response["Payload"].read())
    key = answer.get(VALUE_FIELD) if isinstance(answer, dict) else None
    if not isinstance(key, str) or not key:
        raise ValueError("createSecret: the issuer hook %s returned no %s" % (ISSUER_HOOK, VALUE_FIELD))
    return key


def create_secret(service, arn, token, rotation_token):
    current = get_secret_dict(service, arn, "AWSCURRENT")
    try:
        get_secret_dict(service, arn, "AWSPENDING", token)
        logger.info("createSecret: AWSPENDING already holds version %s of %s", token, arn)
        return
    except service.exceptions.ResourceNotFoundException:
        pass
    pending = dict(current)
    pending[VALUE_FIELD] = mint_key(arn, token)
    request = {
        "SecretId": arn,
        "ClientRequestToken": token,
        "SecretString": json.dumps(pending),
        "VersionStages": ["AWSPENDING"],
    }
    if rotation_token:
        request["RotationToken"] = rotation_token
    service.put_secret_value(**request)
    logger.info("createSecret: put the issuer's new key as version %s of %s (AWSPENDING)", token, arn)


def test_secret(service, arn, token):
    pending = get_secret_dict(service, arn, "AWSPENDING", token).get(VALUE_FIELD)
    current = get_secret_dict(service, arn, "AWSCURRENT").get(VALUE_FIELD)
    if not pending:
        raise ValueError("testSecret: AWSPENDING of %s has no %s" % (arn, VALUE_FIELD))
    if pending == current:
        raise ValueError("testSecret: the issuer hook returned the current key of %s, not a new one" % arn)
    logger.info("testSecret: AWSPENDING of %s holds a new key", arn)


# {{code:FINISH_SECRET}}
# @end
