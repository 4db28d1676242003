# One environment of the fleet. Applied once per environment with that environment's
# backend and variables:
#   terraform init -reconfigure -backend-config=envs/<env>/backend.hcl
#   terraform apply -var-file=envs/<env>/terraform.tfvars

locals {
  name = "${var.name_prefix}-${var.environment}"

  labels = merge(var.labels, {
    app         = "mention-fleet"
    environment = var.environment
    managed-by  = "terraform"
  })

  repo_root  = abspath("${path.root}/../..")
  fanout_zip = coalesce(var.fanout_source_zip, "${local.repo_root}/dist/fanout.zip")
  scorer_zip = coalesce(var.scorer_source_zip, "${local.repo_root}/dist/scorer.zip")

  # Names the functions are configured with (MENTIONFLEET_*_TOPIC take short names).
  batch_topic_name       = "${local.name}-batches"
  dead_letter_topic_name = "${local.name}-batches-dead"
}

data "google_project" "this" {
  project_id = var.project_id

  depends_on = [google_project_service.enabled]
}

# ---------------------------------------------------------------------------------------
# APIs
# ---------------------------------------------------------------------------------------

locals {
  services = toset([
    "artifactregistry.googleapis.com",
    "bigquery.googleapis.com",
    "bigquerydatatransfer.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "servicenetworking.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
    "vpcaccess.googleapis.com",
  ])
}

resource "google_project_service" "enabled" {
  for_each = local.services

  project = var.project_id
  service = each.value

  # Other workloads in the project may use the same APIs: never switch them off.
  disable_on_destroy         = false
  disable_dependent_services = false
}

# ---------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------

module "iam" {
  source = "./modules/iam"

  project_id = var.project_id
  name       = local.name

  depends_on = [google_project_service.enabled]
}

module "network" {
  source = "./modules/network"

  project_id                           = var.project_id
  region                               = var.region
  name                                 = local.name
  existing_network_name                = var.existing_network_name
  connector_cidr                       = var.connector_cidr
  private_service_access_prefix_length = var.private_service_access_prefix_length
  connector_machine_type               = var.connector_machine_type
  connector_min_instances              = var.connector_min_instances
  connector_max_instances              = var.connector_max_instances

  depends_on = [google_project_service.enabled]
}

module "database" {
  source = "./modules/database"

  project_id                     = var.project_id
  region                         = var.region
  name                           = local.name
  labels                         = local.labels
  create_instance                = var.create_sql_instance
  existing_instance_name         = var.existing_sql_instance_name
  network_id                     = module.network.private_network_id
  database_version               = var.sql_database_version
  edition                        = var.sql_edition
  tier                           = var.sql_tier
  availability_type              = var.sql_availability_type
  disk_size_gb                   = var.sql_disk_size_gb
  max_connections                = var.sql_max_connections
  backup_start_time              = var.sql_backup_start_time
  backup_retained_count          = var.sql_backup_retained_count
  transaction_log_retention_days = var.sql_transaction_log_retention_days
  maintenance_day                = var.sql_maintenance_day
  maintenance_hour               = var.sql_maintenance_hour
  deletion_protection            = var.deletion_protection
  db_name                        = var.db_name
  db_user                        = var.db_user
  using_existing_network         = var.existing_network_name != null
  secret_accessors               = [module.iam.emails.fanout, module.iam.emails.scorer]

  depends_on = [google_project_service.enabled]
}

module "bigquery" {
  source = "./modules/bigquery"

  project_id                     = var.project_id
  project_number                 = data.google_project.this.number
  name                           = local.name
  labels                         = local.labels
  dataset_id                     = var.bq_dataset_id
  location                       = var.bq_location
  partition_expiration_days      = var.bq_partition_expiration_days
  deletion_protection            = var.deletion_protection
  refresh_schedule               = var.bq_refresh_schedule
  gdelt_source_dataset           = var.gdelt_source_dataset
  refresh_service_account        = module.iam.emails.bq_refresh
  refresh_service_account_id     = module.iam.ids.bq_refresh
  reader_service_accounts        = [module.iam.emails.fanout, module.iam.emails.scorer]
  staging_writer_service_account = module.iam.emails.fanout
  staging_expiration_days        = var.bq_staging_expiration_days

  depends_on = [google_project_service.enabled]
}

module "functions" {
  source = "./modules/functions"

  project_id     = var.project_id
  region         = var.region
  name           = local.name
  labels         = local.labels
  runtime        = var.python_runtime
  fanout_zip     = local.fanout_zip
  scorer_zip     = local.scorer_zip
  vpc_connector  = module.network.connector_id
  build_sa_id    = module.iam.ids.build
  build_sa_email = module.iam.emails.build
  fanout_sa      = module.iam.emails.fanout
  scorer_sa      = module.iam.emails.scorer
  scheduler_sa   = module.iam.emails.scheduler
  push_sa        = module.iam.emails.push

  database_url_secret_id      = module.database.secret_id
  database_url_secret_version = module.database.secret_version

  environment = {
    MENTIONFLEET_PROJECT           = var.project_id
    MENTIONFLEET_BQ_DATASET        = module.bigquery.dataset_ref
    MENTIONFLEET_BQ_LOCATION       = var.bq_location
    MENTIONFLEET_MAX_BYTES_BILLED  = tostring(var.max_bytes_billed)
    MENTIONFLEET_BATCH_TOPIC       = local.batch_topic_name
    MENTIONFLEET_DEAD_LETTER_TOPIC = local.dead_letter_topic_name
    MENTIONFLEET_PG_POOL_TIMEOUT   = tostring(var.pg_pool_timeout_seconds)
  }

  fanout = {
    memory        = var.fanout_memory
    cpu           = var.fanout_cpu
    timeout       = var.fanout_timeout_seconds
    max_instances = var.fanout_max_instances
    min_instances = var.fanout_min_instances
    concurrency   = var.fanout_concurrency
    pool_min      = var.fanout_pg_pool_min
    pool_max      = var.fanout_pg_pool_max
  }

  scorer = {
    memory        = var.scorer_memory
    cpu           = var.scorer_cpu
    timeout       = var.scorer_timeout_seconds
    max_instances = var.scorer_max_instances
    min_instances = var.scorer_min_instances
    concurrency   = var.scorer_concurrency
    pool_min      = var.scorer_pg_pool_min
    pool_max      = var.scorer_pg_pool_max
  }

  db_max_connections      = var.sql_max_connections
  db_reserved_connections = var.sql_reserved_connections

  depends_on = [google_project_service.enabled]
}

module "pubsub" {
  source = "./modules/pubsub"

  project_id             = var.project_id
  project_number         = data.google_project.this.number
  region                 = var.region
  labels                 = local.labels
  batch_topic_name       = local.batch_topic_name
  dead_letter_topic_name = local.dead_letter_topic_name
  scorer_url             = module.functions.scorer_url
  scorer_timeout_seconds = var.scorer_timeout_seconds
  push_sa                = module.iam.emails.push
  push_sa_id             = module.iam.ids.push
  fanout_sa              = module.iam.emails.fanout
  scorer_sa              = module.iam.emails.scorer
  ack_deadline_seconds   = var.ack_deadline_seconds
  min_backoff_seconds    = var.min_backoff_seconds
  max_backoff_seconds    = var.max_backoff_seconds
  max_delivery_attempts  = var.max_delivery_attempts
  message_retention_days = var.message_retention_days

  # The push identity must be allowed to invoke the scorer before the first push.
  depends_on = [google_project_service.enabled, module.functions]
}

module "scheduler" {
  source = "./modules/scheduler"

  project_id             = var.project_id
  region                 = var.region
  name                   = local.name
  schedule               = var.schedule
  time_zone              = var.schedule_time_zone
  fanout_url             = module.functions.fanout_url
  fanout_timeout_seconds = var.fanout_timeout_seconds
  invoker_sa             = module.iam.emails.scheduler
  body                   = var.scheduler_body
  retry_count            = var.scheduler_retry_count

  depends_on = [google_project_service.enabled, module.functions]
}

module "monitoring" {
  source = "./modules/monitoring"

  project_id                  = var.project_id
  name                        = local.name
  environment                 = var.environment
  notification_emails         = var.alert_notification_emails
  dead_letter_subscription    = module.pubsub.dead_letter_subscription_name
  function_services           = [module.functions.fanout_name, module.functions.scorer_name]
  run_complete_deadline_hours = var.run_complete_deadline_hours

  depends_on = [google_project_service.enabled]
}
