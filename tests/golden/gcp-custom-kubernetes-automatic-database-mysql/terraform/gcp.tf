terraform {
  required_version = ">= 1.5"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.50"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.4"
    }
  }
}

resource "google_secret_manager_secret" "secret" {
  project   = "acme-payments-prod"
  secret_id = "staging--payments-ledger-reconciliation-service-database"
  labels = {
    app         = "payments-ledger-reconciliation-service"
    environment = "staging"
    managed-by  = "secretsint"
  }

  replication {
    user_managed {
      replicas {
        location = "europe-west4"
      }
    }
  }

  rotation {
    next_rotation_time = timeadd(plantimestamp(), "43200s")
    rotation_period    = "43200s"
  }

  topics {
    name = google_pubsub_topic.rotation.id
  }

  depends_on = [google_pubsub_topic_iam_member.secretmanager_publisher]

  lifecycle {
    ignore_changes = [rotation[0].next_rotation_time]
  }
}

resource "google_secret_manager_secret_iam_member" "consumer" {
  project   = "acme-payments-prod"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "principal://iam.googleapis.com/projects/987654321098/locations/global/workloadIdentityPools/acme-payments-prod.svc.id.goog/subject/ns/payments/sa/ledger"
}

resource "google_pubsub_topic" "rotation" {
  project = "acme-payments-prod"
  name    = "staging--payments-ledger-reconciliation-service-database-rotation"
}

resource "google_pubsub_topic_iam_member" "secretmanager_publisher" {
  project = "acme-payments-prod"
  topic   = google_pubsub_topic.rotation.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:service-987654321098@gcp-sa-secretmanager.iam.gserviceaccount.com"
}

resource "google_service_account" "rotator" {
  project      = "acme-payments-prod"
  account_id   = "staging--payments-led-aa56f438"
  display_name = "staging--payments-ledger-reconciliation-service-database rotation"
  description  = "Adds versions to staging--payments-ledger-reconciliation-service-database on SECRET_ROTATE"
}

resource "google_secret_manager_secret_iam_member" "rotator_version_adder" {
  project   = "acme-payments-prod"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretVersionAdder"
  member    = google_service_account.rotator.member
}

resource "google_secret_manager_secret_iam_member" "rotator_viewer" {
  project   = "acme-payments-prod"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.viewer"
  member    = google_service_account.rotator.member
}

resource "google_secret_manager_secret_iam_member" "rotator_accessor" {
  project   = "acme-payments-prod"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.rotator.member
}

resource "google_secret_manager_secret" "database_admin" {
  project   = "acme-payments-prod"
  secret_id = "staging--payments-ledger-reconciliation-service-database-admin"
  labels = {
    app         = "payments-ledger-reconciliation-service"
    environment = "staging"
    managed-by  = "secretsint"
  }

  replication {
    user_managed {
      replicas {
        location = "europe-west4"
      }
    }
  }
}

resource "google_secret_manager_secret_iam_member" "rotator_admin_accessor" {
  project   = "acme-payments-prod"
  secret_id = google_secret_manager_secret.database_admin.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.rotator.member
}

data "archive_file" "rotate" {
  type        = "zip"
  source_dir  = "${path.module}/../functions/rotate"
  output_path = "${path.module}/.build/rotate.zip"
}

resource "google_storage_bucket" "functions" {
  project                     = "acme-payments-prod"
  name                        = "acme-payments-prod-staging--payments-ledger-reconcilia-f19e7814"
  location                    = "EUROPE-WEST4"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
    }

    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket_object" "rotate" {
  bucket = google_storage_bucket.functions.name
  name   = "rotate-${data.archive_file.rotate.output_md5}.zip"
  source = data.archive_file.rotate.output_path
}

resource "google_cloudfunctions2_function" "rotate" {
  project     = "acme-payments-prod"
  name        = "staging--payments-ledger-reconciliation-service-database-rotate"
  location    = "europe-west4"
  description = "Adds a version to staging--payments-ledger-reconciliation-service-database on SECRET_ROTATE"

  build_config {
    runtime     = "python313"
    entry_point = "rotate"

    source {
      storage_source {
        bucket = google_storage_bucket.functions.name
        object = google_storage_bucket_object.rotate.name
      }
    }
  }

  service_config {
    max_instance_count             = 1
    available_memory               = "256M"
    timeout_seconds                = 120
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.rotator.email
    environment_variables = {
      SECRET_NAME             = "projects/acme-payments-prod/secrets/staging--payments-ledger-reconciliation-service-database"
      CREDENTIAL_TYPE         = "database"
      DB_ENGINE               = "mysql"
      DB_HOST                 = "mysql.example.com"
      DB_PORT                 = "3306"
      DB_NAME                 = "payments-ledger-reconciliation-service"
      DB_USERNAME             = "staging--payments-ledger-reconciliation-service"
      DB_ALTERNATE_USERNAME   = "staging--payments-ledger-reconciliation-service_clone"
      DB_ADMIN_SECRET_VERSION = "projects/acme-payments-prod/secrets/staging--payments-ledger-reconciliation-service-database-admin/versions/latest"
    }
  }

  event_trigger {
    trigger_region        = "europe-west4"
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.rotation.id
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.rotator.email
  }
}

resource "google_cloud_run_v2_service_iam_member" "rotator_invoker" {
  project  = "acme-payments-prod"
  location = "europe-west4"
  name     = google_cloudfunctions2_function.rotate.name
  role     = "roles/run.invoker"
  member   = google_service_account.rotator.member
}
