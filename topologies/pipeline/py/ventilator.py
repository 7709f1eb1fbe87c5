"""The guide's ventilator, for mixed runs with generated nodes.

It binds the task queue, connects to the sink, optionally waits for Enter,
tells the sink the batch starts ("0"), pushes --tasks random workloads of
1 to 100 msec and prints their total. --seed makes the workloads
repeatable (the guide seeds from the clock; so does --seed 0).
"""

import argparse
import random
import sys
import time

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sender", default="tcp://*:5557", help="PUSH endpoint to bind for workers")
    ap.add_argument("--sink", default="tcp://localhost:5558", help="sink's PULL endpoint")
    ap.add_argument("--tasks", type=int, default=100, help="tasks to send")
    ap.add_argument("--wait-for-enter", action="store_true",
                    help="wait for Enter before sending, as the guide does")
    ap.add_argument("--seed", type=int, default=0, help="random seed; 0 = from the clock")
    ap.add_argument("--grace", type=float, default=1.0,
                    help="seconds to wait before exiting, to let 0MQ deliver")
    args = ap.parse_args()

    context = zmq.Context()

    sender = context.socket(zmq.PUSH)
    sender.bind(args.sender)

    sink = context.socket(zmq.PUSH)
    sink.connect(args.sink)

    if args.wait_for_enter:
        print("Press Enter when the workers are ready: ", flush=True)
        sys.stdin.readline()
    print("Sending tasks to workers\u2026", flush=True)

    # The first message is "0" and signals start of batch.
    sink.send(b'0')

    if args.seed:
        random.seed(args.seed)
    else:
        random.seed()

    total_msec = 0
    for task_nbr in range(args.tasks):
        workload = random.randint(1, 100)
        total_msec += workload
        sender.send_string(u'%i' % workload)

    print("Total expected cost: %s msec" % total_msec, flush=True)

    time.sleep(args.grace)


if __name__ == "__main__":
    main()
