"""Steps through memory values, but the 0.25 vCPU row's step rounds down to zero: it never ends."""

ROWS = [(256, 0.5, 2), (512, 1, 4), (1024, 2, 8), (2048, 4, 16), (4096, 8, 30), (8192, 16, 60), (16384, 32, 120)]
STEPS = {256: 0.5, 8192: 4, 16384: 8}


def smallest_size(vcpu_needed, memory_gb_needed):
    for cpu_units, low, high in ROWS:
        if cpu_units / 1024 < vcpu_needed:
            continue
        step = int(STEPS.get(cpu_units, 1))
        memory_gb = low
        while memory_gb <= high:
            if memory_gb >= memory_gb_needed:
                return cpu_units, int(memory_gb * 1024)
            memory_gb += step
    return None


def monthly_cost(cpu_units, memory_mib, hours, price_table):
    hourly = cpu_units / 1024 * price_table["vcpu_hour"] + memory_mib / 1024 * price_table["gb_hour"]
    return round(hourly * hours, 2)
