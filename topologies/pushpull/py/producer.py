"""The guide's producer, for mixed runs with generated nodes.

It binds a PUSH socket and pushes --count JSON messages {"num": n}, n from
0, then exits once they are delivered. With --wait-for-enter it first
waits for a line on standard input, so that every consumer can connect
before the work goes out.
"""

import argparse
import sys

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", default="tcp://127.0.0.1:5557", help="PUSH endpoint to bind")
    ap.add_argument("--count", type=int, default=20000, help="pieces of work to push")
    ap.add_argument("--wait-for-enter", action="store_true",
                    help="wait for Enter on stdin before pushing")
    args = ap.parse_args()

    context = zmq.Context()
    zmq_socket = context.socket(zmq.PUSH)
    zmq_socket.bind(args.bind)

    if args.wait_for_enter:
        sys.stdin.readline()

    for num in range(args.count):
        work_message = {'num': num}
        zmq_socket.send_json(work_message)

    # Default linger: wait until every piece of work is delivered.
    zmq_socket.close()
    context.term()


if __name__ == "__main__":
    main()
