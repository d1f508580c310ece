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
  name   = "prod--app-db-creds"
  policy = <<EOT
path "database/creds/prod--app" {
  capabilities = ["read"]
}
EOT
}

variable "db_admin_username" {
  type        = string
  description = "Database user Vault connects as to manage postgresql credentials."
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

  postgresql {
    connection_url      = "postgresql://{{username}}:{{password}}@db.example.com:5432/app?sslmode=verify-full"
    username            = var.db_admin_username
    password_wo         = var.db_admin_password
    password_wo_version = 1
  }
}

resource "vault_database_secret_backend_role" "app" {
  backend               = "database"
  name                  = "prod--app"
  db_name               = vault_database_secret_backend_connection.db.name
  creation_statements   = ["CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';", "GRANT CONNECT ON DATABASE \"app\" TO \"{{name}}\";", "GRANT USAGE ON SCHEMA public TO \"{{name}}\";", "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{{name}}\";", "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \"{{name}}\";"]
  revocation_statements = ["REVOKE ALL PRIVILEGES ON ALL TABLES IN SCHEMA public FROM \"{{name}}\";", "REVOKE ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public FROM \"{{name}}\";", "REVOKE USAGE ON SCHEMA public FROM \"{{name}}\";", "REVOKE CONNECT ON DATABASE \"app\" FROM \"{{name}}\";", "DROP ROLE IF EXISTS \"{{name}}\";"]
  default_ttl           = 3600
  max_ttl               = 14400
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
  token_ttl      = 14400
  token_max_ttl  = 14400
}
