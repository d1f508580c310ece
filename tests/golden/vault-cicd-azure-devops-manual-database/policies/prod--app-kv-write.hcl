path "secret/data/prod/app/database" {
  capabilities = ["create", "update"]
}

path "secret/metadata/prod/app/database" {
  capabilities = ["read"]
}
