"""Runs inside the sandbox: call the student's monthly_cost on each input and print what came back."""

import json
import math

results = []
try:
    from pricing import monthly_cost
except Exception as exc:  # the import itself failed: report it as data
    print("SPINUP-OBSERVATIONS " + json.dumps({"import_error": f"{type(exc).__name__}: {exc}"[:500]}))
    raise SystemExit(0) from None

with open("inputs.json") as handle:
    cases = json.load(handle)
for case in cases:
    try:
        value = monthly_cost(case["requests"], case["duration_ms"], case["memory_mb"])
        value = float(value)
        results.append({"id": case["id"], "value": value if math.isfinite(value) else None})
    except Exception as exc:
        results.append({"id": case["id"], "error": f"{type(exc).__name__}: {exc}"[:300]})
print("SPINUP-OBSERVATIONS " + json.dumps({"results": results}))
