output "batch_topic" {
  description = "Batch topic id."
  value       = google_pubsub_topic.batches.id
}

output "dead_letter_topic" {
  description = "Dead-letter topic id."
  value       = google_pubsub_topic.dead_letter.id
}

output "scorer_subscription" {
  description = "Push subscription delivering batches to the scorer."
  value       = google_pubsub_subscription.scorer.id
}

output "dead_letter_subscription" {
  description = "Pull subscription holding dead letters."
  value       = google_pubsub_subscription.dead_letter.id
}

output "dead_letter_subscription_name" {
  description = "Short name of the dead-letter subscription (monitoring filter)."
  value       = google_pubsub_subscription.dead_letter.name
}
