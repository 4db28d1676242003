# The partitioned, clustered copies of the GDELT tables the fleet queries, and the
# scheduled query that keeps them fresh one day's partition at a time.

locals {
  dataset_ref = "${var.project_id}.${google_bigquery_dataset.gdelt.dataset_id}"

  tables = {
    eventmentions = {
      description      = "GDELT 2.0 eventmentions, one partition per mention day (UTC), clustered by event."
      schema_file      = "${path.module}/schemas/eventmentions.json"
      partition_column = "MentionDay"
      time_column      = "MentionTimeDate"
      source_table     = "${var.gdelt_source_dataset}.eventmentions_partitioned"
    }
    events = {
      description      = "GDELT 2.0 events, one partition per day the event was first seen (DATEADDED, UTC), clustered by event."
      schema_file      = "${path.module}/schemas/events.json"
      partition_column = "DateAddedDay"
      time_column      = "DATEADDED"
      source_table     = "${var.gdelt_source_dataset}.events_partitioned"
    }
  }

  partition_expiration_ms = var.partition_expiration_days == null ? null : var.partition_expiration_days * 86400000
}

resource "google_bigquery_dataset" "gdelt" {
  # checkov:skip=CKV_GCP_81: The dataset holds copies of the public GDELT tables (anyone can read gdelt-bq.gdeltv2); Google-managed encryption at rest applies and a customer-managed key would protect nothing confidential.
  project       = var.project_id
  dataset_id    = var.dataset_id
  friendly_name = "GDELT copies (${var.name})"
  description   = "Partitioned copies of the public GDELT 2.0 events and eventmentions tables, refreshed daily for mention-fleet."
  location      = var.location
  labels        = var.labels

  # Tables are protected individually; never wipe the dataset's contents on destroy.
  delete_contents_on_destroy = false
}

resource "google_bigquery_table" "gdelt" {
  # checkov:skip=CKV_GCP_80: Copies of public GDELT data; Google-managed encryption at rest applies and a customer-managed key would protect nothing confidential.
  for_each = local.tables

  project     = var.project_id
  dataset_id  = google_bigquery_dataset.gdelt.dataset_id
  table_id    = each.key
  description = each.value.description
  labels      = var.labels
  schema      = file(each.value.schema_file)

  time_partitioning {
    type          = "DAY"
    field         = each.value.partition_column
    expiration_ms = local.partition_expiration_ms
  }

  # Every query must name the days it reads: a missing filter is an error, not a scan
  # of the whole history.
  require_partition_filter = true
  clustering               = ["GLOBALEVENTID"]

  deletion_protection = var.deletion_protection
}

# The fanout's staging table: each run's daily counts, counted once and read per batch
# by the scorers. Short-lived: a scorer without staged rows counts directly.
resource "google_bigquery_table" "run_daily_counts" {
  # checkov:skip=CKV_GCP_80: Counts derived from public GDELT data; Google-managed encryption at rest applies and a customer-managed key would protect nothing confidential.
  project     = var.project_id
  dataset_id  = google_bigquery_dataset.gdelt.dataset_id
  table_id    = "run_daily_counts"
  description = "Daily distinct-article counts of each fleet run's events, staged by the fanout, read per batch by the scorers."
  labels      = var.labels
  schema      = file("${path.module}/schemas/run_daily_counts.json")

  time_partitioning {
    type          = "DAY"
    field         = "as_of"
    expiration_ms = var.staging_expiration_days * 86400000
  }

  require_partition_filter = true
  clustering               = ["run_id", "event_id"]

  deletion_protection = var.deletion_protection
}

# ---------------------------------------------------------------------------------------
# Access: the functions read, the fanout writes its staging table, the refresh job
# writes the copies; nothing else.
# ---------------------------------------------------------------------------------------

resource "google_bigquery_dataset_iam_member" "readers" {
  for_each = toset(var.reader_service_accounts)

  project    = var.project_id
  dataset_id = google_bigquery_dataset.gdelt.dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${each.value}"
}

# On the staging table only: the fanout replaces a run's staged rows (DELETE + INSERT).
resource "google_bigquery_table_iam_member" "staging_writer" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.gdelt.dataset_id
  table_id   = google_bigquery_table.run_daily_counts.table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${var.staging_writer_service_account}"
}

resource "google_bigquery_dataset_iam_member" "refresh_writer" {
  project    = var.project_id
  dataset_id = google_bigquery_dataset.gdelt.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${var.refresh_service_account}"
}

# The BigQuery Data Transfer service agent mints tokens for the refresh job's service
# account, on that account only.
resource "google_service_account_iam_member" "transfer_agent_token" {
  service_account_id = var.refresh_service_account_id
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:service-${var.project_number}@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com"
}

# ---------------------------------------------------------------------------------------
# Freshness: a scheduled query per table, copying yesterday's partition every day.
# ---------------------------------------------------------------------------------------

resource "google_bigquery_data_transfer_config" "refresh" {
  for_each = local.tables

  project              = var.project_id
  display_name         = "${var.name}-refresh-${each.key}"
  location             = var.location
  data_source_id       = "scheduled_query"
  schedule             = var.refresh_schedule
  service_account_name = var.refresh_service_account
  disabled             = false

  email_preferences {
    enable_failure_email = true
  }

  params = {
    query = templatefile("${path.module}/sql/refresh_day.sql.tftpl", {
      source_table     = each.value.source_table
      target_table     = "${local.dataset_ref}.${each.key}"
      partition_column = each.value.partition_column
      columns = join(", ", [
        for c in jsondecode(file(each.value.schema_file)) : c.name if c.name != each.value.partition_column
      ])
      day_expression = "DATE(SAFE.PARSE_TIMESTAMP('%Y%m%d%H%M%S', CAST(${each.value.time_column} AS STRING)))"
    })
  }

  depends_on = [
    google_bigquery_table.gdelt,
    google_bigquery_dataset_iam_member.refresh_writer,
    google_service_account_iam_member.transfer_agent_token,
  ]
}
