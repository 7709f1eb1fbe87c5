"""The guide's pipeline sink, for mixed runs with generated nodes.

It waits for the ventilator's start of batch, takes --expected results
(printing ":" for every tenth, "." for the others), prints the elapsed
time and publishes KILL so that the workers exit.
"""

import argparse
import sys
import time

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--receiver", default="tcp://*:5558", help="PULL endpoint to bind")
    ap.add_argument("--controller", default="tcp://*:5559", help="PUB endpoint to bind")
    ap.add_argument("--expected", type=int, default=100, help="results in a batch")
    args = ap.parse_args()

    context = zmq.Context()

    receiver = context.socket(zmq.PULL)
    receiver.bind(args.receiver)

    controller = context.socket(zmq.PUB)
    controller.bind(args.controller)

    # Wait for start of batch.
    receiver.recv()

    tstart = time.time()

    for task_nbr in range(args.expected):
        receiver.recv()
        if task_nbr % 10 == 0:
            sys.stdout.write(":")
        else:
            sys.stdout.write(".")
        sys.stdout.flush()

    tend = time.time()
    tdiff = tend - tstart
    total_msec = tdiff * 1000
    print("Total elapsed time: %d msec" % total_msec, flush=True)

    controller.send(b"KILL")

    receiver.close()
    controller.close()
    context.term()


if __name__ == "__main__":
    main()
