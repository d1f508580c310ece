path "secret/data/prod/app/api-key" {
  capabilities = ["create", "update"]
}

path "secret/metadata/prod/app/api-key" {
  capabilities = ["read", "patch"]
}
