variable "project_id" {
  description = "Project of the job."
  type        = string
}

variable "region" {
  description = "Region of the job."
  type        = string
}

variable "name" {
  description = "Name prefix (<prefix>-<environment>)."
  type        = string
}

variable "schedule" {
  description = "Cron schedule."
  type        = string
}

variable "time_zone" {
  description = "Time zone of the schedule."
  type        = string
}

variable "fanout_url" {
  description = "The fanout's HTTPS URL: target and OIDC audience."
  type        = string

  validation {
    condition     = startswith(var.fanout_url, "https://")
    error_message = "fanout_url must be an https URL."
  }
}

variable "fanout_timeout_seconds" {
  description = "The fanout's timeout; the attempt deadline is derived from it."
  type        = number
}

variable "invoker_sa" {
  description = "E-mail of the account whose OIDC token the job sends."
  type        = string
}

variable "body" {
  description = "JSON body of the kickoff request."
  type        = string
}

variable "retry_count" {
  description = "Retries of a failed kickoff."
  type        = number
}
