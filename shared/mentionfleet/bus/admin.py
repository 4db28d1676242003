"""Creating topics and subscriptions (the local stack; Terraform does it in GCP)."""

from __future__ import annotations

from google.api_core import exceptions
from google.cloud.pubsub_v1 import PublisherClient, SubscriberClient
from google.protobuf import duration_pb2

from mentionfleet.bus.delivery import DeliveryPolicy


def ensure_topic(publisher: PublisherClient, project: str, topic: str) -> str:
    path = publisher.topic_path(project, topic)
    try:
        publisher.create_topic(request={"name": path})
    except exceptions.AlreadyExists:
        pass
    return str(path)


def ensure_pull_subscription(
    subscriber: SubscriberClient, project: str, topic: str, subscription: str
) -> str:
    path = subscriber.subscription_path(project, subscription)
    try:
        subscriber.create_subscription(
            request={
                "name": path,
                "topic": subscriber.topic_path(project, topic),
                "ack_deadline_seconds": 60,
            }
        )
    except exceptions.AlreadyExists:
        pass
    return str(path)


def ensure_push_subscription(
    subscriber: SubscriberClient,
    project: str,
    topic: str,
    subscription: str,
    *,
    push_endpoint: str,
    dead_letter_topic: str,
    policy: DeliveryPolicy,
) -> str:
    """The scorer's delivery: push, retry with backoff, dead-letter after N attempts."""
    path = subscriber.subscription_path(project, subscription)
    request = {
        "name": path,
        "topic": subscriber.topic_path(project, topic),
        "push_config": {"push_endpoint": push_endpoint},
        "ack_deadline_seconds": policy.ack_deadline_s,
        "dead_letter_policy": {
            "dead_letter_topic": subscriber.topic_path(project, dead_letter_topic),
            "max_delivery_attempts": policy.max_delivery_attempts,
        },
        "retry_policy": {
            "minimum_backoff": duration_pb2.Duration(seconds=policy.min_backoff_s),
            "maximum_backoff": duration_pb2.Duration(seconds=policy.max_backoff_s),
        },
    }
    try:
        subscriber.create_subscription(request=request)
    except exceptions.AlreadyExists:
        subscriber.delete_subscription(request={"subscription": path})
        subscriber.create_subscription(request=request)
    return str(path)


def delete_subscription(subscriber: SubscriberClient, path: str) -> None:
    try:
        subscriber.delete_subscription(request={"subscription": path})
    except exceptions.NotFound:
        pass
