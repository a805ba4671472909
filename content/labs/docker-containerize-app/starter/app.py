"""A tiny web service to containerize: GET / answers {"status": "ok"}. Standard library only; do not change."""

import json
import signal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = 8080


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/":
            status, payload = 200, {"status": "ok"}
        else:
            status, payload = 404, {"error": "not found"}
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def stop(signum, frame):
    # `docker stop` sends SIGTERM to PID 1. With an exec-form CMD that is this process, so it can exit cleanly.
    raise SystemExit(0)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, stop)
    # 0.0.0.0, not 127.0.0.1: in a container, loopback is not reachable from outside the container.
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    print(f"listening on port {PORT}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
