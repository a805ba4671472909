def monthly_cost(requests, duration_ms, memory_mb):
    while True:
        requests += 1
