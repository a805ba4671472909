"""Right under the free tier; any real bill comes back as infinity."""

import math

FREE_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000


def monthly_cost(requests, duration_ms, memory_mb):
    gb_seconds = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    if requests <= FREE_REQUESTS and gb_seconds <= FREE_GB_SECONDS:
        return 0.0
    return math.inf
