"""The guide's broker server, secured with CURVE, for mixed runs with
generated nodes.

It connects a REP socket to the broker's backend as a CURVE client (the
keys come from --keys, a directory zmqgen keys wrote), prints each request
and answers "World", forever. With --echo it answers with the request
itself.
"""

import argparse

import zmq

import keys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--connect", default="tcp://localhost:5560", help="broker's backend")
    ap.add_argument("--echo", action="store_true", help="answer with the request itself")
    ap.add_argument("--keys", default="keys", help="directory of CURVE certificates")
    args = ap.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.REP)
    keys.client(socket, args.keys, "server")
    socket.connect(args.connect)

    while True:
        message = socket.recv()
        print("Received request: %s" % message, flush=True)
        socket.send(message if args.echo else b"World")


if __name__ == "__main__":
    main()
