"""Checks generated IAM documents against moto (IAM and Secrets Manager APIs) and parliament.

stdin: JSON list of {"id", "type", "document"} (type: iam-policy, iam-trust-policy,
resource-policy, sns-topic-policy). stdout: JSON list of problems, empty when every document is accepted.
Runs moto in-process (mock_aws): the same request validation the moto server applies.
"""

import json
import sys

import boto3
from moto import mock_aws
from parliament import analyze_policy_string

ACCOUNT = "123456789012"


def known_limitation(kind, finding):
    """parliament 1.6.4 lints identity policies. A role trust policy has no Resource (IAM forbids
    one there), and parliament knows only SAML and web-identity federation sources, not IAM OIDC
    providers; both findings are about the linter, not the document, and only on trust policies."""
    if kind != "iam-trust-policy":
        return False
    if finding.issue == "MALFORMED" and finding.detail == "Statement contains neither Resource nor NotResource":
        return True
    return finding.issue == "UNKNOWN_FEDERATION_SOURCE" and ":oidc-provider/" in str(finding.detail)


def parliament_findings(kind, text):
    policy = analyze_policy_string(text, include_community_auditors=False)
    return [
        "%s: %s %s" % (f.issue, f.detail, f.location) for f in policy.findings if not known_limitation(kind, f)
    ]


def main():
    docs = json.load(sys.stdin)
    problems = []
    with mock_aws():
        iam = boto3.client("iam", region_name="us-east-1")
        sm = boto3.client("secretsmanager", region_name="us-east-1")
        sns = boto3.client("sns", region_name="us-east-1")
        for i, d in enumerate(docs):
            text, kind, ident = d["document"], d["type"], d["id"]
            try:
                if kind == "iam-policy":
                    iam.create_policy(PolicyName="p%d" % i, PolicyDocument=text)
                elif kind == "iam-trust-policy":
                    iam.create_role(RoleName="r%d" % i, AssumeRolePolicyDocument=text)
                elif kind == "sns-topic-policy":
                    topic = sns.create_topic(Name="t%d" % i)["TopicArn"]
                    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=text)
                elif kind == "resource-policy":
                    arn = sm.create_secret(Name="s%d" % i, SecretString="{}")["ARN"]
                    sm.put_resource_policy(SecretId=arn, ResourcePolicy=text, BlockPublicPolicy=True)
                else:
                    problems.append("%s: unknown policy type %s" % (ident, kind))
                    continue
            except Exception as e:  # noqa: BLE001 - report every rejection
                problems.append("%s: moto rejects it: %s" % (ident, e))
            for f in parliament_findings(kind, text):
                problems.append("%s: parliament: %s" % (ident, f))
    json.dump(problems, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
