# The private path from the functions to Cloud SQL: a VPC (created, or an existing one),
# private services access for Cloud SQL's private IP, and a Serverless VPC Access
# connector the functions send private-range traffic through. Google APIs (BigQuery,
# Pub/Sub, Secret Manager) keep going out directly (egress PRIVATE_RANGES_ONLY).

locals {
  create_network = var.existing_network_name == null
  network_id     = local.create_network ? google_compute_network.this[0].id : data.google_compute_network.existing[0].id
  network_name   = local.create_network ? google_compute_network.this[0].name : data.google_compute_network.existing[0].name
}

resource "google_compute_network" "this" {
  count = local.create_network ? 1 : 0

  project                         = var.project_id
  name                            = "${var.name}-vpc"
  description                     = "mention-fleet: functions to Cloud SQL over private IP."
  auto_create_subnetworks         = false
  routing_mode                    = "REGIONAL"
  delete_default_routes_on_create = false
}

data "google_compute_network" "existing" {
  count = local.create_network ? 0 : 1

  project = var.project_id
  name    = var.existing_network_name
}

# Nothing in the fleet listens inside the VPC: deny every ingress explicitly (and log
# it). The connector's own rules (priority 1000) are created by the VPC Access service.
resource "google_compute_firewall" "deny_all_ingress" {
  project     = var.project_id
  name        = "${var.name}-deny-all-ingress"
  network     = local.network_id
  description = "Default deny of all ingress, logged."
  direction   = "INGRESS"
  priority    = 65534

  deny {
    protocol = "all"
  }

  source_ranges = ["0.0.0.0/0"]

  log_config {
    metadata = "INCLUDE_ALL_METADATA"
  }
}

resource "google_compute_subnetwork" "connector" {
  project                  = var.project_id
  name                     = "${var.name}-connector"
  region                   = var.region
  network                  = local.network_id
  ip_cidr_range            = var.connector_cidr
  private_ip_google_access = true
  stack_type               = "IPV4_ONLY"

  log_config {
    aggregation_interval = "INTERVAL_5_MIN"
    flow_sampling        = 0.5
    metadata             = "INCLUDE_ALL_METADATA"
  }
}

resource "google_vpc_access_connector" "this" {
  project       = var.project_id
  name          = "${var.name}-conn"
  region        = var.region
  machine_type  = var.connector_machine_type
  min_instances = var.connector_min_instances
  max_instances = var.connector_max_instances

  subnet {
    name       = google_compute_subnetwork.connector.name
    project_id = var.project_id
  }
}

# Private services access: a range of the VPC peered with Google's service producer
# network, where Cloud SQL allocates the instance's private IP. Only set up on a VPC
# created here; an existing VPC brings its own.
resource "google_compute_global_address" "private_services" {
  count = local.create_network ? 1 : 0

  project       = var.project_id
  name          = "${var.name}-private-services"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = var.private_service_access_prefix_length
  network       = local.network_id
}

resource "google_service_networking_connection" "private_services" {
  count = local.create_network ? 1 : 0

  network                 = local.network_id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services[0].name]

  # Cloud SQL keeps the peering busy for days after an instance is deleted.
  deletion_policy = "ABANDON"
}
