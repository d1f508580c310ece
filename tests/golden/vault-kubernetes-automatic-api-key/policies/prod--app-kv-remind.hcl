path "secret/metadata/prod/app/api-key" {
  capabilities = ["read"]
}
