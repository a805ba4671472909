"""Picks the row from the CPU alone: when the memory does not fit that row, it gives up."""

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
    for cpu_units, memories in SIZES:
        if cpu_units / 1024 >= vcpu_needed:
            for memory_gb in memories:
                if memory_gb >= memory_gb_needed:
                    return cpu_units, int(memory_gb * 1024)
            return None
    return None


def monthly_cost(cpu_units, memory_mib, hours, price_table):
    hourly = cpu_units / 1024 * price_table["vcpu_hour"] + memory_mib / 1024 * price_table["gb_hour"]
    return round(hourly * hours, 2)
