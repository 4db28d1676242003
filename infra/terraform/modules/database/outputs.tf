output "instance_name" {
  description = "Cloud SQL instance the fleet uses."
  value       = local.instance_name
}

output "private_ip" {
  description = "Private IP of the instance."
  value       = local.private_ip
}

output "database" {
  description = "Database of the fleet."
  value       = google_sql_database.fleet.name
}

output "secret_id" {
  description = "Secret Manager secret id holding the connection URL, once the functions' accounts may read it (a deploy checks that)."
  value       = google_secret_manager_secret.database_url.secret_id

  depends_on = [google_secret_manager_secret_iam_member.accessor]
}

output "secret_version" {
  description = "Version number of the secret the functions mount (a new version redeploys them)."
  value       = element(split("/", google_secret_manager_secret_version.database_url.name), 5)
}
