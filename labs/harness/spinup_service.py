"""Trusted: the emulated AWS endpoint of one grading, in a sandbox of its own that holds no student code.

It imports the lab's `lab_service.py` (from the lab's service/ folder), serves moto's server app (or the
lab's own WSGI app) on 127.0.0.1:5000 inside this sandbox's network namespace, and opens /svc/aws.sock,
the only way in from the student's sandbox (mounted there read-only, so it cannot be replaced). Requests
to moto's own control API (/moto-api) are refused from the socket. It prints {"ready": infra} on stdout,
then waits: on {"collect": true} it prints {"state": ...} read from the endpoint, and exits. The grader
talks to it over stdin/stdout; the student's process can reach neither.

lab_service may define: install() (patch moto to record what was sent), setup(endpoint) -> infra (JSON
for the student's run), collect(endpoint, infra) -> state (JSON for the judge), wsgi_app() (instead of moto).
"""

import json
import os
import socket
import sys
import threading

from spinup_relay import relay

PROTOCOL = os.fdopen(os.dup(1), "w", buffering=1)
os.dup2(2, 1)  # anything else printed, by moto or the lab module, goes to stderr
sys.stdout = sys.stderr
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }
)
PORT = 5000
ENDPOINT = f"http://127.0.0.1:{PORT}"
SOCKET = "/svc/aws.sock"


def say(message):
    PROTOCOL.write(json.dumps(message, default=str) + "\n")
    PROTOCOL.flush()


def moto_app():
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def guarded(app):
    """Refuse moto's control API (reset, seeding, recordings): state changes only through AWS calls."""

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            start_response("403 Forbidden", [("Content-Type", "text/plain")])
            return [b"not available here"]
        return app(environ, start_response)

    return wsgi


def main():
    import lab_service
    from werkzeug.serving import make_server

    if hasattr(lab_service, "install"):
        lab_service.install()
    app = lab_service.wsgi_app() if hasattr(lab_service, "wsgi_app") else moto_app()
    server = make_server("127.0.0.1", PORT, guarded(app), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    infra = lab_service.setup(ENDPOINT) if hasattr(lab_service, "setup") else {}
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(SOCKET)
    listener.listen(64)
    relay(listener, lambda: socket.create_connection(("127.0.0.1", PORT)))
    say({"ready": infra})
    for line in sys.stdin:
        message = json.loads(line)
        if message.get("collect"):
            listener.close()  # the student's run is over: nothing else gets in
            say({"state": lab_service.collect(ENDPOINT, infra) if hasattr(lab_service, "collect") else {}})
            break
    os._exit(0)


main()
