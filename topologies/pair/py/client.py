"""The guide's Exclusive PAIR client, for mixed runs with generated nodes.

Each round it waits for a message from the server, prints it as Python
prints bytes, sends two messages in a row (PAIR allows it) and sleeps.
The guide's program runs forever; --rounds stops it after that many rounds.
"""

import argparse
import time

import zmq


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--connect", default="tcp://localhost:5556", help="server's PAIR endpoint")
    ap.add_argument("--rounds", type=int, default=0, help="rounds to run; 0 = forever")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds to sleep per round")
    args = ap.parse_args()

    context = zmq.Context()
    socket = context.socket(zmq.PAIR)
    # The last two sends of a finite run may find the server gone.
    socket.setsockopt(zmq.LINGER, 1000)
    socket.connect(args.connect)

    n = 0
    while args.rounds == 0 or n < args.rounds:
        n += 1
        msg = socket.recv()
        print(msg, flush=True)
        socket.send_string("client message to server1")
        socket.send_string("client message to server2")
        time.sleep(args.interval)

    socket.close()
    context.term()


if __name__ == "__main__":
    main()
