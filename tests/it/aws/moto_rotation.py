"""moto, serving Secrets Manager in this process, with the generated rotation Lambda as the
function RotateSecret invokes.

moto runs as a server (ThreadedMotoServer, on a free port) and the generated handler talks to it
over HTTP through AWS_ENDPOINT_URL, as it would talk to Secrets Manager. moto cannot run a Lambda
without Docker, so its Lambda invoke is replaced by a call of the generated module's
lambda_handler with the event moto builds: RotateSecret itself stages the AWSPENDING version and
invokes createSecret, setSecret, testSecret and finishSecret in order.
"""

import importlib.util
import json
import logging
import os
import socket

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:rotation-under-test"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Moto:
    """Start with the path of the generated lambda_function.py; `steps` records every step run."""

    def __init__(self, lambda_path):
        port = free_port()
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % port,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_DEFAULT_REGION": "us-east-1",
                "AWS_REGION": "us-east-1",
            }
        )
        import boto3
        from botocore.config import Config
        from moto.awslambda.models import LambdaBackend
        from moto.server import ThreadedMotoServer

        self.handler = load(lambda_path, "lambda_function")
        self.steps = []
        steps, handler = self.steps, self.handler

        def invoke(backend, function_name, qualifier, body, headers, response_headers):
            event = json.loads(body)
            steps.append(event["Step"])
            handler.lambda_handler(event, None)
            return b""

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        LambdaBackend.invoke = invoke
        LambdaBackend.get_function = lambda backend, name, qualifier=None: None
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.server.start()
        self.sm = boto3.client("secretsmanager", config=Config(retries={"total_max_attempts": 1}))

    def rotate(self, name):
        """One rotation, as Secrets Manager runs it on schedule."""
        self.sm.rotate_secret(
            SecretId=name,
            RotationLambdaARN=FUNCTION_ARN,
            # moto 5.2.5 marks a secret RotationEnabled only for AutomaticallyAfterDays rules.
            RotationRules={"AutomaticallyAfterDays": 1},
            RotateImmediately=True,
        )
        # moto leaves AWSPENDING on the new AWSCURRENT version and then refuses the next
        # rotation as still in progress, which Secrets Manager does not: drop the label.
        for version, stages in self.sm.describe_secret(SecretId=name)["VersionIdsToStages"].items():
            if "AWSPENDING" in stages and "AWSCURRENT" in stages:
                self.sm.update_secret_version_stage(SecretId=name, VersionStage="AWSPENDING", RemoveFromVersionId=version)

    def value(self, name, stage):
        return json.loads(self.sm.get_secret_value(SecretId=name, VersionStage=stage)["SecretString"])

    def stop(self):
        self.server.stop()
