output "run_complete_metric" {
  description = "Log-based metric counting completed runs."
  value       = google_logging_metric.run_complete.name
}

output "alert_policies" {
  description = "Alert policy ids."
  value = {
    dead_letters     = google_monitoring_alert_policy.dead_letters.id
    run_not_complete = google_monitoring_alert_policy.run_not_complete.id
  }
}
