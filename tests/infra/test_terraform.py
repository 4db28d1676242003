"""Structural tests of infra/terraform over the parsed HCL.

No provider can be downloaded here, so `terraform validate` and `plan` cannot run; these
tests check what the fleet's delivery and security guarantees rest on, straight from the
configuration: dead-letter and retry policies on every subscription that pushes to the
scorer, OIDC on the scheduler, no public principals, no secret in plain environment
variables, one service account per function, the connection-budget check, and complete
per-environment variables.

They run in the tf-check venv (`bash scripts/tf-check.sh`, i.e. `make tf-check`), which
pins python-hcl2. Without it they fail at import: they are never skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

try:
    import hcl2
    from hcl2.utils import SerializationOptions
except ImportError as exc:  # fail loudly: a missing parser must not look like a pass
    raise ImportError(
        "tests/infra needs python-hcl2 (pinned in scripts/tf-check.sh); "
        "run them with `make tf-check` or `bash scripts/tf-check.sh`"
    ) from exc

ROOT = Path(__file__).resolve().parents[2]
TF = ROOT / "infra" / "terraform"
MODULES = TF / "modules"
ENVS = ("dev", "staging", "prod")

_OPTIONS = SerializationOptions(
    with_comments=False,
    explicit_blocks=False,
    strip_string_quotes=True,
    preserve_heredocs=False,
)


# ---------------------------------------------------------------------------------------
# Parsing helpers
# ---------------------------------------------------------------------------------------


@cache
def parse(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle, serialization_options=_OPTIONS)


def tf_files() -> list[Path]:
    return sorted(p for p in TF.rglob("*.tf") if ".terraform" not in p.parts)


@dataclass(frozen=True)
class Resource:
    path: Path
    type: str
    name: str
    body: dict[str, Any]

    @property
    def module(self) -> str:
        """`root`, or the module directory name."""
        return "root" if self.path.parent == TF else self.path.parent.name

    @property
    def address(self) -> str:
        return f"{self.module}:{self.type}.{self.name}"


def _blocks(doc: dict[str, Any], kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for entry in doc.get(kind, []):
        yield from entry.items()


def resources(type_: str | None = None) -> list[Resource]:
    found = []
    for path in tf_files():
        for rtype, named in _blocks(parse(path), "resource"):
            for name, body in named.items():
                if type_ is None or rtype == type_:
                    found.append(Resource(path, rtype, name, body))
    return found


def resource(module: str, type_: str, name: str) -> Resource:
    matches = [r for r in resources(type_) if r.module == module and r.name == name]
    assert len(matches) == 1, f"expected one {module}:{type_}.{name}, found {len(matches)}"
    return matches[0]


def block(body: dict[str, Any], key: str) -> dict[str, Any]:
    """The single nested block `key` of a resource body."""
    value = body.get(key)
    assert isinstance(value, list) and len(value) == 1, f"expected one `{key}` block, got {value!r}"
    return value[0]


def variables(directory: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        out.update(dict(_blocks(parse(path), "variable")))
    return out


def locals_of(directory: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(directory.glob("*.tf")):
        for entry in parse(path).get("locals", []):
            out.update(entry)
    return out


def module_call(name: str) -> dict[str, Any]:
    calls = dict(_blocks(parse(TF / "main.tf"), "module"))
    assert name in calls, f"root main.tf does not call module {name!r}"
    return calls[name]


def outputs_of(directory: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        out.update(dict(_blocks(parse(path), "output")))
    return out


def expr(value: Any) -> str:
    """An HCL expression as text, without the ${...} wrapper of a bare reference."""
    text = str(value)
    match = re.fullmatch(r"\$\{(.*)\}", text, flags=re.DOTALL)
    return match.group(1).strip() if match else text


def text(value: Any) -> str:
    """A string attribute as Terraform sees it (heredocs come back with escaped quotes)."""
    return str(value).replace('\\"', '"')


def tfvars(env: str) -> dict[str, Any]:
    return parse(TF / "envs" / env / "terraform.tfvars")


def effective_values(env: str) -> dict[str, Any]:
    """Root variable defaults overlaid with the environment's tfvars."""
    values = {name: spec.get("default") for name, spec in variables(TF).items()}
    values.update(tfvars(env))
    return values


# ---------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------


def test_every_terraform_file_parses() -> None:
    files = tf_files() + sorted(TF.glob("envs/*/*.tfvars")) + sorted(TF.glob("envs/*/*.hcl"))
    assert len(files) > 20, f"suspiciously few Terraform files under {TF}: {files}"
    for path in files:
        assert isinstance(parse(path), dict), path


def test_google_provider_is_pinned() -> None:
    terraform = block(parse(TF / "versions.tf"), "terraform")
    providers = block(terraform, "required_providers")
    assert providers["google"]["source"] == "hashicorp/google"
    assert re.fullmatch(r"~>\s*\d+\.\d+(\.\d+)?", providers["google"]["version"]), providers
    assert "required_version" in terraform
    assert "gcs" in block(terraform, "backend"), "state must live in a GCS backend"


def test_modules_are_shared_by_every_environment() -> None:
    """One root configuration, per-environment backend and tfvars only."""
    for env in ENVS:
        files = sorted(p.name for p in (TF / "envs" / env).iterdir())
        assert files == ["backend.hcl", "terraform.tfvars"], (env, files)
    for name in (
        "iam",
        "network",
        "database",
        "bigquery",
        "functions",
        "pubsub",
        "scheduler",
        "monitoring",
    ):
        assert module_call(name)["source"] == f"./modules/{name}"


# ---------------------------------------------------------------------------------------
# Pub/Sub delivery
# ---------------------------------------------------------------------------------------


def _push_subscriptions() -> list[Resource]:
    return [r for r in resources("google_pubsub_subscription") if "push_config" in r.body]


def test_every_subscription_pushing_to_the_scorer_has_dead_letter_and_retry_policies() -> None:
    pushing = _push_subscriptions()
    assert pushing, "no push subscription delivers batches to the scorer"
    for sub in pushing:
        push = block(sub.body, "push_config")
        assert "scorer" in expr(push["push_endpoint"]), f"{sub.address} pushes elsewhere"

        dead = block(sub.body, "dead_letter_policy")
        assert "google_pubsub_topic.dead_letter" in expr(dead["dead_letter_topic"]), sub.address
        assert "max_delivery_attempts" in dead, sub.address

        retry = block(sub.body, "retry_policy")
        assert retry.get("minimum_backoff") and retry.get("maximum_backoff"), sub.address

        token = block(push, "oidc_token")
        assert token["audience"] == push["push_endpoint"], f"{sub.address}: audience != endpoint"
        assert "push_sa" in expr(token["service_account_email"]), sub.address


def test_no_eventarc_managed_delivery_bypasses_the_dead_letter_policy() -> None:
    """An Eventarc trigger's subscription cannot carry a dead-letter policy from Terraform."""
    assert not resources("google_eventarc_trigger")
    for fn in resources("google_cloudfunctions2_function"):
        assert "event_trigger" not in fn.body, f"{fn.address} has an Eventarc event_trigger"


def test_ack_deadline_exceeds_scorer_timeout_everywhere() -> None:
    sub = resource("pubsub", "google_pubsub_subscription", "scorer")
    conditions = [expr(p["condition"]) for p in block(sub.body, "lifecycle")["precondition"]]
    assert "var.ack_deadline_seconds > var.scorer_timeout_seconds" in conditions
    assert expr(module_call("pubsub")["scorer_timeout_seconds"]) == "var.scorer_timeout_seconds"
    assert expr(module_call("functions")["scorer"]["timeout"]) == "var.scorer_timeout_seconds"
    for env in ENVS:
        values = effective_values(env)
        assert values["ack_deadline_seconds"] > values["scorer_timeout_seconds"], env
        assert values["ack_deadline_seconds"] <= 600, env


def test_delivery_defaults_match_the_local_stack() -> None:
    """shared/mentionfleet/bus/delivery.py: 5 attempts, 10-600 s backoff, 600 s deadline."""
    root = variables(TF)
    assert root["max_delivery_attempts"]["default"] == 5
    assert root["min_backoff_seconds"]["default"] == 10
    assert root["max_backoff_seconds"]["default"] == 600
    assert root["ack_deadline_seconds"]["default"] == 600
    assert root["scorer_timeout_seconds"]["default"] == 300


def test_dead_letter_topic_has_its_own_subscription_and_the_agent_can_forward() -> None:
    subs = [
        r
        for r in resources("google_pubsub_subscription")
        if expr(r.body["topic"]) == "google_pubsub_topic.dead_letter.id"
    ]
    assert len(subs) == 1 and "push_config" not in subs[0].body, subs

    agent = "gcp-sa-pubsub.iam.gserviceaccount.com"
    pubsub_locals = locals_of(MODULES / "pubsub")
    assert agent in pubsub_locals["pubsub_agent"]

    publisher = resource("pubsub", "google_pubsub_topic_iam_member", "agent_publishes_dead_letters")
    assert publisher.body["role"] == "roles/pubsub.publisher"
    assert "google_pubsub_topic.dead_letter" in expr(publisher.body["topic"])
    assert expr(publisher.body["member"]) == "local.pubsub_agent"

    subscriber = resource(
        "pubsub", "google_pubsub_subscription_iam_member", "agent_subscribes_source"
    )
    assert subscriber.body["role"] == "roles/pubsub.subscriber"
    assert "google_pubsub_subscription.scorer" in expr(subscriber.body["subscription"])


def test_publishers_are_granted_on_topics_not_the_project() -> None:
    grants = {r.name: r.body for r in resources("google_pubsub_topic_iam_member")}
    assert "google_pubsub_topic.batches" in expr(grants["fanout_publishes_batches"]["topic"])
    assert "var.fanout_sa" in expr(grants["fanout_publishes_batches"]["member"])
    assert "google_pubsub_topic.dead_letter" in expr(
        grants["scorer_publishes_dead_letters"]["topic"]
    )
    assert "var.scorer_sa" in expr(grants["scorer_publishes_dead_letters"]["member"])


# ---------------------------------------------------------------------------------------
# Scheduler
# ---------------------------------------------------------------------------------------


def test_scheduler_uses_oidc_with_the_function_url_as_audience() -> None:
    jobs = resources("google_cloud_scheduler_job")
    assert len(jobs) == 1
    job = jobs[0].body
    target = block(job, "http_target")
    assert target["http_method"] == "POST"
    assert "oauth_token" not in target, "OAuth tokens are for Google APIs, not functions"
    token = block(target, "oidc_token")
    assert expr(target["uri"]) == "var.fanout_url"
    assert token["audience"] == target["uri"], "audience must be the function URL"
    assert expr(token["service_account_email"]) == "var.invoker_sa"
    assert block(job, "retry_config")["retry_count"], "retry_config must retry"

    call = module_call("scheduler")
    assert expr(call["fanout_url"]) == "module.functions.fanout_url"
    assert expr(call["invoker_sa"]) == "module.iam.emails.scheduler"
    fanout_url = outputs_of(MODULES / "functions")["fanout_url"]["value"]
    assert expr(fanout_url) == "google_cloudfunctions2_function.fanout.service_config[0].uri"


def test_schedule_defaults_to_two_am_utc_daily() -> None:
    root = variables(TF)
    assert root["schedule"]["default"] == "0 2 * * *"
    assert root["schedule_time_zone"]["default"] in ("Etc/UTC", "UTC")


# ---------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------


def test_no_public_principals_anywhere() -> None:
    files = tf_files() + sorted(TF.glob("envs/*/*"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        for principal in ("allUsers", "allAuthenticatedUsers"):
            assert principal not in text, f"{principal} in {path.relative_to(ROOT)}"


def test_functions_are_internal_and_invokable_by_one_identity_each() -> None:
    functions = resources("google_cloudfunctions2_function")
    assert {f.name for f in functions} == {"fanout", "scorer"}
    for fn in functions:
        ingress = block(fn.body, "service_config")["ingress_settings"]
        assert ingress == "ALLOW_INTERNAL_ONLY", f"{fn.address}: {ingress}"

    invokers = {
        expr(r.body["service"]): expr(r.body["member"])
        for r in resources("google_cloud_run_service_iam_member")
        if r.body["role"] == "roles/run.invoker"
    }
    assert invokers == {
        "google_cloudfunctions2_function.fanout.name": "serviceAccount:${var.scheduler_sa}",
        "google_cloudfunctions2_function.scorer.name": "serviceAccount:${var.push_sa}",
    }


def test_every_function_has_a_service_account_of_its_own() -> None:
    accounts = {
        fn.name: expr(block(fn.body, "service_config")["service_account_email"])
        for fn in resources("google_cloudfunctions2_function")
    }
    assert accounts == {"fanout": "var.fanout_sa", "scorer": "var.scorer_sa"}

    call = module_call("functions")
    wired = {
        key: expr(call[key])
        for key in ("fanout_sa", "scorer_sa", "scheduler_sa", "push_sa", "build_sa_email")
    }
    assert len(set(wired.values())) == len(wired), f"roles share an account: {wired}"

    declared = locals_of(MODULES / "iam")["accounts"]
    for role in ("fanout", "scorer", "scheduler", "push"):
        assert role in declared, f"no service account for {role}"
    assert len({a["id"] for a in declared.values()}) == len(declared)


PROJECT_LEVEL_ROLES_ALLOWED = {
    "roles/bigquery.jobUser",  # BigQuery jobs run in a project
    "roles/logging.logWriter",  # Cloud Build's build logs
}


def test_project_level_grants_are_only_those_without_a_narrower_resource() -> None:
    grants = [r for r in resources() if r.type.startswith("google_project_iam_")]
    assert grants, "expected the project-level roles of the runtime accounts"
    for grant in grants:
        assert grant.type == "google_project_iam_member", f"{grant.address}: authoritative binding"
    roles = locals_of(MODULES / "iam")["project_roles"]
    for key, spec in roles.items():
        assert spec["role"] in PROJECT_LEVEL_ROLES_ALLOWED, (
            f"{key}: {spec['role']} at project level"
        )


def test_token_creator_is_granted_on_single_accounts_only() -> None:
    for r in resources("google_service_account_iam_member"):
        assert r.body["role"] == "roles/iam.serviceAccountTokenCreator", r.address
        assert "gcp-sa-" in expr(r.body["member"]) or "pubsub_agent" in expr(r.body["member"]), (
            r.address
        )


# ---------------------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------------------

SECRETISH = re.compile(r"(?i)(password|passwd|secret|token|credential|private_key|^DATABASE_URL$)")
ALLOWED_ENV = {
    "MENTIONFLEET_PROJECT",
    "MENTIONFLEET_BQ_DATASET",
    "MENTIONFLEET_BQ_LOCATION",
    "MENTIONFLEET_MAX_BYTES_BILLED",
    "MENTIONFLEET_BATCH_TOPIC",
    "MENTIONFLEET_DEAD_LETTER_TOPIC",
    "MENTIONFLEET_PG_POOL_MIN",
    "MENTIONFLEET_PG_POOL_MAX",
    "MENTIONFLEET_PG_POOL_TIMEOUT",
    "DATABASE_URL_FILE",
}


def _env_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value)
    return set(re.findall(r"\b([A-Z][A-Z0-9_]+)\s*=", str(value)))


def test_no_secret_in_plain_environment_variables() -> None:
    root_env = module_call("functions")["environment"]
    keys = set(root_env)
    for value in root_env.values():
        assert not re.search(r"random_password|secret|password", expr(value)), value

    for fn in resources("google_cloudfunctions2_function"):
        service = block(fn.body, "service_config")
        assert "secret_environment_variables" not in service, f"{fn.address}: secrets as env"
        env = service["environment_variables"]
        assert "var.environment" in expr(env)
        assert not re.search(r"random_password|secret_data|password", expr(env)), fn.address
        keys |= _env_keys(env)
        build = block(fn.body, "build_config")
        keys |= _env_keys(build.get("environment_variables", {}))

    assert keys <= ALLOWED_ENV, f"unexpected environment variables: {sorted(keys - ALLOWED_ENV)}"
    assert not [k for k in keys if SECRETISH.search(k)], keys


def test_database_url_is_a_mounted_secret_volume() -> None:
    fn_locals = locals_of(MODULES / "functions")
    for fn in resources("google_cloudfunctions2_function"):
        service = block(fn.body, "service_config")
        volume = block(service, "secret_volumes")
        assert expr(volume["secret"]) == "var.database_url_secret_id", fn.address
        version = block(volume, "versions")
        assert expr(version["version"]) == "var.database_url_secret_version"
        assert "DATABASE_URL_FILE = local.database_url_file" in expr(
            service["environment_variables"]
        )
    assert fn_locals["database_url_file"] == "${local.secret_mount_path}/${local.secret_file}"

    secret_version = resource("database", "google_secret_manager_secret_version", "database_url")
    assert "sslmode=require" in str(secret_version.body["secret_data"])
    call = module_call("functions")
    assert expr(call["database_url_secret_id"]) == "module.database.secret_id"

    accessors = resource("database", "google_secret_manager_secret_iam_member", "accessor")
    assert accessors.body["role"] == "roles/secretmanager.secretAccessor"
    assert [expr(a) for a in module_call("database")["secret_accessors"]] == [
        "module.iam.emails.fanout",
        "module.iam.emails.scorer",
    ]


# ---------------------------------------------------------------------------------------
# Connection budget
# ---------------------------------------------------------------------------------------


def test_connection_budget_validation_exists() -> None:
    fn_locals = locals_of(MODULES / "functions")
    assert expr(fn_locals["scorer_connections"]) == "var.scorer.max_instances * var.scorer.pool_max"
    assert expr(fn_locals["fanout_connections"]) == "var.fanout.max_instances * var.fanout.pool_max"
    assert (
        expr(fn_locals["connection_budget"])
        == "var.db_max_connections - var.db_reserved_connections"
    )

    scorer = resource("functions", "google_cloudfunctions2_function", "scorer")
    conditions = [expr(p["condition"]) for p in block(scorer.body, "lifecycle")["precondition"]]
    assert "local.fleet_connections < local.connection_budget" in conditions

    call = module_call("functions")
    assert expr(call["scorer"]["max_instances"]) == "var.scorer_max_instances"
    assert expr(call["scorer"]["pool_max"]) == "var.scorer_pg_pool_max"
    assert expr(call["db_max_connections"]) == "var.sql_max_connections"

    # The same number is the flag set on the instance the budget is checked against.
    assert expr(module_call("database")["max_connections"]) == "var.sql_max_connections"
    instance = resource("database", "google_sql_database_instance", "this")
    flags = {
        f["name"]: expr(f["value"]) for f in block(instance.body, "settings")["database_flags"]
    }
    assert flags["max_connections"] == "tostring(var.max_connections)"


def test_every_environment_fits_its_connection_budget() -> None:
    for env in ENVS:
        v = effective_values(env)
        used = (
            v["scorer_max_instances"] * v["scorer_pg_pool_max"]
            + v["fanout_max_instances"] * v["fanout_pg_pool_max"]
        )
        available = v["sql_max_connections"] - v["sql_reserved_connections"]
        assert used < available, f"{env}: {used} connections >= {available} available"


# ---------------------------------------------------------------------------------------
# Environments
# ---------------------------------------------------------------------------------------


def test_all_three_environments_set_every_required_variable() -> None:
    declared = variables(TF)
    required = {name for name, spec in declared.items() if "default" not in spec}
    assert {"project_id", "environment", "region", "deletion_protection"} <= required
    for env in ENVS:
        values = tfvars(env)
        missing = required - set(values)
        assert not missing, f"envs/{env}/terraform.tfvars misses {sorted(missing)}"
        unknown = set(values) - set(declared)
        assert not unknown, f"envs/{env}/terraform.tfvars sets undeclared {sorted(unknown)}"
        assert values["environment"] == env


def test_environments_have_separate_state() -> None:
    seen = set()
    for env in ENVS:
        backend = parse(TF / "envs" / env / "backend.hcl")
        assert backend.get("bucket") and backend.get("prefix"), env
        key = (backend["bucket"], backend["prefix"])
        assert key not in seen, f"{env} shares state with another environment"
        seen.add(key)
    assert len({tfvars(env)["project_id"] for env in ENVS}) == len(ENVS)


def test_prod_is_protected_and_highly_available() -> None:
    prod = effective_values("prod")
    assert prod["deletion_protection"] is True
    assert prod["sql_availability_type"] == "REGIONAL"
    instance = resource("database", "google_sql_database_instance", "this")
    settings = block(instance.body, "settings")
    assert expr(instance.body["deletion_protection"]) == "var.deletion_protection"
    assert expr(settings["deletion_protection_enabled"]) == "var.deletion_protection"
    backups = block(settings, "backup_configuration")
    assert backups["enabled"] is True and backups["point_in_time_recovery_enabled"] is True


# ---------------------------------------------------------------------------------------
# Database network path
# ---------------------------------------------------------------------------------------


def test_cloud_sql_is_private_ip_only_with_ssl_required() -> None:
    instance = resource("database", "google_sql_database_instance", "this")
    ip = block(block(instance.body, "settings"), "ip_configuration")
    assert ip["ipv4_enabled"] is False
    assert "authorized_networks" not in ip
    assert ip["ssl_mode"] in ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED")
    assert expr(ip["private_network"]) == "var.network_id"
    for fn in resources("google_cloudfunctions2_function"):
        service = block(fn.body, "service_config")
        assert expr(service["vpc_connector"]) == "var.vpc_connector", fn.address
        assert service["vpc_connector_egress_settings"] == "PRIVATE_RANGES_ONLY", fn.address


# ---------------------------------------------------------------------------------------
# Function sources
# ---------------------------------------------------------------------------------------


def test_source_object_names_change_with_the_zip_content() -> None:
    obj = resource("functions", "google_storage_bucket_object", "source")
    assert re.search(r"file(sha256|md5|base64sha256)\(each\.value\.zip\)", obj.body["name"]), (
        obj.body
    )
    fn_locals = locals_of(MODULES / "functions")["functions"]
    assert fn_locals["fanout"]["entry_point"] == "fanout"
    assert fn_locals["scorer"]["entry_point"] == "score_batch"
    root_locals = locals_of(TF)
    assert "/dist/fanout.zip" in root_locals["fanout_zip"]
    assert "/dist/scorer.zip" in root_locals["scorer_zip"]
    for fn in resources("google_cloudfunctions2_function"):
        assert block(fn.body, "build_config")["runtime"] == "${var.runtime}"
    assert variables(TF)["python_runtime"]["default"] == "python311"


def test_source_bucket_is_private() -> None:
    bucket = resource("functions", "google_storage_bucket", "sources")
    assert bucket.body["uniform_bucket_level_access"] is True
    assert bucket.body["public_access_prevention"] == "enforced"


# ---------------------------------------------------------------------------------------
# BigQuery
# ---------------------------------------------------------------------------------------

SCHEMAS = MODULES / "bigquery" / "schemas"


def test_partitioned_clustered_copies_require_a_partition_filter() -> None:
    table = resource("bigquery", "google_bigquery_table", "gdelt")
    assert table.body["require_partition_filter"] is True
    assert table.body["clustering"] == ["GLOBALEVENTID"]
    partitioning = block(table.body, "time_partitioning")
    assert partitioning["type"] == "DAY"
    assert expr(partitioning["field"]) == "each.value.partition_column"

    tables = locals_of(MODULES / "bigquery")["tables"]
    assert tables["eventmentions"]["partition_column"] == "MentionDay"
    assert tables["events"]["partition_column"] == "DateAddedDay"
    assert tables["eventmentions"]["source_table"].endswith(".eventmentions_partitioned")
    assert tables["events"]["source_table"].endswith(".events_partitioned")


def test_schemas_are_the_gdelt_columns_plus_a_date_partition_column() -> None:
    mentions = json.loads((SCHEMAS / "eventmentions.json").read_text(encoding="utf-8"))
    events = json.loads((SCHEMAS / "events.json").read_text(encoding="utf-8"))
    assert len(mentions) == 16 + 1 and len(events) == 61 + 1
    assert mentions[0]["name"] == events[0]["name"] == "GLOBALEVENTID"
    assert mentions[-1] == {**mentions[-1], "name": "MentionDay", "type": "DATE"}
    assert events[-1] == {**events[-1], "name": "DateAddedDay", "type": "DATE"}
    assert [c["name"] for c in events[-3:-1]] == ["DATEADDED", "SOURCEURL"]
    for column in mentions + events:
        assert column["type"] in ("INTEGER", "FLOAT", "STRING", "DATE"), column


def test_refresh_job_replaces_one_day_idempotently() -> None:
    config = resource("bigquery", "google_bigquery_data_transfer_config", "refresh")
    assert config.body["data_source_id"] == "scheduled_query"
    assert "destination_dataset_id" not in config.body, "the script writes; no destination table"
    sql = (MODULES / "bigquery" / "sql" / "refresh_day.sql.tftpl").read_text(encoding="utf-8")
    assert "@run_date" in sql
    begin, delete, insert, commit = (
        sql.index("BEGIN TRANSACTION"),
        sql.index("DELETE FROM"),
        sql.index("INSERT INTO"),
        sql.index("COMMIT TRANSACTION"),
    )
    assert begin < delete < insert < commit
    assert "_PARTITIONTIME" in sql, "the public source must be read one partition range at a time"
    assert "WHERE ${partition_column} = target_day" in sql


# ---------------------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------------------


def test_alert_on_undelivered_dead_letters() -> None:
    policy = resource("monitoring", "google_monitoring_alert_policy", "dead_letters")
    condition = block(block(policy.body, "conditions"), "condition_threshold")
    assert "pubsub.googleapis.com/subscription/num_undelivered_messages" in text(
        condition["filter"]
    )
    assert 'subscription_id = "${var.dead_letter_subscription}"' in text(condition["filter"])
    assert condition["comparison"] == "COMPARISON_GT" and condition["threshold_value"] == 0
    assert expr(module_call("monitoring")["dead_letter_subscription"]) == (
        "module.pubsub.dead_letter_subscription_name"
    )


def test_alert_when_a_run_does_not_complete() -> None:
    metric = resource("monitoring", "google_logging_metric", "run_complete")
    assert 'jsonPayload.message="run complete"' in text(metric.body["filter"])
    policy = resource("monitoring", "google_monitoring_alert_policy", "run_not_complete")
    condition = block(block(policy.body, "conditions"), "condition_prometheus_query_language")
    assert "absent_over_time(${local.run_complete_promql}" in text(condition["query"])
    assert expr(policy.body["notification_channels"]).startswith("[for c in google_monitoring")


# ---------------------------------------------------------------------------------------
# checkov skips
# ---------------------------------------------------------------------------------------


def test_every_checkov_skip_carries_a_written_reason() -> None:
    skips = 0
    for path in tf_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            if "checkov:skip=" not in line:
                continue
            skips += 1
            match = re.search(r"checkov:skip=(CKV2?_[A-Z]+_\d+):\s*(.+)", line)
            assert match, f"{path.relative_to(ROOT)}: skip without an id and reason: {line.strip()}"
            assert len(match.group(2).split()) >= 8, (
                f"{path.relative_to(ROOT)}: reason too thin: {line.strip()}"
            )
    assert skips, "expected the documented checkov skips"


def test_only_the_fanout_writes_and_only_to_the_staging_table() -> None:
    table = resource("bigquery", "google_bigquery_table", "run_daily_counts")
    assert table.body["time_partitioning"][0]["field"] == "as_of"
    assert table.body["clustering"] == ["run_id", "event_id"]
    assert table.body["require_partition_filter"] is True
    grant = resource("bigquery", "google_bigquery_table_iam_member", "staging_writer")
    assert grant.body["role"] == "roles/bigquery.dataEditor"
    assert "google_bigquery_table.run_daily_counts" in expr(grant.body["table_id"])
    writer = expr(module_call("bigquery")["staging_writer_service_account"])
    assert writer == "module.iam.emails.fanout"
