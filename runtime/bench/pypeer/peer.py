"""pyzmq side of zmqgen's benchmark (go run ./runtime/bench).

Same command line, modes and output lines as cpeer/peer.c, which documents
them: peer.py MODE ENDPOINT COUNT SIZE.
"""
import select
import sys
import time

import zmq


def main():
    if len(sys.argv) != 5:
        sys.stderr.write("usage: peer.py pull|push|pub|sub|rep|req|flood|stall ENDPOINT COUNT SIZE\n")
        return 2
    mode, endpoint, count, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    payload = bytes(size)
    ctx = zmq.Context()
    clock = time.perf_counter_ns

    def open_socket(typ, bind):
        s = ctx.socket(typ)
        if bind:
            s.bind(endpoint)
            print("READY", s.getsockopt(zmq.LAST_ENDPOINT).decode(), flush=True)
        else:
            s.connect(endpoint)
        return s

    def result(n, ns):
        print("RESULT count=%d ns=%d" % (n, ns), flush=True)

    if mode == "pull":
        s = open_socket(zmq.PULL, True)
        s.recv()
        t0 = clock()
        for _ in range(count - 1):
            s.recv()
        result(count, clock() - t0)
        s.close()
    elif mode == "push":
        s = open_socket(zmq.PUSH, False)
        for _ in range(count):
            s.send(payload)
        s.close()  # default linger: ctx.term() flushes the queue
    elif mode == "pub":
        s = open_socket(zmq.PUB, True)
        s.setsockopt(zmq.LINGER, 0)
        # Probes until "go": each subscriber reports the first one it gets.
        while not select.select([sys.stdin], [], [], 0.01)[0]:
            s.send(b"")
        if not sys.stdin.readline():
            sys.stderr.write("peer.py: stdin closed before go\n")
            return 1
        for _ in range(count):
            s.send(payload)
        # End markers until stdin closes: a full subscriber queue drops one.
        while True:
            if select.select([sys.stdin], [], [], 0.01)[0] and not sys.stdin.readline():
                break
            s.send(b"")
        s.close()
    elif mode == "sub":
        s = open_socket(zmq.SUB, False)
        s.setsockopt(zmq.SUBSCRIBE, b"")
        print("READY", endpoint, flush=True)
        n = t0 = t1 = n1 = 0
        subscribed = False
        while True:
            m = s.recv()
            if not m:
                if n:
                    break
                if not subscribed:
                    print("SUBSCRIBED", endpoint, flush=True)
                    subscribed = True
                continue
            n += 1
            if n == 1:
                t0 = t1 = clock()
                n1 = 1
            elif n % 256 == 0:  # the clock is read every 256 messages only
                t1 = clock()
                n1 = n
        print("RESULT count=%d ns=%d received=%d" % (n1, t1 - t0, n), flush=True)
        s.setsockopt(zmq.LINGER, 0)
        s.close()
    elif mode == "rep":
        s = open_socket(zmq.REP, True)
        while True:
            s.send(s.recv())
    elif mode == "req":
        s = open_socket(zmq.REQ, False)
        warm = min(count // 10, 1000)
        for _ in range(warm):
            s.send(payload)
            s.recv()
        t0 = clock()
        for _ in range(count):
            s.send(payload)
            s.recv()
        result(count, clock() - t0)
        s.close()
    elif mode == "flood":
        s = open_socket(zmq.PUB, True)
        s.setsockopt(zmq.LINGER, 0)
        sys.stdin.readline()
        while True:
            s.send(payload)
    elif mode == "stall":
        s = open_socket(zmq.SUB, False)
        s.setsockopt(zmq.LINGER, 0)
        s.setsockopt(zmq.SUBSCRIBE, b"")
        print("READY", endpoint, flush=True)
        sys.stdin.read()
        s.close()
    else:
        sys.stderr.write("pypeer: unknown mode %s\n" % mode)
        return 2
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
