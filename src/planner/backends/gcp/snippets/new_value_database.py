IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,62}$")


def set_database_password(env: Mapping[str, str], admin: Mapping[str, str], username: str, password: str) -> None:
    """Changes the user's password as the admin; values are checked so the SQL literals cannot break."""
    if not IDENTIFIER.match(username) or not password.isalnum():
        raise ValueError("refusing an unexpected username or password shape")
    engine, host, port, database = env["DB_ENGINE"], env["DB_HOST"], int(env["DB_PORT"]), env["DB_NAME"]
    if engine in ("postgresql", "redshift"):
        conn = pg8000.native.Connection(
            user=admin["username"],
            password=admin["password"],
            host=host,
            port=port,
            database=database,
            ssl_context=ssl.create_default_context(),
        )
        try:
            # ALTER takes no bind parameters; both values were checked above.
            if engine == "postgresql":
                conn.run(f"ALTER ROLE \"{username}\" WITH PASSWORD '{password}'")
            else:
                conn.run(f"ALTER USER \"{username}\" PASSWORD '{password}'")
        finally:
            conn.close()
    elif engine == "mysql":
        db = pymysql.connect(
            host=host,
            port=port,
            user=admin["username"],
            password=admin["password"],
            database=database,
            ssl_verify_cert=True,
            ssl_verify_identity=True,
        )
        try:
            with db.cursor() as cursor:
                cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s", (username, password))
            db.commit()
        finally:
            db.close()
    else:
        raise RuntimeError(f"password changes for {engine} are not implemented: extend set_database_password")


def alternate_user(client: secretmanager.SecretManagerServiceClient, env: Mapping[str, str]) -> str:
    """The one of the two users that version "latest" does not hold: the user consumers are using
    keeps its password, and the other one gets the new password."""
    users = (env["DB_USERNAME"], env["DB_ALTERNATE_USERNAME"])
    try:
        latest = client.access_secret_version(name=f"{env['SECRET_NAME']}/versions/latest")
    except exceptions.NotFound:
        return users[0]
    current = json.loads(latest.payload.data.decode("utf-8")).get("username")
    if current not in users:
        raise ValueError(f"version latest holds a user this function does not alternate: expected {users[0]} or {users[1]}")
    return users[1] if current == users[0] else users[0]


def new_value(client: secretmanager.SecretManagerServiceClient, env: Mapping[str, str], event_id: str) -> Dict[str, str]:
    """Sets a new password on the other user first, so the version never holds an unset password and
    the previous version's user keeps working until the next rotation."""
    admin_version = client.access_secret_version(name=env["DB_ADMIN_SECRET_VERSION"])
    admin: Dict[str, str] = json.loads(admin_version.payload.data.decode("utf-8"))
    username = alternate_user(client, env)
    password = new_password(32)
    set_database_password(env, admin, username, password)
    return {"username": username, "password": password}
