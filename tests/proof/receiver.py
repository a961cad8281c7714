#!/usr/bin/env python3
"""make proof: the HTTP sink's receiver. Loopback only, Python stdlib.

    receiver.py --port-file FILE --log FILE.jsonl

Listens on 127.0.0.1 (a free port, written to --port-file), answers every POST 200 and appends
one JSON line per accepted request: {"path", "idempotency_key", "body"} (body parsed as JSON,
or a list for a batched POST). Keep-alive (HTTP/1.1). Stops on SIGTERM/SIGINT.
"""
import argparse
import http.server
import json
import os
import signal
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    log = open(a.log, "a", buffering=1)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n) if n else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = {"unparsable": raw.decode("utf-8", "replace")}
            rec = {"path": self.path, "idempotency_key": self.headers.get("Idempotency-Key"), "body": body}
            with lock:
                log.write(json.dumps(rec, separators=(",", ":")) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            # A SIGKILLed fanout resets its connections: not worth a traceback.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(a.port_file + ".tmp", a.port_file)

    def stop(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.serve_forever()
    log.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
