"""Grader for lambda-cost-calculator: monthly_cost is called one case at a time (labs/cases.py) on the
statement's examples, on cases drawn fresh for each submission from the reference below, and on held-back
cases (hidden/held_back.json) whose values never appear in a message."""

import math

from labs import cases
from labs.cases import Case

GROUPS = {  # group -> points
    "under the free tier": 2,
    "at the free tier": 2,
    "over the free tier": 4,
    "1 ms rounding": 2,
}
TOLERANCE = 0.011  # a cent, plus float noise
FRESH_PER_GROUP = 2  # in each run
REQUEST_PRICE_PER_MILLION = 0.20
GB_SECOND_PRICE = 0.0000166667
FREE_REQUESTS = 1_000_000
FREE_GB_SECONDS = 400_000
MEMORY_SIZES = [128, 256, 512, 1024, 1536, 1769, 2048, 3008, 4096, 10240]
# Durations (ms) that divide the free GB-seconds exactly with a power-of-two memory size.
EXACT_DURATIONS = [d for d in range(1, 3001) if FREE_GB_SECONDS * 1000 * 1024 % d == 0]
PUBLIC = [  # the statement's examples: (requests, duration_ms, memory_mb), group
    ((500_000, 100, 128), "under the free tier"),
    ((800_000, 500, 1024), "at the free tier"),
    ((3_000_000, 200, 512), "over the free tier"),
    ((12_000_000, 850, 2048), "over the free tier"),
    ((5_000_000, 12.3, 1024), "1 ms rounding"),
]


def reference(requests, duration_ms, memory_mb, *, free=True, ceil=True):
    """The bill; free=False and ceil=False are the usual mistakes, to make sure a drawn case tells them apart."""
    billed_ms = math.ceil(duration_ms) if ceil else duration_ms
    gb_seconds = requests * (billed_ms / 1000) * (memory_mb / 1024)
    free_requests, free_gb_seconds = (FREE_REQUESTS, FREE_GB_SECONDS) if free else (0, 0)
    request_charge = max(requests - free_requests, 0) * REQUEST_PRICE_PER_MILLION / 1_000_000
    duration_charge = max(gb_seconds - free_gb_seconds, 0) * GB_SECOND_PRICE
    return round(request_charge + duration_charge, 2)


def gb_seconds(requests, duration_ms, memory_mb):
    return requests * math.ceil(duration_ms) * memory_mb / 1024 / 1000


def draw(rng, group):
    """Arguments for one fresh case of the group, telling the right answer from the usual mistakes."""
    while True:
        memory = rng.choice(MEMORY_SIZES)
        if group == "under the free tier":
            requests = rng.randrange(100_000, FREE_REQUESTS)
            duration = rng.randrange(1, 3000)
            if gb_seconds(requests, duration, memory) < FREE_GB_SECONDS:
                return requests, duration, memory
        elif group == "at the free tier":
            if rng.random() < 0.5:  # exactly the free requests, compute within the allowance
                duration = rng.randrange(1, 3000)
                if gb_seconds(FREE_REQUESTS, duration, memory) <= FREE_GB_SECONDS:
                    return FREE_REQUESTS, duration, memory
            else:  # exactly the free GB-seconds, requests within the allowance
                duration = rng.choice(EXACT_DURATIONS)
                requests, rest = divmod(FREE_GB_SECONDS * 1000 * 1024, duration * memory)
                if not rest and 100_000 <= requests <= FREE_REQUESTS:
                    return requests, duration, memory
        elif group == "over the free tier":
            requests = rng.randrange(1_500_000, 60_000_000)
            duration = rng.randrange(10, 3000)
            if gb_seconds(requests, duration, memory) > FREE_GB_SECONDS * 1.2 and reference(requests, duration, memory) < 1e6:
                return requests, duration, memory
        else:
            requests = rng.randrange(2_000_000, 60_000_000)
            duration = rng.randrange(0, 300) + rng.randrange(1, 100) / 100
            args = (requests, duration, memory)
            if abs(reference(*args) - reference(*args, ceil=False)) > 0.05 and reference(*args) < 1e6:
                return args


def case(args, group):
    return Case("monthly_cost", list(args), reference(*args), group)


def plan(ctx):
    rng = cases.fresh_random()
    fresh = [[case(draw(rng, group), group) for group in GROUPS for _ in range(FRESH_PER_GROUP)] for _ in range(2)]
    shown = [case(args, group) for args, group in PUBLIC] + fresh[0]
    held_back = [Case("monthly_cost", row["args"], row["want"], row["group"]) for row in ctx.hidden_json("held_back.json")]
    held_back += fresh[1]
    rng.shuffle(held_back)
    return cases.runs("pricing", shown, held_back, check)


def examples(ctx):
    """The Run button: the statement's examples only."""
    return [cases.example_run("pricing", [case(args, group) for args, group in PUBLIC], check)]


def check(case, value):
    cases.close_to(value, case.want, TOLERANCE)


def judge(ctx, results):
    return cases.group_checks(GROUPS, results, module_file="pricing.py")
