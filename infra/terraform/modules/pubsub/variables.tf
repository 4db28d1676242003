variable "project_id" {
  description = "Project of the topics and subscriptions."
  type        = string
}

variable "project_number" {
  description = "Number of project_id (names the Pub/Sub service agent)."
  type        = string
}

variable "region" {
  description = "The only region messages are stored in."
  type        = string
}

variable "labels" {
  description = "Labels of the topics and subscriptions."
  type        = map(string)
  default     = {}
}

variable "batch_topic_name" {
  description = "Batch topic (MENTIONFLEET_BATCH_TOPIC)."
  type        = string
}

variable "dead_letter_topic_name" {
  description = "Dead-letter topic (MENTIONFLEET_DEAD_LETTER_TOPIC)."
  type        = string
}

variable "scorer_url" {
  description = "Push endpoint: the scorer's URL, also the OIDC audience."
  type        = string

  validation {
    condition     = startswith(var.scorer_url, "https://")
    error_message = "scorer_url must be an https URL."
  }
}

variable "scorer_timeout_seconds" {
  description = "The scorer's timeout, which the ack deadline must exceed."
  type        = number
}

variable "push_sa" {
  description = "E-mail of the push identity."
  type        = string
}

variable "push_sa_id" {
  description = "Resource id of the push identity."
  type        = string
}

variable "fanout_sa" {
  description = "Fanout runtime account (publishes batches)."
  type        = string
}

variable "scorer_sa" {
  description = "Scorer runtime account (publishes malformed messages to the dead-letter topic)."
  type        = string
}

variable "ack_deadline_seconds" {
  description = "Ack deadline of the scorer subscription."
  type        = number
}

variable "min_backoff_seconds" {
  description = "Retry policy minimum backoff."
  type        = number
}

variable "max_backoff_seconds" {
  description = "Retry policy maximum backoff."
  type        = number
}

variable "max_delivery_attempts" {
  description = "Dead-letter policy max delivery attempts."
  type        = number
}

variable "message_retention_days" {
  description = "Days unacknowledged messages are kept."
  type        = number
}
