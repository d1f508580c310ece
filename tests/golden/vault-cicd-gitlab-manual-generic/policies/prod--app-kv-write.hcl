path "secret/data/prod/app/config" {
  capabilities = ["create", "update"]
}

path "secret/metadata/prod/app/config" {
  capabilities = ["read"]
}
