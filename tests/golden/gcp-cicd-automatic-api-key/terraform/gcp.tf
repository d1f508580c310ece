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
  project   = "example-project"
  secret_id = "prod--app-api-key"
  labels = {
    app         = "app"
    environment = "prod"
    managed-by  = "secretsint"
  }

  replication {
    auto {}
  }

  rotation {
    next_rotation_time = timeadd(plantimestamp(), "7776000s")
    rotation_period    = "7776000s"
  }

  topics {
    name = google_pubsub_topic.rotation.id
  }

  depends_on = [google_pubsub_topic_iam_member.secretmanager_publisher]

  lifecycle {
    ignore_changes = [rotation[0].next_rotation_time]
  }
}

data "google_iam_workload_identity_pool" "ci" {
  project                   = "example-project"
  workload_identity_pool_id = "github-example-org-example-repo"
}

resource "google_secret_manager_secret_iam_member" "consumer" {
  project   = "example-project"
  secret_id = google_secret_manager_secret.secret.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "principalSet://iam.googleapis.com/${data.google_iam_workload_identity_pool.ci.name}/attribute.ref/refs/heads/main"
}

resource "google_pubsub_topic" "rotation" {
  project = "example-project"
  name    = "prod--app-api-key-rotation"
}

resource "google_pubsub_topic_iam_member" "secretmanager_publisher" {
  project = "example-project"
  topic   = google_pubsub_topic.rotation.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:service-123456789012@gcp-sa-secretmanager.iam.gserviceaccount.com"
}

resource "google_service_account" "rotator" {
  project      = "example-project"
  account_id   = "prod--app-rotator"
  display_name = "prod--app-api-key rotation"
  description  = "Reminds people to rotate prod--app-api-key on SECRET_ROTATE"
}

data "archive_file" "rotate" {
  type        = "zip"
  source_dir  = "${path.module}/../functions/rotate"
  output_path = "${path.module}/.build/rotate.zip"
}

resource "google_storage_bucket" "functions" {
  project                     = "example-project"
  name                        = "example-project-prod--app-functions"
  location                    = "US-CENTRAL1"
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
  project     = "example-project"
  name        = "prod--app-api-key-rotate"
  location    = "us-central1"
  description = "Reminds people to rotate prod--app-api-key on SECRET_ROTATE"

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
      SECRET_NAME     = "projects/example-project/secrets/prod--app-api-key"
      CREDENTIAL_TYPE = "api-key"
    }
  }

  event_trigger {
    trigger_region        = "us-central1"
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.rotation.id
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.rotator.email
  }
}

resource "google_cloud_run_v2_service_iam_member" "rotator_invoker" {
  project  = "example-project"
  location = "us-central1"
  name     = google_cloudfunctions2_function.rotate.name
  role     = "roles/run.invoker"
  member   = google_service_account.rotator.member
}
