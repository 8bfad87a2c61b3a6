"""A real SMTP server for the mail tests: aiosmtpd (PyPI) on 127.0.0.1:PORT. Every message
it accepts is decoded (headers, transfer encodings, charsets) with Python's email package
and appended as one JSON line to OUT: {"from", "to", "subject", "body"}.

Usage: python3 smtp_sink.py PORT OUT   (prints "ready" once listening)
"""

import email
import json
import sys
import time
from email import policy

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        part = msg.get_body(preferencelist=("plain",))
        record = {
            "from": str(msg["from"]),
            "to": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "body": part.get_content() if part is not None else "",
        }
        with open(self.out, "a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
