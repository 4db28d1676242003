"""Scorer: scores one batch of events, delivered by a Pub/Sub push subscription.

functions-framework turns the push body into a
`google.cloud.pubsub.topic.v1.messagePublished` CloudEvent. Returning normally acks
the message; raising makes the delivery fail, so Pub/Sub retries it with backoff.
"""

from __future__ import annotations

import functions_framework
from cloudevents.http import CloudEvent

from mentionfleet import config, logs
from mentionfleet.scoring.handler import handle

logs.setup()


@functions_framework.cloud_event
def score_batch(cloud_event: CloudEvent) -> None:
    handle(cloud_event.data, config.current())
