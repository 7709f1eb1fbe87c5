"""The guide's ROUTER/DEALER broker, secured with CURVE, for mixed runs
with generated nodes.

It binds a ROUTER for clients and a DEALER for servers, both CURVE servers
with the broker's key pair; a ZAP handler (pyzmq's ThreadAuthenticator)
admits only the client keys whose certificates (*.key) are in --keys, the
directory zmqgen keys wrote, as the generated broker does. It polls both
sockets and passes every multipart message on unchanged, printing it first.
"""

import argparse

import zmq
from zmq.auth.thread import ThreadAuthenticator

import keys


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frontend", default="tcp://*:5559", help="ROUTER endpoint for clients")
    ap.add_argument("--backend", default="tcp://*:5560", help="DEALER endpoint for servers")
    ap.add_argument("--keys", default="keys", help="directory of CURVE certificates")
    args = ap.parse_args()

    context = zmq.Context()
    auth = ThreadAuthenticator(context)
    auth.start()
    auth.configure_curve(domain="*", location=args.keys)

    frontend = context.socket(zmq.ROUTER)
    backend = context.socket(zmq.DEALER)
    keys.server(frontend, args.keys, "broker")
    keys.server(backend, args.keys, "broker")
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
