terraform {
  required_version = ">= 1.11"

  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = ">= 5.0"
    }
  }
}

resource "vault_policy" "consumer" {
  name   = "prod--app-kv-read"
  policy = <<EOT
path "secret/data/prod/app/api-key" {
  capabilities = ["read"]
}
EOT
}

resource "vault_policy" "hook" {
  name   = "prod--app-kv-hook"
  policy = <<EOT
path "secret/data/prod/app/api-key" {
  capabilities = ["create", "read", "update"]
}

path "secret/metadata/prod/app/api-key" {
  capabilities = ["read", "patch"]
}
EOT
}

resource "vault_policy" "writer" {
  name   = "prod--app-kv-write"
  policy = <<EOT
path "secret/data/prod/app/api-key" {
  capabilities = ["create", "update"]
}

path "secret/metadata/prod/app/api-key" {
  capabilities = ["read", "patch"]
}
EOT
}

resource "vault_generic_endpoint" "kv_metadata" {
  path                 = "secret/metadata/prod/app/api-key"
  data_json            = "{\"max_versions\":10,\"delete_version_after\":\"8760h\"}"
  ignore_absent_fields = true
  disable_delete       = true
}

resource "vault_kubernetes_auth_backend_role" "app" {
  backend                          = "kubernetes"
  role_name                        = "prod--app"
  bound_service_account_names      = ["prod--app"]
  bound_service_account_namespaces = ["app"]
  audience                         = "vault"
  token_policies                   = [vault_policy.consumer.name]
  token_ttl                        = 3600
  token_max_ttl                    = 3600
}

resource "vault_kubernetes_auth_backend_role" "rotator" {
  backend                          = "kubernetes"
  role_name                        = "prod--app-rotator"
  bound_service_account_names      = ["prod--app-rotator"]
  bound_service_account_namespaces = ["app"]
  audience                         = "vault"
  token_policies                   = [vault_policy.hook.name]
  token_ttl                        = 900
  token_max_ttl                    = 900
}
