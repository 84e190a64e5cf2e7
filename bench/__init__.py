"""Benchmarks: each prints its figures with the machine they ran on (docs/benchmarks.md)."""

import os

# Benchmarks send one subject's requests far past a person's pace; the limiter still counts
# each of them (its cost is in the figures), it just never refuses one.
os.environ.setdefault("RATE_LIMITS", "1000000/second")
