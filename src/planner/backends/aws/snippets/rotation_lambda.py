import json
import logging
import os

import boto3

# Secrets Manager rotation function for {{text:SECRET_NAME}} ({{text:CREDENTIAL}}).
#
# Secrets Manager calls lambda_handler once per step: createSecret, setSecret, testSecret,
# finishSecret. The new version is staged AWSPENDING until finishSecret moves AWSCURRENT to it;
# Secrets Manager then labels the old version AWSPREVIOUS.
#
# Database secrets are JSON with engine, host, port, dbname, username and password (the AWS
# convention). Alternating users: when the secret names a superuser secret in "masterarn", or
# SUPERUSER_SECRET_ID names one, that superuser switches between <username> and <username>_clone
# so the previous credential keeps working until the next rotation. Otherwise the user's own
# password changes, and the old one stops working at once. Connections
# use verified TLS (CA bundle in DB_CA_BUNDLE, else the system store) unless the secret sets
# "ssl": false. Other secrets get a new random "{{text:FIELD}}".

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ROTATION_KIND = os.environ.get("ROTATION_KIND", {{str:KIND}})
VALUE_FIELD = os.environ.get("VALUE_FIELD", {{str:FIELD}})
EXCLUDE_CHARACTERS = os.environ.get("EXCLUDE_CHARACTERS", "/@\"'\\`")
PASSWORD_LENGTH = int(os.environ.get("PASSWORD_LENGTH", "32"))
SUPERUSER_SECRET_ID = os.environ.get("SUPERUSER_SECRET_ID", "")


def superuser_of(secret):
    """The superuser secret that alternates users for this secret, or "" for a single user."""
    return secret.get("masterarn") or SUPERUSER_SECRET_ID


def lambda_handler(event, context):
    arn = event["SecretId"]
    token = event["ClientRequestToken"]
    step = event["Step"]
    # Present when the function runs under an assumed role (cross-account rotation).
    rotation_token = event.get("RotationToken")
    service = boto3.client("secretsmanager")

    metadata = service.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise ValueError("Secret %s is not enabled for rotation" % arn)
    versions = metadata["VersionIdsToStages"]
    if token not in versions:
        raise ValueError("Secret version %s has no stage for rotation of secret %s" % (token, arn))
    if "AWSCURRENT" in versions[token]:
        logger.info("Secret version %s is already AWSCURRENT for %s", token, arn)
        return
    if "AWSPENDING" not in versions[token]:
        raise ValueError("Secret version %s is not AWSPENDING for rotation of secret %s" % (token, arn))

    if step == "createSecret":
        create_secret(service, arn, token, rotation_token)
    elif step == "setSecret":
        set_secret(service, arn, token)
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
    value = json.loads(service.get_secret_value(**kwargs)["SecretString"])
    if ROTATION_KIND == "database":
        for key in ("engine", "host", "username", "password"):
            if key not in value:
                raise KeyError("%s key is missing from the secret JSON" % key)
        if value["engine"] not in ("postgres", "postgresql", "redshift"):
            raise ValueError("This function rotates PostgreSQL and Redshift users, not %s" % value["engine"])
    return value


def new_password(service):
    return service.get_random_password(
        PasswordLength=PASSWORD_LENGTH, ExcludeCharacters=EXCLUDE_CHARACTERS
    )["RandomPassword"]


def create_secret(service, arn, token, rotation_token):
    current = get_secret_dict(service, arn, "AWSCURRENT")
    try:
        get_secret_dict(service, arn, "AWSPENDING", token)
        logger.info("createSecret: AWSPENDING already holds version %s of %s", token, arn)
        return
    except service.exceptions.ResourceNotFoundException:
        pass
    pending = dict(current)
    if ROTATION_KIND == "database":
        master = superuser_of(current)
        if master:
            username = current["username"]
            pending["username"] = username[: -len("_clone")] if username.endswith("_clone") else username + "_clone"
            pending["masterarn"] = master
        pending["password"] = new_password(service)
    else:
        # For a key issued by a third party, replace this with that provider's key-issuing call.
        pending[VALUE_FIELD] = new_password(service)
    request = {
        "SecretId": arn,
        "ClientRequestToken": token,
        "SecretString": json.dumps(pending),
        "VersionStages": ["AWSPENDING"],
    }
    if rotation_token:
        request["RotationToken"] = rotation_token
    service.put_secret_value(**request)
    logger.info("createSecret: put version %s of %s as AWSPENDING", token, arn)


def connect(secret):
    import ssl

    import pg8000.native

    # RDS and Aurora certificates chain to the RDS CAs, which are not in the default trust store:
    # ship global-bundle.pem in the zip and set DB_CA_BUNDLE to its path.
    ssl_context = ssl.create_default_context(cafile=os.environ.get("DB_CA_BUNDLE")) if secret.get("ssl", True) else None
    try:
        return pg8000.native.Connection(
            user=secret["username"],
            password=secret["password"],
            host=secret["host"],
            port=int(secret.get("port", 5432)),
            database=secret.get("dbname", "postgres"),
            ssl_context=ssl_context,
            timeout=5,
        )
    except pg8000.native.DatabaseError:
        return None
    except pg8000.native.InterfaceError:
        return None


def set_secret(service, arn, token):
    if ROTATION_KIND != "database":
        logger.info("setSecret: %s holds no database user; nothing to set", arn)
        return
    from pg8000.native import identifier, literal

    pending = get_secret_dict(service, arn, "AWSPENDING", token)
    conn = connect(pending)
    if conn:
        conn.close()
        logger.info("setSecret: AWSPENDING of %s already logs in", arn)
        return
    current = get_secret_dict(service, arn, "AWSCURRENT")
    if superuser_of(current):
        master = json.loads(service.get_secret_value(SecretId=superuser_of(current))["SecretString"])
        master.setdefault("ssl", current.get("ssl", True))
        conn = connect(master)
        if not conn:
            raise ValueError("setSecret: the superuser secret of %s does not log in" % arn)
        exists = conn.run("SELECT 1 FROM pg_roles WHERE rolname = :name", name=pending["username"])
        if not exists:
            conn.run("CREATE ROLE %s WITH LOGIN IN ROLE %s" % (identifier(pending["username"]), identifier(current["username"])))
    else:
        conn = connect(current)
        if not conn:
            try:
                previous = get_secret_dict(service, arn, "AWSPREVIOUS")
            except service.exceptions.ResourceNotFoundException:
                previous = None
            conn = connect(previous) if previous else None
        if not conn:
            raise ValueError("setSecret: neither AWSCURRENT nor AWSPREVIOUS of %s logs in" % arn)
    try:
        conn.run("ALTER USER %s WITH PASSWORD %s" % (identifier(pending["username"]), literal(pending["password"])))
    finally:
        conn.close()
    logger.info("setSecret: set the AWSPENDING password of %s in the database", arn)


def test_secret(service, arn, token):
    pending = get_secret_dict(service, arn, "AWSPENDING", token)
    if ROTATION_KIND != "database":
        if not pending.get(VALUE_FIELD):
            raise ValueError("testSecret: AWSPENDING of %s has no %s" % (arn, VALUE_FIELD))
        return
    conn = connect(pending)
    if not conn:
        raise ValueError("testSecret: AWSPENDING of %s does not log in" % arn)
    try:
        conn.run("SELECT 1")
    finally:
        conn.close()
    logger.info("testSecret: AWSPENDING of %s logs in", arn)


def finish_secret(service, arn, token):
    metadata = service.describe_secret(SecretId=arn)
    current_version = None
    for version, stages in metadata["VersionIdsToStages"].items():
        if "AWSCURRENT" in stages:
            if version == token:
                logger.info("finishSecret: version %s is already AWSCURRENT for %s", version, arn)
                return
            current_version = version
            break
    service.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current_version
    )
    logger.info("finishSecret: AWSCURRENT of %s is now version %s", arn, token)
