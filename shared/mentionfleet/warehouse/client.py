"""The one place a BigQuery client is built, so local and deployed runs differ only in env."""

from __future__ import annotations

import threading

from google.api_core.client_options import ClientOptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from mentionfleet.config import Settings


def make_client(settings: Settings) -> bigquery.Client:
    """A client for `settings.project`.

    With `bq_endpoint` set (the local stand-in) it talks to that URL without credentials;
    otherwise it uses Application Default Credentials, as the deployed functions do.
    """
    if settings.bq_endpoint:
        return bigquery.Client(
            project=settings.project,
            location=settings.bq_location,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            client_options=ClientOptions(api_endpoint=settings.bq_endpoint),
        )
    return bigquery.Client(project=settings.project, location=settings.bq_location)


_clients: dict[Settings, bigquery.Client] = {}
_lock = threading.Lock()


def shared_client(settings: Settings) -> bigquery.Client:
    """One client per process and settings: it holds the HTTP session and credentials."""
    with _lock:
        client = _clients.get(settings)
        if client is None:
            client = _clients[settings] = make_client(settings)
        return client
