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
  description = "Database user Vault connects as to manage mysql credentials."
  default     = "vault-admin"
}

variable "db_admin_password" {
  type        = string
  description = "Password of db_admin_username, sent to Vault once through the write-only password_wo (raise password_wo_version to send a new one); rotate it afterwards with the database/rotate-root endpoint."
  sensitive   = true
  ephemeral   = true
}

resource "vault_database_secret_backend_connection" "db" {
  namespace         = "team-a"
  backend           = "db"
  name              = "staging--payments"
  allowed_roles     = ["staging--payments"]
  verify_connection = true

  mysql {
    connection_url      = "{{username}}:{{password}}@tcp(mysql.example.com:3306)/payments_db?tls=true"
    username            = var.db_admin_username
    password_wo         = var.db_admin_password
    password_wo_version = 1
  }
}

resource "vault_database_secret_backend_role" "app" {
  namespace             = "team-a"
  backend               = "db"
  name                  = "staging--payments"
  db_name               = vault_database_secret_backend_connection.db.name
  creation_statements   = ["CREATE USER '{{name}}'@'%' IDENTIFIED BY '{{password}}';", "GRANT SELECT, INSERT, UPDATE, DELETE ON `payments_db`.* TO '{{name}}'@'%';"]
  revocation_statements = ["REVOKE ALL PRIVILEGES, GRANT OPTION FROM '{{name}}'@'%';", "DROP USER IF EXISTS '{{name}}'@'%';"]
  default_ttl           = 7200
  max_ttl               = 28800
}

resource "vault_policy" "db_creds" {
  namespace = "team-a"
  name      = "staging--payments-db-creds"
  policy    = <<EOT
path "db/creds/staging--payments" {
  capabilities = ["read"]
}
EOT
}

resource "vault_kubernetes_auth_backend_role" "app" {
  namespace                        = "team-a"
  backend                          = "k8s-staging"
  role_name                        = "staging--payments"
  bound_service_account_names      = ["payments-api"]
  bound_service_account_namespaces = ["payments-ns"]
  audience                         = "vault"
  token_policies                   = [vault_policy.db_creds.name]
  token_ttl                        = 28800
  token_max_ttl                    = 28800
}
