"""Grader for apigw-items-api: API Gateway events go to the student's proxy handler, one at a time.

Everything is built and judged here: the events (payload formats 1.0 and 2.0) are made by this grader and
sent over a pipe to a small runner (harness/run_handler.py) that calls the student's handler; each response
that comes back is validated here, strictly, as untrusted data. Three sequences are sent:
- a public one and one drawn fresh for each submission (its expectations from the reference store below,
  so no table of past values helps), in a run whose output is shown and whose messages give details;
- the held-back one (hidden/requests.json, expectations in hidden/expected.json), never written into the
  sandbox, in a run whose output is never shown; its messages name a request by its label only.
Each sequence starts from a fresh import of app.py, and is sent as 1.0 events, then again as 2.0 events.
"""

import base64
import json
import math
import random
import re
import time
import urllib.parse
import uuid

from labs.grading import Check, Run
from labs.sandbox import NoReply

GROUPS = {  # request groups, judged on the payload 1.0 (REST API) events -> points
    "list and get": 2,
    "create and validation": 2,
    "delete": 1,
    "404 for unknown ids": 1,
}
CORS = "CORS headers"
V2 = "payload v2"
SHAPE = "proxy response shape"
POINTS = {**GROUPS, CORS: 1, V2: 2, SHAPE: 1}
HOST = "k3x9q2.execute-api.us-east-1.amazonaws.com"
REPLY_SECONDS = 2.0  # per request; the run's own CPU and wall limits bound the whole
MAX_BODY_CHARS = 64 * 1024
MAX_HEADERS = 50
MAX_HEADER_CHARS = 1000
MAX_ID_CHARS = 100
TOKENS = random.SystemRandom()
COMMAND = ["python3", "-P", "run_handler.py"]  # -P: a student's json.py cannot stand in for the runner's

# ---------------------------------------------------------------- the requests

PUBLIC = [  # shown in the statement's spirit: values may appear in messages
    {"id": "public-list-empty", "method": "GET", "resource": "/items"},
    {"id": "public-create-tea", "method": "POST", "resource": "/items", "body": '{"name": "Tea", "price": 2.5}'},
    {"id": "public-create-jam", "method": "POST", "resource": "/items", "body": '{"name": "Jam", "price": 4}'},
    {"id": "public-get-tea", "method": "GET", "resource": "/items/{id}", "item": "@public-create-tea"},
    {"id": "public-list-limit", "method": "GET", "resource": "/items", "query": {"limit": "1"}},
    {"id": "public-no-price", "method": "POST", "resource": "/items", "body": '{"name": "Honey"}'},
    {"id": "public-delete-tea", "method": "DELETE", "resource": "/items/{id}", "item": "@public-create-tea"},
    {"id": "public-get-deleted", "method": "GET", "resource": "/items/{id}", "item": "@public-create-tea"},
    {"id": "public-list-after", "method": "GET", "resource": "/items"},
]
PUBLIC_LABELS = {
    "public-list-empty": ("list and get", "GET /items on an empty store"),
    "public-create-tea": ("create and validation", 'POST /items {"name": "Tea", "price": 2.5}'),
    "public-create-jam": ("create and validation", 'POST /items {"name": "Jam", "price": 4}'),
    "public-get-tea": ("list and get", "GET /items/{id} of Tea"),
    "public-list-limit": ("list and get", "GET /items?limit=1"),
    "public-no-price": ("create and validation", 'POST /items {"name": "Honey"} (no price)'),
    "public-delete-tea": ("delete", "DELETE /items/{id} of Tea"),
    "public-get-deleted": ("404 for unknown ids", "GET /items/{id} of Tea after its delete"),
    "public-list-after": ("delete", "GET /items after the delete"),
}
PRODUCTS = ["Pear", "Plum", "Rice", "Oats", "Salt", "Kale", "Lime", "Figs", "Tofu", "Corn", "Leek", "Mint"]
BAD_BODIES = [
    ("a POST whose body is not valid JSON", lambda rng: '{"name": "' + rng.choice(PRODUCTS) + '", "price": '),
    ("a POST without a price", lambda rng: json.dumps({"name": rng.choice(PRODUCTS)})),
    ("a POST without a name", lambda rng: json.dumps({"price": rng.randint(1, 90)})),
    ("a POST whose price is not a number", lambda rng: json.dumps({"name": rng.choice(PRODUCTS), "price": "9"})),
    ("a POST whose name is empty", lambda rng: json.dumps({"name": "", "price": rng.randint(1, 90)})),
    ("a POST whose body is a JSON array", lambda rng: json.dumps([rng.choice(PRODUCTS), 2])),
    ("a POST whose body is a JSON string", lambda rng: json.dumps(rng.choice(PRODUCTS))),
    ("a POST with no body", lambda rng: None),
]
BAD_LIMITS = ["0", "-1", "two", "1.5", "many"]


def fresh_requests(rng):
    """A sequence drawn for this submission: new names, prices, limits and ids every time."""
    count = rng.randint(3, 5)
    names = [f"{name} {rng.randint(100, 999)}" for name in rng.sample(PRODUCTS, count)]
    prices = [rng.randint(1, 60) if rng.random() < 0.4 else rng.randint(10, 9999) / 100 for _ in names]
    encoded = rng.randrange(count)
    requests = [{"id": "fresh-list-empty", "method": "GET", "resource": "/items"}]
    for index, (name, price) in enumerate(zip(names, prices, strict=True)):
        body = {"name": name, "price": price}
        if index == encoded:
            body["note"] = rng.choice(["fresh", "organic", "local"])
        request = {"id": f"fresh-create-{index}", "method": "POST", "resource": "/items", "body": json.dumps(body)}
        if index == encoded:
            request["base64"] = True
        requests.append(request)
    pick, gone = rng.sample(range(count), 2)
    requests += [
        {"id": "fresh-list-all", "method": "GET", "resource": "/items"},
        {
            "id": "fresh-limit",
            "method": "GET",
            "resource": "/items",
            "query": {"limit": str(rng.randint(1, count - 1))},
        },
        {
            "id": "fresh-limit-over",
            "method": "GET",
            "resource": "/items",
            "query": {"limit": str(count + rng.randint(1, 20))},
        },
        {"id": "fresh-get", "method": "GET", "resource": "/items/{id}", "item": f"@fresh-create-{pick}"},
    ]
    for index, (label, make) in enumerate(rng.sample(BAD_BODIES, 3)):
        request = {"id": f"fresh-bad-{index}", "method": "POST", "resource": "/items", "label": label}
        body = make(rng)
        if body is not None:
            request["body"] = body
        requests.append(request)
    requests += [
        {"id": "fresh-bad-limit", "method": "GET", "resource": "/items", "query": {"limit": rng.choice(BAD_LIMITS)}},
        {"id": "fresh-list-after-invalid", "method": "GET", "resource": "/items"},
        {"id": "fresh-delete", "method": "DELETE", "resource": "/items/{id}", "item": f"@fresh-create-{gone}"},
        {"id": "fresh-get-deleted", "method": "GET", "resource": "/items/{id}", "item": f"@fresh-create-{gone}"},
        {"id": "fresh-list-after-delete", "method": "GET", "resource": "/items"},
        {"id": "fresh-delete-again", "method": "DELETE", "resource": "/items/{id}", "item": f"@fresh-create-{gone}"},
        {
            "id": "fresh-get-unknown",
            "method": "GET",
            "resource": "/items/{id}",
            "item": uuid.UUID(int=rng.getrandbits(128)).hex[:12],
        },
    ]
    return requests


FRESH_LABELS = {  # request id (or prefix) -> (group, label)
    "fresh-list-empty": ("list and get", "listing an empty store"),
    "fresh-create-": ("create and validation", "creating an item"),
    "fresh-list-all": ("list and get", "listing all items"),
    "fresh-limit": ("list and get", "listing with ?limit"),
    "fresh-limit-over": ("list and get", "listing with a limit above the number of items"),
    "fresh-get": ("list and get", "getting an item by id"),
    "fresh-bad-": ("create and validation", None),  # labelled by the request itself
    "fresh-bad-limit": ("create and validation", "a limit that is not a whole number of at least 1"),
    "fresh-list-after-invalid": (
        "create and validation",
        "listing after the invalid requests (they must create nothing)",
    ),
    "fresh-delete": ("delete", "deleting an item"),
    "fresh-get-deleted": ("delete", "getting a deleted item"),
    "fresh-list-after-delete": ("delete", "listing after a delete"),
    "fresh-delete-again": ("404 for unknown ids", "deleting an item twice"),
    "fresh-get-unknown": ("404 for unknown ids", "getting an id that never existed"),
}


def _refuse(constant):
    raise ValueError(constant)


def reference_expectations(requests, labels):
    """What a correct handler answers to each request of a sequence (the trusted reference store)."""
    store = {}  # create request id -> (name, price), in creation order
    expected = {}
    for request in requests:
        group, label = labels(request)
        method, resource, query = request["method"], request["resource"], request.get("query") or {}
        want = {"group": group, "label": label}
        if resource == "/items" and method == "GET":
            names = [name for name, _ in store.values()]
            limit = query.get("limit")
            if limit is None:
                want.update(status=200, body={"kind": "list", "names": names})
            elif re.fullmatch(r"[0-9]+", limit) and int(limit) >= 1:
                want.update(status=200, body={"kind": "list", "names": names[: int(limit)]})
            else:
                want.update(status=400, body={"kind": "error"})
        elif resource == "/items" and method == "POST":
            try:
                data = json.loads(request["body"], parse_constant=_refuse) if "body" in request else None
            except ValueError:
                data = None
            name = data.get("name") if isinstance(data, dict) else None
            price = data.get("price") if isinstance(data, dict) else None
            if isinstance(name, str) and name.strip() and _number(price):
                store[request["id"]] = (name, price)
                want.update(status=201, body={"kind": "item", "name": name, "price": price})
            else:
                want.update(status=400, body={"kind": "error"})
        else:
            item = request.get("item", "")
            key = item[1:] if item.startswith("@") else None
            if key not in store:
                want.update(status=404, body={"kind": "error"})
            elif method == "GET":
                name, price = store[key]
                want.update(status=200, body={"kind": "item", "name": name, "price": price, "id_of": key})
            else:
                del store[key]
                want.update(status=204, body={"kind": "empty"})
        expected[request["id"]] = want
    return expected


def fresh_label(request):
    rid = request["id"]
    if rid in FRESH_LABELS:
        return FRESH_LABELS[rid]
    prefix = rid.rsplit("-", 1)[0] + "-"
    group, label = FRESH_LABELS[prefix]
    return group, request.get("label") or label


# ---------------------------------------------------------------- events (built here, never by the runner)


def path_of(request, ids):
    item = request.get("item")
    if item is None:
        return request["resource"], None
    if item.startswith("@"):
        item = ids.get(item[1:]) or "id-that-was-never-returned"
    return request["resource"].replace("{id}", urllib.parse.quote(item, safe="")), item


def event_v1(request, path, item, body):
    method, resource = request["method"], request["resource"]
    headers = {
        "Accept": "application/json",
        "Host": HOST,
        "User-Agent": "spinup-tests/1.0",
        "X-Forwarded-Proto": "https",
    }
    if body is not None:
        headers["Content-Type"] = "application/json"
    query = request.get("query")
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"id": item} if item is not None else None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "k3x9q2",
            "resourcePath": resource,
            "httpMethod": method,
            "path": "/prod" + path,
            "stage": "prod",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "spinup-tests/1.0"},
        },
        "body": body,
        "isBase64Encoded": bool(request.get("base64")),
    }


def event_v2(request, path, item, body):
    method, resource = request["method"], request["resource"]
    headers = {
        "accept": "application/json",
        "host": HOST,
        "user-agent": "spinup-tests/1.0",
        "x-forwarded-proto": "https",
    }
    if body is not None:
        headers["content-type"] = "application/json"
        headers["content-length"] = str(len(body))
    query = request.get("query")
    event = {
        "version": "2.0",
        "routeKey": f"{method} {resource}",
        "rawPath": path,
        "rawQueryString": urllib.parse.urlencode(query) if query else "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "k3x9q2",
            "domainName": HOST,
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "spinup-tests/1.0",
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": f"{method} {resource}",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": bool(request.get("base64")),
    }
    # HTTP APIs leave these keys out when there is nothing to send, rather than sending null.
    if query:
        event["queryStringParameters"] = dict(query)
    if item is not None:
        event["pathParameters"] = {"id": item}
    if body is not None:
        event["body"] = body
    return event


# ---------------------------------------------------------------- responses (untrusted, judged here)


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def describe(response):
    """A response from the runner as plain, capped facts; never raises on odd data."""
    if not isinstance(response, dict):
        return {"type": "list" if isinstance(response, list) else type(response).__name__}
    seen = {"type": "dict"}
    status = response.get("statusCode")
    seen["status"] = status if isinstance(status, int) and not isinstance(status, bool) else None
    headers = response.get("headers")
    if isinstance(headers, dict):
        if len(headers) > MAX_HEADERS or any(len(k) > MAX_HEADER_CHARS for k in headers):
            seen["headers_problem"] = f"more than {MAX_HEADERS} headers or an overlong header name"
        elif not all(isinstance(v, str) and len(v) <= MAX_HEADER_CHARS for v in headers.values()):
            seen["headers_problem"] = "every header value must be a string (of at most 1000 characters)"
        seen["headers"] = {k.lower(): v for k, v in list(headers.items())[:MAX_HEADERS] if isinstance(v, str)}
    elif headers is not None:
        seen["headers_problem"] = "headers must be a dict of strings"
    if "body" not in response:
        seen["body_type"] = "missing"
    elif response["body"] is None:
        seen["body_type"] = "none"
    elif isinstance(response["body"], str):
        text = response["body"]
        if len(text) > MAX_BODY_CHARS:
            seen["body_type"] = "oversized"
        else:
            seen["body_type"] = "str"
            seen["body_text"] = bool(text)
            try:
                seen["json"] = json.loads(text, parse_constant=_refuse) if text else None
                seen["json_ok"] = bool(text)
            except (ValueError, RecursionError):
                seen["json_ok"] = False
    else:
        seen["body_type"] = "list" if isinstance(response["body"], list) else type(response["body"]).__name__
    return seen


def run_sequence(channel, requests, make_event, rows):
    """Send one sequence (after a fresh import); rows[request id] = what came back. False once it broke."""
    if not channel.send({"load": True}):
        return False
    try:
        loaded = channel.receive(REPLY_SECONDS * 2)
    except NoReply as exc:
        rows["$import_error"] = str(exc)
        return False
    if not isinstance(loaded, dict) or loaded.get("loaded") is not True:
        error = loaded.get("import_error") if isinstance(loaded, dict) else None
        rows["$import_error"] = error[:300] if isinstance(error, str) else "app.py did not load"
        return False
    ids = {}
    for request in requests:
        path, item = path_of(request, ids)
        body = request.get("body")
        if body is not None and request.get("base64"):
            body = base64.b64encode(body.encode()).decode()
        event = make_event(request, path, item, body)
        token = TOKENS.getrandbits(48)
        if not channel.send({"event": event, "request_id": event["requestContext"]["requestId"], "n": token}):
            return False
        asked = time.monotonic()
        try:
            reply = channel.receive(REPLY_SECONDS)
        except NoReply as exc:
            rows[request["id"]] = {"no_reply": str(exc)}
            if time.monotonic() - asked >= REPLY_SECONDS:  # still busy: a late answer would meet the next request
                return False
            continue
        if not isinstance(reply, dict) or type(reply.get("n")) is not int or reply["n"] != token:
            rows[request["id"]] = {"no_reply": "the answer that came back was not for this request"}
            continue
        if not ({"response", "error"} & set(reply)):
            rows[request["id"]] = {"no_reply": "the runner's answer was not understood"}
            continue
        if "error" in reply:
            error = reply["error"]
            rows[request["id"]] = {"error": error[:300] if isinstance(error, str) else "an exception"}
            continue
        row = describe(reply["response"])
        rows[request["id"]] = row
        created = row.get("json")
        if request["method"] == "POST" and isinstance(created, dict) and isinstance(created.get("id"), str):
            ids[request["id"]] = created["id"][:MAX_ID_CHARS]
    return True


def driver_for(sequences):
    """A driver that sends each sequence as 1.0 then 2.0 events: {"v1": rows, "v2": rows}."""

    def drive(channel):
        runs = {"v1": {}, "v2": {}}
        for requests in sequences:
            for version, make_event in (("v1", event_v1), ("v2", event_v2)):
                if not run_sequence(channel, requests, make_event, runs[version]):
                    return runs
        return runs

    return drive


def plan(ctx):
    rng = random.Random(TOKENS.getrandbits(128))  # noqa: S311 - test data, not secrets
    fresh = fresh_requests(rng)
    ctx.fresh_expected = reference_expectations(fresh, fresh_label)  # for judge(); ctx.extra would be shown
    files = {"run_handler.py": ctx.lab_file("harness/run_handler.py")}
    held_back = ctx.hidden_json("requests.json")
    return [
        Run("public", COMMAND, files, driver=driver_for([PUBLIC, fresh])),
        Run("held-back", COMMAND, files, driver=driver_for([held_back]), show_output=False),
    ]


EXAMPLES_NOTE = (
    "The public requests went to your handler (as 1.0, then 2.0 events); what it printed is below. Nothing "
    "was checked: the checks run when you submit."
)


def examples(ctx):
    """The Run button: the public sequence only, its output shown and nothing judged."""
    files = {"run_handler.py": ctx.lab_file("harness/run_handler.py")}
    return [Run("public", COMMAND, files, driver=driver_for([PUBLIC]))]


# ---------------------------------------------------------------- judging


def problem_with(row, want, created, public):
    """Why one response is wrong, in plain words; None when right. Held-back requests are named by their
    label only, and nothing the student's code sent back (status, error text) is quoted for them."""
    label = want["label"]
    if not isinstance(row, dict) or not row:
        return f"{label}: no response came back"
    if "no_reply" in row:
        return f"{label}: {row['no_reply']}" if public else f"{label}: no usable answer"
    if "error" in row:
        return (
            f"{label}: the handler raised {row['error'][:160]}"
            if public
            else f"{label}: the handler raised an exception"
        )
    if row.get("type") != "dict":
        return (
            f"{label}: the handler returned a {row.get('type', '?')[:30]}, not a dict with statusCode, headers and body"
        )
    status = row.get("status")
    if status != want["status"]:
        got = f"got status {status}" if public else "wrong status"
        return f"{label}: {got}, expected {want['status']}"
    body, data = want["body"], row.get("json")
    if body["kind"] == "empty":
        if row.get("body_type") in ("str", "none", "missing") and not row.get("body_text"):
            return None
        return f"{label}: a {want['status']} response must have an empty body"
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
            if public:
                return f"{label}: the list's names are {json.dumps(names)[:200]}, expected {json.dumps(body['names'])}"
            return f"{label}: the list does not hold the expected items in the order they were created"
        if not all(isinstance(x.get("id"), str) and _number(x.get("price")) for x in data):
            return f"{label}: every listed item needs its id (a string), name and price"
        return None
    if not isinstance(data, dict):
        return f"{label}: the body should be the item as a JSON object"
    if not isinstance(data.get("id"), str) or not data["id"]:
        return f"{label}: the item needs an id that is a non-empty string"
    if data.get("name") != body["name"] or not _number(data.get("price")) or abs(data["price"] - body["price"]) > 1e-9:
        return f"{label}: the item's name or price is not the one that was sent"
    if "id_of" in body and data["id"] != created.get(body["id_of"]):
        return f"{label}: the item's id is not the one it was created with"
    return None


def _created_ids(rows):
    return {
        rid: row["json"]["id"][:MAX_ID_CHARS]
        for rid, row in rows.items()
        if isinstance(row, dict) and isinstance(row.get("json"), dict) and isinstance(row["json"].get("id"), str)
    }


def shape_problem(row, label):
    if row.get("type") != "dict" or row.get("status") is None:
        return f"{label}: the response must be a dict with an integer statusCode"
    if row.get("headers_problem"):
        return f"{label}: {row['headers_problem']}"
    if row.get("body_type") == "oversized":
        return f"{label}: the body is longer than {MAX_BODY_CHARS // 1024} KiB"
    if row.get("body_type") not in ("str", "none", "missing"):
        return f"{label}: the body is a {row.get('body_type', '?')[:20]}, not a string (json.dumps it); a REST API would answer 502"
    if row.get("body_text") and "application/json" not in (row.get("headers") or {}).get("content-type", ""):
        return f"{label}: a JSON body needs the header Content-Type: application/json"
    return None


def judge(ctx, results):
    public_expected = reference_expectations(PUBLIC, lambda request: PUBLIC_LABELS[request["id"]])
    fresh_expected = getattr(ctx, "fresh_expected", {})
    expected = {**public_expected, **fresh_expected, **ctx.hidden_json("expected.json")}
    public = set(public_expected) | set(fresh_expected)  # shown: their details may be quoted
    runs = {"v1": {}, "v2": {}}
    import_error = None
    for name in ("public", "held-back"):
        value = results[name].driver.get("value")
        if not isinstance(value, dict):
            continue
        for version in runs:
            rows = value.get(version) or {}
            error = rows.pop("$import_error", None)
            if error and not import_error:  # the held-back run's text could carry what it was sent: not quoted
                import_error = error if name == "public" else "it failed while the held-back requests were sent"
            runs[version].update(rows)
    if not runs["v1"]:
        why = f"app.py did not load: {import_error}" if import_error else "no responses came back (did the code crash?)"
        return [Check(name, False, 0, points, why) for name, points in POINTS.items()]

    def api(version):
        return "REST API" if version == "v1" else "HTTP API"

    def summary(wrong, total, what):
        held = sum(1 for rid, _ in wrong if rid not in public)
        first = sorted(wrong, key=lambda pair: pair[0] not in public)[0][1]
        kept = f" ({held} of them held back)" if held else ""
        return f"{len(wrong)} of {total} {what}{kept}, e.g. {first}"

    def wrong_in(version, ids):
        rows = runs[version]
        created = _created_ids(rows)
        found = [(i, problem_with(rows.get(i), expected[i], created, i in public)) for i in ids]
        return [(i, p) for i, p in found if p]

    checks = []
    for group, points in GROUPS.items():
        ids = [i for i, want in expected.items() if want["group"] == group]
        wrong = wrong_in("v1", ids)
        message = (
            summary(wrong, len(ids), "requests wrong as REST API events") if wrong else f"all {len(ids)} requests right"
        )
        checks.append(Check(group, not wrong, 0 if wrong else points, points, message))

    # Every response that came back, in both formats, carries Access-Control-Allow-Origin: *.
    # (A handler that raised has no response to judge here; the request groups count that.)
    missing, total = [], 0
    for version, rows in runs.items():
        for i in expected:
            row = rows.get(i)
            if not isinstance(row, dict) or row.get("type") != "dict":
                continue
            total += 1
            if (row.get("headers") or {}).get("access-control-allow-origin") != "*":
                missing.append((i, f"{expected[i]['label']} ({api(version)})"))
    if not total:
        message = "no response came back to check"
    elif missing:
        message = summary(missing, total, "responses lack the header Access-Control-Allow-Origin: *")
    else:
        message = "every response allows any origin"
    ok = bool(total) and not missing
    checks.append(Check(CORS, ok, POINTS[CORS] if ok else 0, POINTS[CORS], message))

    ids = list(expected)
    wrong = wrong_in("v2", ids)
    if not runs["v2"]:
        message = "no responses came back for the HTTP API (payload format 2.0) events"
        if import_error:
            message += f" (app.py did not load: {import_error})"
    elif wrong:
        message = summary(wrong, len(ids), "requests wrong as HTTP API (payload format 2.0) events")
    else:
        message = "every request also works as an HTTP API (payload format 2.0) event"
    ok = bool(runs["v2"]) and not wrong
    checks.append(Check(V2, ok, POINTS[V2] if ok else 0, POINTS[V2], message))

    # The proxy contract, for every response that came back: an int statusCode, string headers, a string
    # body, and a JSON content type on JSON bodies.
    bad, total = [], 0
    for version, rows in runs.items():
        for i in expected:
            row = rows.get(i)
            if not isinstance(row, dict) or "error" in row or "no_reply" in row:
                continue
            total += 1
            problem = shape_problem(row, f"{expected[i]['label']} ({api(version)})")
            if problem:
                bad.append((i, problem))
    if not total:
        message = "no response came back to check"
    elif bad:
        message = summary(bad, total, "responses break the proxy format")
    else:
        message = "every response has the proxy shape"
    ok = bool(total) and not bad
    checks.append(Check(SHAPE, ok, POINTS[SHAPE] if ok else 0, POINTS[SHAPE], message))
    return checks
