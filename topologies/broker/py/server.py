"""The guide's broker server, for mixed runs with generated nodes.

It connects a REP socket to the broker's backend (servers connect, the
broker binds), prints each request and answers "World", forever. With
--echo it answers with the request itself.
"""

import argparse

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--connect", default="tcp://localhost:5560", help="broker's backend")
    ap.add_argument("--echo", action="store_true", help="answer with the request itself")
    args = ap.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.REP)
    socket.connect(args.connect)

    while True:
        message = socket.recv()
        print("Received request: %s" % message, flush=True)
        socket.send(message if args.echo else b"World")


if __name__ == "__main__":
    main()
