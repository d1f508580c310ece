path "database/creds/prod--app" {
  capabilities = ["read"]
}
