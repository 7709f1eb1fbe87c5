#!/usr/bin/python3
"""Lazy Pirate server: the guide's server.py with its constants on argv.

A REP server that echoes each request after a second of "heavy work".
Once it has served a few requests (--trouble-after, the guide's 3), each
request has a one-in-four chance of crashing the server (it exits without
answering) and otherwise a one-in-four chance of a CPU overload (an extra
two seconds, longer than the client's patience).

With --seed the random module is seeded, so a run can be repeated; the
generated Go server draws the same numbers from the same seed (it
reproduces CPython's generator), so it crashes on the same request. The
default, 0, leaves the module unseeded, as the guide does.
"""

import argparse
import random
import sys
import time
from random import randint

import zmq


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="tcp://*:5555",
                        help="where to listen for clients")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the random module (0: unseeded)")
    parser.add_argument("--trouble-after", type=int, default=3,
                        help="requests served before crashes and overloads may happen")
    parser.add_argument("--work", type=float, default=1.0,
                        help="seconds of work per request")
    parser.add_argument("--overload", type=float, default=2.0,
                        help="extra seconds of a simulated CPU overload")
    args = parser.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    if args.seed:
        random.seed(args.seed)

    context = zmq.Context(1)
    server = context.socket(zmq.REP)
    server.bind(args.endpoint)

    cycles = 0
    while True:
        request = server.recv()
        cycles += 1

        # Simulate various problems, after a few cycles.
        if cycles > args.trouble_after and randint(0, 3) == 0:
            print("I: Simulating a crash")
            break
        elif cycles > args.trouble_after and randint(0, 3) == 0:
            print("I: Simulating CPU overload")
            time.sleep(args.overload)

        print("I: Normal request (%s)" % request)
        time.sleep(args.work)
        server.send(request)

    server.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
