path "secret/data/prod/app/database" {
  capabilities = ["read"]
}
