"""Local stand-ins for the fleet's cloud services, as real processes: PostgreSQL, the
Pub/Sub emulator, the BigQuery stand-in, and functions-framework servers.

Used by the system tests and `make run`; `python -m mentionfleet.localstack up` runs it.
"""

from .bigquery import LocalBigQuery
from .functions import FunctionServer, SignatureType
from .ports import free_port
from .postgres import LocalPostgres
from .process import LocalStackError
from .pubsub import PubSubEmulator
from .stack import LocalStack, stacks_root

__all__ = [
    "FunctionServer",
    "LocalBigQuery",
    "LocalPostgres",
    "LocalStack",
    "LocalStackError",
    "PubSubEmulator",
    "SignatureType",
    "free_port",
    "stacks_root",
]
