"""The guide's Request/Reply client, for mixed runs with generated nodes.

It connects one REQ socket to every --connect endpoint (the guide's
client.py 5000 6000 connects to tcp://localhost:5000 and :6000), then asks
"What can I get for you?" and prints each answer. The guide's program runs
forever; --requests stops it after that many.
"""

import argparse

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--connect", action="append", help="REQ endpoint to connect to (repeatable)")
    ap.add_argument("--requests", type=int, default=0, help="requests to make; 0 = forever")
    args = ap.parse_args()
    endpoints = args.connect or ["tcp://localhost:5000", "tcp://localhost:6000"]

    context = zmq.Context()
    print("Connecting to server...", flush=True)
    socket = context.socket(zmq.REQ)
    for endpoint in endpoints:
        socket.connect(endpoint)

    n = 0
    while args.requests == 0 or n < args.requests:
        n += 1
        socket.send_string("What can I get for you?")
        message = socket.recv()
        print("CUSTOMER: ", message, flush=True)

    socket.close()
    context.term()


if __name__ == "__main__":
    main()
