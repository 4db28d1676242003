"""Delivery settings of the scorer subscription, one place for the local stack and docs.

Terraform sets the same values (infra/terraform variables with these defaults).
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class DeliveryPolicy:
    max_delivery_attempts: int = 5
    min_backoff_s: int = 10
    max_backoff_s: int = 600
    # Must exceed the scorer's timeout (300 s), or Pub/Sub redelivers a batch still running.
    ack_deadline_s: int = 600

    @classmethod
    def from_env(cls) -> DeliveryPolicy:
        """Defaults match production; tests shorten the backoff to keep retries quick."""
        env = os.environ
        return cls(
            max_delivery_attempts=int(env.get("MENTIONFLEET_MAX_DELIVERY_ATTEMPTS", "5")),
            min_backoff_s=int(env.get("MENTIONFLEET_MIN_BACKOFF_S", "10")),
            max_backoff_s=int(env.get("MENTIONFLEET_MAX_BACKOFF_S", "600")),
            ack_deadline_s=int(env.get("MENTIONFLEET_ACK_DEADLINE_S", "600")),
        )
