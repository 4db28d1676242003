"""Calling the fanout: URL resolution, identity tokens for https, answers and errors."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest

from mentionfleet.config import ConfigError
from mentionfleet.kickoff import BadRequest
from mentionfleet.ops.fanout_client import (
    FanoutError,
    call_fanout,
    google_id_token,
    kickoff_body,
    request_headers,
    resolve_url,
)


def test_url_from_option_wins_over_environment() -> None:
    env = {"MENTIONFLEET_FANOUT_URL": "https://env.example"}
    assert resolve_url("http://127.0.0.1:8080", env) == "http://127.0.0.1:8080"
    assert resolve_url(None, env) == "https://env.example"


@pytest.mark.parametrize("url", [None, "", "ftp://x", "127.0.0.1:8080", "https://"])
def test_missing_or_odd_url_is_refused(url: str | None) -> None:
    with pytest.raises(ConfigError, match=r"fanout URL|--url"):
        resolve_url(url, {})


def test_https_gets_an_identity_token_for_the_url_and_http_none() -> None:
    audiences: list[str] = []

    def token(audience: str) -> str:
        audiences.append(audience)
        return "tok-123"

    https = request_headers("https://mf-dev-fanout.run.app", token)
    assert https["Authorization"] == "Bearer tok-123"
    assert audiences == ["https://mf-dev-fanout.run.app"]
    assert "Authorization" not in request_headers("http://127.0.0.1:9000", token)
    assert audiences == ["https://mf-dev-fanout.run.app"]


class _Fanout(BaseHTTPRequestHandler):
    answers: ClassVar[list[tuple[int, bytes]]] = []
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.seen.append(json.loads(self.rfile.read(length)))
        status, body = self.answers.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fanout() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Fanout)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Fanout.answers.clear()
    _Fanout.seen.clear()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_200_returns_the_run_and_the_body_is_sent_as_json(fanout: str) -> None:
    _Fanout.answers.append((200, b'{"run_id": "run-20261129-aa", "published": 3}'))
    response = call_fanout(fanout, {"as_of": "2026-11-29"})
    assert response.status == 200
    assert response.body == {"run_id": "run-20261129-aa", "published": 3}
    assert _Fanout.seen == [{"as_of": "2026-11-29"}]


def test_an_error_answer_names_status_and_reason(fanout: str) -> None:
    _Fanout.answers.append((400, b'{"error": "lookback_days: too big"}'))
    with pytest.raises(FanoutError, match="answered 400: lookback_days: too big") as err:
        call_fanout(fanout, {})
    assert err.value.status == 400


def test_a_503_says_it_is_safe_to_kick_off_again(fanout: str) -> None:
    _Fanout.answers.append((503, b"not json at all"))
    with pytest.raises(FanoutError, match=r"503: not json at all.*safe to kick off again"):
        call_fanout(fanout, {})


def test_an_unreachable_fanout_is_a_fanout_error() -> None:
    with pytest.raises(FanoutError, match="not reachable") as err:
        call_fanout("http://127.0.0.1:1", {}, timeout_s=5)
    assert err.value.status is None


def test_kickoff_body_carries_only_what_was_given() -> None:
    assert kickoff_body() == {}
    body = kickoff_body(
        as_of=date(2026, 11, 29), lookback_days=7, detector={"method": "robust"}, rerun=True
    )
    assert body == {
        "as_of": "2026-11-29",
        "lookback_days": 7,
        "detector": {"method": "robust"},
        "rerun": True,
    }


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"lookback_days": 0}, "lookback_days"),
        ({"batch_size": 10**7}, "batch_size"),
        ({"as_of": date(2999, 1, 1)}, "as_of"),
        ({"detector": {"method": "magic"}}, "detector.method"),
    ],
)
def test_kickoff_body_is_checked_with_the_fanouts_rules(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(BadRequest, match=rf"^{field}\b"):
        kickoff_body(**kwargs)


def test_an_explicit_identity_token_is_used_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MENTIONFLEET_ID_TOKEN", " tok-from-gcloud\n")
    assert google_id_token("https://mf-dev-fanout.run.app") == "tok-from-gcloud"


def test_credentials_without_identity_tokens_give_a_way_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import google.auth.exceptions
    import google.oauth2.id_token

    def refuse(request: object, audience: str) -> str:
        raise google.auth.exceptions.DefaultCredentialsError("no service account")

    monkeypatch.delenv("MENTIONFLEET_ID_TOKEN", raising=False)
    monkeypatch.setattr(google.oauth2.id_token, "fetch_id_token", refuse)
    with pytest.raises(FanoutError, match=r"impersonate-service-account.*MENTIONFLEET_ID_TOKEN"):
        google_id_token("https://mf-dev-fanout.run.app")
