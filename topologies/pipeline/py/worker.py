"""The guide's pipeline worker, for mixed runs with generated nodes.

It pulls tasks from the ventilator, sleeps for each workload, pushes the
result to the sink and prints a dot; a message on the sink's control
channel ends it.
"""

import argparse
import sys
import time

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--receiver", default="tcp://localhost:5557", help="ventilator's PUSH endpoint")
    ap.add_argument("--sender", default="tcp://localhost:5558", help="sink's PULL endpoint")
    ap.add_argument("--controller", default="tcp://localhost:5559", help="sink's PUB endpoint")
    args = ap.parse_args()

    context = zmq.Context()

    receiver = context.socket(zmq.PULL)
    receiver.connect(args.receiver)

    sender = context.socket(zmq.PUSH)
    sender.connect(args.sender)

    controller = context.socket(zmq.SUB)
    controller.connect(args.controller)
    controller.setsockopt(zmq.SUBSCRIBE, b"")

    poller = zmq.Poller()
    poller.register(receiver, zmq.POLLIN)
    poller.register(controller, zmq.POLLIN)

    while True:
        socks = dict(poller.poll())

        if socks.get(receiver) == zmq.POLLIN:
            message = receiver.recv_string()
            workload = int(message)
            time.sleep(workload / 1000.0)
            sender.send_string(message)
            sys.stdout.write(".")
            sys.stdout.flush()

        if socks.get(controller) == zmq.POLLIN:
            break

    receiver.close()
    sender.close()
    controller.close()
    context.term()


if __name__ == "__main__":
    main()
