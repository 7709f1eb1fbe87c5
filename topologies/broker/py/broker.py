"""The guide's ROUTER/DEALER broker, for mixed runs with generated nodes.

It binds a ROUTER for clients and a DEALER for servers, polls both, and
passes every multipart message on unchanged, printing it first. (The
guide's code prints a misspelt variable; its output shows what it meant.)
"""

import argparse

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frontend", default="tcp://*:5559", help="ROUTER endpoint for clients")
    ap.add_argument("--backend", default="tcp://*:5560", help="DEALER endpoint for servers")
    args = ap.parse_args()

    context = zmq.Context()
    frontend = context.socket(zmq.ROUTER)
    backend = context.socket(zmq.DEALER)
    frontend.bind(args.frontend)
    backend.bind(args.backend)

    poller = zmq.Poller()
    poller.register(frontend, zmq.POLLIN)
    poller.register(backend, zmq.POLLIN)

    while True:
        socks = dict(poller.poll())

        if socks.get(frontend) == zmq.POLLIN:
            message = frontend.recv_multipart()
            print("msg from frontend", message, flush=True)
            backend.send_multipart(message)

        if socks.get(backend) == zmq.POLLIN:
            message = backend.recv_multipart()
            print("msg from backend", message, flush=True)
            frontend.send_multipart(message)


if __name__ == "__main__":
    main()
