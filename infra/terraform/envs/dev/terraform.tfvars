# Development: smallest footprint, nothing protected from deletion.
project_id  = "mentionfleet-dev"
environment = "dev"
region      = "us-central1"

deletion_protection       = false
alert_notification_emails = ["mentionfleet-dev-alerts@example.org"]

# Functions
fanout_memory          = "512Mi"
fanout_timeout_seconds = 540
fanout_max_instances   = 1
fanout_pg_pool_max     = 2
scorer_memory          = "1Gi"
scorer_timeout_seconds = 300
scorer_max_instances   = 5
scorer_min_instances   = 0
scorer_concurrency     = 1
scorer_pg_pool_max     = 4

# Delivery
ack_deadline_seconds  = 600
min_backoff_seconds   = 10
max_backoff_seconds   = 600
max_delivery_attempts = 5

# Schedule (UTC)
schedule            = "0 2 * * *"
bq_refresh_schedule = "every day 01:00"

# PostgreSQL: 5 x 4 + 1 x 2 = 22 connections + 10 reserved < 50
create_sql_instance      = true
sql_tier                 = "db-custom-1-3840"
sql_availability_type    = "ZONAL"
sql_max_connections      = 50
sql_reserved_connections = 10

# BigQuery
bq_dataset_id                = "gdelt"
bq_partition_expiration_days = 400
