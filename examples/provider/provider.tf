# The provider needs no credentials: it only computes. Both arguments are optional.
terraform {
  required_providers {
    secretsint = {
      source = "secretsint/secretsint"
    }
  }
}

provider "secretsint" {
  # Languages for integration code when a data source sets none.
  default_languages = ["python", "go"]

  # Turn every planner fallback into an error instead of a warning.
  strict = false
}
