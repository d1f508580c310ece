path "pki/issue/prod--app" {
  capabilities = ["create", "update"]
}
