"""Topic names: one topic per publishing service, keyed by aggregate id."""

CATALOG = "catalog"
EXPO = "expo"
MATCHING = "matching"

ALL = (CATALOG, EXPO, MATCHING)


def dead_letter_topic(consumer_group: str) -> str:
    """Where a consumer group puts what it could not process."""
    return f"{consumer_group}.dead-letters"
