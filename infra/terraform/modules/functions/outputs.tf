output "fanout_name" {
  description = "Name of the fanout function (and of its Cloud Run service)."
  value       = google_cloudfunctions2_function.fanout.name
}

output "scorer_name" {
  description = "Name of the scorer function (and of its Cloud Run service)."
  value       = google_cloudfunctions2_function.scorer.name
}

output "fanout_url" {
  description = "HTTPS URL of the fanout (the scheduler's target and OIDC audience)."
  value       = google_cloudfunctions2_function.fanout.service_config[0].uri
}

output "scorer_url" {
  description = "HTTPS URL of the scorer (the push endpoint and OIDC audience)."
  value       = google_cloudfunctions2_function.scorer.service_config[0].uri
}

output "source_objects" {
  description = "gs:// objects the functions were built from."
  value       = { for k, o in google_storage_bucket_object.source : k => "gs://${o.bucket}/${o.name}" }
}

output "connection_budget" {
  description = "Peak connections of the fleet vs what the database allows it."
  value = {
    scorer    = local.scorer_connections
    fanout    = local.fanout_connections
    total     = local.fleet_connections
    available = local.connection_budget
  }
}
