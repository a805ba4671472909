"""Grader for apigw-items-api: hidden requests go to the student's proxy handler as 1.0 and 2.0 events."""

import math

from labs.grading import Check, Run, observations

GROUPS = {  # request groups, judged on the payload 1.0 (REST API) run -> points
    "list and get": 2,
    "create and validation": 2,
    "delete": 1,
    "404 for unknown ids": 1,
}
CORS = "CORS headers"
V2 = "payload v2"
SHAPE = "proxy response shape"
POINTS = {**GROUPS, CORS: 1, V2: 2, SHAPE: 1}


def plan(ctx):
    files = {
        "run_requests.py": ctx.lab_file("harness/run_requests.py"),
        "requests.json": ctx.lab_file("hidden/requests.json"),
    }
    # -P: the harness's folder is not first on sys.path, so a student's json.py cannot stand in for the real one.
    return [Run("requests", ["python3", "-P", "run_requests.py"], files)]


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _headers(row):
    """Response headers with lower-cased names (header names are case-insensitive), strings only."""
    headers = row.get("headers")
    if not isinstance(headers, dict):
        return {}
    return {k.lower(): v for k, v in headers.items() if isinstance(k, str) and isinstance(v, str)}


def _status(row):
    status = row.get("status")
    return status if isinstance(status, int) and not isinstance(status, bool) else None


def _created_ids(rows):
    return {
        rid: row["json"]["id"]
        for rid, row in rows.items()
        if isinstance(row.get("json"), dict) and isinstance(row["json"].get("id"), str)
    }


def problem_with(row, want, created):
    """Why one response is wrong for its expectation, in plain words; None when right."""
    label = want["label"]
    if not isinstance(row, dict) or not row:
        return f"{label}: no response was recorded"
    if isinstance(row.get("error"), str):
        return f"{label}: the handler raised {row['error'][:160]}"
    if row.get("type") != "dict":
        return (
            f"{label}: the handler returned a {str(row.get('type'))[:30]}, not a dict with statusCode, headers and body"
        )
    status = _status(row)
    if status != want["status"]:
        return f"{label}: got status {status if status is not None else repr(row.get('status'))[:40]}, expected {want['status']}"
    body, data = want["body"], row.get("json")
    if body["kind"] == "empty":
        if row.get("body_type") in ("str", "none", "missing") and not row.get("body_text"):
            return None
        return f"{label}: a {want['status']} response has an empty body"
    if row.get("body_type") != "str" or row.get("json_ok") is not True:
        return f"{label}: the body is not a JSON string"
    if body["kind"] == "error":
        if isinstance(data, dict) and isinstance(data.get("error"), str):
            return None
        return f'{label}: the body should be a JSON object like {{"error": "what went wrong"}}'
    if body["kind"] == "list":
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            return f"{label}: the body should be a JSON array of items"
        names = [x.get("name") for x in data]
        if names != body["names"]:
            return f"{label}: the list has {len(names)} item(s), not the expected ones in the order they were created"
        if not all(isinstance(x.get("id"), str) and _number(x.get("price")) for x in data):
            return f"{label}: every listed item needs its id (a string), name and price"
        return None
    # one item
    if not isinstance(data, dict):
        return f"{label}: the body should be the item as a JSON object"
    if not isinstance(data.get("id"), str) or not data["id"]:
        return f"{label}: the item needs an id that is a non-empty string"
    if data.get("name") != body["name"] or not _number(data.get("price")) or abs(data["price"] - body["price"]) > 1e-9:
        return f"{label}: the item's name or price is not the one that was sent"
    if "id_of" in body and data["id"] != created.get(body["id_of"]):
        return f"{label}: the item's id is not the one it was created with"
    return None


def judge(ctx, results):
    expected = ctx.hidden_json("expected.json")
    seen = observations(results["requests"], default={})
    seen = seen if isinstance(seen, dict) else {}
    raw_runs = seen.get("runs") if isinstance(seen.get("runs"), dict) else {}
    runs = {}
    for version in ("v1", "v2"):
        rows = raw_runs.get(version)
        rows = rows if isinstance(rows, list) else []
        runs[version] = {
            row["id"]: row
            for row in rows
            if isinstance(row, dict) and isinstance(row.get("id"), str) and row["id"] in expected
        }
    if isinstance(seen.get("import_error"), str) or not runs["v1"]:
        why = (
            f"app.py did not load: {seen['import_error'][:300]}"
            if isinstance(seen.get("import_error"), str)
            else "no results came back (did the code crash or run out of time?)"
        )
        return [Check(name, False, 0, points, why) for name, points in POINTS.items()]

    def wrong_in(version, ids):
        rows = runs[version]
        created = _created_ids(rows)
        return [p for p in (problem_with(rows.get(i), expected[i], created) for i in ids) if p]

    checks = []
    for group, points in GROUPS.items():
        ids = [i for i, want in expected.items() if want["group"] == group]
        wrong = wrong_in("v1", ids)
        message = (
            f"{len(wrong)} of {len(ids)} requests wrong (REST API events), e.g. {wrong[0]}"
            if wrong
            else f"all {len(ids)} requests right"
        )
        checks.append(Check(group, not wrong, 0 if wrong else points, points, message))

    # Every response that came back, in both runs, carries Access-Control-Allow-Origin: *.
    # (A handler that raised has no response to judge here; the request groups count that.)
    missing, total = [], 0
    for version, rows in runs.items():
        for i in expected:
            row = rows.get(i)
            if not isinstance(row, dict) or row.get("type") != "dict":
                continue
            total += 1
            if _headers(row).get("access-control-allow-origin") != "*":
                missing.append(f"{expected[i]['label']} ({'REST' if version == 'v1' else 'HTTP'} API)")
    if not total:
        message = "no response came back to check"
    elif missing:
        message = (
            f"{len(missing)} of {total} responses lack the header Access-Control-Allow-Origin: *, e.g. {missing[0]}"
        )
    else:
        message = "every response allows any origin"
    ok = bool(total) and not missing
    checks.append(Check(CORS, ok, POINTS[CORS] if ok else 0, POINTS[CORS], message))

    ids = list(expected)
    wrong = wrong_in("v2", ids)
    if not runs["v2"]:
        message = "no responses came back for the HTTP API (payload format 2.0) events"
    elif wrong:
        message = f"{len(wrong)} of {len(ids)} requests wrong as HTTP API (payload format 2.0) events, e.g. {wrong[0]}"
    else:
        message = "every request also works as an HTTP API (payload format 2.0) event"
    ok = bool(runs["v2"]) and not wrong
    checks.append(Check(V2, ok, POINTS[V2] if ok else 0, POINTS[V2], message))

    # The proxy contract, for every response that came back: an int statusCode, string headers, a string
    # body, and a JSON content type on JSON bodies.
    bad, total = [], 0
    for version, rows in runs.items():
        for i in expected:
            row, label = rows.get(i), f"{expected[i]['label']} ({'REST' if version == 'v1' else 'HTTP'} API)"
            if not isinstance(row, dict) or isinstance(row.get("error"), str):
                continue
            total += 1
            if row.get("type") != "dict" or _status(row) is None:
                bad.append(f"{label}: the response must be a dict with an integer statusCode")
            elif isinstance(row.get("headers"), dict) and len(_headers(row)) != len(row["headers"]):
                bad.append(f"{label}: every header value must be a string")
            elif row.get("body_type") not in ("str", "none", "missing"):
                bad.append(
                    f"{label}: the body is a {str(row.get('body_type'))[:20]}, not a string (json.dumps it); a REST API would answer 502"
                )
            elif row.get("body_text") and "application/json" not in _headers(row).get("content-type", ""):
                bad.append(f"{label}: a JSON body needs the header Content-Type: application/json")
    if not total:
        message = "no response came back to check"
    elif bad:
        message = f"{len(bad)} of {total} responses break the proxy format, e.g. {bad[0]}"
    else:
        message = "every response has the proxy shape"
    ok = bool(total) and not bad
    checks.append(Check(SHAPE, ok, POINTS[SHAPE] if ok else 0, POINTS[SHAPE], message))
    return checks
