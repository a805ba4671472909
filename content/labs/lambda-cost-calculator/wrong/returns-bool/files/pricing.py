"""Right, except that a bill of nothing comes back as False (which equals 0, and float(False) is 0.0)."""

import math

REQUEST_PRICE_PER_MILLION = 0.20
GB_SECOND_PRICE = 0.0000166667
FREE_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000


def monthly_cost(requests, duration_ms, memory_mb):
    billed_ms = math.ceil(duration_ms)
    gb_seconds = requests * (billed_ms / 1000) * (memory_mb / 1024)
    request_charge = max(requests - FREE_REQUESTS, 0) * REQUEST_PRICE_PER_MILLION / 1_000_000
    duration_charge = max(gb_seconds - FREE_GB_SECONDS, 0) * GB_SECOND_PRICE
    return round(request_charge + duration_charge, 2) or False
