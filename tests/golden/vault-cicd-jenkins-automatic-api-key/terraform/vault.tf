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

resource "vault_policy" "reminder" {
  name   = "prod--app-kv-remind"
  policy = <<EOT
path "secret/metadata/prod/app/api-key" {
  capabilities = ["read"]
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

resource "vault_jwt_auth_backend_role" "app" {
  backend           = "jwt-jenkins"
  role_name         = "prod--app"
  role_type         = "jwt"
  user_claim        = "sub"
  bound_audiences   = ["https://vault.example.com:8200"]
  bound_claims_type = "string"
  bound_claims = {
    sub = "https://jenkins.example.com/job/app/"
  }
  token_policies = [vault_policy.consumer.name]
  token_ttl      = 900
  token_max_ttl  = 900
}

resource "vault_jwt_auth_backend_role" "rotator" {
  backend           = "jwt-jenkins"
  role_name         = "prod--app-rotator"
  role_type         = "jwt"
  user_claim        = "sub"
  bound_audiences   = ["https://vault.example.com:8200"]
  bound_claims_type = "string"
  bound_claims = {
    sub = "https://jenkins.example.com/job/app-rotate/"
  }
  token_policies = [vault_policy.reminder.name]
  token_ttl      = 900
  token_max_ttl  = 900
}
