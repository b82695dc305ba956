#!/usr/bin/env python3
"""A Standard Webhooks receiver on loopback: for the tests, and for trying Intake's webhooks by hand.

Each delivery's signature is checked with the `standardwebhooks` library from PyPI, an implementation that owes
nothing to Intake's. The first --fail-first requests are answered 500, to exercise the retries; after that a
verified delivery gets 204 and a forged one 400. Every request is appended to --log as one JSON line.

  .venv/bin/python scripts/webhook-receiver.py --port 8099 --secret-file secret.txt --log deliveries.jsonl
"""
import argparse
import http.server
import json
import threading

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
parser.add_argument("--secret-file", required=True, help="holds the whsec_… secret; read on every request")
parser.add_argument("--log", required=True)
parser.add_argument("--fail-first", type=int, default=0)
args = parser.parse_args()
lock = threading.Lock()
received = 0


class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global received
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            with open(args.secret_file) as file:
                Webhook(file.read().strip()).verify(body, headers)
            verified = True
        except (WebhookVerificationError, OSError, ValueError):
            verified = False
        with lock:
            received += 1
            status = 500 if received <= args.fail_first else (204 if verified else 400)
            entry = {"n": received, "status": status, "verified": verified, "path": self.path,
                     "webhook_id": headers.get("webhook-id"), "body": json.loads(body or b"null")}
            with open(args.log, "a") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Receiver)
print(f"webhook receiver on http://127.0.0.1:{server.server_address[1]}/", flush=True)
server.serve_forever()
