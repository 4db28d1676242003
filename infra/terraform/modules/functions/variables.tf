variable "project_id" {
  description = "Project of the functions."
  type        = string
}

variable "region" {
  description = "Region of the functions, their bucket and image repository."
  type        = string
}

variable "name" {
  description = "Name prefix (<prefix>-<environment>); functions are <name>-fanout and <name>-scorer."
  type        = string
}

variable "labels" {
  description = "Labels of the functions, bucket and repository."
  type        = map(string)
  default     = {}
}

variable "runtime" {
  description = "Cloud Functions runtime (python311)."
  type        = string
}

variable "fanout_zip" {
  description = "Local path of dist/fanout.zip."
  type        = string
}

variable "scorer_zip" {
  description = "Local path of dist/scorer.zip."
  type        = string
}

variable "vpc_connector" {
  description = "Serverless VPC Access connector id."
  type        = string
}

variable "build_sa_id" {
  description = "Resource id of the build service account."
  type        = string
}

variable "build_sa_email" {
  description = "E-mail of the build service account."
  type        = string
}

variable "fanout_sa" {
  description = "Runtime service account of the fanout."
  type        = string
}

variable "scorer_sa" {
  description = "Runtime service account of the scorer."
  type        = string
}

variable "scheduler_sa" {
  description = "Service account whose OIDC tokens may invoke the fanout."
  type        = string
}

variable "push_sa" {
  description = "Service account whose OIDC tokens may invoke the scorer (Pub/Sub push)."
  type        = string
}

variable "database_url_secret_id" {
  description = "Secret Manager secret id with the database URL."
  type        = string
}

variable "database_url_secret_version" {
  description = "Version of that secret to mount."
  type        = string
}

variable "environment" {
  description = "MENTIONFLEET_* variables common to both functions. Never a secret: secrets are mounted."
  type        = map(string)

  validation {
    condition = alltrue([
      for k in keys(var.environment) : !can(regex("(?i)(password|secret|token|credential|^DATABASE_URL$)", k))
    ])
    error_message = "environment must not carry secrets; mount them as secret volumes."
  }
}

variable "fanout" {
  description = "Sizing and pool of the fanout."
  type = object({
    memory        = string
    cpu           = string
    timeout       = number
    max_instances = number
    min_instances = number
    concurrency   = number
    pool_min      = number
    pool_max      = number
  })
}

variable "scorer" {
  description = "Sizing and pool of the scorer."
  type = object({
    memory        = string
    cpu           = string
    timeout       = number
    max_instances = number
    min_instances = number
    concurrency   = number
    pool_min      = number
    pool_max      = number
  })
}

variable "db_max_connections" {
  description = "max_connections of the PostgreSQL server."
  type        = number
}

variable "db_reserved_connections" {
  description = "Connections kept out of the fleet's budget."
  type        = number
}
