"""Runs inside the sandbox: send the hidden requests to the student's handler as API Gateway events, report.

The sequence runs twice, once as REST API events (payload format 1.0) and once as HTTP API events
(payload format 2.0), with the student's modules imported afresh in between so the store starts empty.
Trusted, but everything it prints is judged as untrusted data outside the sandbox.
"""

import base64
import importlib
import json
import os
import sys
import time
import urllib.parse
import uuid

MARKER = "SPINUP-OBSERVATIONS "
HOST = "k3x9q2.execute-api.us-east-1.amazonaws.com"
_write, _exit, _dumps = os.write, os._exit, json.dumps  # held before any student code runs


def report(data):
    """Print the one observations line and leave at once (no atexit hook can print after it)."""
    sys.stdout.flush()
    line = (MARKER + _dumps(data) + "\n").encode()
    while line:
        line = line[_write(1, line) :]
    _exit(0)


def short_error(exc):
    return f"{type(exc).__name__}: {exc}"[:300]


def cap(value, limit=4000):
    """Plain JSON data (capped), whatever the student's code produced."""
    try:
        text = json.dumps(value, default=repr)
    except Exception:  # circular structures and the like
        text = json.dumps(repr(value))
    if len(text) > limit:
        return {"unreadable": "too large"}
    return json.loads(text)


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


class FakeContext:
    function_name = "items-api"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:items-api"

    def __init__(self):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + 29

    def get_remaining_time_in_millis(self):
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def describe(response):
    """What came back, as data: the grader decides what is right."""
    if not isinstance(response, dict):
        return {"type": type(response).__name__[:40], "value": cap(response, 500)}
    seen = {"type": "dict", "keys": sorted(str(k)[:40] for k in response)[:20]}
    status = response.get("statusCode")
    seen["status"] = status if isinstance(status, (int, float, str, bool)) or status is None else repr(status)[:40]
    headers = response.get("headers")
    if isinstance(headers, dict):
        seen["headers"] = {
            str(k)[:100]: (v[:300] if isinstance(v, str) else {"not_a_string": repr(v)[:100]})
            for k, v in list(headers.items())[:30]
        }
    elif headers is not None:
        seen["headers"] = {"not_a_dict": type(headers).__name__[:40]}
    if "body" not in response:
        seen["body_type"] = "missing"
    elif response["body"] is None:
        seen["body_type"] = "none"
    elif isinstance(response["body"], str):
        seen["body_type"] = "str"
        text = response["body"]
        seen["body_text"] = text[:300]
        try:
            seen["json"] = cap(json.loads(text)) if text else None
            seen["json_ok"] = bool(text)
        except ValueError:
            seen["json_ok"] = False
    else:
        seen["body_type"] = type(response["body"]).__name__[:40]
    seen["base64"] = response.get("isBase64Encoded", False) is True
    return seen


def fresh_handler(workdir):
    """Import app.py anew, dropping every module previously loaded from the student's folder."""
    for name, module in list(sys.modules.items()):
        if (getattr(module, "__file__", None) or "").startswith(workdir + os.sep):
            del sys.modules[name]
    importlib.invalidate_caches()
    app = importlib.import_module("app")
    handler = getattr(app, "handler", None)
    if not callable(handler):
        raise AttributeError("app.py has no function handler(event, context)")
    return handler


def run_sequence(handler, requests, make_event):
    ids, rows = {}, []
    for request in requests:
        path, item = path_of(request, ids)
        body = request.get("body")
        if body is not None and request.get("base64"):
            body = base64.b64encode(body.encode()).decode()
        row = {"id": request["id"]}
        try:
            row.update(describe(handler(make_event(request, path, item, body), FakeContext())))
        except BaseException as exc:  # (SystemExit too: in AWS the client would get a 502)
            row["error"] = short_error(exc)
        created = row.get("json")
        if request["method"] == "POST" and isinstance(created, dict) and isinstance(created.get("id"), (str, int)):
            ids[request["id"]] = str(created["id"])[:100]
        rows.append(row)
    return rows


def main():
    with open("requests.json") as handle:
        requests = json.load(handle)
    workdir = os.getcwd()
    sys.path.append(workdir)  # after the standard library: a student file cannot shadow json
    runs = {}
    for version, make_event in (("v1", event_v1), ("v2", event_v2)):
        try:
            handler = fresh_handler(workdir)
        except BaseException as exc:  # (a failed import is the student's result)
            report({"import_error": short_error(exc)})
        runs[version] = run_sequence(handler, requests, make_event)
    report({"runs": runs})


if __name__ == "__main__":
    main()
