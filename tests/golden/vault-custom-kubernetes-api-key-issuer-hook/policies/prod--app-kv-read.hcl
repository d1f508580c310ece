path "secret/data/prod/app/api-key" {
  capabilities = ["read"]
}
