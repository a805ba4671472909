"""Fargate right-sizing: pick the cheapest valid Linux task size and price it."""

# Each row: (cpu units, smallest memory GB, largest memory GB, step GB). The 0.25 vCPU row is special:
# it only allows 0.5, 1 and 2 GB.
ROWS = [
    (512, 1, 4, 1),
    # TODO: the other rows
]


def smallest_size(vcpu_needed, memory_gb_needed):
    """The cheapest valid (cpu_units, memory_mib) covering both needs, or None if nothing fits."""
    # TODO
    return None


def monthly_cost(cpu_units, memory_mib, hours, price_table):
    """Cost in USD of running that size for `hours`, with price_table's per vCPU-hour and per GB-hour rates."""
    # TODO
    return 0.0
