variable "project_id" {
  description = "Project of the metrics and policies."
  type        = string
}

variable "name" {
  description = "Name prefix (<prefix>-<environment>)."
  type        = string
}

variable "environment" {
  description = "Environment name, shown in alert titles."
  type        = string
}

variable "notification_emails" {
  description = "Addresses the alerts are sent to."
  type        = list(string)
}

variable "dead_letter_subscription" {
  description = "Short name of the dead-letter subscription."
  type        = string
}

variable "function_services" {
  description = "Cloud Run service names of the functions whose logs carry \"run complete\"."
  type        = list(string)
}

variable "run_complete_deadline_hours" {
  description = "Hours without a completed run before alerting (2-25)."
  type        = number

  validation {
    condition     = var.run_complete_deadline_hours >= 2 && var.run_complete_deadline_hours <= 25
    error_message = "run_complete_deadline_hours must be 2-25."
  }
}
