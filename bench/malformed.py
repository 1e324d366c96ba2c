#!/usr/bin/env python3
"""The malformed share of bench/soak.sh: requests a token server must refuse, on mTLS
connections kept open while the server keeps them (a new one after each it closes), at a given
rate for a given time (a sender that falls behind stops at the end all the same); every answer is checked against the status the
request must get. An unexpected answer (another status, a 5xx, no answer, a reset) is an error.

usage: malformed.py --port P --ca CA --cert CERT --key KEY --rate PER_S --duration S
prints one JSON line: {"sent": n, "expected": n, "unexpected": n, "kinds": {...}, "first": "..."}
"""
import argparse
import json
import socket
import ssl
import threading
import time

TOKEN = "POST /connect/token HTTP/1.1\r\nHost: localhost\r\n"
FORM = "Content-Type: application/x-www-form-urlencoded\r\n"


def form(body, extra=""):
    return (TOKEN + FORM + extra + f"Content-Length: {len(body)}\r\n\r\n{body}").encode()


# (name, request bytes, expected status): what a client gets wrong, and what it must hear back.
KINDS = [
    # decoded leniently (WHATWG): the client "%ZZ", which does not exist
    ("bad_percent_escape", form("grant_type=client_credentials&client_id=%ZZ"), 401),
    ("no_grant_type", form("client_id=certclient"), 400),
    ("unsupported_grant", form("grant_type=password&client_id=certclient"), 400),
    ("repeated_parameter",
     form("grant_type=client_credentials&grant_type=client_credentials&client_id=certclient"), 400),
    ("unknown_client", form("grant_type=client_credentials&client_id=nobody"), 401),
    ("json_body", (TOKEN + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}").encode(), 400),
    ("garbage_request_line", b"\x16\x03GARBAGE / HTTP/9.9\r\n\r\n", 400),
    ("huge_header", (TOKEN + "X-Pad: " + "a" * 70000 + "\r\n\r\n").encode(), 431),
    # the token endpoint answers in OAuth terms: invalid_request
    ("oversized_body", form("grant_type=client_credentials&client_id=certclient&x=" + "a" * 20000), 400),
    ("bad_chunk", (TOKEN + FORM + "Transfer-Encoding: chunked\r\n\r\nzz\r\n").encode(), 400),
]

BREAK_THE_STREAM = {"garbage_request_line", "bad_chunk"}


def answer(sock):
    """Reads one response: (status, whether the connection stays open); (None, False) when the
    server closed or reset it before answering."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, False
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    parts = lines[0].split(b" ")
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip().lower()
    length = int(headers.get(b"content-length", b"0") or 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return status, False
        body += chunk
    return status, headers.get(b"connection") != b"close"


def main():
    ap = argparse.ArgumentParser()
    for a in ("port", "ca", "cert", "key", "rate", "duration"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--threads", type=int, default=6)
    args = ap.parse_args()
    ctx = ssl.create_default_context(cafile=args.ca)
    ctx.load_cert_chain(args.cert, args.key)
    ctx.set_alpn_protocols(["http/1.1"])
    rate, duration, port = float(args.rate), float(args.duration), int(args.port)
    lock = threading.Lock()
    result = {"sent": 0, "expected": 0, "unexpected": 0, "kinds": {}, "first": None}
    start = time.monotonic()
    interval = args.threads / rate if rate > 0 else duration + 1

    def one(i, conn):
        """Sends kind i on conn (a kept-alive connection, or None: a new one); returns the
        connection to reuse, if the server keeps it open."""
        name, request, want = KINDS[i % len(KINDS)]
        keep = None
        try:
            if conn is None:
                raw = socket.create_connection(("127.0.0.1", port), timeout=10)
                conn = ctx.wrap_socket(raw, server_hostname="localhost")
            conn.sendall(request)
            got, open_ = answer(conn)
            # After an unparsable request line or chunk the stream is out of step: actix-http
            # answers 400 and closes, without always saying `Connection: close`.
            keep = conn if open_ and name not in BREAK_THE_STREAM else None
        except (OSError, ssl.SSLError) as e:
            got = f"{type(e).__name__}: {e}"
        if keep is None and conn is not None:
            conn.close()
        with lock:
            result["sent"] += 1
            k = result["kinds"].setdefault(name, {"sent": 0, "unexpected": 0})
            k["sent"] += 1
            if got == want:
                result["expected"] += 1
            else:
                result["unexpected"] += 1
                k["unexpected"] += 1
                if result["first"] is None:
                    result["first"] = f"{name}: wanted {want}, got {got}"
        return keep

    def worker(w):
        # Paced to the rate; a worker that falls behind does not catch up after the end.
        n, conn = w, None
        while True:
            due = start + (n // args.threads) * interval
            if due - start >= duration or time.monotonic() - start >= duration:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            conn = one(n, conn)
            n += args.threads
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
