"""The guide's result collector, for mixed runs with generated nodes.

It binds a PULL socket, takes --total results {"consumer": id, "num": n},
and pretty-prints how many came from each consumer. With --verbose it also
prints every result as it arrives. (The guide's xrange is Python 2's.)
"""

import argparse
import pprint

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", default="tcp://127.0.0.1:5558", help="PULL endpoint to bind")
    ap.add_argument("--total", type=int, default=1000, help="results to take")
    ap.add_argument("--verbose", action="store_true", help="print every result")
    args = ap.parse_args()

    context = zmq.Context()
    results_receiver = context.socket(zmq.PULL)
    results_receiver.bind(args.bind)
    collecter_data = {}

    for x in range(args.total):
        result = results_receiver.recv_json()
        if args.verbose:
            print(result)
        if result['consumer'] in collecter_data:
            collecter_data[result['consumer']] = collecter_data[result['consumer']] + 1
        else:
            collecter_data[result['consumer']] = 1
        if x == args.total - 1:
            pprint.pprint(collecter_data)

    results_receiver.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
