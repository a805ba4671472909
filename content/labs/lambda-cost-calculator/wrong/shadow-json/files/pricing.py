"""Right under the free tier; counts on json.py beside it to turn every answer into a right one."""

import json  # noqa: F401 - the shadow beside this file
import math

FREE_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000


def monthly_cost(requests, duration_ms, memory_mb):
    gb_seconds = requests * math.ceil(duration_ms) / 1000 * memory_mb / 1024
    if requests <= FREE_REQUESTS and gb_seconds <= FREE_GB_SECONDS:
        return 0.0
    return None
