# One service account per role, each with only what that role needs. Grants on a
# specific resource (topic, secret, dataset, function) live next to that resource in
# its module; only the roles that exist at project level alone are bound here.

locals {
  accounts = {
    fanout = {
      id      = "${var.name}-fanout"
      display = "mention-fleet fanout runtime"
      about   = "Runs the fanout function: reads BigQuery, writes the run ledger, publishes batches."
    }
    scorer = {
      id      = "${var.name}-scorer"
      display = "mention-fleet scorer runtime"
      about   = "Runs the scorer function: reads BigQuery, upserts scores, dead-letters malformed batches."
    }
    scheduler = {
      id      = "${var.name}-scheduler"
      display = "mention-fleet scheduler invoker"
      about   = "Identity of the Cloud Scheduler job's OIDC token; may invoke the fanout only."
    }
    push = {
      id      = "${var.name}-push"
      display = "mention-fleet Pub/Sub push identity"
      about   = "Identity of the batch subscription's OIDC token; may invoke the scorer only."
    }
    build = {
      id      = "${var.name}-build"
      display = "mention-fleet function builds"
      about   = "Cloud Build identity that turns the source zips into function images."
    }
    bq_refresh = {
      id      = "${var.name}-bq-refresh"
      display = "mention-fleet GDELT copy refresh"
      about   = "Runs the scheduled query that copies one day of GDELT into the partitioned tables."
    }
  }

  # Project-level roles, only where no narrower resource exists: BigQuery jobs run in a
  # project, and Cloud Build writes its build logs to the project. The functions' stdout
  # reaches Cloud Logging through the platform, with no role on their accounts.
  project_roles = {
    fanout_jobs     = { account = "fanout", role = "roles/bigquery.jobUser" }
    scorer_jobs     = { account = "scorer", role = "roles/bigquery.jobUser" }
    bq_refresh_jobs = { account = "bq_refresh", role = "roles/bigquery.jobUser" }
    build_logs      = { account = "build", role = "roles/logging.logWriter" }
  }
}

resource "google_service_account" "this" {
  for_each = local.accounts

  project      = var.project_id
  account_id   = each.value.id
  display_name = each.value.display
  description  = each.value.about
}

resource "google_project_iam_member" "this" {
  for_each = local.project_roles

  project = var.project_id
  role    = each.value.role
  member  = google_service_account.this[each.value.account].member
}
