path "secret/data/prod/app/config" {
  capabilities = ["read"]
}
