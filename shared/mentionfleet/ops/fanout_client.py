"""Calling the fanout over HTTP, as Cloud Scheduler does.

A deployed fanout accepts only requests carrying a Google-signed OIDC identity token
whose audience is its URL; the token comes from the caller's credentials (a service
account key, the metadata server, or impersonation set up with `gcloud auth
application-default login --impersonate-service-account`). MENTIONFLEET_ID_TOKEN, when
set, is used as it is (e.g. `$(gcloud auth print-identity-token)` for a person's own
account). A plain http URL (the local stack) gets no token.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from mentionfleet.config import ConfigError
from mentionfleet.kickoff import parse_request

URL_ENV = "MENTIONFLEET_FANOUT_URL"
TOKEN_ENV = "MENTIONFLEET_ID_TOKEN"

TokenSource = Callable[[str], str]
"""Audience (the fanout URL) -> an OIDC identity token."""


class FanoutError(RuntimeError):
    """The fanout answered with an error, or could not be reached."""

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class FanoutResponse:
    status: int
    body: dict[str, Any]


def resolve_url(url: str | None, env: Mapping[str, str] | None = None) -> str:
    """`--url`, else MENTIONFLEET_FANOUT_URL; an http(s) URL with a host."""
    env = os.environ if env is None else env
    chosen = url or env.get(URL_ENV) or ""
    if not chosen:
        raise ConfigError(
            f"no fanout URL: pass --url or set {URL_ENV} "
            "(`terraform output -raw fanout_url` in GCP)"
        )
    parts = urlsplit(chosen)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"fanout URL {chosen!r}: expected http://host[:port] or https://host")
    return chosen


def google_id_token(audience: str) -> str:
    """An identity token for `audience` from MENTIONFLEET_ID_TOKEN or the caller's credentials."""
    explicit = os.environ.get(TOKEN_ENV)
    if explicit:
        return explicit.strip()
    # Imported here: plain-http (local) calls never need google-auth's transport.
    import google.auth.exceptions
    import google.auth.transport.requests
    import google.oauth2.id_token

    try:
        token = google.oauth2.id_token.fetch_id_token(  # type: ignore[no-untyped-call]
            google.auth.transport.requests.Request(), audience=audience
        )
    except google.auth.exceptions.GoogleAuthError as exc:
        raise FanoutError(
            None,
            f"cannot get an identity token for {audience} from your credentials ({exc}); "
            "use a service account's credentials, `gcloud auth application-default login "
            f"--impersonate-service-account=SA`, or set {TOKEN_ENV}",
        ) from None
    return str(token)


def request_headers(url: str, token_source: TokenSource) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    if urlsplit(url).scheme == "https":
        headers["Authorization"] = f"Bearer {token_source(url)}"
    return headers


def call_fanout(
    url: str,
    body: Mapping[str, Any],
    *,
    timeout_s: float = 600.0,
    token_source: TokenSource = google_id_token,
) -> FanoutResponse:
    """POST `body`; return the 200 answer, raise FanoutError with the fanout's reason."""
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers=request_headers(url, token_source),
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return FanoutResponse(response.status, _json_object(response.read()))
    except urllib.error.HTTPError as exc:
        answer = _json_object(exc.read())
        reason = answer.get("error") or answer.get("raw") or exc.reason
        retry = " (publishing failed: safe to kick off again)" if exc.code == 503 else ""
        raise FanoutError(exc.code, f"fanout {url} answered {exc.code}: {reason}{retry}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise FanoutError(None, f"fanout {url} not reachable: {reason}") from None


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or b"{}")
    except ValueError:
        return {"raw": raw.decode("utf-8", "replace")[:500]}
    return parsed if isinstance(parsed, dict) else {"raw": parsed}


def kickoff_body(
    *,
    as_of: date | None = None,
    lookback_days: int | None = None,
    batch_size: int | None = None,
    detector: Mapping[str, Any] | None = None,
    rerun: bool = False,
) -> dict[str, Any]:
    """The fanout's JSON body with only the fields given (the fanout defaults the rest).

    Checked here with the fanout's own rules, so a bad value fails before any call.
    """
    body: dict[str, Any] = {}
    if as_of is not None:
        body["as_of"] = as_of.isoformat()
    if lookback_days is not None:
        body["lookback_days"] = lookback_days
    if batch_size is not None:
        body["batch_size"] = batch_size
    if detector is not None:
        body["detector"] = dict(detector)
    if rerun:
        body["rerun"] = True
    parse_request(json.dumps(body).encode())
    return body
