output "dataset_ref" {
  description = "project.dataset, the value of MENTIONFLEET_BQ_DATASET."
  value       = local.dataset_ref
}

output "tables" {
  description = "Fully qualified ids of the partitioned copies."
  value       = { for k, t in google_bigquery_table.gdelt : k => "${t.project}.${t.dataset_id}.${t.table_id}" }
}

output "refresh_transfer_config_names" {
  description = "Resource names of the scheduled queries (for `bq mk --transfer_run` backfills)."
  value       = { for k, c in google_bigquery_data_transfer_config.refresh : k => c.name }
}

output "staging_table" {
  description = "Fully qualified id of run_daily_counts (the fanout's staged counts)."
  value       = "${google_bigquery_table.run_daily_counts.project}.${google_bigquery_table.run_daily_counts.dataset_id}.${google_bigquery_table.run_daily_counts.table_id}"
}
