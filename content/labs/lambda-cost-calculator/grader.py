"""Grader for lambda-cost-calculator: runs the student's monthly_cost on hidden cases in the sandbox."""

from labs.grading import Check, Run, observations

GROUPS = {  # group -> points
    "under the free tier": 2,
    "at the free tier": 2,
    "over the free tier": 4,
    "1 ms rounding": 2,
}
TOLERANCE = 0.011


def plan(ctx):
    files = {"run_cases.py": ctx.lab_file("harness/run_cases.py"), "inputs.json": ctx.lab_file("hidden/inputs.json")}
    return [Run("cases", ["python3", "run_cases.py"], files)]


def judge(ctx, results):
    expected = ctx.hidden_json("expected.json")
    seen = observations(results["cases"], default={})
    if not isinstance(seen, dict):
        seen = {}
    got = {}
    for row in seen.get("results", []) if isinstance(seen.get("results"), list) else []:
        if isinstance(row, dict) and isinstance(row.get("id"), str):
            got[row["id"]] = row
    problem = seen.get("import_error") if isinstance(seen.get("import_error"), str) else None
    checks = []
    for group, points in GROUPS.items():
        ids = [case_id for case_id, want in expected.items() if want["group"] == group]
        wrong = []
        for case_id in ids:
            row = got.get(case_id, {})
            value = row.get("value")
            if not isinstance(value, (int, float)) or isinstance(value, bool) or abs(value - expected[case_id]["value"]) > TOLERANCE:
                wrong.append(row.get("error") or f"returned {value!r}")
        if problem:
            message = f"pricing.py did not import: {problem}"
        elif not got:
            message = "no results came back (did the code crash or run out of time?)"
        elif wrong:
            message = f"{len(wrong)} of {len(ids)} cases wrong, e.g. {wrong[0][:120]}"
        else:
            message = f"all {len(ids)} cases right"
        checks.append(Check(group, not wrong and not problem and bool(got), points if not wrong and got and not problem else 0, points, message))
    return checks
