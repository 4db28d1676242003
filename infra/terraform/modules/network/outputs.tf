output "network_id" {
  description = "Id (projects/<p>/global/networks/<name>) of the VPC the functions and Cloud SQL share."
  value       = local.network_id
}

output "network_name" {
  description = "Name of that VPC."
  value       = local.network_name
}

output "connector_id" {
  description = "Serverless VPC Access connector the functions egress through."
  value       = google_vpc_access_connector.this.id
}

output "private_network_id" {
  description = "The VPC id, available only once private services access is set up: Cloud SQL takes its private IP from that range."
  value       = local.network_id

  depends_on = [google_service_networking_connection.private_services]
}
