"""Fanout: the daily kickoff, an HTTP function that Cloud Scheduler calls with OIDC.

POST a JSON body (all fields optional): as_of, lookback_days, batch_size, geo_country,
actor_country, detector, rerun. 200 with the run's summary; 400 naming the bad field;
503 when publishing failed (the scheduler retries; the kickoff is idempotent).
"""

from __future__ import annotations

import flask
import functions_framework

from mentionfleet import config, logs
from mentionfleet.kickoff import BadRequest, PublishError, kickoff, parse_request

logs.setup()
log = logs.get("fanout")
MAX_BODY_BYTES = 64 * 1024


@functions_framework.http
def fanout(request: flask.Request) -> tuple[dict[str, object], int]:
    if request.method != "POST":
        return {"error": f"method {request.method}: expected POST"}, 405
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return {"error": f"body: {request.content_length} bytes, at most {MAX_BODY_BYTES}"}, 413
    try:
        body = parse_request(request.get_data(cache=False))
    except BadRequest as exc:
        log.warning(f"rejected kickoff request: {exc}")
        return {"error": str(exc)}, 400
    try:
        result = kickoff(body, config.current())
    except PublishError as exc:
        log.error(f"publishing failed; the run stays 'publishing' for a retry: {exc}")
        return {"error": str(exc)}, 503
    except Exception as exc:
        log.exception("kickoff failed")
        return {"error": f"{type(exc).__name__}: {exc}"}, 500
    return result.as_json(), 200
