path "secret/data/prod/app/certificate" {
  capabilities = ["create", "update"]
}

path "secret/metadata/prod/app/certificate" {
  capabilities = ["read"]
}
