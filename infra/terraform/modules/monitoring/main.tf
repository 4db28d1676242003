# Two alerts: a batch reached the dead-letter topic, and no run completed in time.

locals {
  # Letters, digits and underscores only, so the PromQL name is predictable.
  run_complete_metric = "${replace(var.name, "-", "_")}_run_complete"
  run_complete_promql = "logging_googleapis_com:user_${local.run_complete_metric}"

  # A PromQL condition's lookback plus its retest window may not exceed 25 h: look back
  # deadline-1 hours and require the absence to last one more hour.
  lookback_hours = var.run_complete_deadline_hours - 1

  services_filter = join(" OR ", [for s in var.function_services : "\"${s}\""])
}

resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.notification_emails)

  project      = var.project_id
  display_name = "mention-fleet ${var.environment}: ${each.value}"
  type         = "email"

  labels = {
    email_address = each.value
  }
}

# ---------------------------------------------------------------------------------------
# Dead letters
# ---------------------------------------------------------------------------------------

resource "google_monitoring_alert_policy" "dead_letters" {
  project      = var.project_id
  display_name = "mention-fleet ${var.environment}: batches in the dead-letter subscription"
  combiner     = "OR"
  severity     = "ERROR"

  conditions {
    display_name = "undelivered messages in ${var.dead_letter_subscription} > 0"

    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND resource.labels.subscription_id = \"${var.dead_letter_subscription}\" AND metric.type = \"pubsub.googleapis.com/subscription/num_undelivered_messages\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]

  documentation {
    mime_type = "text/markdown"
    subject   = "mention-fleet ${var.environment}: dead-lettered batches"
    content   = <<-EOT
      A batch message reached the dead-letter topic: it was malformed (the scorer
      forwards those at once) or the scorer failed it on every delivery attempt.

      1. List them without consuming them: `mentionfleet dead-letters list` (run, batch, reason, attempts).
      2. Find the cause in the scorer's logs (filter on the message's `run_id`).
      3. After a fix: `mentionfleet dead-letters replay --run RUN_ID` (or `--all`); `mentionfleet status RUN_ID` shows the run complete.
    EOT
  }
}

# ---------------------------------------------------------------------------------------
# Run not complete
# ---------------------------------------------------------------------------------------

# Counts the scorer's `{"severity":"INFO","message":"run complete","run_id":...}` lines:
# the last batch of a run logs it once the ledger has every batch scored.
resource "google_logging_metric" "run_complete" {
  project     = var.project_id
  name        = local.run_complete_metric
  description = "mention-fleet ${var.environment}: runs whose last batch was scored (\"run complete\" log lines)."
  filter      = <<-EOT
    resource.type="cloud_run_revision"
    resource.labels.service_name=(${local.services_filter})
    jsonPayload.message="run complete"
  EOT

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = "INT64"
    unit         = "1"
    display_name = "mention-fleet ${var.environment} runs completed"
  }
}

# A daily run leaves about 24 h between two "run complete" lines. Metric-absence
# conditions stop at 23.5 h, so this uses PromQL's absent_over_time: it fires when no
# line was logged for run_complete_deadline_hours, including when none ever was
# (a fresh deployment whose first run never finishes).
resource "google_monitoring_alert_policy" "run_not_complete" {
  project      = var.project_id
  display_name = "mention-fleet ${var.environment}: no run completed in ${var.run_complete_deadline_hours} h"
  combiner     = "OR"
  severity     = "ERROR"

  conditions {
    display_name = "no \"run complete\" log line for ${var.run_complete_deadline_hours} h"

    condition_prometheus_query_language {
      query               = "absent_over_time(${local.run_complete_promql}{monitored_resource=\"cloud_run_revision\"}[${local.lookback_hours}h])"
      duration            = "3600s"
      evaluation_interval = "300s"
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  notification_channels = [for c in google_monitoring_notification_channel.email : c.id]

  documentation {
    mime_type = "text/markdown"
    subject   = "mention-fleet ${var.environment}: no run completed"
    content   = <<-EOT
      No scorer has logged "run complete" for ${var.run_complete_deadline_hours} hours.

      1. Did the kickoff happen? `gcloud scheduler jobs describe ${var.name}-daily-kickoff --location <region> --project ${var.project_id}` (last attempt status) and the fanout's logs.
      2. Are batches stuck? The scorer subscription's oldest unacked message age, and the dead-letter alert.
      3. Did the GDELT copy refresh? The scheduled queries `${var.name}-refresh-*` in BigQuery Data Transfers.
    EOT
  }

  depends_on = [google_logging_metric.run_complete]
}
