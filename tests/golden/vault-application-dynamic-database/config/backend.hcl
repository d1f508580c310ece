vault {
  address = "https://vault.example.com:8200"
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"

    config {
      role_id_file_path                   = "/etc/vault-agent/role-id"
      secret_id_file_path                 = "/etc/vault-agent/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }
}

template_config {
  exit_on_retry_failure = true
}

template {
  destination          = "/run/secrets/app/credentials.json"
  perms                = "0600"
  error_on_missing_key = true
  contents             = "{{ with secret \"database/creds/prod--app\" }}{{ .Data | toJSON }}{{ end }}\n"
}
