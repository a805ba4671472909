"""Student side (as untrusted as the student's code): reach the grading's emulated AWS endpoint.

The endpoint runs in another sandbox; the only way there is the Unix socket at /svc/aws.sock. This opens
127.0.0.1:5000 in this sandbox and forwards each connection to it, so boto3 works as usual. Nothing here is
believed by the grader: it reads the endpoint's state itself after this process has exited.
"""

import json
import os
import socket

from spinup_relay import relay

SOCKET = "/svc/aws.sock"
PORT = 5000
ENDPOINT = f"http://127.0.0.1:{PORT}"
REGION = "us-east-1"


def start():
    """Open the local endpoint and point boto3 at it (fake credentials: nothing real is reachable)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", PORT))
    listener.listen(64)

    def connect():
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        upstream.connect(SOCKET)
        return upstream

    relay(listener, connect)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": ENDPOINT,
        }
    )
    return ENDPOINT


def client(name, **kwargs):
    import boto3

    return boto3.client(name, region_name=REGION, endpoint_url=ENDPOINT, **kwargs)


def infra():
    """What the platform built for this run (ids differ every time), as the grader handed it over."""
    with open("infra.json") as handle:
        return json.load(handle)
