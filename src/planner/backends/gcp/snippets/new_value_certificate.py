def retire_old_versions(client: secretmanager.SecretManagerServiceClient, env: Mapping[str, str]) -> None:
    """Disables every older version whose certificate has expired (created more than CERT_TTL_SECONDS
    ago: its overlap is over), and destroys it one rotation period later. Never touches "latest"."""
    now = datetime.now(timezone.utc)
    lifetime = timedelta(seconds=int(env["CERT_TTL_SECONDS"]))
    grace = timedelta(seconds=int(env["ROTATION_PERIOD_SECONDS"]))
    versions = sorted(client.list_secret_versions(parent=env["SECRET_NAME"]), key=lambda v: v.create_time, reverse=True)
    for version in versions[1:]:
        expired_at = version.create_time + lifetime
        if version.state == secretmanager.SecretVersion.State.ENABLED and expired_at <= now:
            client.disable_secret_version(name=version.name)
            print(f"disabled {version.name}: its certificate expired")
        elif version.state == secretmanager.SecretVersion.State.DISABLED and expired_at + grace <= now:
            client.destroy_secret_version(name=version.name)
            print(f"destroyed {version.name}: disabled since its certificate expired")


def new_value(client: secretmanager.SecretManagerServiceClient, env: Mapping[str, str], event_id: str) -> Dict[str, str]:
    """A new key and a certificate for it from the Certificate Authority Service pool."""
    if not event_id:
        raise ValueError("the Pub/Sub message has no messageId to key the certificate request on")
    retire_old_versions(client, env)
    key = ec.generate_private_key(ec.SECP256R1())
    names = [n for n in env["DNS_NAMES"].split(",") if n]
    ips = [n for n in env.get("IP_ADDRESSES", "").split(",") if n]
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    sans += [x509.IPAddress(ipaddress.ip_address(n)) for n in ips]
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, env["COMMON_NAME"])]))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .sign(key, hashes.SHA256())
    )
    ca = privateca_v1.CertificateAuthorityServiceClient()
    # One request ID per rotation event: CAS ignores a repeated request (for at least 60 minutes),
    # so a retried delivery cannot issue a second certificate. The certificate ID (required by the
    # Enterprise tier, ignored by DevOps) comes from the same ID.
    request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{env['SECRET_NAME']}/rotations/{event_id}"))
    issued = ca.create_certificate(
        request=privateca_v1.CreateCertificateRequest(
            parent=env["CA_POOL"],
            certificate=privateca_v1.Certificate(
                pem_csr=csr.public_bytes(serialization.Encoding.PEM).decode("ascii"),
                lifetime=timedelta(seconds=int(env["CERT_TTL_SECONDS"])),
            ),
            certificate_id=f"rotate-{request_id}",
            request_id=request_id,
        )
    )
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    ours = key.public_key().public_bytes(serialization.Encoding.PEM, public)
    theirs = x509.load_pem_x509_certificate(issued.pem_certificate.encode("ascii")).public_key().public_bytes(serialization.Encoding.PEM, public)
    if ours != theirs:
        # CAS answered with an earlier attempt's certificate, whose key was never stored.
        raise RuntimeError(f"CAS returned the certificate of an earlier attempt of request {request_id}: adding no version")
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    chain = "".join(issued.pem_certificate_chain)
    return {"certificate": issued.pem_certificate + chain, "private_key": key_pem}
