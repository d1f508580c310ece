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
  name   = "prod--app-pki-issue"
  policy = <<EOT
path "pki/issue/prod--app" {
  capabilities = ["create", "update"]
}
EOT
}

resource "vault_pki_secret_backend_role" "app" {
  backend                     = "pki"
  name                        = "prod--app"
  allowed_domains             = ["app.prod.example.com"]
  allow_bare_domains          = true
  allow_localhost             = false
  allow_subdomains            = false
  allow_glob_domains          = false
  allow_wildcard_certificates = false
  allow_ip_sans               = false
  enforce_hostnames           = true
  server_flag                 = true
  client_flag                 = false
  require_cn                  = true
  key_type                    = "ec"
  key_bits                    = 256
  key_usage                   = ["DigitalSignature"]
  ext_key_usage               = ["ServerAuth"]
  ttl                         = 3600
  max_ttl                     = 3600
  no_store                    = true
}

resource "vault_jwt_auth_backend_role" "app" {
  backend           = "jwt"
  role_name         = "prod--app"
  role_type         = "jwt"
  user_claim        = "project_path"
  bound_audiences   = ["https://vault.example.com:8200"]
  bound_claims_type = "string"
  bound_claims = {
    namespace_id  = "123456"
    project_id    = "456789"
    project_path  = "example-org/example-repo"
    ref           = "main"
    ref_type      = "branch"
    ref_protected = "true"
  }
  token_policies = [vault_policy.consumer.name]
  token_ttl      = 900
  token_max_ttl  = 900
}
