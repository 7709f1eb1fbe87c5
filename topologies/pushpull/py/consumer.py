"""The guide's consumer, for mixed runs with generated nodes.

It prints "I am consumer #id", pulls work {"num": n} and, for even n,
pushes {"consumer": id, "num": n} to the result collector, forever.
--id fixes the id (the guide picks a random one; so does --id 0).
"""

import argparse
import random

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", default="tcp://127.0.0.1:5557", help="producer's PUSH endpoint")
    ap.add_argument("--results", default="tcp://127.0.0.1:5558", help="collector's PULL endpoint")
    ap.add_argument("--id", type=int, default=0, help="consumer id; 0 = random from 1 to 10004")
    args = ap.parse_args()

    consumer_id = args.id or random.randrange(1, 10005)
    print("I am consumer #%s" % (consumer_id), flush=True)
    context = zmq.Context()

    consumer_receiver = context.socket(zmq.PULL)
    consumer_receiver.connect(args.work)

    consumer_sender = context.socket(zmq.PUSH)
    consumer_sender.connect(args.results)

    while True:
        work = consumer_receiver.recv_json()
        data = work['num']
        result = {'consumer': consumer_id, 'num': data}
        if data % 2 == 0:
            consumer_sender.send_json(result)


if __name__ == "__main__":
    main()
