# Batch delivery with the same semantics as the local stack: the fanout publishes to
# the batch topic; an explicit push subscription delivers each batch to the scorer with
# an OIDC token, retries failures with exponential backoff and, after
# max_delivery_attempts, forwards the batch to the dead-letter topic, whose own pull
# subscription keeps it for inspection and replay.
#
# Why not the function's Eventarc trigger: the subscription Eventarc creates cannot be
# given a dead-letter policy from Terraform (terraform-provider-google #25069, #17697).

locals {
  pubsub_agent = "serviceAccount:service-${var.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  retention    = "${var.message_retention_days * 86400}s"
}

resource "google_pubsub_topic" "batches" {
  # checkov:skip=CKV_GCP_83: Messages carry only GDELT event ids (public data) and run parameters, live for at most a week, and Google-managed encryption at rest applies; a customer-managed key would protect nothing confidential.
  project = var.project_id
  name    = var.batch_topic_name
  labels  = var.labels

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
}

resource "google_pubsub_topic" "dead_letter" {
  # checkov:skip=CKV_GCP_83: Dead letters are copies of batch messages (public GDELT event ids and run parameters); Google-managed encryption at rest applies.
  project = var.project_id
  name    = var.dead_letter_topic_name
  labels  = var.labels

  message_storage_policy {
    allowed_persistence_regions = [var.region]
  }
}

# Where dead letters wait for a person: pulled (never pushed anywhere), kept as long as
# Pub/Sub allows, and alerted on as soon as one arrives (modules/monitoring).
resource "google_pubsub_subscription" "dead_letter" {
  project = var.project_id
  name    = "${var.dead_letter_topic_name}-sub"
  topic   = google_pubsub_topic.dead_letter.id
  labels  = var.labels

  ack_deadline_seconds       = 60
  message_retention_duration = local.retention
  retain_acked_messages      = false

  expiration_policy {
    ttl = "" # never expires, however long it stays idle
  }
}

resource "google_pubsub_subscription" "scorer" {
  project = var.project_id
  name    = "${var.batch_topic_name}-scorer"
  topic   = google_pubsub_topic.batches.id
  labels  = var.labels

  # Longer than the scorer's timeout, or a batch still being scored is delivered again.
  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = local.retention
  retain_acked_messages      = false
  enable_message_ordering    = false

  push_config {
    push_endpoint = var.scorer_url

    oidc_token {
      service_account_email = var.push_sa
      audience              = var.scorer_url
    }
  }

  retry_policy {
    minimum_backoff = "${var.min_backoff_seconds}s"
    maximum_backoff = "${var.max_backoff_seconds}s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter.id
    max_delivery_attempts = var.max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  lifecycle {
    precondition {
      condition     = var.ack_deadline_seconds > var.scorer_timeout_seconds
      error_message = "ack_deadline_seconds (${var.ack_deadline_seconds}) must exceed scorer_timeout_seconds (${var.scorer_timeout_seconds}), or Pub/Sub redelivers batches that are still being scored."
    }
    precondition {
      condition     = var.min_backoff_seconds <= var.max_backoff_seconds
      error_message = "min_backoff_seconds must not exceed max_backoff_seconds."
    }
  }

  depends_on = [
    google_pubsub_topic_iam_member.agent_publishes_dead_letters,
    google_service_account_iam_member.agent_mints_push_tokens,
  ]
}

# ---------------------------------------------------------------------------------------
# IAM, each on the one topic, subscription or account it concerns
# ---------------------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "fanout_publishes_batches" {
  project = var.project_id
  topic   = google_pubsub_topic.batches.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${var.fanout_sa}"
}

# The scorer dead-letters malformed messages itself (they can never succeed).
resource "google_pubsub_topic_iam_member" "scorer_publishes_dead_letters" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${var.scorer_sa}"
}

# Pub/Sub forwards exhausted batches: it must publish to the dead-letter topic and
# acknowledge on the source subscription.
resource "google_pubsub_topic_iam_member" "agent_publishes_dead_letters" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = local.pubsub_agent
}

resource "google_pubsub_subscription_iam_member" "agent_subscribes_source" {
  project      = var.project_id
  subscription = google_pubsub_subscription.scorer.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_agent
}

# Pub/Sub signs the push requests' OIDC tokens as the push identity, and only as it.
resource "google_service_account_iam_member" "agent_mints_push_tokens" {
  service_account_id = var.push_sa_id
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_agent
}
