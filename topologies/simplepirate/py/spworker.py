#!/usr/bin/python3
"""Simple Pirate worker: a REQ worker that echoes requests, and misbehaves.

It connects to the queue's backend, says READY ("\\x01") and then serves
requests: it receives [client identity, "", request] (its REQ socket
strips the queue's envelope) and sends the same frames back as the reply.
Once it has served a few requests (--trouble-after, 3), each request has
a one-in-six chance of crashing the worker and otherwise a one-in-six
chance of a CPU overload (three extra seconds).

With --seed the random module is seeded, so a run can be repeated; the
generated Go worker draws the same numbers from the same seed. The
default, 0, leaves the module unseeded.
"""

import argparse
import random
import sys
import time
from random import randint

import zmq

READY = b"\x01"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="tcp://localhost:5556",
                        help="the queue's backend")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random module (0: unseeded)")
    parser.add_argument("--trouble-after", type=int, default=3,
                        help="requests served before crashes and overloads may happen")
    parser.add_argument("--work", type=float, default=1.0,
                        help="seconds of work per request")
    parser.add_argument("--overload", type=float, default=3.0,
                        help="extra seconds of a simulated CPU overload")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if args.seed:
        random.seed(args.seed)

    context = zmq.Context(1)
    worker = context.socket(zmq.REQ)
    worker.connect(args.endpoint)

    print("I: Worker ready")
    worker.send(READY)

    cycles = 0
    while True:
        msg = worker.recv_multipart()
        cycles += 1

        # Simulate various problems, after a few cycles.
        if cycles > args.trouble_after and randint(0, 5) == 0:
            print("I: Simulating a crash")
            break
        elif cycles > args.trouble_after and randint(0, 5) == 0:
            print("I: Simulating CPU overload")
            time.sleep(args.overload)

        print("I: Normal reply")
        time.sleep(args.work)
        worker.send_multipart(msg)

    worker.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
