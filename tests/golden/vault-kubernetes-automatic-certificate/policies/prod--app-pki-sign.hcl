path "pki/sign/prod--app" {
  capabilities = ["create", "update"]
}
