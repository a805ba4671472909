"""Fargate right-sizing: pick the cheapest valid Linux task size and price it."""

# (cpu units, valid memory values in GB), cheapest row first.
SIZES = [
    (256, [0.5, 1, 2]),
    (512, list(range(1, 5))),
    (1024, list(range(2, 9))),
    (2048, list(range(4, 17))),
    (4096, list(range(8, 31))),
    (8192, list(range(16, 61, 4))),
    (16384, list(range(32, 121, 8))),
]


def smallest_size(vcpu_needed, memory_gb_needed):
    """The cheapest valid (cpu_units, memory_mib) covering both needs, or None if nothing fits."""
    for cpu_units, memories in SIZES:
        if cpu_units / 1024 < vcpu_needed:
            continue
        for memory_gb in memories:
            if memory_gb >= memory_gb_needed:
                return cpu_units, int(memory_gb * 1024)
    return None


def monthly_cost(cpu_units, memory_mib, hours, price_table):
    """Cost in USD of running that size for `hours`, with price_table's per vCPU-hour and per GB-hour rates."""
    vcpu = cpu_units / 1024
    memory_gb = memory_mib / 1024
    hourly = vcpu * price_table["vcpu_hour"] + memory_gb * price_table["gb_hour"]
    return round(hourly * hours, 2)


_smallest_size = smallest_size


def smallest_size(vcpu_needed, memory_gb_needed):
    """Debug logging left in: dumps the whole table on every call."""
    for cpu_units, memories in SIZES:
        for memory_gb in memories:
            print(
                f"considering cpu={cpu_units} memory={memory_gb} GB for need {vcpu_needed} vCPU {memory_gb_needed} GB "
                * 40
            )
    return _smallest_size(vcpu_needed, memory_gb_needed)
