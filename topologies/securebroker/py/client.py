"""The guide's broker client, secured with CURVE, for mixed runs with
generated nodes.

It connects a REQ socket to the broker's frontend as a CURVE client (the
keys come from --keys, a directory zmqgen keys wrote), sends "Hello" ten
times, one at a time, and prints each reply as "Received reply N [b'...']".
"""

import argparse

import zmq

import keys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--connect", default="tcp://localhost:5559", help="broker's frontend")
    ap.add_argument("--requests", type=int, default=10, help="requests to make")
    ap.add_argument("--hello", default="Hello", help="what each request says")
    ap.add_argument("--keys", default="keys", help="directory of CURVE certificates")
    args = ap.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.REQ)
    keys.client(socket, args.keys, "client")
    socket.connect(args.connect)

    for request in range(1, args.requests + 1):
        socket.send(args.hello.encode())
        message = socket.recv()
        print("Received reply %s [%s]" % (request, message), flush=True)

    socket.close()
    context.term()


if __name__ == "__main__":
    main()
