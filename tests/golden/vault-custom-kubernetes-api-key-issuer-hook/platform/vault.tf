terraform {
  required_version = ">= 1.11"

  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = ">= 5.0"
    }
  }
}

variable "kubernetes_host" {
  type        = string
  description = "The Kubernetes API as Vault reaches it (the default: from inside the cluster)."
  default     = "https://kubernetes.default.svc"
}

resource "vault_mount" "kv" {
  path = "secret"
  type = "kv"
  options = {
    version = "2"
  }
  description = "Static secrets of every workload (KV version 2)"
}

resource "vault_mount" "database" {
  path        = "database"
  type        = "database"
  description = "Database credentials; workloads add connections and roles"
}

resource "vault_mount" "pki" {
  path                  = "pki"
  type                  = "pki"
  description           = "Certificates; workloads add roles"
  max_lease_ttl_seconds = 315360000
}

resource "vault_pki_secret_backend_root_cert" "platform" {
  backend              = vault_mount.pki.path
  type                 = "internal"
  common_name          = "Platform root CA"
  issuer_name          = "platform-root"
  key_name             = "platform-root"
  key_type             = "ec"
  key_bits             = 384
  ttl                  = "315360000"
  exclude_cn_from_sans = true
}

resource "vault_pki_secret_backend_config_issuers" "platform" {
  backend                       = vault_mount.pki.path
  default                       = vault_pki_secret_backend_root_cert.platform.issuer_id
  default_follows_latest_issuer = false
}

resource "vault_pki_secret_backend_config_urls" "platform" {
  backend                 = vault_mount.pki.path
  issuing_certificates    = ["https://vault.example.com:8200/v1/pki/ca"]
  crl_distribution_points = ["https://vault.example.com:8200/v1/pki/crl"]
}

resource "vault_auth_backend" "kubernetes" {
  type        = "kubernetes"
  path        = "kubernetes"
  description = "Service accounts of the Kubernetes cluster"
}

resource "vault_kubernetes_auth_backend_config" "kubernetes" {
  backend         = vault_auth_backend.kubernetes.path
  kubernetes_host = var.kubernetes_host
}

resource "vault_audit" "file" {
  type        = "file"
  path        = "file"
  description = "Every request and response"
  options = {
    file_path = "/var/log/vault/audit.log"
    mode      = "0600"
  }
}
