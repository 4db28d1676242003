variable "project_id" {
  description = "Project of the service accounts."
  type        = string
}

variable "name" {
  description = "Name prefix (<prefix>-<environment>); account ids are <name>-<role>, at most 30 characters."
  type        = string

  validation {
    condition     = length(var.name) <= 19
    error_message = "name must be at most 19 characters so that <name>-bq-refresh fits in 30."
  }
}
