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
  name   = "prod--app-pki-sign"
  policy = <<EOT
path "pki/sign/prod--app" {
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

resource "vault_kubernetes_auth_backend_role" "app" {
  backend                          = "kubernetes"
  role_name                        = "prod--app"
  bound_service_account_names      = ["prod--app"]
  bound_service_account_namespaces = ["app"]
  audience                         = "vault"
  token_policies                   = []
  token_ttl                        = 3600
  token_max_ttl                    = 3600
}

resource "vault_kubernetes_auth_backend_role" "cert_manager" {
  backend                          = "kubernetes"
  role_name                        = "prod--app-cert-manager"
  bound_service_account_names      = ["prod--app-cert-manager"]
  bound_service_account_namespaces = ["app"]
  audience                         = "vault"
  token_policies                   = [vault_policy.consumer.name]
  token_ttl                        = 3600
  token_max_ttl                    = 3600
}
