def new_value(client: secretmanager.SecretManagerServiceClient, env: Mapping[str, str], event_id: str) -> Dict[str, str]:
    """A new key and a certificate for it from the Certificate Authority Service pool."""
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
    # The message ID makes the request ID stable, so a retried delivery cannot issue twice.
    certificate_id = re.sub(r"[^a-z0-9-]", "-", f"rotate-{event_id}".lower())[:63]
    issued = ca.create_certificate(
        parent=env["CA_POOL"],
        certificate=privateca_v1.Certificate(
            pem_csr=csr.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            lifetime=timedelta(seconds=int(env["CERT_TTL_SECONDS"])),
        ),
        certificate_id=certificate_id,
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")
    chain = "".join(issued.pem_certificate_chain)
    return {"certificate": issued.pem_certificate + chain, "private_key": key_pem}
