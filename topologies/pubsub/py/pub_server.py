"""The guide's weather publisher, for mixed runs with generated nodes.

Forever: pick a zipcode from 9999 to 10004 and a value from -79 to 134,
print them as "%d %d", publish the same text and sleep. --seed makes the
sequence repeatable (the guide seeds from the clock; so does --seed 0).
"""

import argparse
import random
import time

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", default="tcp://*:5556", help="PUB endpoint to bind")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between updates")
    ap.add_argument("--seed", type=int, default=0, help="random seed; 0 = from the clock")
    args = ap.parse_args()

    if args.seed:
        random.seed(args.seed)

    context = zmq.Context()
    socket = context.socket(zmq.PUB)
    socket.bind(args.bind)

    while True:
        topic = random.randrange(9999, 10005)
        messagedata = random.randrange(1, 215) - 80
        print("%d %d" % (topic, messagedata), flush=True)
        socket.send_string("%d %d" % (topic, messagedata))
        time.sleep(args.interval)


if __name__ == "__main__":
    main()
