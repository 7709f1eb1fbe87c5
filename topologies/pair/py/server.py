"""The guide's Exclusive PAIR server, for mixed runs with generated nodes.

Each round it sends "Server message to client3", waits for one message
from the client, prints it as Python prints bytes, and sleeps. The guide's
program runs forever; --rounds stops it after that many rounds.
"""

import argparse
import time

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bind", default="tcp://*:5556", help="PAIR endpoint to bind")
    ap.add_argument("--rounds", type=int, default=0, help="rounds to run; 0 = forever")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds to sleep per round")
    args = ap.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.PAIR)
    # A finite run must not hang in term() on a peer that already left.
    socket.setsockopt(zmq.LINGER, 1000)
    socket.bind(args.bind)

    n = 0
    while args.rounds == 0 or n < args.rounds:
        n += 1
        socket.send_string("Server message to client3")
        msg = socket.recv()
        print(msg, flush=True)
        time.sleep(args.interval)

    socket.close()
    context.term()


if __name__ == "__main__":
    main()
