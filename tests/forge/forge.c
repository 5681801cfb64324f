// SPDX-License-Identifier: Apache-2.0
/*
 * forge: the "compromised frontend" test. It plays a hostile moatd-api and
 * talks to a real moatd started with --test-forge SOCK (no frontend; the
 * helper serves the channel to whoever connects to SOCK, one connection at
 * a time). For each case it connects afresh, sends forged packets and
 * checks what the helper does: a protocol breach must close the channel
 * without a reply ("refused"); a well-formed request that fails must get
 * an errno reply ("answered"). At the end a valid hello must still be
 * answered, so the helper survived every case.
 *
 * Run by the test runner as root (the socket is root's, mode 0600):
 *   forge SOCKPATH
 * Prints "ok - forge: <case>" / "not ok - forge: <case>" per case and
 * exits 1 if any failed. Everything it receives from the helper is checked
 * as untrusted; what it sends is deliberately malformed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "proto/privhelper.pb-c.h"

#define PROTOCOL 1
#define TIMEOUT_MS 5000

static const char *sock_path;
static unsigned n_passed, n_failed;
static uint64_t next_id = 1000;

static void result(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - forge: ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (ok)
		n_passed++;
	else
		n_failed++;
}

static void note(const char *fmt, ...)
{
	va_list ap;

	fputs("#   ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* ---- hand encoding: what a hostile frontend would put on the wire ------- */

struct enc {
	uint8_t b[FRAME_MAX + 64];
	size_t n;
};

static void put_byte(struct enc *e, uint8_t c)
{
	if (e->n < sizeof(e->b))
		e->b[e->n++] = c;
}

static void put_raw(struct enc *e, const void *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		put_byte(e, ((const uint8_t *)p)[i]);
}

static void put_varint(struct enc *e, uint64_t v)
{
	while (v >= 0x80) {
		put_byte(e, (uint8_t)(v | 0x80));
		v >>= 7;
	}
	put_byte(e, (uint8_t)v);
}

enum { WT_VARINT = 0, WT_LEN = 2 };

static void put_tag(struct enc *e, uint32_t field, unsigned wt)
{
	put_varint(e, ((uint64_t)field << 3) | wt);
}

static void put_len_field(struct enc *e, uint32_t field, const void *p, size_t len)
{
	put_tag(e, field, WT_LEN);
	put_varint(e, len);
	put_raw(e, p, len);
}

/* Pack a request as the real frontend would (protobuf-c's own encoder). */
static void put_request(struct enc *e, const Ph__Request *req)
{
	size_t len = ph__request__get_packed_size(req);

	if (e->n + len <= sizeof(e->b))
		e->n += ph__request__pack(req, e->b + e->n);
}

static void build_hello(struct enc *e, uint64_t id, uint32_t protocol)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__HelloRequest h = PH__HELLO_REQUEST__INIT;

	h.protocol = protocol;
	req.id = id;
	req.op_case = PH__REQUEST__OP_HELLO;
	req.hello = &h;
	e->n = 0;
	put_request(e, &req);
}

static void build_state(struct enc *e, uint64_t id, const void *name, size_t len)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceStateRequest s = PH__INSTANCE_STATE_REQUEST__INIT;

	s.name.data = (uint8_t *)name;
	s.name.len = len;
	req.id = id;
	req.op_case = PH__REQUEST__OP_INSTANCE_STATE;
	req.instance_state = &s;
	e->n = 0;
	put_request(e, &req);
}

static void build_action(struct enc *e, uint64_t id, const void *name, size_t len, int action,
			 int32_t timeout)
{
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceActionRequest a = PH__INSTANCE_ACTION_REQUEST__INIT;

	a.name.data = (uint8_t *)name;
	a.name.len = len;
	a.action = (Ph__InstanceActionKind)action;
	a.timeout = timeout;
	req.id = id;
	req.op_case = PH__REQUEST__OP_INSTANCE_ACTION;
	req.instance_action = &a;
	e->n = 0;
	put_request(e, &req);
}

/* id, then the op field `op_field` wrapping the bytes of `sub`. */
static void build_wrapped(struct enc *e, uint64_t id, uint32_t op_field, const struct enc *sub)
{
	e->n = 0;
	put_tag(e, 1, WT_VARINT);
	put_varint(e, id);
	put_len_field(e, op_field, sub->b, sub->n);
}

/* Would protobuf-c itself accept these bytes? (to check our own construction) */
static bool pb_decodes(const struct enc *e)
{
	Ph__Request *r = ph__request__unpack(NULL, e->n, e->b);

	if (!r)
		return false;
	ph__request__free_unpacked(r, NULL);
	return true;
}

/* ---- the channel ---------------------------------------------------------- */

static int dial(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sndbuf = 4 * FRAME_MAX;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	/* moatd may still be starting: retry for a while */
	for (int tries = 0;; tries++) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		int r;

		if (fd < 0)
			return -errno;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		r = -errno;
		close(fd);
		if ((r != -ENOENT && r != -ECONNREFUSED) || tries >= 100)
			return r;
		usleep(100 * 1000);
	}
}

/* sendmsg() directly: no limits on size or descriptor count. */
static int send_packet(int fd, const void *buf, size_t len, const int *fds, size_t nfds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	void *control = NULL;
	ssize_t n;

	if (nfds > 0) {
		struct cmsghdr *c;

		control = calloc(1, CMSG_SPACE(sizeof(int) * nfds));
		if (!control)
			return -ENOMEM;
		msg.msg_control = control;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	free(control);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

enum outcome { OUT_REFUSED, OUT_ANSWERED, OUT_TIMEOUT, OUT_GARBAGE, OUT_ERROR };

static const char *outcome_name(enum outcome o)
{
	switch (o) {
	case OUT_REFUSED:
		return "channel closed";
	case OUT_ANSWERED:
		return "answered";
	case OUT_TIMEOUT:
		return "no reaction within 5 s";
	case OUT_GARBAGE:
		return "an undecodable reply";
	default:
		return "a local error";
	}
}

/* Wait for the helper's reaction: a reply (decoded into *ret) or a close. */
static enum outcome await(int fd, Ph__Reply **ret)
{
	static uint8_t buf[FRAME_MAX];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int fds[FRAME_MAX_FDS];
	size_t len = 0, nfds = 0;
	int r;

	*ret = NULL;
	do
		r = poll(&p, 1, TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return OUT_ERROR;
	if (r == 0)
		return OUT_TIMEOUT;
	r = frame_recv(fd, buf, &len, fds, &nfds);
	if (r == -ECONNRESET || (r == 0 && len == 0))
		return OUT_REFUSED;
	if (r < 0)
		return OUT_GARBAGE;
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	*ret = ph__reply__unpack(NULL, len, buf);
	return *ret ? OUT_ANSWERED : OUT_GARBAGE;
}

/* ---- case kinds -------------------------------------------------------------- */

/* The helper must close the channel without a reply. */
static void expect_refused_fds(const char *what, const void *buf, size_t len, const int *fds,
			       size_t nfds)
{
	Ph__Reply *rep = NULL;
	enum outcome o;
	int fd = dial(), r;

	if (fd < 0) {
		result(false, "%s (cannot connect to %s: %s)", what, sock_path, strerror(-fd));
		return;
	}
	r = send_packet(fd, buf, len, fds, nfds);
	if (r < 0) {
		result(false, "%s (send: %s)", what, strerror(-r));
		close(fd);
		return;
	}
	o = await(fd, &rep);
	result(o == OUT_REFUSED, "%s is refused (channel closed)", what);
	if (o != OUT_REFUSED)
		note("got %s%s", outcome_name(o),
		     rep ? (rep->err ? " with an errno" : " with success") : "");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	close(fd);
}

static void expect_refused(const char *what, const struct enc *e)
{
	expect_refused_fds(what, e->b, e->n, NULL, 0);
}

/* On an open channel: send, expect a reply to id with err want_err. */
static Ph__Reply *exchange(int fd, const char *what, const struct enc *e, uint64_t id, int want_err)
{
	Ph__Reply *rep = NULL;
	enum outcome o;
	int r;

	r = send_packet(fd, e->b, e->n, NULL, 0);
	if (r < 0) {
		result(false, "%s (send: %s)", what, strerror(-r));
		return NULL;
	}
	o = await(fd, &rep);
	if (o != OUT_ANSWERED) {
		result(false, "%s (want a reply, got %s)", what, outcome_name(o));
		return NULL;
	}
	if (rep->id != id || rep->err != want_err) {
		result(false, "%s (reply id %llu err %d, want id %llu err %d)", what,
		       (unsigned long long)rep->id, (int)rep->err, (unsigned long long)id,
		       want_err);
		ph__reply__free_unpacked(rep, NULL);
		return NULL;
	}
	return rep;
}

static bool hello_ok(const Ph__Reply *rep)
{
	const Ph__HelloReply *h = rep->hello;

	return rep->err == 0 && rep->result_case == PH__REPLY__RESULT_HELLO && h &&
	       h->protocol == PROTOCOL && h->lxc_version.len > 0 && h->policy_name.len > 0;
}

/* A valid hello on a fresh connection is answered with what GET /1.0 needs. */
static void case_hello(const char *what)
{
	struct enc *e = calloc(1, sizeof(*e));
	uint64_t id = next_id++;
	Ph__Reply *rep;
	int fd = dial();

	if (!e || fd < 0) {
		result(false, "%s (cannot connect to %s: %s)", what, sock_path,
		       fd < 0 ? strerror(-fd) : "out of memory");
		if (fd >= 0)
			close(fd);
		free(e);
		return;
	}
	build_hello(e, id, PROTOCOL);
	rep = exchange(fd, what, e, id, 0);
	if (rep) {
		bool ok = hello_ok(rep);

		result(ok,
		       "%s is answered (err 0, protocol 1, lxc_version \"%.*s\", policy \"%.*s\")",
		       what, ok ? (int)rep->hello->lxc_version.len : 0,
		       ok ? (const char *)rep->hello->lxc_version.data : "",
		       ok ? (int)rep->hello->policy_name.len : 0,
		       ok ? (const char *)rep->hello->policy_name.data : "");
		ph__reply__free_unpacked(rep, NULL);
	}
	close(fd);
	free(e);
}

/*
 * A well-formed request the helper cannot satisfy is answered with an
 * errno reply naming the op, and the channel stays open: a hello on the
 * same connection is answered next.
 */
static void case_answered_err(const char *what, struct enc *e, uint64_t id, int want_err,
			      const char *op_name)
{
	struct enc *h = calloc(1, sizeof(*h));
	uint64_t hid = next_id++;
	Ph__Reply *rep;
	int fd = dial();

	if (!h || fd < 0) {
		result(false, "%s (cannot connect to %s)", what, sock_path);
		if (fd >= 0)
			close(fd);
		free(h);
		return;
	}
	rep = exchange(fd, what, e, id, want_err);
	if (rep) {
		bool named = rep->error.len >= strlen(op_name) &&
			     memcmp(rep->error.data, op_name, strlen(op_name)) == 0;

		result(rep->result_case == PH__REPLY__RESULT__NOT_SET && named,
		       "%s is answered with err %d and an error naming %s", what, want_err,
		       op_name);
		ph__reply__free_unpacked(rep, NULL);
		build_hello(h, hid, PROTOCOL);
		rep = exchange(fd, "hello after an errno reply", h, hid, 0);
		if (rep) {
			result(hello_ok(rep), "%s: the channel stays open (next hello answered)",
			       what);
			ph__reply__free_unpacked(rep, NULL);
		}
	}
	close(fd);
	free(h);
}

/* ---- the cases --------------------------------------------------------------- */

static void protocol_cases(struct enc *e, struct enc *sub)
{
	uint8_t *big;
	size_t n;

	build_hello(e, next_id++, 2);
	expect_refused("hello with protocol 2", e);
	build_hello(e, next_id++, 0);
	expect_refused("hello with protocol 0", e);

	/* a valid request cut short by one byte */
	build_state(e, next_id++, "nosuch", 6);
	e->n--;
	if (pb_decodes(e))
		result(false, "truncated packet (construction: it still decodes)");
	else
		expect_refused("truncated packet (last byte cut)", e);

	/*
	 * FRAME_MAX+1 bytes that are valid protobuf as a whole (a 5-byte id and
	 * 16383 copies of hello{protocol: 1}): only the size is wrong.
	 */
	big = malloc(FRAME_MAX + 1);
	if (big) {
		static const uint8_t id5[] = { 0x08, 0x80, 0x80, 0x80, 0x01 };
		static const uint8_t hello[] = { 0x52, 0x02, 0x08, 0x01 };

		memcpy(big, id5, sizeof(id5));
		n = sizeof(id5);
		while (n + sizeof(hello) <= FRAME_MAX + 1) {
			memcpy(big + n, hello, sizeof(hello));
			n += sizeof(hello);
		}
		expect_refused_fds("oversized packet (FRAME_MAX+1 bytes of valid protobuf)", big, n,
				   NULL, 0);
		free(big);
	}

	expect_refused_fds("empty packet", "", 0, NULL, 0);
	expect_refused_fds("garbage bytes", "\xff\xff\xff\xff\xff\xff\xff\xff", 8, NULL, 0);

	/* id only: nothing in the oneof */
	e->n = 0;
	put_tag(e, 1, WT_VARINT);
	put_varint(e, next_id++);
	expect_refused("request with an empty oneof (no op)", e);

	/* an op nobody has assigned: field 99, length-delimited */
	e->n = 0;
	put_tag(e, 1, WT_VARINT);
	put_varint(e, next_id++);
	put_len_field(e, 99, "\x08\x01", 2);
	expect_refused("unknown op (field 99)", e);

	/* a valid hello with an unknown field beside it */
	build_hello(e, next_id++, PROTOCOL);
	put_len_field(e, 99, "", 0);
	expect_refused("hello with an unknown top-level field 99", e);

	/* unknown fields inside known ops' messages */
	sub->n = 0;
	put_tag(sub, 1, WT_VARINT);
	put_varint(sub, PROTOCOL);
	put_tag(sub, 15, WT_VARINT);
	put_varint(sub, 1);
	build_wrapped(e, next_id++, PH__REQUEST__OP_HELLO, sub);
	expect_refused("hello with an unknown field 15 inside", e);

	sub->n = 0;
	put_len_field(sub, 1, "nosuch", 6);
	put_tag(sub, 15, WT_VARINT);
	put_varint(sub, 1);
	build_wrapped(e, next_id++, PH__REQUEST__OP_INSTANCE_STATE, sub);
	if (!pb_decodes(e))
		result(false, "instance_state with field 15 (construction: does not decode)");
	else
		expect_refused("instance_state with an unknown field 15 inside", e);

	sub->n = 0;
	put_len_field(sub, 1, "nosuch", 6);
	put_tag(sub, 2, WT_VARINT);
	put_varint(sub, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START);
	put_len_field(sub, 15, "/etc/shadow", 11);
	build_wrapped(e, next_id++, PH__REQUEST__OP_INSTANCE_ACTION, sub);
	expect_refused("instance_action with an unknown field 15 inside", e);

	/* a field with the wrong wire type */
	sub->n = 0;
	put_tag(sub, 1, WT_VARINT);
	put_varint(sub, 5);
	build_wrapped(e, next_id++, PH__REQUEST__OP_INSTANCE_STATE, sub);
	expect_refused("instance_state whose name is a varint", e);
}

static void fd_cases(struct enc *e)
{
	int p[2], fds[FRAME_MAX_FDS + 1];
	struct pollfd pfd;

	/* hello takes no descriptor: send it one, a pipe's write end */
	build_hello(e, next_id++, PROTOCOL);
	if (pipe2(p, O_CLOEXEC) < 0) {
		result(false, "wrong descriptor count (pipe: %s)", strerror(errno));
		return;
	}
	expect_refused_fds("valid hello with 1 descriptor (wrong count)", e->b, e->n, &p[1], 1);
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	result(poll(&pfd, 1, TIMEOUT_MS) == 1 && (pfd.revents & POLLHUP),
	       "the descriptor of a refused request is not kept by the helper");
	close(p[0]);

	/* more descriptors than any packet may carry */
	if (pipe2(p, O_CLOEXEC) < 0) {
		result(false, "too many descriptors (pipe: %s)", strerror(errno));
		return;
	}
	for (size_t i = 0; i < FRAME_MAX_FDS + 1; i++)
		fds[i] = p[1];
	expect_refused_fds("valid hello with 5 descriptors", e->b, e->n, fds, FRAME_MAX_FDS + 1);
	close(p[1]);
	pfd = (struct pollfd){ .fd = p[0], .events = POLLIN };
	result(poll(&pfd, 1, TIMEOUT_MS) == 1 && (pfd.revents & POLLHUP),
	       "the descriptors of an over-full packet are not kept by the helper");
	close(p[0]);
}

static void value_cases(struct enc *e)
{
	static const struct {
		const char *what;
		const char *name;
		size_t len;
	} names[] = {
		{ "a NUL inside the name (\"ab\\0cd\")", "ab\0cd", 5 },
		{ "name \"a/b\"", "a/b", 3 },
		{ "name \"..\"", "..", 2 },
		{ "name \"../x\"", "../x", 4 },
		{ "name \".\"", ".", 1 },
		{ "name \"-a\"", "-a", 2 },
		{ "an empty name", "", 0 },
		{ "a 64-byte name",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64 },
		{ "a name with a space", "a b", 3 },
		{ "a name with '%'", "a%b", 3 },
		{ "a name with a newline", "a\nlxc.apparmor.profile=unconfined", 33 },
	};
	char what[160];

	build_action(e, next_id++, "nosuch", 6, 99, 0);
	expect_refused("instance_action with action 99 (out of range)", e);
	build_action(e, next_id++, "nosuch", 6, -1, 0);
	expect_refused("instance_action with action -1 (out of range)", e);
	build_action(e, next_id++, "nosuch", 6,
		     PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_UNSPECIFIED, 0);
	expect_refused("instance_action with action UNSPECIFIED (0)", e);
	build_action(e, next_id++, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP, -2);
	expect_refused("instance_action with timeout -2", e);
	build_action(e, next_id++, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP,
		     3601);
	expect_refused("instance_action with timeout 3601", e);
	build_action(e, next_id++, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP,
		     INT32_MIN);
	expect_refused("instance_action with timeout INT32_MIN", e);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		build_state(e, next_id++, names[i].name, names[i].len);
		snprintf(what, sizeof(what), "instance_state with %s", names[i].what);
		expect_refused(what, e);
	}
	for (size_t i = 0; i < 3; i++) {
		build_action(e, next_id++, names[i].name, names[i].len,
			     PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START, -1);
		snprintf(what, sizeof(what), "instance_action with %s", names[i].what);
		expect_refused(what, e);
	}
}

static void answered_cases(struct enc *e)
{
	uint64_t id;

	id = next_id++;
	build_state(e, id, "nosuch", 6);
	case_answered_err("instance_state for a container that does not exist (\"nosuch\")", e, id,
			  ENOENT, "instance_state");
	id = next_id++;
	build_action(e, id, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START, -1);
	case_answered_err("instance_action start for a container that does not exist", e, id,
			  ENOENT, "instance_action");
}

/* A good request, then a breach, on one connection: answered, then closed. */
static void breach_after_good(struct enc *e)
{
	const char *what = "a breach after a good request";
	uint64_t id = next_id++;
	Ph__Reply *rep;
	int fd = dial();

	if (fd < 0) {
		result(false, "%s (cannot connect: %s)", what, strerror(-fd));
		return;
	}
	build_hello(e, id, PROTOCOL);
	rep = exchange(fd, "hello before a breach", e, id, 0);
	if (rep) {
		enum outcome o;

		ph__reply__free_unpacked(rep, NULL);
		build_hello(e, next_id++, 2);
		if (send_packet(fd, e->b, e->n, NULL, 0) < 0) {
			result(false, "%s (send failed)", what);
		} else {
			o = await(fd, &rep);
			result(o == OUT_REFUSED,
			       "%s: the first is answered, then the channel closes", what);
			if (rep)
				ph__reply__free_unpacked(rep, NULL);
		}
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct enc *e, *sub;

	if (argc != 2) {
		fprintf(stderr, "Usage: %s SOCKPATH\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	signal(SIGPIPE, SIG_IGN);
	e = calloc(1, sizeof(*e));
	sub = calloc(1, sizeof(*sub));
	if (!e || !sub)
		return 2;

	case_hello("valid hello (protocol 1)");
	protocol_cases(e, sub);
	fd_cases(e);
	value_cases(e);
	answered_cases(e);
	breach_after_good(e);
	case_hello("final valid hello (the helper survived)");

	printf("# forge: %u passed, %u failed\n", n_passed, n_failed);
	free(e);
	free(sub);
	return n_failed ? 1 : 0;
}
