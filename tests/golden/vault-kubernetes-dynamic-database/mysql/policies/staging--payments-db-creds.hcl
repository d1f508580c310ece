path "db/creds/staging--payments" {
  capabilities = ["read"]
}
