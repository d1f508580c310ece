"""Applies the IAM and Secrets Manager objects of several AWS plans to one moto account each.

stdin: JSON list of accounts, each {"name", "platform": [{"url", "client_id_list"}],
"roles": [{"name", "trust"}], "policies": [{"name", "document"}], "attachments": [{"role",
"policy"}], "secrets": [{"name", "policy"}]}: the platform objects once, then every workload's
objects with their planned names, as `terraform apply` would create them. stdout: JSON
{"problems": [...], "second_provider": "<what moto said to the same provider declared again>",
"created": {...counts}}.
"""

import json
import sys

import boto3
from moto import mock_aws

ACCOUNT = "123456789012"


def main():
    accounts = json.load(sys.stdin)
    problems = []
    second = []
    created = {"oidc_providers": 0, "roles": 0, "policies": 0, "attachments": 0, "secrets": 0}
    for account in accounts:
        with mock_aws():
            iam = boto3.client("iam", region_name="us-east-1")
            sm = boto3.client("secretsmanager", region_name="us-east-1")
            where = account["name"]

            def attempt(what, call):
                try:
                    call()
                    return True
                except Exception as e:  # noqa: BLE001 - report every rejection
                    problems.append("%s: %s: %s" % (where, what, e))
                    return False

            for p in account["platform"]:
                if attempt(
                    "OIDC provider %s" % p["url"],
                    lambda p=p: iam.create_open_id_connect_provider(Url=p["url"], ClientIDList=p["client_id_list"]),
                ):
                    created["oidc_providers"] += 1
                # The canary: the same provider declared by a second workload.
                try:
                    iam.create_open_id_connect_provider(Url=p["url"], ClientIDList=p["client_id_list"])
                    second.append("accepted")
                except Exception as e:  # noqa: BLE001
                    second.append(type(e).__name__ + ": " + str(e))
            arns = {}
            for r in account["roles"]:
                if attempt("role %s" % r["name"], lambda r=r: iam.create_role(RoleName=r["name"], AssumeRolePolicyDocument=r["trust"])):
                    created["roles"] += 1
            for p in account["policies"]:
                try:
                    arns[p["name"]] = iam.create_policy(PolicyName=p["name"], PolicyDocument=p["document"])["Policy"]["Arn"]
                    created["policies"] += 1
                except Exception as e:  # noqa: BLE001
                    problems.append("%s: policy %s: %s" % (where, p["name"], e))
            for a in account["attachments"]:
                if a["policy"] not in arns:
                    problems.append("%s: attachment of unknown policy %s" % (where, a["policy"]))
                    continue
                if attempt(
                    "attach %s to %s" % (a["policy"], a["role"]),
                    lambda a=a: iam.attach_role_policy(RoleName=a["role"], PolicyArn=arns[a["policy"]]),
                ):
                    created["attachments"] += 1
            for s in account["secrets"]:
                try:
                    arn = sm.create_secret(Name=s["name"])["ARN"]
                    sm.put_resource_policy(SecretId=arn, ResourcePolicy=s["policy"], BlockPublicPolicy=True)
                    created["secrets"] += 1
                except Exception as e:  # noqa: BLE001
                    problems.append("%s: secret %s: %s" % (where, s["name"], e))
            # Every role holds exactly the policies its workload attached.
            for r in account["roles"]:
                try:
                    attached = iam.list_attached_role_policies(RoleName=r["name"])["AttachedPolicies"]
                except Exception as e:  # noqa: BLE001
                    problems.append("%s: list %s: %s" % (where, r["name"], e))
                    continue
                want = sorted(a["policy"] for a in account["attachments"] if a["role"] == r["name"])
                got = sorted(p["PolicyName"] for p in attached)
                if want != got:
                    problems.append("%s: role %s holds %s, planned %s" % (where, r["name"], got, want))
    json.dump({"problems": problems, "second_provider": second, "created": created}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
