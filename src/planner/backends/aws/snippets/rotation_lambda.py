import json
import logging
import os
import re

import boto3

# Secrets Manager rotation function for {{text:SECRET_NAME}} ({{text:CREDENTIAL}}).
#
# Secrets Manager calls lambda_handler once per step: createSecret, setSecret, testSecret,
# finishSecret. The new version is staged AWSPENDING until finishSecret moves AWSCURRENT to it;
# Secrets Manager then labels the old version AWSPREVIOUS.
#
# Database secrets are JSON with engine, host, port, dbname, username and password (the AWS
# convention); engine is postgres or redshift (pg8000) or mysql or mariadb (PyMySQL).
# Alternating users: when the secret names a superuser secret in "masterarn", or
# SUPERUSER_SECRET_ID names one, that superuser switches between <username> and <username>_clone
# so the previous credential keeps working until the next rotation (on Redshift, which has no
# role inheritance, the clone joins the user's groups, as AWS's Redshift multi-user template
# does). Otherwise the user's own password changes, and the old one stops working at once.
# Connections use verified TLS (CA bundle in DB_CA_BUNDLE, else the system store) unless the
# secret sets "ssl": false. Other secrets get a new random "{{text:FIELD}}".

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ROTATION_KIND = os.environ.get("ROTATION_KIND", {{str:KIND}})
VALUE_FIELD = os.environ.get("VALUE_FIELD", {{str:FIELD}})
EXCLUDE_CHARACTERS = os.environ.get("EXCLUDE_CHARACTERS", "/@\"'\\`")
PASSWORD_LENGTH = int(os.environ.get("PASSWORD_LENGTH", "32"))
SUPERUSER_SECRET_ID = os.environ.get("SUPERUSER_SECRET_ID", "")
POSTGRES_ENGINES = ("postgres", "postgresql", "redshift")
MYSQL_ENGINES = ("mysql", "mariadb")


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
        if value["engine"] not in POSTGRES_ENGINES + MYSQL_ENGINES:
            raise ValueError("This function rotates PostgreSQL, Redshift, MySQL and MariaDB users, not %s" % value["engine"])
    return value


def new_password(service):
    # At least one upper, one lower, one digit (and one punctuation mark): Redshift refuses a
    # password without the first three.
    return service.get_random_password(
        PasswordLength=PASSWORD_LENGTH, ExcludeCharacters=EXCLUDE_CHARACTERS, RequireEachIncludedType=True
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


def is_mysql(secret):
    return secret["engine"] in MYSQL_ENGINES


def ssl_context(secret):
    import ssl

    # RDS and Aurora certificates chain to the RDS CAs, which are not in the default trust store:
    # ship global-bundle.pem in the zip and set DB_CA_BUNDLE to its path.
    return ssl.create_default_context(cafile=os.environ.get("DB_CA_BUNDLE")) if secret.get("ssl", True) else None


def connect(secret):
    """A connection as the secret's user, or None when the database refuses its login."""
    return connect_mysql(secret) if is_mysql(secret) else connect_postgres(secret)


def connect_postgres(secret):
    import pg8000.native

    try:
        return pg8000.native.Connection(
            user=secret["username"],
            password=secret["password"],
            host=secret["host"],
            port=int(secret.get("port", 5432)),
            database=secret.get("dbname", "postgres"),
            ssl_context=ssl_context(secret),
            timeout=5,
        )
    except pg8000.native.DatabaseError:
        return None
    except pg8000.native.InterfaceError:
        return None


def connect_mysql(secret):
    import pymysql

    context = ssl_context(secret)
    try:
        return pymysql.connect(
            user=secret["username"],
            password=secret["password"],
            host=secret["host"],
            port=int(secret.get("port", 3306)),
            database=secret.get("dbname") or None,
            ssl=context,
            ssl_disabled=context is None,
            connect_timeout=5,
            autocommit=True,
        )
    except pymysql.err.OperationalError:
        return None


def superuser_secret(service, current):
    """The superuser's secret; what it leaves out (a service-managed master secret holds only
    username and password) is the database of the rotated secret."""
    master = json.loads(service.get_secret_value(SecretId=superuser_of(current))["SecretString"])
    for key in ("engine", "host", "port", "dbname", "ssl"):
        if key in current:
            master.setdefault(key, current[key])
    return master


def set_secret(service, arn, token):
    if ROTATION_KIND != "database":
        logger.info("setSecret: %s holds no database user; nothing to set", arn)
        return
    pending = get_secret_dict(service, arn, "AWSPENDING", token)
    conn = connect(pending)
    if conn:
        conn.close()
        logger.info("setSecret: AWSPENDING of %s already logs in", arn)
        return
    current = get_secret_dict(service, arn, "AWSCURRENT")
    as_superuser = bool(superuser_of(current))
    if as_superuser:
        conn = connect(superuser_secret(service, current))
        if not conn:
            raise ValueError("setSecret: the superuser secret of %s does not log in" % arn)
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
        if is_mysql(pending):
            set_mysql_password(conn, current, pending, as_superuser)
        elif pending["engine"] == "redshift":
            set_redshift_password(conn, current, pending, as_superuser)
        else:
            set_postgres_password(conn, current, pending, as_superuser)
    finally:
        conn.close()
    logger.info("setSecret: set the AWSPENDING password of %s in the database", arn)


def set_postgres_password(conn, current, pending, as_superuser):
    from pg8000.native import identifier, literal

    if as_superuser:
        exists = conn.run("SELECT 1 FROM pg_roles WHERE rolname = :name", name=pending["username"])
        if not exists:
            # A member of the current user holds its privileges.
            conn.run("CREATE ROLE %s WITH LOGIN IN ROLE %s" % (identifier(pending["username"]), identifier(current["username"])))
    conn.run("ALTER USER %s WITH PASSWORD %s" % (identifier(pending["username"]), literal(pending["password"])))


# Redshift user names: letters, digits and _ $ . @ + - (up to 127 bytes); passwords: 8 to 64
# printable ASCII characters without ' " \ / @ or a space, with an upper, a lower and a digit. The
# statements quote both anyway; the checks keep a surprising value out of the SQL altogether.
REDSHIFT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$.@+-]{0,126}")
REDSHIFT_PASSWORD = re.compile(r"[!#-&(-.0-?A-\[\]-~]{8,64}")


def checked_redshift_name(name):
    if not REDSHIFT_NAME.fullmatch(name):
        raise ValueError("%r is not a Redshift user or group name this function will quote" % name)
    return name


def check_redshift_password(password):
    if not (
        REDSHIFT_PASSWORD.fullmatch(password)
        and any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
    ):
        raise ValueError("the new password breaks Redshift's rules (8-64 characters, upper, lower and digit, no ' \" \\ / @)")


def set_redshift_password(conn, current, pending, as_superuser):
    """Redshift has no CREATE ROLE ... IN ROLE: the clone is a user of its own that joins every
    group of the current user (AWS's SecretsManagerRedshiftRotationMultiUser does the same)."""
    from pg8000.native import identifier, literal

    user = identifier(checked_redshift_name(pending["username"]))
    check_redshift_password(pending["password"])
    password = literal(pending["password"])
    if as_superuser:
        exists = conn.run("SELECT 1 FROM pg_user WHERE usename = :name", name=pending["username"])
        if not exists:
            conn.run("CREATE USER %s PASSWORD %s" % (user, password))
            groups = conn.run(
                "SELECT groname FROM pg_group WHERE (SELECT usesysid FROM pg_user WHERE usename = :name) = ANY(grolist)",
                name=checked_redshift_name(current["username"]),
            )
            for (group,) in groups:
                conn.run("ALTER GROUP %s ADD USER %s" % (identifier(checked_redshift_name(group)), user))
    conn.run("ALTER USER %s PASSWORD %s" % (user, password))


def set_mysql_password(conn, current, pending, as_superuser):
    # PyMySQL quotes every %s argument as a string literal, which MySQL accepts as a user name.
    with conn.cursor() as cur:
        if not as_superuser:
            # A user may always change its own password; MariaDB still has PASSWORD(), MySQL 8 not.
            cur.execute("SELECT VERSION()")
            mariadb = "mariadb" in cur.fetchone()[0].lower()
            cur.execute("SET PASSWORD = PASSWORD(%s)" if mariadb else "SET PASSWORD = %s", (pending["password"],))
            return
        cur.execute("SELECT 1 FROM mysql.user WHERE User = %s AND Host = '%%'", (pending["username"],))
        if not cur.fetchone():
            # The clone gets every grant of the current user: each SHOW GRANTS line up to its grantee.
            cur.execute("CREATE USER %s@'%%' IDENTIFIED BY %s", (pending["username"], pending["password"]))
            cur.execute("SHOW GRANTS FOR %s@'%%'", (current["username"],))
            for (grant,) in cur.fetchall():
                head = grant.rsplit(" TO ", 1)[0].replace("%", "%%")
                option = " WITH GRANT OPTION" if grant.endswith(" WITH GRANT OPTION") else ""
                cur.execute(head + " TO %s@'%%'" + option, (pending["username"],))
        cur.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (pending["username"], pending["password"]))


def test_secret(service, arn, token):
    pending = get_secret_dict(service, arn, "AWSPENDING", token)
    if ROTATION_KIND != "database":
        if not pending.get(VALUE_FIELD):
            raise ValueError("testSecret: AWSPENDING of %s has no %s" % (arn, VALUE_FIELD))
        return
    test_database_login(arn, pending)


def test_database_login(arn, pending):
    conn = connect(pending)
    if not conn:
        raise ValueError("testSecret: AWSPENDING of %s does not log in" % arn)
    try:
        if is_mysql(pending):
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
        else:
            conn.run("SELECT 1")
    finally:
        conn.close()
    logger.info("testSecret: AWSPENDING of %s logs in", arn)


# {{code:FINISH_SECRET}}
