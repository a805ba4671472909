"""Grader for fargate-right-size: smallest_size and monthly_cost are called one case at a time (labs/cases.py)
on the statement's examples, on cases drawn fresh for each submission from the reference below, and on
held-back cases (hidden/held_back.json) whose values never appear in a message."""

from labs import cases
from labs.cases import Case, Wrong

GROUPS = {  # group (check name) -> points
    "first row that fits": 1.5,
    "exact boundaries": 2,
    "memory forces a bigger CPU": 2,
    "fractional memory": 1.5,
    "nothing fits": 1,
    "monthly cost": 2,
}
TOLERANCE = 0.011  # a cent, plus float noise
FRESH_PER_GROUP = 2  # in each run
SIZES = [  # (cpu units, valid memory values in GB), cheapest row first
    (256, [0.5, 1, 2]),
    (512, list(range(1, 5))),
    (1024, list(range(2, 9))),
    (2048, list(range(4, 17))),
    (4096, list(range(8, 31))),
    (8192, list(range(16, 61, 4))),
    (16384, list(range(32, 121, 8))),
]
X86 = {"vcpu_hour": 0.04048, "gb_hour": 0.004445}
ARM = {"vcpu_hour": 0.03238, "gb_hour": 0.00356}
PUBLIC = [  # the statement's examples: (function, args, group)
    ("smallest_size", [0.3, 0.7], "first row that fits"),
    ("smallest_size", [1.5, 3], "first row that fits"),
    ("smallest_size", [0.25, 0.5], "exact boundaries"),
    ("smallest_size", [4, 30], "exact boundaries"),
    ("smallest_size", [0.5, 6], "memory forces a bigger CPU"),
    ("smallest_size", [4, 30.25], "memory forces a bigger CPU"),
    ("smallest_size", [1, 2.5], "fractional memory"),
    ("smallest_size", [8, 17], "fractional memory"),
    ("smallest_size", [16, 120.5], "nothing fits"),
    ("monthly_cost", [512, 1024, 730, X86], "monthly cost"),
    ("monthly_cost", [512, 1024, 730, ARM], "monthly cost"),
]


def smallest_size(vcpu_needed, memory_gb_needed):
    for cpu_units, memories in SIZES:
        if cpu_units / 1024 < vcpu_needed:
            continue
        for memory_gb in memories:
            if memory_gb >= memory_gb_needed:
                return [cpu_units, int(memory_gb * 1024)]
    return None


def monthly_cost(cpu_units, memory_mib, hours, price_table):
    hourly = cpu_units / 1024 * price_table["vcpu_hour"] + memory_mib / 1024 * price_table["gb_hour"]
    return round(hourly * hours, 2)


REFERENCE = {"smallest_size": smallest_size, "monthly_cost": monthly_cost}


def row_of(cpu_units):
    return next(i for i, (cpu, _) in enumerate(SIZES) if cpu == cpu_units)


def cpu_row(vcpu):
    """The row the CPU need alone picks."""
    return next(i for i, (cpu, _) in enumerate(SIZES) if cpu / 1024 >= vcpu)


def vcpu_in_row(rng, row):
    """A CPU need that this row covers and the row before does not (two decimals)."""
    low = SIZES[row - 1][0] / 1024 if row else 0.0
    high = SIZES[row][0] / 1024
    return round(rng.uniform(low + 0.01, high), 2)


def between(rng, low, high):
    """A fractional number strictly between low and high (two decimals)."""
    while True:
        value = round(rng.uniform(low, high), 2)
        if low < value < high and not value.is_integer():
            return value


def draw(rng, group):
    """Arguments for one fresh case of the group."""
    while True:
        if group == "first row that fits":  # the CPU picks the row, the memory fits inside it
            row = rng.randrange(len(SIZES))
            memories = SIZES[row][1]
            args = [vcpu_in_row(rng, row), rng.choice(memories[: max(1, len(memories) - 1)])]
            size = smallest_size(*args)
            if size and row_of(size[0]) == row:
                return "smallest_size", args
        elif group == "exact boundaries":  # exactly a row's vCPU, and its smallest or largest memory
            cpu, memories = rng.choice(SIZES)
            return "smallest_size", [cpu / 1024, rng.choice([memories[0], memories[-1]])]
        elif group == "memory forces a bigger CPU":
            row = rng.randrange(len(SIZES) - 1)
            top = SIZES[row][1][-1]
            args = [vcpu_in_row(rng, row), rng.choice([top + 1, between(rng, top, top + 10), rng.randrange(top + 1, 121)])]
            size = smallest_size(*args)
            if size and row_of(size[0]) > row:
                return "smallest_size", args
        elif group == "fractional memory":  # between two valid values of the row the CPU picks
            row = rng.choice([0, 0, 1, 2, 3, 4, 5, 5, 6, 6])
            memories = SIZES[row][1]
            if row == 0 and rng.random() < 0.5:
                low, high = 0.0, 0.5
            else:
                step = rng.randrange(len(memories) - 1)
                low, high = memories[step], memories[step + 1]
            args = [vcpu_in_row(rng, row), between(rng, low, high)]
            size = smallest_size(*args)
            if size and row_of(size[0]) == row:
                return "smallest_size", args
        elif group == "nothing fits":
            if rng.random() < 0.5:
                return "smallest_size", [between(rng, 16, 24), round(rng.uniform(0, 120), 2)]
            return "smallest_size", [round(rng.uniform(0, 16), 2), between(rng, 120, 200)]
        else:
            cpu, memories = rng.choice(SIZES)
            table = {"vcpu_hour": round(rng.uniform(0.02, 0.09), 5), "gb_hour": round(rng.uniform(0.002, 0.009), 6)}
            hours = rng.choice([730, 744, round(rng.uniform(1, 744), 2)])
            args = [cpu, int(rng.choice(memories) * 1024), hours, table]
            if abs(monthly_cost(*args) - monthly_cost(*args[:3], X86)) > 0.05:
                return "monthly_cost", args


def case(function, args, group):
    return Case(function, args, REFERENCE[function](*args), group)


def plan(ctx):
    rng = cases.fresh_random()
    fresh = [[case(*draw(rng, group), group) for group in GROUPS for _ in range(FRESH_PER_GROUP)] for _ in range(2)]
    shown = [case(*example) for example in PUBLIC] + fresh[0]
    held_back = [Case(row["function"], row["args"], row["want"], row["group"]) for row in ctx.hidden_json("held_back.json")]
    held_back += fresh[1]
    rng.shuffle(held_back)
    return cases.runs("sizing", shown, held_back, check)


def examples(ctx):
    """The Run button: the statement's examples only."""
    return [cases.example_run("sizing", [case(*example) for example in PUBLIC], check)]


def check(case, value):
    if case.function == "monthly_cost":
        cases.close_to(value, case.want, TOLERANCE)
    elif case.want is None:
        if value is not None:
            raise Wrong(f"returned {cases.describe(value)}, expected None (nothing fits)")
    elif value is None:
        raise Wrong(f"returned None, expected {tuple(case.want)}")
    elif (got := cases.whole_numbers(value, 2)) != case.want:
        raise Wrong(f"returned {tuple(got)}, expected {tuple(case.want)}")


def judge(ctx, results):
    return cases.group_checks(GROUPS, results, module_file="sizing.py")
