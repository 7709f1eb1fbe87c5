"""The guide's Request/Reply server (server.py and server2.py in one), for
mixed runs with generated nodes.

It binds a REP socket, prints each request as Python prints bytes, sleeps
--delay seconds and answers "<port> need some <drink>". The guide's two
servers differ only in port and drink: --bind tcp://*:5000 --drink coffee
(the defaults) and --bind tcp://*:6000 --drink "hot chocolate".
"""

import argparse
import time

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", default="tcp://*:5000", help="REP endpoint to bind")
    ap.add_argument("--drink", default="coffee", help="what this server offers")
    ap.add_argument("--delay", type=float, default=1.0, help="seconds to prepare a drink")
    args = ap.parse_args()
    port = args.bind.rsplit(":", 1)[1]

    context = zmq.Context()
    socket = context.socket(zmq.REP)
    socket.bind(args.bind)

    while True:
        message = socket.recv()
        print("Received request: ", message, flush=True)
        time.sleep(args.delay)
        socket.send_string("%s need some %s" % (port, args.drink))


if __name__ == "__main__":
    main()
