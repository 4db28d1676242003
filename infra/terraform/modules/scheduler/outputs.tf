output "job_name" {
  description = "Name of the scheduler job (gcloud scheduler jobs run <name> --location <region>)."
  value       = google_cloud_scheduler_job.kickoff.name
}

output "job_id" {
  description = "Resource id of the scheduler job."
  value       = google_cloud_scheduler_job.kickoff.id
}
