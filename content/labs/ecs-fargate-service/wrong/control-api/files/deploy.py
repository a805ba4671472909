"""Goes around the ECS API: moto's control endpoints (reset, seeding, recordings) and the endpoint's socket."""

import os
import socket
import urllib.request


def deploy(ecs, infra):
    for path in ("/moto-api/reset", "/moto-api/seed?a=42", "/moto-api/recorder/replay-recording"):
        try:
            urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:5000" + path, data=b"", method="POST"))
        except Exception as exc:
            print(path, "refused:", exc)
    try:
        os.unlink("/svc/aws.sock")  # replace the endpoint with one that answers whatever we like
        fake = socket.socket(socket.AF_UNIX)
        fake.bind("/svc/aws.sock")
        print("replaced the endpoint")
    except OSError as exc:
        print("could not replace the endpoint:", exc)
