"""A small items API behind API Gateway (Lambda proxy integration), for payload formats 1.0 and 2.0."""

import json

JSON = {"Content-Type": "application/json"}
ITEMS = {}  # id -> item; lives as long as the execution environment (a real API would use DynamoDB)


def handler(event, context):
    method = event.get("httpMethod")  # TODO: payload format 2.0 puts the method elsewhere
    path = event.get("path")
    if method == "GET" and path == "/items":
        return {"statusCode": 200, "headers": dict(JSON), "body": json.dumps(list(ITEMS.values()))}
    # TODO: GET /items/{id}, POST /items, DELETE /items/{id}, ?limit=N, errors, CORS headers.
    return {"statusCode": 501, "headers": dict(JSON), "body": json.dumps({"error": "not implemented yet"})}
