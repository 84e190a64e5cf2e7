"""Topic names: one topic per publishing service, keyed by aggregate id."""

CATALOG = "catalog"
EXPO = "expo"
MATCHING = "matching"
IDENTITY = "identity"  # the web app's accounts

ALL = (CATALOG, EXPO, MATCHING, IDENTITY)


def source_of(service: str) -> str:
    """The CloudEvents `source` a service publishes with."""
    return f"/temu-dagang/{service}"


# Who may write each topic: consumers dead-letter a record from any other source. (A forgery
# that names the right source is the broker's to stop: SASL and write ACLs, docs/decisions.md.)
WRITERS = {
    CATALOG: source_of("catalog"),
    EXPO: source_of("events"),
    MATCHING: source_of("matching"),
    IDENTITY: source_of("web"),
}


def dead_letter_topic(consumer_group: str) -> str:
    """Where a consumer group puts what it could not process."""
    return f"{consumer_group}.dead-letters"


def retry_topic(consumer_group: str) -> str:
    """Where dead letters replayed for a consumer group go: that group alone reads it, so a
    replay reaches no other consumer of the original topic."""
    return f"{consumer_group}.retry"


RETRY_OF = "dlq_retry_of"  # header of a replayed record: the topic it was first published to
