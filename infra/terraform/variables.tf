# ---------------------------------------------------------------------------------------
# Where and what
# ---------------------------------------------------------------------------------------

variable "project_id" {
  description = "GCP project that hosts this environment of the fleet (one project per environment is recommended)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a GCP project id: 6-30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "environment" {
  description = "Environment name; part of every resource name and label."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be one of dev, staging, prod."
  }
}

variable "region" {
  description = "Region of the functions, Cloud SQL, the VPC connector, the scheduler job and the secret replica."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]$", var.region))
    error_message = "region must be a GCP region such as us-central1."
  }
}

variable "name_prefix" {
  description = "Short prefix of every resource name; names are <name_prefix>-<environment>-<what>."
  type        = string
  default     = "mf"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,5}$", var.name_prefix))
    error_message = "name_prefix must be 2-6 lowercase letters or digits, starting with a letter (service account ids are at most 30 characters)."
  }
}

variable "labels" {
  description = "Extra labels added to every resource that takes labels."
  type        = map(string)
  default     = {}
}

variable "deletion_protection" {
  description = "Protect the Cloud SQL instance and the BigQuery tables from deletion. Set it explicitly per environment; true in prod."
  type        = bool
}

variable "alert_notification_emails" {
  description = "E-mail addresses notified by the alert policies (dead-lettered batches, run not complete)."
  type        = list(string)

  validation {
    condition     = length(var.alert_notification_emails) > 0 && alltrue([for e in var.alert_notification_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alert_notification_emails must list at least one e-mail address."
  }
}

# ---------------------------------------------------------------------------------------
# Function sources (built by `make package`)
# ---------------------------------------------------------------------------------------

variable "fanout_source_zip" {
  description = "Path of the fanout zip (main.py, requirements.txt, mentionfleet/). Default: <repo>/dist/fanout.zip."
  type        = string
  default     = null
}

variable "scorer_source_zip" {
  description = "Path of the scorer zip (main.py, requirements.txt, mentionfleet/). Default: <repo>/dist/scorer.zip."
  type        = string
  default     = null
}

variable "python_runtime" {
  description = "Cloud Functions runtime of both functions."
  type        = string
  default     = "python311"

  validation {
    condition     = can(regex("^python3[0-9]{2}$", var.python_runtime))
    error_message = "python_runtime must be a Cloud Functions Python runtime id such as python311."
  }
}

# ---------------------------------------------------------------------------------------
# Fanout (HTTP, called by Cloud Scheduler)
# ---------------------------------------------------------------------------------------

variable "fanout_memory" {
  description = "Memory of a fanout instance (Cloud Run quantity, e.g. 512Mi, 1Gi)."
  type        = string
  default     = "512Mi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.fanout_memory))
    error_message = "fanout_memory must look like 512Mi or 1Gi."
  }
}

variable "fanout_cpu" {
  description = "vCPUs of a fanout instance (e.g. \"0.583\", \"1\", \"2\")."
  type        = string
  default     = "1"
}

variable "fanout_timeout_seconds" {
  description = "Request timeout of the fanout. The scheduler's attempt deadline is derived from it."
  type        = number
  default     = 540

  validation {
    condition     = var.fanout_timeout_seconds >= 60 && var.fanout_timeout_seconds <= 1740
    error_message = "fanout_timeout_seconds must be 60-1740 (Cloud Scheduler's attempt deadline caps at 1800 s, and it gets 60 s on top)."
  }
}

variable "fanout_max_instances" {
  description = "Maximum fanout instances. One kickoff a day needs one; each holds up to fanout_pg_pool_max connections."
  type        = number
  default     = 1

  validation {
    condition     = var.fanout_max_instances >= 1 && var.fanout_max_instances <= 10
    error_message = "fanout_max_instances must be 1-10."
  }
}

variable "fanout_min_instances" {
  description = "Instances kept warm for the fanout."
  type        = number
  default     = 0

  validation {
    condition     = var.fanout_min_instances >= 0
    error_message = "fanout_min_instances must be >= 0."
  }
}

variable "fanout_concurrency" {
  description = "Concurrent requests per fanout instance. Above 1 needs fanout_cpu >= 1."
  type        = number
  default     = 1

  validation {
    condition     = var.fanout_concurrency >= 1 && var.fanout_concurrency <= 1000
    error_message = "fanout_concurrency must be 1-1000."
  }
}

variable "fanout_pg_pool_min" {
  description = "MENTIONFLEET_PG_POOL_MIN of the fanout."
  type        = number
  default     = 1

  validation {
    condition     = var.fanout_pg_pool_min >= 0
    error_message = "fanout_pg_pool_min must be >= 0."
  }
}

variable "fanout_pg_pool_max" {
  description = "MENTIONFLEET_PG_POOL_MAX of the fanout: connections one fanout instance may open."
  type        = number
  default     = 2

  validation {
    condition     = var.fanout_pg_pool_max >= 1
    error_message = "fanout_pg_pool_max must be >= 1."
  }
}

# ---------------------------------------------------------------------------------------
# Scorer (HTTP, receives the batch subscription's pushes)
# ---------------------------------------------------------------------------------------

variable "scorer_memory" {
  description = "Memory of a scorer instance (Cloud Run quantity, e.g. 1Gi)."
  type        = string
  default     = "1Gi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.scorer_memory))
    error_message = "scorer_memory must look like 512Mi or 1Gi."
  }
}

variable "scorer_cpu" {
  description = "vCPUs of a scorer instance (e.g. \"1\", \"2\")."
  type        = string
  default     = "1"
}

variable "scorer_timeout_seconds" {
  description = "Request timeout of the scorer. Must stay below ack_deadline_seconds, or Pub/Sub redelivers a batch that is still being scored."
  type        = number
  default     = 300

  validation {
    condition     = var.scorer_timeout_seconds >= 30 && var.scorer_timeout_seconds <= 540
    error_message = "scorer_timeout_seconds must be 30-540."
  }
}

variable "scorer_max_instances" {
  description = "Maximum scorer instances. With scorer_pg_pool_max it bounds the connections the scorers can open."
  type        = number
  default     = 20

  validation {
    condition     = var.scorer_max_instances >= 1 && var.scorer_max_instances <= 1000
    error_message = "scorer_max_instances must be 1-1000."
  }
}

variable "scorer_min_instances" {
  description = "Instances kept warm for the scorer."
  type        = number
  default     = 0

  validation {
    condition     = var.scorer_min_instances >= 0
    error_message = "scorer_min_instances must be >= 0."
  }
}

variable "scorer_concurrency" {
  description = "Concurrent requests (batches) per scorer instance; they share the instance's pool. Above 1 needs scorer_cpu >= 1."
  type        = number
  default     = 1

  validation {
    condition     = var.scorer_concurrency >= 1 && var.scorer_concurrency <= 1000
    error_message = "scorer_concurrency must be 1-1000."
  }
}

variable "scorer_pg_pool_min" {
  description = "MENTIONFLEET_PG_POOL_MIN of the scorer."
  type        = number
  default     = 1

  validation {
    condition     = var.scorer_pg_pool_min >= 0
    error_message = "scorer_pg_pool_min must be >= 0."
  }
}

variable "scorer_pg_pool_max" {
  description = "MENTIONFLEET_PG_POOL_MAX of the scorer: connections one scorer instance may open."
  type        = number
  default     = 4

  validation {
    condition     = var.scorer_pg_pool_max >= 1
    error_message = "scorer_pg_pool_max must be >= 1."
  }
}

variable "pg_pool_timeout_seconds" {
  description = "MENTIONFLEET_PG_POOL_TIMEOUT of both functions: seconds to wait for a pooled connection."
  type        = number
  default     = 30

  validation {
    condition     = var.pg_pool_timeout_seconds >= 1
    error_message = "pg_pool_timeout_seconds must be >= 1."
  }
}

variable "max_bytes_billed" {
  description = "MENTIONFLEET_MAX_BYTES_BILLED: BigQuery refuses any fleet query that would bill more."
  type        = number
  default     = 53687091200 # 50 GiB

  validation {
    condition     = var.max_bytes_billed >= 10485760
    error_message = "max_bytes_billed must be at least 10 MiB (10485760)."
  }
}

# ---------------------------------------------------------------------------------------
# Pub/Sub delivery to the scorer
# ---------------------------------------------------------------------------------------

variable "ack_deadline_seconds" {
  description = "Ack deadline of the scorer's push subscription; must exceed scorer_timeout_seconds."
  type        = number
  default     = 600

  validation {
    condition     = var.ack_deadline_seconds >= 10 && var.ack_deadline_seconds <= 600
    error_message = "ack_deadline_seconds must be 10-600 (Pub/Sub's limits)."
  }
}

variable "min_backoff_seconds" {
  description = "Retry policy: minimum delay before a nacked or failed batch is redelivered."
  type        = number
  default     = 10

  validation {
    condition     = var.min_backoff_seconds >= 0 && var.min_backoff_seconds <= 600
    error_message = "min_backoff_seconds must be 0-600."
  }
}

variable "max_backoff_seconds" {
  description = "Retry policy: maximum delay between redeliveries (exponential backoff in between)."
  type        = number
  default     = 600

  validation {
    condition     = var.max_backoff_seconds >= 0 && var.max_backoff_seconds <= 600
    error_message = "max_backoff_seconds must be 0-600."
  }
}

variable "max_delivery_attempts" {
  description = "Dead-letter policy: deliveries of a batch before Pub/Sub forwards it to the dead-letter topic."
  type        = number
  default     = 5

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be 5-100 (Pub/Sub's limits)."
  }
}

variable "message_retention_days" {
  description = "Days unacknowledged batches (and dead letters) are kept."
  type        = number
  default     = 7

  validation {
    condition     = var.message_retention_days >= 1 && var.message_retention_days <= 7
    error_message = "message_retention_days must be 1-7."
  }
}

# ---------------------------------------------------------------------------------------
# Cloud Scheduler
# ---------------------------------------------------------------------------------------

variable "schedule" {
  description = "Cron schedule of the daily kickoff (in schedule_time_zone). Default 02:00 UTC, after the GDELT copy of the previous day is refreshed."
  type        = string
  default     = "0 2 * * *"

  validation {
    condition     = length(split(" ", trimspace(var.schedule))) == 5
    error_message = "schedule must be a five-field cron expression."
  }
}

variable "schedule_time_zone" {
  description = "Time zone of the schedule (tz database name)."
  type        = string
  default     = "Etc/UTC"
}

variable "scheduler_body" {
  description = "JSON body POSTed to the fanout; every field of it is optional ({} = yesterday, default parameters)."
  type        = string
  default     = "{}"

  validation {
    condition     = can(jsondecode(var.scheduler_body))
    error_message = "scheduler_body must be valid JSON."
  }
}

variable "scheduler_retry_count" {
  description = "Times Cloud Scheduler retries a failed kickoff (the kickoff is idempotent per day)."
  type        = number
  default     = 3

  validation {
    condition     = var.scheduler_retry_count >= 0 && var.scheduler_retry_count <= 5
    error_message = "scheduler_retry_count must be 0-5."
  }
}

# ---------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------

variable "create_sql_instance" {
  description = "Create a Cloud SQL instance (true) or use existing_sql_instance_name in existing_network_name (false)."
  type        = bool
  default     = true
}

variable "existing_sql_instance_name" {
  description = "With create_sql_instance = false: name of a Cloud SQL for PostgreSQL instance in project_id, with a private IP in existing_network_name."
  type        = string
  default     = null
}

variable "existing_network_name" {
  description = "VPC network to attach the functions to instead of creating one (required with an existing SQL instance: the network its private IP lives in; private services access must already be set up)."
  type        = string
  default     = null
}

variable "sql_database_version" {
  description = "Cloud SQL PostgreSQL major version."
  type        = string
  default     = "POSTGRES_18"

  validation {
    condition     = can(regex("^POSTGRES_1[4-8]$", var.sql_database_version))
    error_message = "sql_database_version must be POSTGRES_14 ... POSTGRES_18."
  }
}

variable "sql_edition" {
  description = "Cloud SQL edition. ENTERPRISE takes db-custom-* tiers; ENTERPRISE_PLUS needs db-perf-optimized-N-* tiers."
  type        = string
  default     = "ENTERPRISE"

  validation {
    condition     = contains(["ENTERPRISE", "ENTERPRISE_PLUS"], var.sql_edition)
    error_message = "sql_edition must be ENTERPRISE or ENTERPRISE_PLUS."
  }
}

variable "sql_tier" {
  description = "Machine tier of the Cloud SQL instance."
  type        = string
  default     = "db-custom-1-3840"
}

variable "sql_availability_type" {
  description = "ZONAL, or REGIONAL for a standby in a second zone (prod)."
  type        = string
  default     = "ZONAL"

  validation {
    condition     = contains(["ZONAL", "REGIONAL"], var.sql_availability_type)
    error_message = "sql_availability_type must be ZONAL or REGIONAL."
  }
}

variable "sql_disk_size_gb" {
  description = "Initial SSD size of the instance (it grows automatically)."
  type        = number
  default     = 20

  validation {
    condition     = var.sql_disk_size_gb >= 10
    error_message = "sql_disk_size_gb must be >= 10."
  }
}

variable "sql_max_connections" {
  description = "PostgreSQL max_connections, set as a flag on a created instance; with an existing instance, its current value. The connection budget is checked against it."
  type        = number
  default     = 100

  validation {
    condition     = var.sql_max_connections >= 25 && var.sql_max_connections <= 262143
    error_message = "sql_max_connections must be 25-262143."
  }
}

variable "sql_reserved_connections" {
  description = "Connections kept out of the fleet's budget: superuser_reserved_connections (3), Cloud SQL's own agents, migrations and operators, and the second revision alive during a deploy."
  type        = number
  default     = 10

  validation {
    condition     = var.sql_reserved_connections >= 5
    error_message = "sql_reserved_connections must be >= 5 (PostgreSQL reserves 3 for superusers and Cloud SQL needs a few)."
  }
}

variable "sql_backup_start_time" {
  description = "UTC start (HH:MM) of the daily backup window."
  type        = string
  default     = "03:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.sql_backup_start_time))
    error_message = "sql_backup_start_time must be HH:MM."
  }
}

variable "sql_backup_retained_count" {
  description = "Automated backups kept."
  type        = number
  default     = 7

  validation {
    condition     = var.sql_backup_retained_count >= 1 && var.sql_backup_retained_count <= 365
    error_message = "sql_backup_retained_count must be 1-365."
  }
}

variable "sql_transaction_log_retention_days" {
  description = "Days of write-ahead log kept for point-in-time recovery."
  type        = number
  default     = 7

  validation {
    condition     = var.sql_transaction_log_retention_days >= 1 && var.sql_transaction_log_retention_days <= 7
    error_message = "sql_transaction_log_retention_days must be 1-7 (ENTERPRISE edition)."
  }
}

variable "sql_maintenance_day" {
  description = "Day of the week (1 = Monday ... 7 = Sunday) of the maintenance window."
  type        = number
  default     = 7

  validation {
    condition     = var.sql_maintenance_day >= 1 && var.sql_maintenance_day <= 7
    error_message = "sql_maintenance_day must be 1-7."
  }
}

variable "sql_maintenance_hour" {
  description = "UTC hour of the maintenance window; keep it away from the 02:00 run."
  type        = number
  default     = 5

  validation {
    condition     = var.sql_maintenance_hour >= 0 && var.sql_maintenance_hour <= 23
    error_message = "sql_maintenance_hour must be 0-23."
  }
}

variable "db_name" {
  description = "PostgreSQL database of the fleet."
  type        = string
  default     = "mentionfleet"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.db_name))
    error_message = "db_name must be a lowercase PostgreSQL identifier."
  }
}

variable "db_user" {
  description = "PostgreSQL role the functions connect as (its password lives only in Secret Manager and the state)."
  type        = string
  default     = "mentionfleet"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.db_user)) && !contains(["postgres", "root", "cloudsqlsuperuser"], var.db_user)
    error_message = "db_user must be a lowercase PostgreSQL identifier other than postgres/root/cloudsqlsuperuser."
  }
}

# ---------------------------------------------------------------------------------------
# Network
# ---------------------------------------------------------------------------------------

variable "connector_cidr" {
  description = "Unused /28 of the VPC for the Serverless VPC Access connector's subnet."
  type        = string
  default     = "10.8.0.0/28"

  validation {
    condition     = can(cidrhost(var.connector_cidr, 0)) && endswith(var.connector_cidr, "/28")
    error_message = "connector_cidr must be an IPv4 /28."
  }
}

variable "private_service_access_prefix_length" {
  description = "Prefix length of the range reserved for private services access (Cloud SQL private IPs)."
  type        = number
  default     = 20

  validation {
    condition     = var.private_service_access_prefix_length >= 16 && var.private_service_access_prefix_length <= 24
    error_message = "private_service_access_prefix_length must be 16-24."
  }
}

variable "connector_machine_type" {
  description = "Machine type of the VPC connector's instances."
  type        = string
  default     = "e2-micro"

  validation {
    condition     = contains(["f1-micro", "e2-micro", "e2-standard-4"], var.connector_machine_type)
    error_message = "connector_machine_type must be f1-micro, e2-micro or e2-standard-4."
  }
}

variable "connector_min_instances" {
  description = "Minimum instances of the VPC connector."
  type        = number
  default     = 2

  validation {
    condition     = var.connector_min_instances >= 2 && var.connector_min_instances <= 9
    error_message = "connector_min_instances must be 2-9."
  }
}

variable "connector_max_instances" {
  description = "Maximum instances of the VPC connector (it does not scale back in)."
  type        = number
  default     = 3

  validation {
    condition     = var.connector_max_instances >= 3 && var.connector_max_instances <= 10
    error_message = "connector_max_instances must be 3-10."
  }
}

# ---------------------------------------------------------------------------------------
# BigQuery
# ---------------------------------------------------------------------------------------

variable "bq_dataset_id" {
  description = "Dataset holding the partitioned copies `events` and `eventmentions` (MENTIONFLEET_BQ_DATASET = project_id.bq_dataset_id)."
  type        = string
  default     = "gdelt"

  validation {
    condition     = can(regex("^[A-Za-z_][A-Za-z0-9_]{0,1023}$", var.bq_dataset_id))
    error_message = "bq_dataset_id must be letters, digits and underscores."
  }
}

variable "bq_location" {
  description = "Location of the dataset and of its refresh job. The public GDELT tables live in the US multi-region, and a query cannot join locations."
  type        = string
  default     = "US"

  validation {
    condition     = var.bq_location == "US"
    error_message = "bq_location must be US: the refresh job reads gdelt-bq.gdeltv2, which is in the US multi-region."
  }
}

variable "bq_partition_expiration_days" {
  description = "Days a partition of the copies is kept (null: forever). Must cover the scorer's longest lookback."
  type        = number
  default     = null

  validation {
    condition     = var.bq_partition_expiration_days == null ? true : var.bq_partition_expiration_days >= 120
    error_message = "bq_partition_expiration_days must be null or >= 120 (the lookback window plus baseline)."
  }
}

variable "bq_staging_expiration_days" {
  description = "Days each run's staged daily counts (run_daily_counts) are kept; a scorer of an older run counts directly."
  type        = number
  default     = 30
}

variable "bq_refresh_schedule" {
  description = "Schedule (BigQuery Data Transfer syntax, UTC) of the job that copies yesterday's GDELT partition; it must end before the kickoff."
  type        = string
  default     = "every day 01:00"
}

variable "gdelt_source_dataset" {
  description = "Public GDELT 2.0 dataset with the ingestion-time partitioned tables events_partitioned and eventmentions_partitioned."
  type        = string
  default     = "gdelt-bq.gdeltv2"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]+\\.[A-Za-z0-9_]+$", var.gdelt_source_dataset))
    error_message = "gdelt_source_dataset must be project.dataset."
  }
}

# ---------------------------------------------------------------------------------------
# Monitoring
# ---------------------------------------------------------------------------------------

variable "run_complete_deadline_hours" {
  description = "Alert when no scorer has logged \"run complete\" for this many hours (a daily run leaves ~24 h between two; 25 tolerates an hour of drift)."
  type        = number
  default     = 25

  validation {
    condition     = var.run_complete_deadline_hours >= 2 && var.run_complete_deadline_hours <= 25
    error_message = "run_complete_deadline_hours must be 2-25 (Cloud Monitoring caps a PromQL condition's window plus retest at 25 h)."
  }
}
