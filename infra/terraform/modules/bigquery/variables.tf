variable "project_id" {
  description = "Project of the dataset and of the refresh jobs."
  type        = string
}

variable "project_number" {
  description = "Number of project_id (names the BigQuery Data Transfer service agent)."
  type        = string
}

variable "name" {
  description = "Name prefix (<prefix>-<environment>)."
  type        = string
}

variable "labels" {
  description = "Labels of the dataset and tables."
  type        = map(string)
  default     = {}
}

variable "dataset_id" {
  description = "Dataset id."
  type        = string
}

variable "location" {
  description = "Dataset and job location (US, where the public GDELT tables are)."
  type        = string
}

variable "partition_expiration_days" {
  description = "Days a partition is kept (null: forever)."
  type        = number
  default     = null
}

variable "deletion_protection" {
  description = "Protect the tables from deletion."
  type        = bool
}

variable "refresh_schedule" {
  description = "Data Transfer schedule of the daily refresh (UTC)."
  type        = string
}

variable "gdelt_source_dataset" {
  description = "project.dataset of the public, ingestion-time partitioned GDELT 2.0 tables."
  type        = string
}

variable "refresh_service_account" {
  description = "E-mail of the service account the scheduled queries run as."
  type        = string
}

variable "refresh_service_account_id" {
  description = "Resource id of that service account."
  type        = string
}

variable "reader_service_accounts" {
  description = "E-mails of the service accounts that read the copies (the functions)."
  type        = list(string)
}

variable "staging_expiration_days" {
  description = "Days a partition (one as_of) of run_daily_counts is kept; scorers of older runs count directly."
  type        = number
  default     = 30

  validation {
    condition     = var.staging_expiration_days >= 1
    error_message = "staging_expiration_days must be at least 1."
  }
}

variable "staging_writer_service_account" {
  description = "Email of the account that stages each run's counts (the fanout's)."
  type        = string
}
