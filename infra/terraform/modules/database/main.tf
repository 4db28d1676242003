# PostgreSQL for the run ledger and the scores: a private-IP Cloud SQL instance (or an
# existing one), the fleet's database and role, and the connection URL as a Secret
# Manager secret that the functions mount as a file (DATABASE_URL_FILE).

locals {
  instance_name = var.create_instance ? google_sql_database_instance.this[0].name : data.google_sql_database_instance.existing[0].name
  private_ip    = var.create_instance ? google_sql_database_instance.this[0].private_ip_address : data.google_sql_database_instance.existing[0].private_ip_address
}

resource "google_sql_database_instance" "this" {
  # checkov:skip=CKV_GCP_6: SSL is required: ssl_mode ENCRYPTED_ONLY refuses every unencrypted connection and the URL says sslmode=require. The check also demands client certificates (TRUSTED_CLIENT_CERTIFICATE_REQUIRED), a second per-instance credential the functions have no use for: they authenticate with the Secret Manager password, over a private IP that only the VPC connector reaches.
  # checkov:skip=CKV2_GCP_13: log_duration logs one line per statement; the scorers run thousands of short upserts per run, so it would flood Cloud Logging (cost, noise) without insight. Slow statements are found with Query Insights, which is on.
  count = var.create_instance ? 1 : 0

  project             = var.project_id
  name                = "${var.name}-pg"
  region              = var.region
  database_version    = var.database_version
  deletion_protection = var.deletion_protection

  settings {
    tier                        = var.tier
    edition                     = var.edition
    availability_type           = var.availability_type
    disk_type                   = "PD_SSD"
    disk_size                   = var.disk_size_gb
    disk_autoresize             = true
    deletion_protection_enabled = var.deletion_protection
    user_labels                 = var.labels

    ip_configuration {
      # Private IP only, reachable from the functions through the VPC connector.
      ipv4_enabled                                  = false
      private_network                               = var.network_id
      enable_private_path_for_google_cloud_services = true
      ssl_mode                                      = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = true
      start_time                     = var.backup_start_time
      point_in_time_recovery_enabled = true
      transaction_log_retention_days = var.transaction_log_retention_days

      backup_retention_settings {
        retained_backups = var.backup_retained_count
        retention_unit   = "COUNT"
      }
    }

    maintenance_window {
      day          = var.maintenance_day
      hour         = var.maintenance_hour
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = true
      query_string_length     = 1024
      record_application_tags = false
      record_client_address   = false
    }

    # Set explicitly: the connection budget (max instances x pool size) is checked
    # against this value before the functions are deployed.
    database_flags {
      name  = "max_connections"
      value = tostring(var.max_connections)
    }

    # Audit and diagnostics logging (CIS PostgreSQL benchmark for Cloud SQL).
    database_flags {
      name  = "log_checkpoints"
      value = "on"
    }
    database_flags {
      name  = "log_connections"
      value = "on"
    }
    database_flags {
      name  = "log_disconnections"
      value = "on"
    }
    database_flags {
      name  = "log_lock_waits"
      value = "on"
    }
    database_flags {
      name  = "log_hostname"
      value = "on"
    }
    database_flags {
      name  = "log_min_messages"
      value = "warning"
    }
    database_flags {
      name  = "log_min_error_statement"
      value = "error"
    }
    database_flags {
      name  = "log_min_duration_statement"
      value = "-1"
    }
    database_flags {
      name  = "log_statement"
      value = "ddl"
    }
    database_flags {
      name  = "log_temp_files"
      value = "0"
    }
    database_flags {
      name  = "log_executor_stats"
      value = "off"
    }
    database_flags {
      name  = "log_parser_stats"
      value = "off"
    }
    database_flags {
      name  = "log_planner_stats"
      value = "off"
    }
    database_flags {
      name  = "log_statement_stats"
      value = "off"
    }
    database_flags {
      name  = "cloudsql.enable_pgaudit"
      value = "on"
    }
    database_flags {
      name  = "pgaudit.log"
      value = "ddl"
    }
  }

  lifecycle {
    precondition {
      condition     = var.network_id != ""
      error_message = "A private network is required for the Cloud SQL instance."
    }
  }
}

data "google_sql_database_instance" "existing" {
  count = var.create_instance ? 0 : 1

  project = var.project_id
  name    = var.existing_instance_name
}

resource "google_sql_database" "fleet" {
  project  = var.project_id
  instance = local.instance_name
  name     = var.db_name

  # Dropping the database would drop every run and score: leave it on destroy.
  deletion_policy = "ABANDON"
}

resource "random_password" "db" {
  length           = 32
  special          = true
  override_special = "-_.~"
  min_lower        = 2
  min_upper        = 2
  min_numeric      = 2
}

resource "google_sql_user" "fleet" {
  project  = var.project_id
  instance = local.instance_name
  name     = var.db_user
  password = random_password.db.result

  # A PostgreSQL role that owns tables cannot be dropped; keep it on destroy.
  deletion_policy = "ABANDON"
}

resource "google_secret_manager_secret" "database_url" {
  project   = var.project_id
  secret_id = "${var.name}-database-url"
  labels    = var.labels

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }
}

resource "google_secret_manager_secret_version" "database_url" {
  secret = google_secret_manager_secret.database_url.id
  secret_data = format(
    "postgresql://%s:%s@%s:5432/%s?sslmode=require&application_name=mentionfleet",
    urlencode(google_sql_user.fleet.name),
    urlencode(random_password.db.result),
    local.private_ip,
    urlencode(google_sql_database.fleet.name),
  )

  lifecycle {
    # On rotation, the new version exists before the old one (still mounted by the
    # running revisions) is destroyed.
    create_before_destroy = true

    precondition {
      condition     = var.create_instance || (var.existing_instance_name != null && var.using_existing_network)
      error_message = "With create_sql_instance = false, set existing_sql_instance_name and existing_network_name (the VPC its private IP lives in)."
    }
    precondition {
      condition     = local.private_ip != null && local.private_ip != ""
      error_message = "The Cloud SQL instance has no private IP: the functions reach PostgreSQL only over private IP."
    }
  }
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = toset(var.secret_accessors)

  project   = var.project_id
  secret_id = google_secret_manager_secret.database_url.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${each.value}"
}
