ALPHABET = string.ascii_letters + string.digits


def new_password(length: int = 32) -> str:
    """Random letters and digits with each class present; safe inside SQL string quotes."""
    while True:
        value = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(c.islower() for c in value) and any(c.isupper() for c in value) and any(c.isdigit() for c in value):
            return value


