"""The guide's weather subscriber, for mixed runs with generated nodes.

It connects to one or more publishers (sub_client.py connects to two,
sub_client1.py and sub_client2.py to one each), subscribes to one zipcode
prefix, prints each update it gets as Python prints bytes, and after five
updates prints their average and exits.

The guide divides the total by the last loop index (4) instead of the
number of updates; this version averages over the updates it counted,
which is what the guide's text says it does.
"""

import argparse

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--connect", action="append",
                    help="publisher endpoint; repeat for several (default tcp://localhost:5556)")
    ap.add_argument("--filter", default="10001", help="zipcode prefix to subscribe to")
    ap.add_argument("--updates", type=int, default=5, help="updates to average")
    args = ap.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.SUB)

    print("Collecting updates from weather server...", flush=True)
    for endpoint in args.connect or ["tcp://localhost:5556"]:
        socket.connect(endpoint)

    topicfilter = args.filter
    socket.setsockopt_string(zmq.SUBSCRIBE, topicfilter)

    total_value = 0
    for update_nbr in range(args.updates):
        string = socket.recv()
        topic, messagedata = string.split()
        total_value += int(messagedata)
        print(topic, messagedata, flush=True)

    print("Average messagedata value for topic '%s' was %dF"
          % (topicfilter, total_value / args.updates), flush=True)

    socket.close(linger=0)
    context.term()


if __name__ == "__main__":
    main()
