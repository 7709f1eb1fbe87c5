/*
 * peer: the libzmq side of zmqgen's benchmark (go run ./runtime/bench).
 *
 * One process plays one end of one scenario, so that both ends of a libzmq
 * measurement are libzmq, as libzmq's own local_thr/remote_thr do it. The
 * Go and Python peers of the benchmark speak the same command line and print
 * the same lines, so the harness can pair any two of them.
 *
 * usage: peer MODE ENDPOINT COUNT SIZE
 *
 *   pull   bind; receive COUNT messages; time first to last
 *   curvepull, curvepush   pull and push over CURVE: the PULL is the CURVE
 *          server, the PUSH its client, with the Z85 keys in the
 *          environment variable ZMQGEN_BENCH_CURVE ("SERVERPUBLIC
 *          SERVERSECRET CLIENTPUBLIC CLIENTSECRET")
 *   push   connect; send COUNT messages of SIZE bytes; flush and exit
 *   pub    bind; publish an empty probe every 10 ms until a "go" line on
 *          stdin; then publish COUNT messages, then empty end markers
 *          every 10 ms until stdin closes
 *   sub    connect, subscribe to everything; print "SUBSCRIBED <endpoint>"
 *          at the first probe (the subscription has reached the publisher);
 *          receive until an end marker after data; time first to last data
 *          message
 *   rep    bind; echo every request until killed
 *   req    connect; WARMUP untimed round trips, then COUNT timed ones
 *   flood  bind a PUB; after "go" on stdin publish SIZE-byte messages
 *          until killed (the memory scenario samples this process)
 *   stall  connect a SUB, subscribe to everything, never receive; exit
 *          when stdin closes
 *   router bind a ROUTER; answer every request [identity, body] with the
 *          same body until killed (the peer-count scenarios' server)
 *   dealers  the load of the peer-count scenarios: COUNT DEALERs in this
 *          one process (ZMQ_MAX_SOCKETS raised to fit) against a ROUTER at
 *          ENDPOINT, SIZE-byte requests (at least 8: the send time). Prints
 *          READY; at a "connect" line connects them all at once and sends
 *          one request on each, and once every one has its reply prints
 *          "CONNECTED first=<ns> last=<ns>" (CLOCK_REALTIME: the first
 *          zmq_connect, the last first reply); at a "run MS" line every
 *          DEALER keeps one request outstanding for MS milliseconds, then
 *          waits for the replies still due (so a RESULT line means every
 *          DEALER had all its replies) and prints "RESULT count=<n>
 *          ns=<elapsed> p50=<ns> p99=<ns>" (round trips); then waits for
 *          stdin to close.
 *   subs   COUNT SUBs in this one process, subscribed to everything,
 *          connected to a PUB at ENDPOINT (a flood peer); prints READY,
 *          then SUBSCRIBED once every one has received a message, then
 *          counts what all of them receive for the milliseconds a "run MS"
 *          line gives and prints "RESULT count=<n> ns=<elapsed>".
 *
 * A binding peer prints "READY <endpoint>" with the real port once bound.
 * A measuring peer prints "RESULT count=<n> ns=<elapsed>": n messages (or
 * round trips) from its first to its last timed one; a subscriber adds
 * "received=<total>" (it times up to its last multiple of 256). Errors go
 * to stderr with exit status 1.
 */
#include <errno.h>
#include <poll.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* A subscriber reads the clock every SAMPLE messages. */
#define SAMPLE 256

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void fail(const char *what)
{
	fprintf(stderr, "cpeer: %s: %s\n", what, zmq_strerror(zmq_errno()));
	exit(1);
}

static void set_int(void *s, int opt, int v, const char *what)
{
	if (zmq_setsockopt(s, opt, &v, sizeof v) != 0)
		fail(what);
}

/* curve is set for the curve modes: the binding socket is then the CURVE
 * server and the connecting one its client. */
static int curve;

static void set_key(void *s, int opt, const char *z85, const char *what)
{
	if (zmq_setsockopt(s, opt, z85, strlen(z85) + 1) != 0)
		fail(what);
}

static void curve_setup(void *s, int server)
{
	const char *env = getenv("ZMQGEN_BENCH_CURVE");
	char sp[41], ss[41], cp[41], cs[41];
	if (env == NULL || sscanf(env, "%40s %40s %40s %40s", sp, ss, cp, cs) != 4) {
		fprintf(stderr, "cpeer: ZMQGEN_BENCH_CURVE must hold four Z85 keys\n");
		exit(2);
	}
	if (server) {
		set_int(s, ZMQ_CURVE_SERVER, 1, "ZMQ_CURVE_SERVER");
		set_key(s, ZMQ_CURVE_SECRETKEY, ss, "ZMQ_CURVE_SECRETKEY");
	} else {
		set_key(s, ZMQ_CURVE_SERVERKEY, sp, "ZMQ_CURVE_SERVERKEY");
		set_key(s, ZMQ_CURVE_PUBLICKEY, cp, "ZMQ_CURVE_PUBLICKEY");
		set_key(s, ZMQ_CURVE_SECRETKEY, cs, "ZMQ_CURVE_SECRETKEY");
	}
}

/* backlog, if set, is the ZMQ_BACKLOG of the sockets opened. */
static int backlog;

/* open_socket binds or connects a socket of type typ to endpoint; a bound
 * socket announces its real endpoint on stdout. */
static void *open_socket(void *ctx, int typ, const char *endpoint, int bind)
{
	void *s = zmq_socket(ctx, typ);
	if (s == NULL)
		fail("zmq_socket");
	if (curve)
		curve_setup(s, bind);
	if (backlog > 0)
		set_int(s, ZMQ_BACKLOG, backlog, "ZMQ_BACKLOG");
	if (bind) {
		char real[256];
		size_t len = sizeof real;
		if (zmq_bind(s, endpoint) != 0)
			fail("zmq_bind");
		if (zmq_getsockopt(s, ZMQ_LAST_ENDPOINT, real, &len) != 0)
			fail("zmq_getsockopt(ZMQ_LAST_ENDPOINT)");
		printf("READY %s\n", real);
		fflush(stdout);
	} else if (zmq_connect(s, endpoint) != 0) {
		fail("zmq_connect");
	}
	return s;
}

/* stdin_event waits up to ms milliseconds for a line or the end of
 * stdin: 0 if neither came, 1 for a line, -1 for the end. */
static int stdin_event(int ms)
{
	struct pollfd pfd = {.fd = 0, .events = POLLIN};
	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	char line[64];
	return fgets(line, sizeof line, stdin) == NULL ? -1 : 1;
}

/* wait_go blocks until the harness writes a line on stdin. */
static void wait_go(void)
{
	char line[64];
	if (fgets(line, sizeof line, stdin) == NULL) {
		fprintf(stderr, "cpeer: stdin closed before go\n");
		exit(1);
	}
}

static void result(long long count, long long ns)
{
	printf("RESULT count=%lld ns=%lld\n", count, ns);
	fflush(stdout);
}

static void recv_msg(void *s, zmq_msg_t *m)
{
	if (zmq_msg_recv(m, s, 0) < 0)
		fail("zmq_msg_recv");
}

static void send_buf(void *s, const char *buf, size_t size)
{
	if (zmq_send(s, buf, size, 0) < 0)
		fail("zmq_send");
}

/* raise_nofile raises the soft limit on open files to the hard limit: a
 * ROUTER with 10,000 peers holds 10,000 descriptors, and each libzmq
 * socket of the load processes two (its connection and its mailbox). A Go
 * process does this itself at start (Go 1.19+), but restores the original
 * limit in the processes it starts. */
static void raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static long long wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* read_line reads a line from stdin into line; 0 at the end of stdin. */
static int read_line(char *line, int n)
{
	return fgets(line, n, stdin) != NULL;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;
	return x < y ? -1 : x > y;
}

/* dealers is the load process of the peer-count scenarios (see the mode's
 * comment at the top). */
static void dealers(void *ctx, const char *endpoint, long n, size_t size)
{
	if (size < 8)
		size = 8;
	char *req = calloc(size, 1), *rep = calloc(size, 1);
	char line[64];
	void **s = calloc((size_t)n, sizeof *s);
	for (long i = 0; i < n; i++) {
		if ((s[i] = zmq_socket(ctx, ZMQ_DEALER)) == NULL)
			fail("zmq_socket(ZMQ_DEALER)");
		set_int(s[i], ZMQ_LINGER, 0, "ZMQ_LINGER");
	}
	printf("READY %s\n", endpoint);
	fflush(stdout);
	if (!read_line(line, sizeof line))
		exit(0);
	long long first = wall_ns();
	for (long i = 0; i < n; i++)
		if (zmq_connect(s[i], endpoint) != 0)
			fail("zmq_connect");
	for (long i = 0; i < n; i++) {
		long long t = now_ns();
		memcpy(req, &t, 8);
		send_buf(s[i], req, size);
	}
	for (long i = 0; i < n; i++)
		if (zmq_recv(s[i], rep, size, 0) < 0)
			fail("zmq_recv");
	printf("CONNECTED first=%lld last=%lld\n", first, wall_ns());
	fflush(stdout);
	if (!read_line(line, sizeof line))
		exit(0);
	long ms = atol(line + (strncmp(line, "run ", 4) == 0 ? 4 : 0));
	/* Every DEALER keeps one request outstanding: replies are taken in
	 * turn, each followed at once by the DEALER's next request. */
	size_t cap = 1 << 20, count = 0;
	long long *rtt = malloc(cap * sizeof *rtt);
	long *got = calloc((size_t)n, sizeof *got);
	for (long i = 0; i < n; i++) {
		long long t = now_ns();
		memcpy(req, &t, 8);
		send_buf(s[i], req, size);
	}
	long long t0 = now_ns(), end = t0 + ms * 1000000LL;
	int stop = 0;
	for (long left = n; left > 0;) {
		for (long i = 0; i < n; i++) {
			if (got[i] < 0)
				continue;
			if (zmq_recv(s[i], rep, size, 0) < 0)
				fail("zmq_recv");
			long long now = now_ns(), sent;
			memcpy(&sent, rep, 8);
			if (count == cap) {
				cap *= 2;
				rtt = realloc(rtt, cap * sizeof *rtt);
			}
			rtt[count++] = now - sent;
			got[i]++;
			if (!stop && now >= end)
				stop = 1;
			if (stop) {
				got[i] = -1; /* its last reply is in */
				left--;
				continue;
			}
			memcpy(req, &now, 8);
			send_buf(s[i], req, size);
		}
	}
	long long elapsed = now_ns() - t0;
	qsort(rtt, count, sizeof *rtt, cmp_ll);
	printf("RESULT count=%zu ns=%lld p50=%lld p99=%lld\n", count, elapsed,
	       count ? rtt[count / 2] : 0, count ? rtt[count * 99 / 100] : 0);
	fflush(stdout);
	while (read_line(line, sizeof line))
		;
	for (long i = 0; i < n; i++)
		zmq_close(s[i]);
	free(s);
	free(rtt);
	free(got);
	free(req);
	free(rep);
}

/* subs is the receiving side of the PUB fan-out peer-count scenario (see
 * the mode's comment at the top). */
static void subs(void *ctx, const char *endpoint, long n, size_t size)
{
	char line[64];
	char *buf = calloc(size + 1, 1);
	void **s = calloc((size_t)n, sizeof *s);
	zmq_pollitem_t *items = calloc((size_t)n, sizeof *items);
	char *seen = calloc((size_t)n, 1);
	for (long i = 0; i < n; i++) {
		if ((s[i] = zmq_socket(ctx, ZMQ_SUB)) == NULL)
			fail("zmq_socket(ZMQ_SUB)");
		set_int(s[i], ZMQ_LINGER, 0, "ZMQ_LINGER");
		if (zmq_setsockopt(s[i], ZMQ_SUBSCRIBE, "", 0) != 0)
			fail("ZMQ_SUBSCRIBE");
		if (zmq_connect(s[i], endpoint) != 0)
			fail("zmq_connect");
		items[i].socket = s[i];
		items[i].events = ZMQ_POLLIN;
	}
	printf("READY %s\n", endpoint);
	fflush(stdout);
	/* Until every SUB has had a message, then for the run: poll, and
	 * drain each readable SUB. */
	long unseen = n;
	long long count = 0, t0 = 0, end = -1;
	for (;;) {
		if (unseen == 0 && end < 0) {
			printf("SUBSCRIBED %s\n", endpoint);
			fflush(stdout);
			if (!read_line(line, sizeof line))
				exit(0);
			long ms = atol(line + (strncmp(line, "run ", 4) == 0 ? 4 : 0));
			t0 = now_ns();
			end = t0 + ms * 1000000LL;
			count = 0;
		}
		if (end > 0 && now_ns() >= end)
			break;
		if (zmq_poll(items, (int)n, 100) < 0)
			fail("zmq_poll");
		for (long i = 0; i < n; i++) {
			if (!(items[i].revents & ZMQ_POLLIN))
				continue;
			while (zmq_recv(s[i], buf, size + 1, ZMQ_DONTWAIT) >= 0) {
				count++;
				if (!seen[i]) {
					seen[i] = 1;
					unseen--;
				}
			}
		}
	}
	printf("RESULT count=%lld ns=%lld\n", count, now_ns() - t0);
	fflush(stdout);
	while (read_line(line, sizeof line))
		;
	for (long i = 0; i < n; i++)
		zmq_close(s[i]);
	free(s);
	free(items);
	free(seen);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: peer [curve]pull|[curve]push|pub|sub|rep|req|flood|stall|router|dealers|subs ENDPOINT COUNT SIZE\n");
		return 2;
	}
	const char *mode = argv[1], *endpoint = argv[2];
	if (strncmp(mode, "curve", 5) == 0) {
		curve = 1;
		mode += 5;
	}
	long long count = atoll(argv[3]);
	/* ZMQGEN_BENCH_TOPICS=N: the subscriber subscribes to N prefixes, of
	 * which only the last, "~", matches what the publisher sends (a "~"
	 * and zero bytes); the probes and end markers are that one byte.
	 * "~" sorts after the others ("topic-0000000"...), and subscriptions
	 * go out in byte order (libzmq walks its trie, the runtime sorts), so
	 * the first probe a subscriber gets says that all of its
	 * subscriptions reached the publisher. */
	const char *topics_env = getenv("ZMQGEN_BENCH_TOPICS");
	long topics = topics_env ? atol(topics_env) : 0;
	size_t marker = topics > 0 ? 1 : 0;
	size_t size = (size_t)atoll(argv[4]);
	char *buf = calloc(size > 0 ? size : 1, 1);
	raise_nofile();
	if (topics > 0)
		buf[0] = '~';
	void *ctx = zmq_ctx_new();
	if (strcmp(mode, "dealers") == 0 || strcmp(mode, "subs") == 0) {
		/* ZMQ_MAX_SOCKETS (1023 by default) counts sockets, not
		 * connections: only these modes open more than a few. */
		if (zmq_ctx_set(ctx, ZMQ_MAX_SOCKETS, (int)count + 16) != 0)
			fail("zmq_ctx_set(ZMQ_MAX_SOCKETS)");
	}
	zmq_msg_t m;
	zmq_msg_init(&m);

	if (strcmp(mode, "pull") == 0) {
		void *s = open_socket(ctx, ZMQ_PULL, endpoint, 1);
		recv_msg(s, &m);
		long long t0 = now_ns();
		for (long long i = 1; i < count; i++)
			recv_msg(s, &m);
		result(count, now_ns() - t0);
		zmq_close(s);
	} else if (strcmp(mode, "push") == 0) {
		void *s = open_socket(ctx, ZMQ_PUSH, endpoint, 0);
		for (long long i = 0; i < count; i++)
			send_buf(s, buf, size);
		zmq_close(s); /* default linger: zmq_ctx_term flushes the queue */
	} else if (strcmp(mode, "pub") == 0) {
		void *s = open_socket(ctx, ZMQ_PUB, endpoint, 1);
		set_int(s, ZMQ_LINGER, 0, "ZMQ_LINGER");
		/* Probes until "go": each subscriber reports the first one it
		 * gets, so the harness starts when every subscription is in. */
		int ev;
		while ((ev = stdin_event(10)) == 0)
			send_buf(s, buf, marker);
		if (ev < 0) {
			fprintf(stderr, "cpeer: stdin closed before go\n");
			exit(1);
		}
		for (long long i = 0; i < count; i++)
			send_buf(s, buf, size);
		/* End markers go out repeatedly: a subscriber whose queue was
		 * full when one was published never saw it. */
		while (stdin_event(10) >= 0)
			send_buf(s, buf, marker);
		zmq_close(s);
	} else if (strcmp(mode, "sub") == 0) {
		void *s;
		if (topics > 0) {
			/* Subscribed before connecting, with no send HWM: libzmq
			 * sends every subscription when the pipe attaches, where
			 * subscribing on a connected pipe drops those past the HWM. */
			char t[32];
			if ((s = zmq_socket(ctx, ZMQ_SUB)) == NULL)
				fail("zmq_socket");
			set_int(s, ZMQ_SNDHWM, 0, "ZMQ_SNDHWM");
			for (long i = 0; i < topics - 1; i++) {
				int n = snprintf(t, sizeof t, "topic-%07ld", i);
				if (zmq_setsockopt(s, ZMQ_SUBSCRIBE, t, (size_t)n) != 0)
					fail("ZMQ_SUBSCRIBE");
			}
			if (zmq_setsockopt(s, ZMQ_SUBSCRIBE, "~", 1) != 0)
				fail("ZMQ_SUBSCRIBE");
			if (zmq_connect(s, endpoint) != 0)
				fail("zmq_connect");
		} else {
			s = open_socket(ctx, ZMQ_SUB, endpoint, 0);
			if (zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0) != 0)
				fail("ZMQ_SUBSCRIBE");
		}
		printf("READY %s\n", endpoint);
		fflush(stdout);
		/* The clock is read every SAMPLE messages only: reading it per
		 * message would cost a subscriber a good share of its time. */
		long long n = 0, t0 = 0, t1 = 0, n1 = 0;
		int subscribed = 0;
		for (;;) {
			recv_msg(s, &m);
			if (zmq_msg_size(&m) == marker) {
				if (n > 0)
					break;
				if (!subscribed) {
					printf("SUBSCRIBED %s\n", endpoint);
					fflush(stdout);
					subscribed = 1;
				}
				continue;
			}
			if (++n == 1) {
				t0 = t1 = now_ns();
				n1 = 1;
			} else if (n % SAMPLE == 0) {
				t1 = now_ns();
				n1 = n;
			}
		}
		printf("RESULT count=%lld ns=%lld received=%lld\n", n1, t1 - t0, n);
		fflush(stdout);
		set_int(s, ZMQ_LINGER, 0, "ZMQ_LINGER");
		zmq_close(s);
	} else if (strcmp(mode, "rep") == 0) {
		void *s = open_socket(ctx, ZMQ_REP, endpoint, 1);
		for (;;) {
			recv_msg(s, &m);
			if (zmq_msg_send(&m, s, 0) < 0)
				fail("zmq_msg_send");
		}
	} else if (strcmp(mode, "req") == 0) {
		void *s = open_socket(ctx, ZMQ_REQ, endpoint, 0);
		long long warm = count / 10 < 1000 ? count / 10 : 1000, t0 = 0;
		for (long long i = 0; i < warm + count; i++) {
			if (i == warm)
				t0 = now_ns();
			send_buf(s, buf, size);
			recv_msg(s, &m);
		}
		result(count, now_ns() - t0);
		zmq_close(s);
	} else if (strcmp(mode, "flood") == 0) {
		void *s = open_socket(ctx, ZMQ_PUB, endpoint, 1);
		set_int(s, ZMQ_LINGER, 0, "ZMQ_LINGER");
		wait_go();
		for (;;)
			send_buf(s, buf, size);
	} else if (strcmp(mode, "stall") == 0) {
		void *s = open_socket(ctx, ZMQ_SUB, endpoint, 0);
		set_int(s, ZMQ_LINGER, 0, "ZMQ_LINGER");
		if (zmq_setsockopt(s, ZMQ_SUBSCRIBE, "", 0) != 0)
			fail("ZMQ_SUBSCRIBE");
		printf("READY %s\n", endpoint);
		fflush(stdout);
		while (getchar() != EOF)
			;
		zmq_close(s);
	} else if (strcmp(mode, "router") == 0) {
		/* libzmq listens with a backlog of ZMQ_BACKLOG, 100 by default,
		 * where Go's net.Listen takes net.core.somaxconn (4096 here):
		 * with the default, a storm of thousands of connections
		 * overflows the accept queue, the dropped SYNs are retried
		 * after 1, 3, 7… s, and 10,000 DEALERs took over two minutes.
		 * A libzmq server expecting thousands of peers sets it. */
		backlog = 4096;
		void *s = open_socket(ctx, ZMQ_ROUTER, endpoint, 1);
		zmq_msg_t id;
		zmq_msg_init(&id);
		for (;;) {
			recv_msg(s, &id);
			recv_msg(s, &m);
			if (zmq_msg_send(&id, s, ZMQ_SNDMORE) < 0 || zmq_msg_send(&m, s, 0) < 0)
				fail("zmq_msg_send");
		}
	} else if (strcmp(mode, "dealers") == 0) {
		dealers(ctx, endpoint, (long)count, size);
	} else if (strcmp(mode, "subs") == 0) {
		subs(ctx, endpoint, (long)count, size);
	} else {
		fprintf(stderr, "cpeer: unknown mode %s\n", mode);
		return 2;
	}
	zmq_msg_close(&m);
	zmq_ctx_term(ctx);
	free(buf);
	return 0;
}
