#!/usr/bin/python3
"""Paranoid Pirate worker: a DEALER worker with heartbeats and reconnects.

It connects to the queue's backend, says READY ("\\x01"), and then serves
requests, [client identity, "", request], by sending the same frames back.
While idle it sends HEARTBEAT ("\\x02") every interval, and it takes any
message from the queue as a sign of life. After liveness intervals
without one it decides the queue is gone: it closes its socket, waits
(1 s at first, doubling up to 32 s while the queue stays away) and starts
again with a new socket.

Once it has served a few requests (--trouble-after, 3), each request has a
one-in-six chance of crashing the worker and otherwise a one-in-six chance
of a CPU overload (three extra seconds). With --seed the random module
is seeded, so a run can be repeated; the generated Go worker draws the
same numbers from the same seed. The default, 0, leaves the module
unseeded.
"""

import argparse
import random
import sys
import time
from random import randint

import zmq

READY = b"\x01"
HEARTBEAT = b"\x02"


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
    parser.add_argument("--interval", type=float, default=1.0,
                        help="seconds between heartbeats")
    parser.add_argument("--liveness", type=int, default=3,
                        help="heartbeats the queue may miss before the worker reconnects")
    parser.add_argument("--reconnect-initial", type=float, default=1.0,
                        help="seconds to wait before the first reconnect")
    parser.add_argument("--reconnect-max", type=float, default=32.0,
                        help="longest wait between reconnects")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if args.seed:
        random.seed(args.seed)

    context = zmq.Context(1)
    poller = zmq.Poller()

    def worker_socket():
        """Opens a DEALER, connects it and says READY."""
        sock = context.socket(zmq.DEALER)
        poller.register(sock, zmq.POLLIN)
        sock.connect(args.endpoint)
        print("I: Worker ready")
        sock.send(READY)
        return sock

    liveness = args.liveness
    interval = args.reconnect_initial
    heartbeat_at = time.monotonic() + args.interval
    worker = worker_socket()
    cycles = 0

    while True:
        socks = dict(poller.poll(args.interval * 1000))

        if socks.get(worker) == zmq.POLLIN:
            frames = worker.recv_multipart()
            if len(frames) == 3:
                cycles += 1
                # Simulate various problems, after a few cycles.
                if cycles > args.trouble_after and randint(0, 5) == 0:
                    print("I: Simulating a crash")
                    break
                if cycles > args.trouble_after and randint(0, 5) == 0:
                    print("I: Simulating CPU overload")
                    time.sleep(args.overload)
                print("I: Normal reply")
                worker.send_multipart(frames)
                liveness = args.liveness
                time.sleep(args.work)
            elif len(frames) == 1 and frames[0] == HEARTBEAT:
                print("I: Queue heartbeat")
                liveness = args.liveness
            else:
                print("E: Invalid message: %s" % frames)
            interval = args.reconnect_initial
        else:
            liveness -= 1
            if liveness == 0:
                print("W: Heartbeat failure, can't reach queue")
                print("W: Reconnecting in %0.2fs…" % interval)
                time.sleep(interval)
                interval = min(interval * 2, args.reconnect_max)
                poller.unregister(worker)
                worker.close(linger=0)
                worker = worker_socket()
                liveness = args.liveness

        if time.monotonic() > heartbeat_at:
            heartbeat_at = time.monotonic() + args.interval
            print("I: Worker heartbeat")
            worker.send(HEARTBEAT)

    worker.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
