// SPDX-License-Identifier: GPL-2.0
/*
 * Software socket timestamps are on the CLOCK_REALTIME of the time
 * namespace of the task which reads them: the kernel stamps on the host's
 * clock and converts when the stamp is read. A task in a user+time
 * namespace whose clock was set 1000 s ahead of the host's gets stamps
 * which match its own clock; a host task gets the host's clock for the
 * same traffic, even when the two send each other the datagrams, and the
 * namespace task gets its own clock from a socket the host opened.
 *
 * The kinds of stamp: SO_TIMESTAMP, SO_TIMESTAMPNS, SO_TIMESTAMP_NEW,
 * SO_TIMESTAMPNS_NEW, SO_TIMESTAMPING receive (ts[0]) and transmit (from
 * the error queue) software stamps, the SIOCGSTAMP and SIOCGSTAMPNS
 * ioctls after a recv(), and SO_TIMESTAMPNS on a TCP connection. All over
 * 127.0.0.1: only the user and time namespaces are new, so the host and
 * the namespace share the loopback device.
 *
 * Each in two namespaces (user+time, tk_unshare(TK_NS_USER)), the clock
 * set 1000 s forward in both: one which follows the host at that offset,
 * and one switched then to a clock of its own (adjtimex(ADJ_FREQUENCY)).
 *
 * The bound of every stamp: the kernel stamps a datagram after the send
 * call was entered (in __netif_rx() on loopback, or in recvmsg() itself
 * if it stamped none there), and a transmit stamp in loopback_xmit(),
 * within the send call; so a stamp lies between a read of the reader's
 * clock before the send and one after the recvmsg() or ioctl which got
 * it. SLACK_NS on either side covers the microseconds a timeval drops
 * and the conversion of an own clock's stamp at the offset of the read
 * rather than of the stamp (the age of the stamp times the difference of
 * the two clocks' rates: 0.5 ms for a stamp 1 s old at 500 ppm). A stamp
 * left on the host's clock, or converted for a namespace task which does
 * not read it, is 1000 s off.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/net_tstamp.h>
#include <linux/sockios.h>
#include <linux/time_types.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "timens_tk.h"

/* The 64-bit stamps, which 64-bit C libraries need not name */
#ifndef SO_TIMESTAMP_NEW
#define SO_TIMESTAMP_NEW	63
#endif
#ifndef SO_TIMESTAMPNS_NEW
#define SO_TIMESTAMPNS_NEW	64
#endif
#ifndef SCM_TIMESTAMP
#define SCM_TIMESTAMP		SO_TIMESTAMP
#endif
#ifndef SCM_TIMESTAMPNS
#define SCM_TIMESTAMPNS		SO_TIMESTAMPNS
#endif
#ifndef SCM_TIMESTAMPING
#define SCM_TIMESTAMPING	SO_TIMESTAMPING
#endif

/* How far the namespaces set their clock forward: 1000 s */
#define NS_AHEAD_NS		(1000 * NSEC_PER_SEC)
/* How close to that the namespace's clock must be, host reads compared */
#define AHEAD_TOL_NS		NSEC_PER_SEC
/* Either side of the bracket of clock reads around a stamp (see above) */
#define SLACK_NS		(1 * MSEC)
/* A stamp this close to 1000 s off was on the other clock. */
#define OTHER_CLOCK_NS		(10 * NSEC_PER_SEC)
/* Stamps checked per way a datagram goes */
#define ROUNDS			3
/* Receive timeout of every socket, and wait for a transmit stamp */
#define IO_TIMEOUT_S		5
/* Backstop for a namespace child which hangs: it is killed by SIGALRM. */
#define CHILD_ALARM_S		20
/* How long the setup waits for the kernel to stamp received packets */
#define STAMPS_ON_NS		(2 * NSEC_PER_SEC)

/* The kinds of stamp */
enum kind {
	K_TIMESTAMP,		/* SO_TIMESTAMP: struct timeval */
	K_TIMESTAMPNS,		/* SO_TIMESTAMPNS: struct timespec */
	K_TIMESTAMP_NEW,	/* SO_TIMESTAMP_NEW: __kernel_sock_timeval */
	K_TIMESTAMPNS_NEW,	/* SO_TIMESTAMPNS_NEW: __kernel_timespec */
	K_TIMESTAMPING,		/* SO_TIMESTAMPING, RX software: ts[0] */
	K_SIOCGSTAMP,		/* ioctl SIOCGSTAMP after the recv */
	K_SIOCGSTAMPNS,		/* ioctl SIOCGSTAMPNS after the recv */
	K_TX,			/* SO_TIMESTAMPING, TX software: error queue */
};

static const char * const kind_name[] = {
	[K_TIMESTAMP] = "SO_TIMESTAMP",
	[K_TIMESTAMPNS] = "SO_TIMESTAMPNS",
	[K_TIMESTAMP_NEW] = "SO_TIMESTAMP_NEW",
	[K_TIMESTAMPNS_NEW] = "SO_TIMESTAMPNS_NEW",
	[K_TIMESTAMPING] = "SO_TIMESTAMPING RX software",
	[K_SIOCGSTAMP] = "SIOCGSTAMP",
	[K_SIOCGSTAMPNS] = "SIOCGSTAMPNS",
	[K_TX] = "SO_TIMESTAMPING TX software",
};

/* struct scm_timestamping, without <linux/errqueue.h>'s struct timeval */
struct tstamps {
	struct timespec ts[3];
};

/*
 * A way datagrams go: from @tx to @rx, to @to over UDP, over a connection
 * between the two over TCP. A stamp of @kind is read: off @rx, or for
 * K_TX off @tx's error queue.
 */
struct link {
	int rx;
	int tx;
	bool tcp;
	enum kind kind;
	struct sockaddr_in to;
};

/* What both sides of a test know */
struct ctx {
	enum kind kind;
	bool tcp;
	bool own;
	/* The host's realtime_offset_ns() before the fork */
	int64_t host_off;
	/* Namespace to host, and host to namespace */
	int c2p[2];
	int p2c[2];
	/*
	 * The host's receiving socket over UDP, its listener over TCP, at
	 * @host_addr; -1 for K_TX, which sends nothing across.
	 */
	int host_rx;
	struct sockaddr_in host_addr;
	/* A link the host made, which the namespace child uses */
	struct link inherited;
};

static const char *skip_reason;

static struct timespec ns_ts(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / NSEC_PER_SEC,
		.tv_nsec = ns % NSEC_PER_SEC,
	};

	return ts;
}

/* A socket of @type on the loopback, with a receive timeout */
static int new_socket(struct __test_metadata *_metadata, int type)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd;

	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		TH_LOG("SO_RCVTIMEO: %s", strerror(errno));
	return fd;
}

/* Bind @fd to 127.0.0.1 and a port of the kernel's choice, in *@addr. */
static void bind_lo(struct __test_metadata *_metadata, int fd, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)addr, sizeof(*addr)))
		TH_LOG("bind: %s", strerror(errno));
	ASSERT_EQ(0, getsockname(fd, (struct sockaddr *)addr, &len));
}

static void set_int(struct __test_metadata *_metadata, int fd, int level, int opt,
		    int val, const char *name)
{
	ASSERT_EQ(0, setsockopt(fd, level, opt, &val, sizeof(val)))
		TH_LOG("%s: %s", name, strerror(errno));
}

/*
 * Ask for receive stamps of @kind on @fd. The ioctls need no option; the
 * first one turns stamps on, and with no datagram received yet it must
 * fail with ENOENT.
 */
static void enable_rx(struct __test_metadata *_metadata, int fd, enum kind kind)
{
	struct timespec ts = {};
	struct timeval tv = {};

	switch (kind) {
	case K_TIMESTAMP:
		set_int(_metadata, fd, SOL_SOCKET, SO_TIMESTAMP, 1, kind_name[kind]);
		break;
	case K_TIMESTAMPNS:
		set_int(_metadata, fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, kind_name[kind]);
		break;
	case K_TIMESTAMP_NEW:
		set_int(_metadata, fd, SOL_SOCKET, SO_TIMESTAMP_NEW, 1, kind_name[kind]);
		break;
	case K_TIMESTAMPNS_NEW:
		set_int(_metadata, fd, SOL_SOCKET, SO_TIMESTAMPNS_NEW, 1, kind_name[kind]);
		break;
	case K_TIMESTAMPING:
		set_int(_metadata, fd, SOL_SOCKET, SO_TIMESTAMPING,
			SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE,
			kind_name[kind]);
		break;
	case K_SIOCGSTAMP:
		ASSERT_TRUE(FAILS_WITH(ioctl(fd, SIOCGSTAMP, &tv), ENOENT))
			TH_LOG("SIOCGSTAMP before any datagram: %s, %lld.%06ld",
			       strerror(errno), (long long)tv.tv_sec, (long)tv.tv_usec);
		break;
	case K_SIOCGSTAMPNS:
		ASSERT_TRUE(FAILS_WITH(ioctl(fd, SIOCGSTAMPNS, &ts), ENOENT))
			TH_LOG("SIOCGSTAMPNS before any datagram: %s, %lld.%09ld",
			       strerror(errno), (long long)ts.tv_sec, ts.tv_nsec);
		break;
	case K_TX:
		break;
	}
}

/*
 * Transmit stamps of @fd: SOF_TIMESTAMPING_OPT_TSONLY, so that a task
 * without CAP_NET_RAW in the initial user namespace gets them whatever
 * net.core.tstamp_allow_data says.
 */
static void enable_tx(struct __test_metadata *_metadata, int fd)
{
	set_int(_metadata, fd, SOL_SOCKET, SO_TIMESTAMPING,
		SOF_TIMESTAMPING_TX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE |
		SOF_TIMESTAMPING_OPT_TSONLY, kind_name[K_TX]);
}

/* The UDP socket of a link which receives: bound, its stamps asked for */
static int udp_rx(struct __test_metadata *_metadata, enum kind kind, struct sockaddr_in *addr)
{
	int fd = new_socket(_metadata, SOCK_DGRAM);

	bind_lo(_metadata, fd, addr);
	enable_rx(_metadata, fd, kind);
	return fd;
}

static void tcp_tune(struct __test_metadata *_metadata, int fd)
{
	/* No byte waits for the ack of the last one. */
	set_int(_metadata, fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
}

/* A listening TCP socket at *@addr */
static int tcp_listener(struct __test_metadata *_metadata, struct sockaddr_in *addr)
{
	int fd = new_socket(_metadata, SOCK_STREAM);

	bind_lo(_metadata, fd, addr);
	ASSERT_EQ(0, listen(fd, 4)) TH_LOG("listen: %s", strerror(errno));
	return fd;
}

static int tcp_connect(struct __test_metadata *_metadata, const struct sockaddr_in *addr)
{
	int fd = new_socket(_metadata, SOCK_STREAM);

	ASSERT_EQ(0, connect(fd, (const struct sockaddr *)addr, sizeof(*addr)))
		TH_LOG("connect: %s", strerror(errno));
	tcp_tune(_metadata, fd);
	return fd;
}

/* accept() on @lfd, which has a receive timeout: the connection's socket */
static int tcp_accept(struct __test_metadata *_metadata, int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };

	ASSERT_LE(0, fd) TH_LOG("accept: %s", strerror(errno));
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	tcp_tune(_metadata, fd);
	return fd;
}

/* A link whose sockets the caller makes, over TCP if @tcp */
static void make_link(struct __test_metadata *_metadata, struct link *l, enum kind k,
		      bool tcp)
{
	struct sockaddr_in addr;
	int lfd;

	l->kind = k;
	l->tcp = tcp;
	if (tcp) {
		lfd = tcp_listener(_metadata, &addr);
		l->tx = tcp_connect(_metadata, &addr);
		l->rx = tcp_accept(_metadata, lfd);
		close(lfd);
		enable_rx(_metadata, l->rx, k);
		return;
	}
	l->rx = udp_rx(_metadata, k, &l->to);
	l->tx = new_socket(_metadata, SOCK_DGRAM);
	if (k == K_TX)
		enable_tx(_metadata, l->tx);
}

static void close_link(struct link *l)
{
	close(l->rx);
	close(l->tx);
}

/* Send one byte from @fd: to @to over UDP, on the connection over TCP. */
static void send_byte(struct __test_metadata *_metadata, int fd, bool tcp,
		      const struct sockaddr_in *to)
{
	ssize_t n;

	if (tcp)
		n = send(fd, "x", 1, MSG_NOSIGNAL);
	else
		n = sendto(fd, "x", 1, 0, (const struct sockaddr *)to, sizeof(*to));
	ASSERT_EQ(1, n) TH_LOG("send: %s", strerror(errno));
}

/* Find the cmsg SOL_SOCKET @type of @len bytes in @msg: its data. */
static void *find_cmsg(struct __test_metadata *_metadata, struct msghdr *msg, int type,
		       size_t len)
{
	struct cmsghdr *cm;
	void *data = NULL;

	ASSERT_FALSE(msg->msg_flags & MSG_CTRUNC) TH_LOG("control data truncated");
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != type)
			continue;
		ASSERT_EQ(CMSG_LEN(len), cm->cmsg_len) TH_LOG("cmsg %d of %zu bytes", type,
							      (size_t)cm->cmsg_len);
		ASSERT_EQ(NULL, data) TH_LOG("two cmsgs of type %d", type);
		data = CMSG_DATA(cm);
	}
	ASSERT_NE(NULL, data) TH_LOG("no cmsg of type %d", type);
	return data;
}

static int64_t tv_ns(int64_t sec, int64_t usec)
{
	return sec * NSEC_PER_SEC + usec * USEC;
}

/* Receive the byte on @fd: its stamp of @kind, in ns. */
static int64_t recv_stamp(struct __test_metadata *_metadata, int fd, enum kind kind)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct tstamps)) + 256];
		struct cmsghdr align;
	} control;
	struct __kernel_sock_timeval ktv;
	struct __kernel_timespec kts;
	struct tstamps tss;
	struct timespec ts;
	struct timeval tv;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	n = recvmsg(fd, &msg, 0);
	ASSERT_EQ(1, n) TH_LOG("recvmsg: %s", n < 0 ? strerror(errno) : "not one byte");
	switch (kind) {
	case K_TIMESTAMP:
		memcpy(&tv, find_cmsg(_metadata, &msg, SCM_TIMESTAMP, sizeof(tv)), sizeof(tv));
		return tv_ns(tv.tv_sec, tv.tv_usec);
	case K_TIMESTAMPNS:
		memcpy(&ts, find_cmsg(_metadata, &msg, SCM_TIMESTAMPNS, sizeof(ts)), sizeof(ts));
		return ts_ns(&ts);
	case K_TIMESTAMP_NEW:
		memcpy(&ktv, find_cmsg(_metadata, &msg, SO_TIMESTAMP_NEW, sizeof(ktv)),
		       sizeof(ktv));
		return tv_ns(ktv.tv_sec, ktv.tv_usec);
	case K_TIMESTAMPNS_NEW:
		memcpy(&kts, find_cmsg(_metadata, &msg, SO_TIMESTAMPNS_NEW, sizeof(kts)),
		       sizeof(kts));
		return kts.tv_sec * NSEC_PER_SEC + kts.tv_nsec;
	case K_TIMESTAMPING:
		memcpy(&tss, find_cmsg(_metadata, &msg, SCM_TIMESTAMPING, sizeof(tss)),
		       sizeof(tss));
		return ts_ns(&tss.ts[0]);
	case K_SIOCGSTAMP:
		ASSERT_EQ(0, ioctl(fd, SIOCGSTAMP, &tv))
			TH_LOG("SIOCGSTAMP: %s", strerror(errno));
		return tv_ns(tv.tv_sec, tv.tv_usec);
	case K_SIOCGSTAMPNS:
		ASSERT_EQ(0, ioctl(fd, SIOCGSTAMPNS, &ts))
			TH_LOG("SIOCGSTAMPNS: %s", strerror(errno));
		return ts_ns(&ts);
	case K_TX:
		break;
	}
	ASSERT_TRUE(false) TH_LOG("no receive stamp of kind %d", kind);
	return 0;
}

/* The transmit stamp of the byte just sent on @fd, off its error queue */
static int64_t tx_stamp(struct __test_metadata *_metadata, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct tstamps)) + 256];
		struct cmsghdr align;
	} control;
	struct pollfd pfd = { .fd = fd };
	struct tstamps tss;
	char data[64];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	int ret;

	/* The error queue raises POLLERR, which poll() reports unasked. */
	do {
		ret = poll(&pfd, 1, IO_TIMEOUT_S * 1000);
	} while (ret < 0 && errno == EINTR);
	ASSERT_EQ(1, ret) TH_LOG("no transmit stamp came: %s", ret ? strerror(errno) : "timeout");
	ASSERT_TRUE(pfd.revents & POLLERR) TH_LOG("revents %#x", pfd.revents);
	ASSERT_LE(0, recvmsg(fd, &msg, MSG_ERRQUEUE))
		TH_LOG("recvmsg(MSG_ERRQUEUE): %s", strerror(errno));
	memcpy(&tss, find_cmsg(_metadata, &msg, SCM_TIMESTAMPING, sizeof(tss)), sizeof(tss));
	return ts_ns(&tss.ts[0]);
}

/*
 * A stamp read between clock reads @before and @after of the reader's
 * clock must lie between them, give or take SLACK_NS.
 */
static void check_stamp(struct __test_metadata *_metadata, const char *what, enum kind kind,
			int64_t before, int64_t stamp, int64_t after)
{
	int64_t d = stamp - before;
	const char *hint = "";

	if (llabs(d + NS_AHEAD_NS) < OTHER_CLOCK_NS)
		hint = ": on the host's clock, not the namespace's";
	else if (llabs(d - NS_AHEAD_NS) < OTHER_CLOCK_NS)
		hint = ": on the namespace's clock, not the host's";
	ASSERT_TRUE(stamp >= before - SLACK_NS && stamp <= after + SLACK_NS)
		TH_LOG("%s, %s: stamp %lld us after the read before, reads %lld us apart%s",
		       what, kind_name[kind], (long long)(d / USEC),
		       (long long)((after - before) / USEC), hint);
}

/* Receive the byte on @fd, which has no stamp asked for. */
static void recv_plain(struct __test_metadata *_metadata, int fd)
{
	char byte;

	ASSERT_EQ(1, recv(fd, &byte, 1, 0)) TH_LOG("recv: %s", strerror(errno));
}

/* Send a byte over @l and check its stamp on the caller's clock, ROUNDS times. */
static void stamp_link(struct __test_metadata *_metadata, const char *what, struct link *l)
{
	int64_t before, stamp, after;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		before = clock_ns(CLOCK_REALTIME);
		send_byte(_metadata, l->tx, l->tcp, &l->to);
		if (l->kind == K_TX) {
			stamp = tx_stamp(_metadata, l->tx);
			after = clock_ns(CLOCK_REALTIME);
			/* Take the datagram, which had no stamp asked for. */
			recv_plain(_metadata, l->rx);
		} else {
			stamp = recv_stamp(_metadata, l->rx, l->kind);
			after = clock_ns(CLOCK_REALTIME);
		}
		check_stamp(_metadata, what, l->kind, before, stamp, after);
	}
}

/* The default of adjtimex()'s tick: a USER_HZ tick, in us */
static long user_tick(void)
{
	return 1000000 / sysconf(_SC_CLK_TCK);
}

/*
 * Steer the namespace's clock, which gives it a clock of its own, as
 * ns_timers.c does: to the frequency 0 and the default tick.
 */
static void make_own_clock(struct __test_metadata *_metadata)
{
	struct timex tx = {
		.modes = ADJ_FREQUENCY | ADJ_TICK,
		.freq = 0,
		.tick = user_tick(),
	};

	ASSERT_LE(0, adjtimex(&tx)) TH_LOG("ADJ_FREQUENCY: %s", strerror(errno));
}

/*
 * In the namespace child: set the clock NS_AHEAD_NS forward, and switch
 * it to a clock of its own if the test says so; it must then read
 * NS_AHEAD_NS ahead of the host's. CLOCK_MONOTONIC, which the set does
 * not move, is the host's, or on a clock of its own goes on from the
 * host's at much the same rate, so realtime_offset_ns() compares them.
 */
static void ns_clock(struct __test_metadata *_metadata, const struct ctx *c)
{
	int64_t ahead;

	ASSERT_EQ(0, step_realtime(NS_AHEAD_NS)) TH_LOG("clock_settime: %s", strerror(errno));
	if (c->own)
		make_own_clock(_metadata);
	ahead = realtime_offset_ns() - c->host_off;
	ASSERT_GT(AHEAD_TOL_NS, llabs(ahead - NS_AHEAD_NS))
		TH_LOG("the namespace's clock is %lld ms ahead of the host's",
		       (long long)(ahead / MSEC));
}

/* Read a byte from @fd: whether one came */
static bool get_byte(int fd)
{
	char c;

	return read(fd, &c, 1) == 1;
}

static bool put_byte(int fd)
{
	return write(fd, "x", 1) == 1;
}

/*
 * The namespace child: stamps of its own link, of the link the host made,
 * of bytes it sends the host (which the host checks), and of bytes the
 * host sends it.
 */
static void ns_side(struct __test_metadata *_metadata, struct ctx *c)
{
	struct link own, cross = { .kind = c->kind, .tcp = c->tcp };
	int64_t before, stamp, after;
	struct sockaddr_in addr;
	in_port_t port = 0;
	int i;

	ns_clock(_metadata, c);
	make_link(_metadata, &own, c->kind, c->tcp);
	stamp_link(_metadata, "namespace, its own sockets", &own);
	close_link(&own);
	stamp_link(_metadata, "namespace, sockets the host opened", &c->inherited);
	if (c->kind == K_TX)
		return;

	if (c->tcp) {
		cross.rx = tcp_connect(_metadata, &c->host_addr);
		cross.tx = cross.rx;
		enable_rx(_metadata, cross.rx, c->kind);
	} else {
		cross.rx = udp_rx(_metadata, c->kind, &addr);
		cross.tx = new_socket(_metadata, SOCK_DGRAM);
		port = addr.sin_port;
	}
	ASSERT_EQ((ssize_t)sizeof(port), write(c->c2p[1], &port, sizeof(port)));
	/* To the host, each byte once it has read its clock */
	for (i = 0; i < ROUNDS; i++) {
		ASSERT_TRUE(get_byte(c->p2c[0])) TH_LOG("the host side stopped");
		send_byte(_metadata, cross.tx, c->tcp, &c->host_addr);
	}
	/* From the host, each byte once the child has read its clock */
	for (i = 0; i < ROUNDS; i++) {
		before = clock_ns(CLOCK_REALTIME);
		ASSERT_TRUE(put_byte(c->c2p[1]));
		stamp = recv_stamp(_metadata, cross.rx, c->kind);
		after = clock_ns(CLOCK_REALTIME);
		check_stamp(_metadata, "namespace, sent by the host", c->kind, before, stamp,
			    after);
	}
}

/* The namespace child gave up: report how it ended, and fail. */
static void child_failed(struct __test_metadata *_metadata, pid_t pid)
{
	tk_wait_ok(_metadata, pid);
	ASSERT_TRUE(false) TH_LOG("the namespace child stopped short");
}

/*
 * The host: stamps of bytes the namespace child sends it and, once the
 * child is done, of its own link.
 */
static void host_side(struct __test_metadata *_metadata, struct ctx *c, pid_t pid)
{
	struct link own, cross = { .kind = c->kind, .tcp = c->tcp };
	int64_t before, stamp, after;
	in_port_t port;
	int i;

	if (c->kind != K_TX) {
		if (read(c->c2p[0], &port, sizeof(port)) != sizeof(port))
			child_failed(_metadata, pid);
		if (c->tcp) {
			cross.rx = tcp_accept(_metadata, c->host_rx);
			cross.tx = cross.rx;
			enable_rx(_metadata, cross.rx, c->kind);
		} else {
			cross.rx = c->host_rx;
			cross.tx = new_socket(_metadata, SOCK_DGRAM);
			cross.to = c->host_addr;
			cross.to.sin_port = port;
		}
		for (i = 0; i < ROUNDS; i++) {
			before = clock_ns(CLOCK_REALTIME);
			ASSERT_TRUE(put_byte(c->p2c[1]));
			stamp = recv_stamp(_metadata, cross.rx, c->kind);
			after = clock_ns(CLOCK_REALTIME);
			check_stamp(_metadata, "host, sent from the namespace", c->kind, before,
				    stamp, after);
		}
		for (i = 0; i < ROUNDS; i++) {
			if (!get_byte(c->c2p[0]))
				child_failed(_metadata, pid);
			send_byte(_metadata, cross.tx, c->tcp, &cross.to);
		}
	}
	tk_wait_ok(_metadata, pid);
	make_link(_metadata, &own, c->kind, c->tcp);
	stamp_link(_metadata, "host, its own sockets", &own);
	close_link(&own);
}

/*
 * A test of stamps of @kind, over TCP if @tcp, with a namespace child on
 * a clock set NS_AHEAD_NS forward, switched to a clock of its own if @own.
 */
static void run(struct __test_metadata *_metadata, bool own, enum kind kind, bool tcp)
{
	struct ctx c = { .kind = kind, .tcp = tcp, .own = own, .host_rx = -1 };
	pid_t pid;

	/* A child which died makes a write fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe(c.c2p));
	ASSERT_EQ(0, pipe(c.p2c));
	make_link(_metadata, &c.inherited, kind, tcp);
	if (kind != K_TX && tcp)
		c.host_rx = tcp_listener(_metadata, &c.host_addr);
	else if (kind != K_TX)
		c.host_rx = udp_rx(_metadata, kind, &c.host_addr);
	c.host_off = realtime_offset_ns();

	pid = tk_ns_fork(_metadata, TK_NS_USER);
	if (!pid) {
		alarm(CHILD_ALARM_S);
		close(c.c2p[0]);
		close(c.p2c[1]);
		if (c.host_rx >= 0)
			close(c.host_rx);
		ns_side(_metadata, &c);
		_exit(_metadata->exit_code);
	}
	close(c.c2p[1]);
	close(c.p2c[0]);
	close_link(&c.inherited);
	host_side(_metadata, &c, pid);
	EXPECT_TRUE(realtime_unchanged_since(c.host_off)) TH_LOG("host CLOCK_REALTIME moved");
}

/* Whether a datagram waiting on @fd came with an SCM_TIMESTAMPING stamp */
static bool got_rx_stamp(int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct tstamps))];
		struct cmsghdr align;
	} control;
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cm;

	if (recvmsg(fd, &msg, 0) != 1)
		return false;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPING)
			return true;
	}
	return false;
}

/*
 * Have the kernel stamp packets as they come in, and keep it at it: the
 * first socket to ask for receive stamps turns that on in a work item,
 * and until then packets come in unstamped, which SO_TIMESTAMPING receive
 * stamps and TCP's stamps are not made up for later. A socket which asks
 * for them, held until the test ends, sends itself probes until one comes
 * stamped, for up to STAMPS_ON_NS: the socket.
 */
static int stamps_on(struct __test_metadata *_metadata)
{
	int64_t end = clock_ns(CLOCK_MONOTONIC) + STAMPS_ON_NS;
	struct timespec pause = ns_ts(10 * MSEC);
	struct sockaddr_in addr;
	int fd;

	fd = udp_rx(_metadata, K_TIMESTAMPING, &addr);
	while (clock_ns(CLOCK_MONOTONIC) < end) {
		if (sendto(fd, "x", 1, 0, (struct sockaddr *)&addr, sizeof(addr)) == 1 &&
		    got_rx_stamp(fd))
			break;
		nanosleep(&pause, NULL);
	}
	return fd;
}

/* Each kind of stamp, in a namespace which follows the host and in one with a clock of its own */
FIXTURE(tstamp) {
	int keep;
};

FIXTURE_VARIANT(tstamp) {
	bool own;
};

FIXTURE_VARIANT_ADD(tstamp, following) {
	.own = false,
};

FIXTURE_VARIANT_ADD(tstamp, own) {
	.own = true,
};

FIXTURE_SETUP(tstamp)
{
	skip_reason = tk_cannot_run();
	if (skip_reason)
		SKIP(return, "%s", skip_reason);
	if (tk_lo_up())
		SKIP(return, "cannot bring lo up: %s", strerror(errno));
	self->keep = stamps_on(_metadata);
}

/* The tests fork, so nothing here: the end of the test closes self->keep. */
FIXTURE_TEARDOWN(tstamp) {}

/* SO_TIMESTAMP: the SCM_TIMESTAMP struct timeval on the reader's clock */
TEST_F(tstamp, so_timestamp)
{
	run(_metadata, variant->own, K_TIMESTAMP, false);
}

/* SO_TIMESTAMPNS: the SCM_TIMESTAMPNS struct timespec on the reader's clock */
TEST_F(tstamp, so_timestampns)
{
	run(_metadata, variant->own, K_TIMESTAMPNS, false);
}

/* SO_TIMESTAMP_NEW: the 64-bit struct __kernel_sock_timeval */
TEST_F(tstamp, so_timestamp_new)
{
	run(_metadata, variant->own, K_TIMESTAMP_NEW, false);
}

/* SO_TIMESTAMPNS_NEW: the 64-bit struct __kernel_timespec */
TEST_F(tstamp, so_timestampns_new)
{
	run(_metadata, variant->own, K_TIMESTAMPNS_NEW, false);
}

/* SO_TIMESTAMPING receive software stamps: scm_timestamping's ts[0] */
TEST_F(tstamp, timestamping_rx)
{
	run(_metadata, variant->own, K_TIMESTAMPING, false);
}

/* SIOCGSTAMP after a recv(); ENOENT before any datagram */
TEST_F(tstamp, siocgstamp)
{
	run(_metadata, variant->own, K_SIOCGSTAMP, false);
}

/* SIOCGSTAMPNS after a recv(); ENOENT before any datagram */
TEST_F(tstamp, siocgstampns)
{
	run(_metadata, variant->own, K_SIOCGSTAMPNS, false);
}

/* SO_TIMESTAMPING transmit software stamps, off the error queue */
TEST_F(tstamp, timestamping_tx)
{
	run(_metadata, variant->own, K_TX, false);
}

/* SO_TIMESTAMPNS on TCP connections over loopback */
TEST_F(tstamp, tcp_timestampns)
{
	run(_metadata, variant->own, K_TIMESTAMPNS, true);
}

TEST_HARNESS_MAIN
