#!/usr/bin/python3
"""zpeer: a libzmq peer (through pyzmq) that the runtime's interop tests drive.

Usage: zpeer.py TYPE (--bind EP | --connect EP)... [options]

TYPE is a socket type (PUSH, PULL, REQ, REP, DEALER, ROUTER, PUB, SUB, XPUB,
XSUB, PAIR). Options:
  --bind EP / --connect EP   several allowed; a bound endpoint is printed
                             as "ENDPOINT <last_endpoint>" (so port 0 works)
  --identity HEX             ZMQ_ROUTING_ID
  --subscribe HEX            SUB: subscribe to a prefix (several allowed)
  --opt NAME=INT             any integer socket option, e.g. heartbeat_ivl=100
  --echo TEXT                reply to each message received: same envelope,
                             last frame prefixed with TEXT (REP, ROUTER,
                             DEALER, PAIR)
  --drop N                   with --echo on REP: do not answer the first N
                             requests; after each unanswered one the socket
                             is closed (linger 0) and bound again to the same
                             endpoint, like a server that crashed
  --plain-server USER:PASS   PLAIN server; a ZAP handler (pyzmq's
                             ThreadAuthenticator) accepts only USER:PASS
  --plain-client USER:PASS   PLAIN client credentials
  --curve-server SECRET      CURVE server with this Z85 secret key (its
                             public key is derived); admits any client
                             unless --curve-allow is given
  --curve-client SECRET,SERVERPUB   CURVE client with this Z85 secret key,
                             talking to the server with this public key
  --curve-allow DIR          a ZAP handler (ThreadAuthenticator) admits only
                             the client keys of the *.key certificates in DIR
  --monitor                  print socket events as "EVENT NAME VALUE"

After setting up it prints "READY". Every message received is printed as
"MSG" followed by its frames in hex ("-" for an empty frame). Commands are
read from stdin, one per line, each acknowledged with "OK <command word>":
  send HEX...       send one message (frames in hex, "-" for empty)
  trysend HEX...    the same without waiting: dropped if it cannot be queued
  sendn N TEXT      send N one-frame messages "TEXT-0" ... "TEXT-N-1"
  sendbig SIZE      send one frame of SIZE bytes
  sub HEX / unsub HEX   SUB (un)subscribe; XSUB sends the subscription message
  quit              close everything and exit (also on stdin EOF)
"""

import os
import sys
import time

import zmq
import zmq.utils.monitor

EVENTS = {getattr(zmq, n): n[len("EVENT_"):] for n in dir(zmq) if n.startswith("EVENT_") and not n.startswith("EVENT_ALL")}


def say(*words):
    print(*words, flush=True)


def unhex(s):
    return b"" if s == "-" else bytes.fromhex(s)


def tohex(b):
    return b.hex() if b else "-"


def main():
    args = sys.argv[1:]
    typ = getattr(zmq, args.pop(0).upper())
    binds, connects, subs, opts = [], [], [], []
    identity = echo = plain_server = plain_client = None
    curve_server = curve_client = curve_allow = None
    drop = 0
    monitor = False
    while args:
        a = args.pop(0)
        if a == "--bind":
            binds.append(args.pop(0))
        elif a == "--connect":
            connects.append(args.pop(0))
        elif a == "--identity":
            identity = unhex(args.pop(0))
        elif a == "--subscribe":
            subs.append(unhex(args.pop(0)))
        elif a == "--opt":
            name, value = args.pop(0).split("=", 1)
            opts.append((getattr(zmq, name.upper()), int(value)))
        elif a == "--echo":
            echo = args.pop(0).encode()
        elif a == "--drop":
            drop = int(args.pop(0))
        elif a == "--plain-server":
            plain_server = args.pop(0).split(":", 1)
        elif a == "--plain-client":
            plain_client = args.pop(0).split(":", 1)
        elif a == "--curve-server":
            curve_server = args.pop(0).encode()
        elif a == "--curve-client":
            curve_client = [w.encode() for w in args.pop(0).split(",", 1)]
        elif a == "--curve-allow":
            curve_allow = args.pop(0)
        elif a == "--monitor":
            monitor = True
        else:
            sys.exit("zpeer: unknown argument %r" % a)

    ctx = zmq.Context()
    auth = None
    if plain_server:
        from zmq.auth.thread import ThreadAuthenticator

        auth = ThreadAuthenticator(ctx)
        auth.start()
        auth.configure_plain(domain="*", passwords={plain_server[0]: plain_server[1]})
    if curve_allow:
        from zmq.auth.thread import ThreadAuthenticator

        auth = ThreadAuthenticator(ctx)
        auth.start()
        auth.configure_curve(domain="*", location=curve_allow)

    def open_socket(bind_to):
        s = ctx.socket(typ)
        s.linger = 0
        for k, v in opts:
            s.setsockopt(k, v)
        if identity is not None:
            s.setsockopt(zmq.ROUTING_ID, identity)
        if plain_server:
            s.plain_server = True
        if curve_server:
            s.curve_secretkey = curve_server
            s.curve_publickey = zmq.curve_public(curve_server)
            s.curve_server = True
        if curve_client:
            s.curve_secretkey = curve_client[0]
            s.curve_publickey = zmq.curve_public(curve_client[0])
            s.curve_serverkey = curve_client[1]
        if plain_client:
            s.plain_username = plain_client[0].encode()
            s.plain_password = plain_client[1].encode()
        for p in subs:
            s.setsockopt(zmq.SUBSCRIBE, p)
        mon = s.get_monitor_socket() if monitor else None
        bound = []
        for ep in bind_to:
            # libzmq closes a listener asynchronously: rebinding the port of
            # a socket just closed (--drop) can fail for a moment.
            for attempt in range(500):
                try:
                    s.bind(ep)
                    break
                except zmq.ZMQError as e:
                    if e.errno != zmq.EADDRINUSE or attempt == 499:
                        raise
                    time.sleep(0.01)
            bound.append(s.getsockopt_string(zmq.LAST_ENDPOINT))
        for ep in connects:
            s.connect(ep)
        return s, mon, bound

    sock, mon, bound = open_socket(binds)
    for ep in bound:
        say("ENDPOINT", ep)

    stdin = sys.stdin.fileno()
    poller = zmq.Poller()

    def register():
        poller.register(sock, zmq.POLLIN)
        if mon is not None:
            poller.register(mon, zmq.POLLIN)

    register()
    poller.register(stdin, zmq.POLLIN)
    say("READY")

    pending = b""
    running = True
    while running:
        for what, _ in poller.poll():
            if what is sock:
                frames = sock.recv_multipart()
                say("MSG", *[tohex(f) for f in frames])
                if echo is None:
                    continue
                if drop > 0:
                    # A crashed server: the request is lost, the port comes back.
                    drop -= 1
                    poller.unregister(sock)
                    if mon is not None:
                        poller.unregister(mon)
                        sock.disable_monitor()
                        mon.close()
                    sock.close(linger=0)
                    sock, mon, _ = open_socket(bound)
                    register()
                    say("DROPPED")
                    continue
                sock.send_multipart(frames[:-1] + [echo + frames[-1]])
            elif mon is not None and what is mon:
                ev = zmq.utils.monitor.recv_monitor_message(mon)
                say("EVENT", EVENTS.get(ev["event"], ev["event"]), ev["value"])
            elif what == stdin:
                data = os.read(stdin, 65536)
                if not data:
                    running = False
                    break
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    words = line.decode().split()
                    if not words:
                        continue
                    cmd = words[0]
                    if cmd == "send":
                        sock.send_multipart([unhex(w) for w in words[1:]])
                    elif cmd == "trysend":
                        try:
                            sock.send_multipart([unhex(w) for w in words[1:]], flags=zmq.NOBLOCK)
                        except zmq.Again:
                            pass
                    elif cmd == "sendn":
                        for i in range(int(words[1])):
                            sock.send(("%s-%d" % (words[2], i)).encode())
                    elif cmd == "sendbig":
                        sock.send(b"x" * int(words[1]))
                    elif cmd in ("sub", "unsub"):
                        topic = unhex(words[1]) if len(words) > 1 else b""
                        if typ == zmq.XSUB:
                            sock.send((b"\x01" if cmd == "sub" else b"\x00") + topic)
                        else:
                            sock.setsockopt(zmq.SUBSCRIBE if cmd == "sub" else zmq.UNSUBSCRIBE, topic)
                    elif cmd == "quit":
                        running = False
                    else:
                        sys.exit("zpeer: unknown command %r" % cmd)
                    say("OK", cmd)
                    if not running:
                        break

    if mon is not None:
        sock.disable_monitor()
        mon.close()
    sock.close(linger=0)
    if auth is not None:
        auth.stop()
    ctx.term()


if __name__ == "__main__":
    main()
