#!/usr/bin/python3
"""Paranoid Pirate queue: the Simple Pirate queue with heartbeats.

Lazy Pirate clients (REQ) connect to the frontend ROUTER; workers (DEALER)
connect to the backend ROUTER. Each worker says READY ("\\x01") once and
then, while idle, HEARTBEAT ("\\x02") every interval; the queue sends
HEARTBEAT to every idle worker every interval too. Any message from a
worker (READY, HEARTBEAT or a reply) marks it ready and alive until
liveness intervals from now, and moves it to the end of the ready list; a
request goes to the worker at the front, the least recently used. Workers
not heard from in time are purged, so requests stop going to dead workers.

The wire format (DEALER workers put no empty frame before their messages):
    frontend in/out:  [client identity, "", request or reply]
    backend in:       [worker identity, "\\x01"]                  READY
                      [worker identity, "\\x02"]                  HEARTBEAT
                      [worker identity, client identity, "", reply]
    backend out:      [worker identity, "\\x02"]                  HEARTBEAT
                      [worker identity, client identity, "", request]

Besides the zguide's "E: Invalid message" line, the queue prints a line
when a worker first becomes ready and when it is purged, so that a
reader (or a test) can see the purging happen.
"""

import argparse
import collections
import sys
import time

import zmq

READY = b"\x01"
HEARTBEAT = b"\x02"


class Workers:
    """The ready workers, least recently used first, with their expiry times."""

    def __init__(self, ttl):
        self.ttl = ttl
        self.expiry = collections.OrderedDict()  # identity -> time of death

    def ready(self, identity):
        """Marks a worker ready and alive, and makes it the most recent."""
        self.expiry.pop(identity, None)
        self.expiry[identity] = time.monotonic() + self.ttl

    def purge(self):
        """Removes the workers whose time is up, and returns them."""
        now = time.monotonic()
        dead = [w for w, t in self.expiry.items() if t < now]
        for w in dead:
            del self.expiry[w]
        return dead

    def next(self):
        """Removes and returns the least recently used worker."""
        identity, _ = self.expiry.popitem(last=False)
        return identity


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frontend", default="tcp://*:5555",
                        help="where clients connect")
    parser.add_argument("--backend", default="tcp://*:5556",
                        help="where workers connect")
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds between heartbeats")
    parser.add_argument("--liveness", type=int, default=3,
                        help="heartbeats a worker may miss before it is purged")
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

    workers = Workers(args.interval * args.liveness)
    heartbeat_at = time.monotonic() + args.interval

    while True:
        poller = poll_both if workers.expiry else poll_workers
        socks = dict(poller.poll(args.interval * 1000))

        if socks.get(backend) == zmq.POLLIN:
            frames = backend.recv_multipart()
            worker, msg = frames[0], frames[1:]
            workers.ready(worker)
            if len(msg) == 1:
                if msg[0] == READY:
                    print("I: Worker %s is ready" % worker.hex())
                elif msg[0] != HEARTBEAT:
                    print("E: Invalid message from worker: %s" % msg)
            else:
                frontend.send_multipart(msg)

        if socks.get(frontend) == zmq.POLLIN:
            frames = frontend.recv_multipart()
            backend.send_multipart([workers.next()] + frames)

        # Heartbeat the idle workers on time, however busy the sockets are.
        if time.monotonic() >= heartbeat_at:
            for worker in workers.expiry:
                backend.send_multipart([worker, HEARTBEAT])
            heartbeat_at = time.monotonic() + args.interval

        for worker in workers.purge():
            print("W: Worker %s expired, purged" % worker.hex())


if __name__ == "__main__":
    main()
