#!/usr/bin/python3
"""Simple Pirate queue: a least-recently-used queue of workers.

Lazy Pirate clients (REQ) connect to the frontend ROUTER; workers (REQ)
connect to the backend ROUTER and announce themselves with a one-byte
READY message, "\\x01". The queue keeps the ready workers in a list, oldest
first, and hands each client request to the worker that has been waiting
longest. A worker's reply both goes back to its client and puts the worker
at the end of the list again.

The frontend is only read while some worker is ready, so requests wait in
the frontend's queue (and clients time out and retry) when none is.
Workers that die are not noticed: that is what the Paranoid Pirate adds.

The wire format, ROUTER envelopes included:
    frontend in/out:  [client identity, "", request or reply]
    backend in:       [worker identity, "", "\\x01"]                    READY
                      [worker identity, "", client identity, "", reply]
    backend out:      [worker identity, "", client identity, "", request]
"""

import argparse
import sys

import zmq

READY = b"\x01"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frontend", default="tcp://*:5555",
                        help="where clients connect")
    parser.add_argument("--backend", default="tcp://*:5556",
                        help="where workers connect")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    context = zmq.Context(1)
    frontend = context.socket(zmq.ROUTER)
    backend = context.socket(zmq.ROUTER)
    frontend.bind(args.frontend)
    backend.bind(args.backend)

    poll_workers = zmq.Poller()
    poll_workers.register(backend, zmq.POLLIN)
    poll_both = zmq.Poller()
    poll_both.register(frontend, zmq.POLLIN)
    poll_both.register(backend, zmq.POLLIN)

    workers = []  # identities of ready workers, least recently used first
    while True:
        poller = poll_both if workers else poll_workers
        socks = dict(poller.poll())

        if socks.get(backend) == zmq.POLLIN:
            frames = backend.recv_multipart()
            worker, empty, rest = frames[0], frames[1], frames[2:]
            assert empty == b""
            workers.append(worker)
            if rest != [READY]:
                frontend.send_multipart(rest)

        if socks.get(frontend) == zmq.POLLIN:
            frames = frontend.recv_multipart()
            backend.send_multipart([workers.pop(0), b""] + frames)


if __name__ == "__main__":
    main()
