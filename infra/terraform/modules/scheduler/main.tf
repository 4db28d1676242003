# The daily kickoff: an authenticated POST to the fanout. The fanout is idempotent per
# day (the run id derives from the day and the parameters), so retries are safe.

locals {
  # The fanout's own timeout plus a minute of start-up, within Scheduler's 30-minute cap.
  attempt_deadline = "${min(var.fanout_timeout_seconds + 60, 1800)}s"
}

resource "google_cloud_scheduler_job" "kickoff" {
  project          = var.project_id
  region           = var.region
  name             = "${var.name}-daily-kickoff"
  description      = "mention-fleet: daily kickoff of the spike run (POST to the fanout)."
  schedule         = var.schedule
  time_zone        = var.time_zone
  attempt_deadline = local.attempt_deadline
  paused           = false

  retry_config {
    retry_count          = var.retry_count
    min_backoff_duration = "60s"
    max_backoff_duration = "900s"
    max_doublings        = 3
    max_retry_duration   = "0s" # bounded by retry_count alone
  }

  http_target {
    http_method = "POST"
    uri         = var.fanout_url
    body        = base64encode(var.body)

    headers = {
      "Content-Type" = "application/json"
    }

    # Signed as the scheduler's own account; the audience is the function URL, which is
    # what the function's Cloud Run front end checks.
    oidc_token {
      service_account_email = var.invoker_sa
      audience              = var.fanout_url
    }
  }
}
