import json
import logging
import os

import boto3

# Secrets Manager rotation function for the third-party API key staging/payments/api-key.
#
# The key is issued by someone else, so this function never makes one up: random bytes would be
# a key the issuer does not know, and every consumer would fail.
# No issuer hook is declared, so nothing here can mint a key. On each scheduled rotation
# createSecret writes nothing and fails with a reminder: Secrets Manager reports RotationFailed,
# which the plan's EventBridge rule sends to its SNS topic. Rotate the key at its issuer and
# write it with PutSecretValue; declare api_key.issuer_hook to let this function do it.

logger = logging.getLogger()
logger.setLevel(logging.INFO)

VALUE_FIELD = "api_key"


class RotationNeedsAPerson(Exception):
    """The key is due, and only its issuer can make a new one."""


def lambda_handler(event, context):
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    service = boto3.client("secretsmanager")

    metadata = service.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError("Secret %s is not enabled for rotation" % arn)
    if step == "createSecret":
        raise RotationNeedsAPerson(
            "The API key in %s is due for rotation and is issued by a third party: rotate it at the issuer "
            "and write the new key with PutSecretValue. This function changes nothing." % arn
        )
    # No step after createSecret runs for a rotation this function started; a version someone
    # else staged AWSPENDING is theirs to finish.
    logger.info("%s: %s is rotated by people; nothing to do", step, arn)
