"""Grader for fargate-right-size: runs smallest_size and monthly_cost on hidden cases in the sandbox."""

from labs.grading import Check, Run, observations

GROUPS = {  # group (check name) -> points
    "first row that fits": 1.5,
    "exact boundaries": 2,
    "memory forces a bigger CPU": 2,
    "fractional memory": 1.5,
    "nothing fits": 1,
    "monthly cost": 2,
}
TOLERANCE = 0.011  # a cent, plus float noise


def plan(ctx):
    files = {"run_cases.py": ctx.lab_file("harness/run_cases.py"), "inputs.json": ctx.lab_file("hidden/inputs.json")}
    return [Run("cases", ["python3", "run_cases.py"], files)]


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def matches(want, got):
    if isinstance(want, list):  # a size: [cpu units, memory MiB]
        return (
            isinstance(got, list)
            and len(got) == 2
            and all(is_number(g) and g == w for g, w in zip(got, want, strict=True))
        )
    if want is None:
        return got is None
    return is_number(got) and abs(got - want) <= TOLERANCE


def describe(row):
    if isinstance(row.get("error"), str):
        return row["error"][:120]
    if "value" not in row:
        return "no answer came back"
    return f"returned {row['value']!r:.60}"


def judge(ctx, results):
    expected = ctx.hidden_json("expected.json")
    seen = observations(results["cases"], default={})
    if not isinstance(seen, dict):
        seen = {}
    got = {}
    for row in seen.get("results") if isinstance(seen.get("results"), list) else []:
        if isinstance(row, dict) and isinstance(row.get("id"), str):
            got[row["id"]] = row
    problem = seen.get("import_error") if isinstance(seen.get("import_error"), str) else None
    checks = []
    for group, points in GROUPS.items():
        ids = [case_id for case_id, want in expected.items() if want["group"] == group]
        wrong = [
            describe(got.get(i, {}))
            for i in ids
            if not matches(expected[i]["value"], got.get(i, {}).get("value", "missing"))
        ]
        if problem:
            message = f"sizing.py did not import: {problem}"
        elif not got:
            message = "no results came back (did the code crash, print too much or run out of time?)"
        elif wrong:
            message = f"{len(wrong)} of {len(ids)} cases wrong, e.g. one {wrong[0]}"
        else:
            message = f"all {len(ids)} cases right"
        passed = not wrong and not problem and bool(got)
        checks.append(Check(group, passed, points if passed else 0, points, message))
    return checks
