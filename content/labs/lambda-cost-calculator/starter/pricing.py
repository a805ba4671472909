"""Lambda monthly cost calculator (x86, us-east-1 prices as of November 2026)."""

REQUEST_PRICE_PER_MILLION = 0.20
GB_SECOND_PRICE = 0.0000166667
FREE_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000


def monthly_cost(requests, duration_ms, memory_mb):
    """The monthly bill in USD, after the always-free allowance, rounded to cents."""
    # TODO: compute the request charge and the duration charge.
    return 0.0
