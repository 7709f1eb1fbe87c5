#!/usr/bin/python3
"""Lazy Pirate server: the guide's server.py with its constants on argv.

A REP server that echoes each request after a second of "heavy work".
Once it has served a few requests (--trouble-after, the guide's 3), each
request has a one-in-four chance of crashing the server (it exits without
answering) and otherwise a one-in-four chance of a CPU overload (an extra
two seconds, longer than the client's patience).

The dice are seeded with --seed so a run can be repeated. They are a
splitmix64 generator rather than Python's random module so that the
generated Go server, given the same seed, crashes on the same request;
--seed 0 (the default) seeds them from the clock, as the guide does.
"""

import argparse
import sys
import time

import zmq

MASK64 = (1 << 64) - 1


class Dice:
    """Reproducible dice: splitmix64, the same numbers as the Go handlers."""

    def __init__(self, seed):
        if seed == 0:
            seed = time.time_ns()
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def roll(self, n):
        """Returns a number in [0, n)."""
        return self.next() % n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="tcp://*:5555",
                        help="where to listen for clients")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the dice (0: from the clock)")
    parser.add_argument("--trouble-after", type=int, default=3,
                        help="requests served before crashes and overloads may happen")
    parser.add_argument("--work", type=float, default=1.0,
                        help="seconds of work per request")
    parser.add_argument("--overload", type=float, default=2.0,
                        help="extra seconds of a simulated CPU overload")
    args = parser.parse_args()

    sys.stdout.reconfigure(line_buffering=True)
    dice = Dice(args.seed)

    context = zmq.Context(1)
    server = context.socket(zmq.REP)
    server.bind(args.endpoint)

    cycles = 0
    while True:
        request = server.recv()
        cycles += 1

        # Simulate various problems, after a few cycles.
        if cycles > args.trouble_after and dice.roll(4) == 0:
            print("I: Simulating a crash")
            break
        elif cycles > args.trouble_after and dice.roll(4) == 0:
            print("I: Simulating CPU overload")
            time.sleep(args.overload)

        print("I: Normal request (%s)" % request)
        time.sleep(args.work)
        server.send(request)

    server.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
