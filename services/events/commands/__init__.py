"""What the events service decides for each request: pure functions from a view of the expo
to the compare-and-set change that commits the new state with the events announcing it."""
