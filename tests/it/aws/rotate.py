"""Rotates a secret once through the generated Lambda, driven by moto's own RotateSecret.

usage: rotate.py LAMBDA_PY SPEC_JSON
SPEC_JSON: {"name": secret name, "secret": its first value, "superuser": null or the value of a
superuser secret; when given, the secret names it in "masterarn" (alternating users)}.
Prints JSON: the AWSCURRENT and AWSPREVIOUS secrets afterwards and the steps that ran.
"""

import json
import sys

from moto_rotation import Moto

spec_in = json.loads(sys.argv[2])
name = spec_in["name"]
moto = Moto(sys.argv[1])
try:
    secret = dict(spec_in["secret"])
    if spec_in.get("superuser"):
        master = moto.sm.create_secret(Name=name + "-superuser", SecretString=json.dumps(spec_in["superuser"]))
        secret["masterarn"] = master["ARN"]
    moto.sm.create_secret(Name=name, SecretString=json.dumps(secret))
    moto.rotate(name)
    stages = moto.sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    json.dump(
        {
            "current": moto.value(name, "AWSCURRENT"),
            "previous": moto.value(name, "AWSPREVIOUS"),
            "steps": moto.steps,
            "stages": sorted(map(sorted, stages.values())),
        },
        sys.stdout,
    )
finally:
    moto.stop()
