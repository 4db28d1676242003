output "emails" {
  description = "Service account e-mail per role (fanout, scorer, scheduler, push, build, bq_refresh)."
  value       = { for k, sa in google_service_account.this : k => sa.email }
}

output "ids" {
  description = "Service account resource id (projects/<p>/serviceAccounts/<email>) per role."
  value       = { for k, sa in google_service_account.this : k => sa.id }
}
