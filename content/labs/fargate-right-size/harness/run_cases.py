"""Runs inside the sandbox: call the student's sizing functions on each input and print what came back."""

import json
import math

try:
    from sizing import monthly_cost, smallest_size
except Exception as exc:  # the import itself failed: report it as data
    print("SPINUP-OBSERVATIONS " + json.dumps({"import_error": f"{type(exc).__name__}: {exc}"[:500]}))
    raise SystemExit(0) from None


def as_size(value):
    """None, or [cpu, memory] when the value is a pair of whole numbers; anything else raises."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)) and len(value) == 2:
        pair = []
        for part in value:
            if isinstance(part, bool) or not isinstance(part, (int, float)) or not float(part).is_integer():
                raise TypeError(f"returned {value!r:.80}, not two whole numbers")
            pair.append(int(part))
        return pair
    raise TypeError(f"returned {value!r:.80}, not a (cpu_units, memory_mib) pair or None")


def as_cost(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"returned {value!r:.80}, not a number")
    value = float(value)
    return value if math.isfinite(value) else None


with open("inputs.json") as handle:
    cases = json.load(handle)
results = []
for case in cases:
    try:
        if case["function"] == "smallest_size":
            value = as_size(smallest_size(*case["args"]))
        else:
            value = as_cost(monthly_cost(*case["args"]))
        results.append({"id": case["id"], "value": value})
    except Exception as exc:
        results.append({"id": case["id"], "error": f"{type(exc).__name__}: {exc}"[:300]})
print("SPINUP-OBSERVATIONS " + json.dumps({"results": results}))
