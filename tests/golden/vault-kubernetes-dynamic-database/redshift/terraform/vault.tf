terraform {
  required_version = ">= 1.11"

  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = ">= 5.0"
    }
  }
}

variable "db_admin_username" {
  type        = string
  description = "Database user Vault connects as to manage redshift credentials."
  default     = "vault-admin"
}

variable "db_admin_password" {
  type        = string
  description = "Password of db_admin_username, sent to Vault once through the write-only password_wo (raise password_wo_version to send a new one); rotate it afterwards with the database/rotate-root endpoint."
  sensitive   = true
  ephemeral   = true
}

resource "vault_database_secret_backend_connection" "db" {
  backend           = "database"
  name              = "prod--app"
  allowed_roles     = ["prod--app"]
  verify_connection = true

  redshift {
    connection_url      = "postgresql://{{username}}:{{password}}@db.example.com:5439/app?sslmode=verify-full"
    username            = var.db_admin_username
    password_wo         = var.db_admin_password
    password_wo_version = 1
  }
}

resource "vault_database_secret_backend_role" "app" {
  backend               = "database"
  name                  = "prod--app"
  db_name               = vault_database_secret_backend_connection.db.name
  creation_statements   = ["CREATE USER \"{{name}}\" WITH PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';", "GRANT USAGE ON SCHEMA public TO \"{{name}}\";", "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{{name}}\";"]
  revocation_statements = ["REVOKE ALL ON ALL TABLES IN SCHEMA public FROM \"{{name}}\";", "REVOKE USAGE ON SCHEMA public FROM \"{{name}}\";", "DROP USER IF EXISTS \"{{name}}\";"]
  default_ttl           = 3600
  max_ttl               = 14400
}

resource "vault_policy" "db_creds" {
  name   = "prod--app-db-creds"
  policy = <<EOT
path "database/creds/prod--app" {
  capabilities = ["read"]
}
EOT
}

resource "vault_kubernetes_auth_backend_role" "app" {
  backend                          = "kubernetes"
  role_name                        = "prod--app"
  bound_service_account_names      = ["prod--app"]
  bound_service_account_namespaces = ["app"]
  audience                         = "vault"
  token_policies                   = [vault_policy.db_creds.name]
  token_ttl                        = 14400
  token_max_ttl                    = 14400
}
