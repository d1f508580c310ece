path "database/static-creds/prod-app" {
  capabilities = ["read"]
}
