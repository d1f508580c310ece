path "secret/data/prod/app/certificate" {
  capabilities = ["read"]
}
