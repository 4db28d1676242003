output "fanout_url" {
  description = "URL of the fanout (internal ingress; invoked by the scheduler job)."
  value       = module.functions.fanout_url
}

output "scorer_url" {
  description = "URL of the scorer (internal ingress; invoked by the batch subscription)."
  value       = module.functions.scorer_url
}

output "function_sources" {
  description = "Source objects the deployed functions were built from (record these for a rollback)."
  value       = module.functions.source_objects
}

output "scheduler_job" {
  description = "Daily kickoff job: gcloud scheduler jobs run <job> --location <region>."
  value       = module.scheduler.job_name
}

output "batch_topic" {
  description = "Batch topic."
  value       = module.pubsub.batch_topic
}

output "dead_letter_topic" {
  description = "Dead-letter topic."
  value       = module.pubsub.dead_letter_topic
}

output "scorer_subscription" {
  description = "Push subscription that delivers batches to the scorer."
  value       = module.pubsub.scorer_subscription
}

output "dead_letter_subscription" {
  description = "Pull subscription holding dead letters."
  value       = module.pubsub.dead_letter_subscription
}

output "sql_instance" {
  description = "Cloud SQL instance of the fleet."
  value       = module.database.instance_name
}

output "database_url_secret" {
  description = "Secret Manager secret with the database URL (mounted by both functions)."
  value       = module.database.secret_id
}

output "bq_dataset" {
  description = "MENTIONFLEET_BQ_DATASET of the functions."
  value       = module.bigquery.dataset_ref
}

output "bq_refresh_transfer_configs" {
  description = "Scheduled queries refreshing the GDELT copies (for backfills)."
  value       = module.bigquery.refresh_transfer_config_names
}

output "service_accounts" {
  description = "Service account per role."
  value       = module.iam.emails
}

output "connection_budget" {
  description = "Peak PostgreSQL connections of the fleet vs what the database allows it."
  value       = module.functions.connection_budget
}
