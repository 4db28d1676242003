# The two Cloud Functions (gen2) built from the zips `make package` writes, with their
# sources in a private bucket under content-addressed names (a changed zip is a new
# object, which rebuilds and redeploys the function; an unchanged one is a no-op).

locals {
  secret_mount_path = "/etc/secrets/mentionfleet"
  secret_file       = "database-url"
  database_url_file = "${local.secret_mount_path}/${local.secret_file}"

  # Connections the fleet can hold at its peak: every instance of each function with a
  # full pool. Checked against the database's max_connections before anything deploys.
  scorer_connections      = var.scorer.max_instances * var.scorer.pool_max
  fanout_connections      = var.fanout.max_instances * var.fanout.pool_max
  fleet_connections       = local.scorer_connections + local.fanout_connections
  connection_budget       = var.db_max_connections - var.db_reserved_connections
  connection_budget_error = "Connection budget exceeded: scorer ${var.scorer.max_instances} instances x pool ${var.scorer.pool_max} + fanout ${var.fanout.max_instances} x ${var.fanout.pool_max} = ${local.fleet_connections} connections, but max_connections ${var.db_max_connections} - ${var.db_reserved_connections} reserved leaves ${local.connection_budget}. Lower scorer_max_instances or scorer_pg_pool_max, or raise sql_max_connections."

  functions = {
    fanout = {
      entry_point = "fanout"
      description = "mention-fleet fanout: finds the day's events, records the run, publishes one message per batch."
      zip         = var.fanout_zip
    }
    scorer = {
      entry_point = "score_batch"
      description = "mention-fleet scorer: scores one batch pushed by the batch subscription and upserts the scores."
      zip         = var.scorer_zip
    }
  }
}

# ---------------------------------------------------------------------------------------
# Sources and images
# ---------------------------------------------------------------------------------------

resource "google_storage_bucket" "sources" {
  # checkov:skip=CKV_GCP_62: The bucket holds only build inputs that Terraform writes and Cloud Build reads. Bucket and IAM changes are in the Admin Activity audit logs; object reads belong in Data Access audit logs for Cloud Storage, set project- or org-wide, not in a usage-log bucket that would itself need this exemption.
  project                     = var.project_id
  name                        = "${var.project_id}-${var.name}-function-sources"
  location                    = var.region
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false
  labels                      = var.labels

  versioning {
    enabled = true
  }

  # Objects are content-addressed and never overwritten; drop any replaced copies.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
}

resource "google_storage_bucket_object" "source" {
  for_each = local.functions

  bucket       = google_storage_bucket.sources.name
  name         = "${each.key}/${each.key}-${filesha256(each.value.zip)}.zip"
  source       = each.value.zip
  content_type = "application/zip"
}

resource "google_artifact_registry_repository" "images" {
  # checkov:skip=CKV_GCP_84: The images hold only the open-source function code and its public dependencies, no data; Google-managed encryption at rest applies and a customer key would protect nothing confidential.
  project       = var.project_id
  location      = var.region
  repository_id = "${var.name}-functions"
  description   = "Images Cloud Build makes from the mention-fleet function sources."
  format        = "DOCKER"
  labels        = var.labels

  cleanup_policy_dry_run = false

  cleanup_policies {
    id     = "keep-recent"
    action = "KEEP"

    most_recent_versions {
      keep_count = 10
    }
  }

  cleanup_policies {
    id     = "delete-old"
    action = "DELETE"

    condition {
      older_than = "2592000s" # 30 days
    }
  }
}

# The build identity reads the sources and pushes images, nothing more.
resource "google_storage_bucket_iam_member" "build_reads_sources" {
  bucket = google_storage_bucket.sources.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${var.build_sa_email}"
}

resource "google_artifact_registry_repository_iam_member" "build_pushes_images" {
  project    = var.project_id
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  member     = "serviceAccount:${var.build_sa_email}"
}

# ---------------------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------------------

resource "google_cloudfunctions2_function" "fanout" {
  project     = var.project_id
  location    = var.region
  name        = "${var.name}-fanout"
  description = local.functions.fanout.description
  labels      = var.labels

  build_config {
    runtime           = var.runtime
    entry_point       = local.functions.fanout.entry_point
    service_account   = var.build_sa_id
    docker_repository = google_artifact_registry_repository.images.id

    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.source["fanout"].name
      }
    }
  }

  service_config {
    available_memory                 = var.fanout.memory
    available_cpu                    = var.fanout.cpu
    timeout_seconds                  = var.fanout.timeout
    max_instance_count               = var.fanout.max_instances
    min_instance_count               = var.fanout.min_instances
    max_instance_request_concurrency = var.fanout.concurrency

    # Its own identity: BigQuery reader, ledger writer, publisher on the batch topic.
    service_account_email = var.fanout_sa

    # Not publicly invokable: internal ingress only (Cloud Scheduler in this project
    # counts as internal), and run.invoker is granted to the scheduler's account alone.
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true

    # Private ranges (Cloud SQL) through the VPC; Google APIs directly.
    vpc_connector                 = var.vpc_connector
    vpc_connector_egress_settings = "PRIVATE_RANGES_ONLY"

    # Configuration only: the database URL is not among these, it is a mounted secret.
    environment_variables = merge(var.environment, {
      MENTIONFLEET_PG_POOL_MIN = tostring(var.fanout.pool_min)
      MENTIONFLEET_PG_POOL_MAX = tostring(var.fanout.pool_max)
      DATABASE_URL_FILE        = local.database_url_file
    })

    secret_volumes {
      mount_path = local.secret_mount_path
      project_id = var.project_id
      secret     = var.database_url_secret_id

      versions {
        # A pinned version: rotating the secret is a new version, hence a redeploy.
        version = var.database_url_secret_version
        path    = local.secret_file
      }
    }
  }

  lifecycle {
    precondition {
      condition     = local.fleet_connections < local.connection_budget
      error_message = local.connection_budget_error
    }
    precondition {
      condition     = var.fanout.pool_min <= var.fanout.pool_max
      error_message = "fanout: MENTIONFLEET_PG_POOL_MIN exceeds MENTIONFLEET_PG_POOL_MAX."
    }
    precondition {
      condition     = var.fanout.concurrency == 1 || tonumber(var.fanout.cpu) >= 1
      error_message = "fanout: concurrency above 1 needs at least 1 vCPU."
    }
    precondition {
      condition     = var.fanout.min_instances <= var.fanout.max_instances
      error_message = "fanout: min instances exceed max instances."
    }
  }

  depends_on = [
    google_storage_bucket_iam_member.build_reads_sources,
    google_artifact_registry_repository_iam_member.build_pushes_images,
  ]
}

resource "google_cloudfunctions2_function" "scorer" {
  project     = var.project_id
  location    = var.region
  name        = "${var.name}-scorer"
  description = local.functions.scorer.description
  labels      = var.labels

  build_config {
    runtime           = var.runtime
    entry_point       = local.functions.scorer.entry_point
    service_account   = var.build_sa_id
    docker_repository = google_artifact_registry_repository.images.id

    source {
      storage_source {
        bucket = google_storage_bucket.sources.name
        object = google_storage_bucket_object.source["scorer"].name
      }
    }
  }

  # No event_trigger: the batch topic reaches the scorer through an explicit push
  # subscription (modules/pubsub) that carries the retry and dead-letter policies an
  # Eventarc-managed subscription cannot take from Terraform. The functions framework
  # turns the push envelope into the CloudEvent `score_batch` expects.
  service_config {
    available_memory                 = var.scorer.memory
    available_cpu                    = var.scorer.cpu
    timeout_seconds                  = var.scorer.timeout
    max_instance_count               = var.scorer.max_instances
    min_instance_count               = var.scorer.min_instances
    max_instance_request_concurrency = var.scorer.concurrency

    # Its own identity: BigQuery reader, score writer, publisher on the dead-letter topic.
    service_account_email = var.scorer_sa

    # Internal ingress (Pub/Sub push in this project counts as internal); run.invoker
    # is granted to the push identity alone.
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true

    vpc_connector                 = var.vpc_connector
    vpc_connector_egress_settings = "PRIVATE_RANGES_ONLY"

    environment_variables = merge(var.environment, {
      MENTIONFLEET_PG_POOL_MIN = tostring(var.scorer.pool_min)
      MENTIONFLEET_PG_POOL_MAX = tostring(var.scorer.pool_max)
      DATABASE_URL_FILE        = local.database_url_file
    })

    secret_volumes {
      mount_path = local.secret_mount_path
      project_id = var.project_id
      secret     = var.database_url_secret_id

      versions {
        version = var.database_url_secret_version
        path    = local.secret_file
      }
    }
  }

  lifecycle {
    # The connection budget: every scorer instance with a full pool, plus the fanout,
    # must fit in what PostgreSQL accepts, or scorers fail with "too many clients"
    # exactly when the fleet is busiest.
    precondition {
      condition     = local.fleet_connections < local.connection_budget
      error_message = local.connection_budget_error
    }
    precondition {
      condition     = var.scorer.pool_min <= var.scorer.pool_max
      error_message = "scorer: MENTIONFLEET_PG_POOL_MIN exceeds MENTIONFLEET_PG_POOL_MAX."
    }
    precondition {
      condition     = var.scorer.concurrency == 1 || tonumber(var.scorer.cpu) >= 1
      error_message = "scorer: concurrency above 1 needs at least 1 vCPU."
    }
    precondition {
      condition     = var.scorer.min_instances <= var.scorer.max_instances
      error_message = "scorer: min instances exceed max instances."
    }
  }

  depends_on = [
    google_storage_bucket_iam_member.build_reads_sources,
    google_artifact_registry_repository_iam_member.build_pushes_images,
  ]
}

# ---------------------------------------------------------------------------------------
# Who may invoke what: one caller per function, on the function's Cloud Run service.
# ---------------------------------------------------------------------------------------

resource "google_cloud_run_service_iam_member" "scheduler_invokes_fanout" {
  project  = var.project_id
  location = google_cloudfunctions2_function.fanout.location
  service  = google_cloudfunctions2_function.fanout.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${var.scheduler_sa}"
}

resource "google_cloud_run_service_iam_member" "push_invokes_scorer" {
  project  = var.project_id
  location = google_cloudfunctions2_function.scorer.location
  service  = google_cloudfunctions2_function.scorer.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${var.push_sa}"
}
