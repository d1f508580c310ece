"""Rotates a database secret through the generated Lambda, driven by moto's own RotateSecret.

usage: rotate.py LAMBDA_PY SPEC_JSON
SPEC_JSON: {"name": secret name, "secret": its first value, "superuser": null or the value of a
superuser secret; when given, the secret names it in "masterarn" (alternating users)}.
moto runs as a server in this process (ThreadedMotoServer, on a free port) and the generated
handler talks to it over HTTP through AWS_ENDPOINT_URL, as it would talk to Secrets Manager.
moto cannot run a Lambda without Docker, so its Lambda invoke is replaced by a call of the
generated module's lambda_handler with the event moto builds: RotateSecret itself stages the
AWSPENDING version and invokes createSecret, setSecret, testSecret and finishSecret in order.
Prints JSON: the AWSCURRENT and AWSPREVIOUS secrets afterwards and the steps that ran.
"""

import importlib.util
import json
import os
import socket
import sys

lambda_path = sys.argv[1]
spec_in = json.loads(sys.argv[2])
name = spec_in["name"]

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]

os.environ.update(
    {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % port,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
)

import logging  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from moto.awslambda.models import LambdaBackend  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402

spec = importlib.util.spec_from_file_location("lambda_function", lambda_path)
handler = importlib.util.module_from_spec(spec)
spec.loader.exec_module(handler)

steps = []


def invoke(self, function_name, qualifier, body, headers, response_headers):
    event = json.loads(body)
    steps.append(event["Step"])
    handler.lambda_handler(event, None)
    return b""


logging.getLogger("werkzeug").setLevel(logging.ERROR)
LambdaBackend.invoke = invoke
LambdaBackend.get_function = lambda self, name, qualifier=None: None

server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
try:
    sm = boto3.client("secretsmanager", config=Config(retries={"total_max_attempts": 1}))
    secret = dict(spec_in["secret"])
    if spec_in.get("superuser"):
        master = sm.create_secret(Name=name + "-superuser", SecretString=json.dumps(spec_in["superuser"]))
        secret["masterarn"] = master["ARN"]
    sm.create_secret(Name=name, SecretString=json.dumps(secret))
    sm.rotate_secret(
        SecretId=name,
        RotationLambdaARN="arn:aws:lambda:us-east-1:123456789012:function:rotation-under-test",
        # moto 5.2.5 marks a secret RotationEnabled only for AutomaticallyAfterDays rules.
        RotationRules={"AutomaticallyAfterDays": 1},
        RotateImmediately=True,
    )
    current = json.loads(sm.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"])
    previous = json.loads(sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"])
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    json.dump({"current": current, "previous": previous, "steps": steps, "stages": sorted(map(sorted, stages.values()))}, sys.stdout)
finally:
    server.stop()
