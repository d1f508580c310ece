"""Rotates a secret once through the generated Lambda, driven by moto's own RotateSecret.

usage: rotate.py LAMBDA_PY SPEC_JSON
SPEC_JSON: {"name": secret name, "secret": its first value, "superuser": null or the value of a
superuser secret; when given, the secret names it in "masterarn" (alternating users),
"first_apply": optional, true to start as a first apply does: the secret holds its first version
and rotation is enabled without rotating (rotate_immediately = false: Secrets Manager runs
testSecret only on a copy of AWSCURRENT) before the first rotation. moto cannot enable rotation
on a secret with no version at all (its RotateSecret fails inside moto), so the moment between
the apply and the first PutSecretValue is not modelled here}.
Prints JSON: the AWSCURRENT and AWSPREVIOUS secrets afterwards, the steps that ran, and
"enable_steps", the steps enabling rotation ran.
"""

import json
import sys

from moto_rotation import FUNCTION_ARN, Moto

spec_in = json.loads(sys.argv[2])
name = spec_in["name"]
moto = Moto(sys.argv[1])
try:
    secret = dict(spec_in["secret"])
    if spec_in.get("superuser"):
        master = moto.sm.create_secret(Name=name + "-superuser", SecretString=json.dumps(spec_in["superuser"]))
        secret["masterarn"] = master["ARN"]
    enable_steps = []
    if spec_in.get("first_apply"):
        moto.sm.create_secret(Name=name, SecretString=json.dumps(secret))
        moto.sm.rotate_secret(
            SecretId=name,
            RotationLambdaARN=FUNCTION_ARN,
            RotationRules={"AutomaticallyAfterDays": 1},
            RotateImmediately=False,
        )
        enable_steps = list(moto.steps)
        del moto.steps[:]
    else:
        moto.sm.create_secret(Name=name, SecretString=json.dumps(secret))
    moto.rotate(name)
    stages = moto.sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    json.dump(
        {
            "current": moto.value(name, "AWSCURRENT"),
            "previous": moto.value(name, "AWSPREVIOUS"),
            "steps": moto.steps,
            "enable_steps": enable_steps,
            "stages": sorted(map(sorted, stages.values())),
        },
        sys.stdout,
    )
finally:
    moto.stop()
