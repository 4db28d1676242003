variable "project_id" {
  description = "Project of the network resources."
  type        = string
}

variable "region" {
  description = "Region of the connector and its subnet."
  type        = string
}

variable "name" {
  description = "Name prefix (<prefix>-<environment>)."
  type        = string

  validation {
    # The connector name <name>-conn must match ^[a-z][-a-z0-9]{0,23}[a-z0-9]$.
    condition     = can(regex("^[a-z][-a-z0-9]{0,18}[a-z0-9]$", var.name))
    error_message = "name must be at most 20 lowercase characters (the connector name is limited to 25)."
  }
}

variable "existing_network_name" {
  description = "Use this VPC instead of creating one (private services access must already exist in it)."
  type        = string
  default     = null
}

variable "connector_cidr" {
  description = "/28 for the connector's subnet."
  type        = string
}

variable "private_service_access_prefix_length" {
  description = "Prefix length of the private services access range."
  type        = number
}

variable "connector_machine_type" {
  description = "Machine type of the connector instances."
  type        = string
}

variable "connector_min_instances" {
  description = "Minimum connector instances."
  type        = number
}

variable "connector_max_instances" {
  description = "Maximum connector instances."
  type        = number

  validation {
    condition     = var.connector_max_instances >= 3
    error_message = "connector_max_instances must be >= 3."
  }
}
