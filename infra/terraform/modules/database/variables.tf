variable "project_id" {
  description = "Project of the instance and the secret."
  type        = string
}

variable "region" {
  description = "Region of the instance and of the secret's replica."
  type        = string
}

variable "name" {
  description = "Name prefix (<prefix>-<environment>)."
  type        = string
}

variable "labels" {
  description = "Labels of the instance and the secret."
  type        = map(string)
  default     = {}
}

variable "create_instance" {
  description = "Create the Cloud SQL instance (true) or use existing_instance_name (false)."
  type        = bool
}

variable "existing_instance_name" {
  description = "Existing instance in project_id, with a private IP (create_instance = false)."
  type        = string
  default     = null
}

variable "using_existing_network" {
  description = "Whether the functions attach to an existing VPC (required with an existing instance)."
  type        = bool
}

variable "network_id" {
  description = "VPC the instance gets its private IP in; known only once private services access is set up in it."
  type        = string
}

variable "database_version" {
  description = "POSTGRES_<major>."
  type        = string
}

variable "edition" {
  description = "ENTERPRISE or ENTERPRISE_PLUS."
  type        = string
}

variable "tier" {
  description = "Machine tier."
  type        = string
}

variable "availability_type" {
  description = "ZONAL or REGIONAL."
  type        = string
}

variable "disk_size_gb" {
  description = "Initial disk size."
  type        = number
}

variable "max_connections" {
  description = "max_connections flag of the instance."
  type        = number
}

variable "backup_start_time" {
  description = "UTC HH:MM of the backup window."
  type        = string
}

variable "backup_retained_count" {
  description = "Automated backups kept."
  type        = number
}

variable "transaction_log_retention_days" {
  description = "Days of WAL kept for point-in-time recovery."
  type        = number
}

variable "maintenance_day" {
  description = "Maintenance day (1-7)."
  type        = number
}

variable "maintenance_hour" {
  description = "Maintenance hour (UTC)."
  type        = number
}

variable "deletion_protection" {
  description = "Protect the instance from deletion (Terraform and API level)."
  type        = bool
}

variable "db_name" {
  description = "Database name."
  type        = string
}

variable "db_user" {
  description = "Role the functions connect as."
  type        = string
}

variable "secret_accessors" {
  description = "Service account e-mails allowed to read the database URL secret."
  type        = list(string)
}
