"""Ignores the request: replays the answers to the sequence an earlier verdict showed, by position."""

import json

CORS = {"Access-Control-Allow-Origin": "*", "Content-Type": "application/json"}
APPLE = {"id": "a1", "name": "Apple", "price": 1.5}
BREAD = {"id": "b2", "name": "Bread", "price": 3}
CHEESE = {"id": "c3", "name": "Cheese", "price": 7.25}
ERROR = (400, {"error": "bad request"})
SCRIPT = [
    (200, []),
    (201, APPLE),
    (201, BREAD),
    (201, CHEESE),
    (200, [APPLE, BREAD, CHEESE]),
    (200, [APPLE, BREAD]),
    (200, [APPLE, BREAD, CHEESE]),
    (200, APPLE),
    (200, CHEESE),
    ERROR,
    ERROR,
    ERROR,
    ERROR,
    ERROR,
    ERROR,
    ERROR,
    (200, [APPLE, BREAD, CHEESE]),
    (204, None),
    (404, {"error": "gone"}),
    (200, [APPLE, CHEESE]),
    (404, {"error": "gone"}),
    (404, {"error": "no such item"}),
    (404, {"error": "no such item"}),
]
position = 0


def handler(event, context):
    global position
    status, data = SCRIPT[position % len(SCRIPT)]
    position += 1
    if data is None:
        return {"statusCode": status, "headers": {"Access-Control-Allow-Origin": "*"}, "body": ""}
    return {"statusCode": status, "headers": dict(CORS), "body": json.dumps(data)}
