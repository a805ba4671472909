"""Copies bytes between two sockets: used on both sides of the Unix socket that joins a student's sandbox
to the grading's emulated AWS endpoint (it judges nothing and trusts nothing)."""

import contextlib
import socket
import threading


def pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def relay(listener, connect):
    """For each connection accepted on listener, open connect() and copy both ways; in a daemon thread."""

    def serve():
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            try:
                upstream = connect()
            except OSError:
                client.close()
                continue
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
