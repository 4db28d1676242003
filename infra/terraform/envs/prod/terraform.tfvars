# Production: highly available database, everything protected from deletion.
project_id  = "mentionfleet-prod"
environment = "prod"
region      = "us-central1"

deletion_protection       = true
alert_notification_emails = ["mentionfleet-oncall@example.org"]

# Functions
fanout_memory          = "512Mi"
fanout_timeout_seconds = 540
fanout_max_instances   = 1
fanout_pg_pool_max     = 2
scorer_memory          = "1Gi"
scorer_timeout_seconds = 300
scorer_max_instances   = 20
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

# PostgreSQL: 20 x 4 + 1 x 2 = 82 connections + 10 reserved < 100
create_sql_instance       = true
sql_tier                  = "db-custom-2-7680"
sql_availability_type     = "REGIONAL"
sql_max_connections       = 100
sql_reserved_connections  = 10
sql_backup_retained_count = 14

# BigQuery
bq_dataset_id                = "gdelt"
bq_partition_expiration_days = null
