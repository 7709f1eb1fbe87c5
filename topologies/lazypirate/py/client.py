#!/usr/bin/python3
"""Lazy Pirate client: the guide's client.py with its constants on argv.

It sends numbered requests to a REP server through a REQ socket and waits
TIMEOUT milliseconds for each reply. When no reply comes, the REQ socket is
stuck waiting (it cannot send again), so the client closes it without
lingering, opens a fresh one and resends the same request. After RETRIES
tries in all it gives up.

With --requests N the client stops after N answered requests; the default,
0, keeps going until the server seems to be offline, as in the guide. The
output is the guide's, line for line, so that a transcript from this
program and one from the generated Go client can be compared.

The same client talks to the Simple Pirate and Paranoid Pirate queues.
"""

import argparse
import sys

import zmq


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", default="tcp://localhost:5555",
                        help="where the server (or queue frontend) listens")
    parser.add_argument("--timeout", type=int, default=2500,
                        help="milliseconds to wait for each reply")
    parser.add_argument("--retries", type=int, default=3,
                        help="tries in all before abandoning")
    parser.add_argument("--requests", type=int, default=0,
                        help="stop after this many replies (0: never)")
    args = parser.parse_args()

    # Tests read the output through a pipe line by line.
    sys.stdout.reconfigure(line_buffering=True)

    context = zmq.Context(1)

    print("I: Connecting to server…")
    client = context.socket(zmq.REQ)
    client.connect(args.endpoint)
    poll = zmq.Poller()
    poll.register(client, zmq.POLLIN)

    sequence = 0
    answered = 0
    retries_left = args.retries
    while retries_left and (args.requests == 0 or answered < args.requests):
        sequence += 1
        request = str(sequence).encode()
        print("I: Sending (%s)" % request)
        client.send(request)

        expect_reply = True
        while expect_reply:
            socks = dict(poll.poll(args.timeout))
            if socks.get(client) == zmq.POLLIN:
                reply = client.recv()
                if reply == request:
                    print("I: Server replied OK (%s)" % reply)
                    retries_left = args.retries
                    answered += 1
                    expect_reply = False
                else:
                    # A REQ socket only delivers the reply to its own last
                    # request, so this is a server that answers wrongly.
                    print("E: Malformed reply from server: %s" % reply)
                continue

            print("W: No response from server, retrying…")
            # The REQ socket is stuck in "waiting for a reply": the only
            # way to send again is to throw it away, unsent data and all.
            client.setsockopt(zmq.LINGER, 0)
            poll.unregister(client)
            client.close()
            retries_left -= 1
            if retries_left == 0:
                print("E: Server seems to be offline, abandoning")
                break
            print("I: Reconnecting and resending (%s)" % request)
            client = context.socket(zmq.REQ)
            client.connect(args.endpoint)
            poll.register(client, zmq.POLLIN)
            client.send(request)

    client.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
