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
 *   forge SOCKPATH [STATEDIR [IMAGE]]
 * STATEDIR is the helper's --dir: the storage cases check there that a
 * refused or failed request left nothing behind. IMAGE, a unified image
 * tarball (tools/build-busybox-image.sh), adds the cases that unpack it,
 * create an instance from it and start that instance. The policy cases
 * expect what the policy the helper names in its hello reply ("default" or
 * "hardened") allows; the runner checks which one that is. Then breadth:
 * every mutant tests/lib/ph_mutate.c makes of every op's base message is
 * answered or refused, the helper keeps serving, and the state directory
 * is left as it was. Every reply carries the descriptors ops.def declares.
 * Prints "ok - forge: <case>" / "not ok - forge: <case>" per case and
 * exits 1 if any failed. Everything it receives from the helper is checked
 * as untrusted; what it sends is deliberately malformed.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../lib/pbenc.h"
#include "../lib/ph_mutate.h"
#include "frame.h"
#include "proto/privhelper.pb-c.h"

#define PROTOCOL 1
#define PH_EXEC_ARGS_TEST 128 /* the helper's argv limit (PH_EXEC_MAX_ARGS) */
#define TIMEOUT_MS 5000

static const char *sock_path;
static unsigned n_passed, n_failed;
static uint64_t next_id = 1000;

/* privhelper/ops.def, read as the frontend will: each op's descriptor counts. */
#define FDC_none false
#define FDC_readonly_file true
static const struct fop {
	unsigned op;
	const char *name;
	size_t in, out_min, out_max;
	bool readonly_file; /* its request carries a read-only regular file */
} fops[] = {
#define PH_OP(nm, Nm, NM, in, out_min, out_max, fl, fdc)                                           \
	{ PH__REQUEST__OP_##NM, #nm, in, out_min, out_max, FDC_##fdc },
#include "ops.def"
};

static const struct fop *fop_of(unsigned op)
{
	for (size_t i = 0; i < sizeof(fops) / sizeof(fops[0]); i++)
		if (fops[i].op == op)
			return &fops[i];
	return NULL;
}

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

/* ---- hand encoding (tests/lib/pbenc.c): a hostile frontend's wire -------- */

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

static int dial_tries(int max_tries);

static bool helper_dead; /* it stopped serving: fail the rest fast */

static int dial(void)
{
	return dial_tries(helper_dead ? 1 : 100);
}

static int dial_tries(int max_tries)
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
		if ((r != -ENOENT && r != -ECONNREFUSED) || tries >= max_tries)
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

static size_t last_nfds; /* descriptors the last reply carried */

/* Wait for the helper's reaction: a reply (decoded into *ret) or a close. */
static enum outcome await(int fd, Ph__Reply **ret)
{
	static uint8_t buf[FRAME_MAX];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int fds[FRAME_MAX_FDS];
	size_t len = 0, nfds = 0;
	int r;

	*ret = NULL;
	last_nfds = 0;
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
	last_nfds = nfds;
	*ret = ph__reply__unpack(NULL, len, buf);
	return *ret ? OUT_ANSWERED : OUT_GARBAGE;
}

/* As many descriptors as ops.def allows op's reply: none with an errno. */
static bool reply_fds_ok(unsigned op, const Ph__Reply *rep, size_t nfds)
{
	const struct fop *f = fop_of(op);

	if (!f)
		return false;
	return rep->err ? nfds == 0 : nfds >= f->out_min && nfds <= f->out_max;
}

/* The op of an encoded request, or 0 if it does not decode. */
static unsigned op_sent(const struct enc *e)
{
	Ph__Request *r = ph__request__unpack(NULL, e->n, e->b);
	unsigned op = r ? (unsigned)r->op_case : 0;

	if (r)
		ph__request__free_unpacked(r, NULL);
	return op;
}

/* ---- case kinds -------------------------------------------------------------- */

static bool hello_ok(const Ph__Reply *rep);

/*
 * Is the helper still serving? A crash also closes the channel, so after
 * each refusal a fresh connection must get a hello answered.
 */
static bool helper_alive(void)
{
	struct enc *e = calloc(1, sizeof(*e));
	Ph__Reply *rep = NULL;
	uint64_t id = next_id++;
	bool ok = false;
	int fd = dial_tries(20);

	if (e && fd >= 0) {
		build_hello(e, id, PROTOCOL);
		if (send_packet(fd, e->b, e->n, NULL, 0) == 0 && await(fd, &rep) == OUT_ANSWERED)
			ok = rep->id == id && hello_ok(rep);
	}
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
	if (fd >= 0)
		close(fd);
	free(e);
	if (!ok)
		helper_dead = true;
	return ok;
}

/* The helper must close the channel without a reply, and keep serving. */
static void expect_refused_fds(const char *what, const void *buf, size_t len, const int *fds,
			       size_t nfds)
{
	Ph__Reply *rep = NULL;
	enum outcome o;
	bool alive;
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
	close(fd);
	alive = o == OUT_REFUSED && helper_alive();
	result(o == OUT_REFUSED && alive, "%s is refused (channel closed)", what);
	if (o != OUT_REFUSED)
		note("got %s%s", outcome_name(o),
		     rep ? (rep->err ? " with an errno" : " with success") : "");
	else if (!alive)
		note("the helper answers no hello afterwards: it crashed, not refused");
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
}

static void expect_refused(const char *what, const struct enc *e)
{
	expect_refused_fds(what, e->b, e->n, NULL, 0);
}

/* Any errno: for a reply whose exact errno is the handler's business. */
#define ANY_ERR (-1)

/*
 * On an open channel: send (with nfds descriptors), expect a reply to id
 * with err want_err (ANY_ERR: any non-zero errno).
 */
static Ph__Reply *exchange_fds(int fd, const char *what, const struct enc *e, const int *fds,
			       size_t nfds, uint64_t id, int want_err)
{
	Ph__Reply *rep = NULL;
	enum outcome o;
	int r;

	r = send_packet(fd, e->b, e->n, fds, nfds);
	if (r < 0) {
		result(false, "%s (send: %s)", what, strerror(-r));
		return NULL;
	}
	o = await(fd, &rep);
	if (o != OUT_ANSWERED) {
		result(false, "%s (want a reply, got %s)", what, outcome_name(o));
		return NULL;
	}
	if (rep->id != id || (want_err == ANY_ERR ? rep->err == 0 : rep->err != want_err)) {
		result(false, "%s (reply id %llu err %d, want id %llu err %d)", what,
		       (unsigned long long)rep->id, (int)rep->err, (unsigned long long)id,
		       want_err);
		ph__reply__free_unpacked(rep, NULL);
		return NULL;
	}
	/* every reply of every case: the descriptors ops.def declares */
	if (op_sent(e) && !reply_fds_ok(op_sent(e), rep, last_nfds)) {
		const struct fop *f = fop_of(op_sent(e));

		result(false,
		       "%s (the reply, err %d, carries %zu descriptors; ops.def says %zu-%zu)",
		       what, (int)rep->err, last_nfds, f ? f->out_min : 0, f ? f->out_max : 0);
		ph__reply__free_unpacked(rep, NULL);
		return NULL;
	}
	return rep;
}

static Ph__Reply *exchange(int fd, const char *what, const struct enc *e, uint64_t id, int want_err)
{
	return exchange_fds(fd, what, e, NULL, 0, id, want_err);
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
 * A well-formed request is answered, and the channel stays open: a hello
 * on the same connection is answered next. want_err != 0: an errno reply
 * (want_err, or any errno for ANY_ERR) naming the op and carrying no
 * result; want_err == 0: success with the op's own result (want_result).
 */
static void case_answered_fds(const char *what, struct enc *e, const int *fds, size_t nfds,
			      uint64_t id, int want_err, const char *op_name,
			      Ph__Reply__ResultCase want_result)
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
	rep = exchange_fds(fd, what, e, fds, nfds, id, want_err);
	if (rep) {
		bool named = rep->error.len >= strlen(op_name) &&
			     memcmp(rep->error.data, op_name, strlen(op_name)) == 0;

		if (want_err == 0)
			result(rep->result_case == want_result && rep->error.len == 0,
			       "%s is answered with err 0 and a %s result", what, op_name);
		else
			result(rep->result_case == PH__REPLY__RESULT__NOT_SET && named,
			       "%s is answered with err %d (%s) and an error naming %s", what,
			       (int)rep->err, strerror((int)rep->err), op_name);
		if (rep->err)
			note("error: \"%.*s\"", (int)rep->error.len,
			     rep->error.data ? (const char *)rep->error.data : "");
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

static void case_answered_err(const char *what, struct enc *e, uint64_t id, int want_err,
			      const char *op_name)
{
	case_answered_fds(what, e, NULL, 0, id, want_err, op_name, PH__REPLY__RESULT__NOT_SET);
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
	put_varint(sub, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP);
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

/* Out-of-range values. Hostile names are in named_field_cases(), for every op. */
static void value_cases(struct enc *e)
{
	build_action(e, next_id++, "nosuch", 6, 99, 0, false);
	expect_refused("instance_action with action 99 (out of range)", e);
	build_action(e, next_id++, "nosuch", 6, -1, 0, false);
	expect_refused("instance_action with action -1 (out of range)", e);
	build_action(e, next_id++, "nosuch", 6,
		     PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_UNSPECIFIED, 0, false);
	expect_refused("instance_action with action UNSPECIFIED (0)", e);
	build_action(e, next_id++, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP, -2,
		     false);
	expect_refused("instance_action with timeout -2", e);
	build_action(e, next_id++, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP,
		     3601, false);
	expect_refused("instance_action with timeout 3601", e);
	build_action(e, next_id++, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP,
		     INT32_MIN, false);
	expect_refused("instance_action with timeout INT32_MIN", e);
}

static void answered_cases(struct enc *e)
{
	uint64_t id;

	id = next_id++;
	build_state(e, id, "nosuch", 6);
	case_answered_err("instance_state for a container that does not exist (\"nosuch\")", e, id,
			  ENOENT, "instance_state");
	id = next_id++;
	build_action(e, id, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP, -1, false);
	case_answered_err("instance_action stop for a container that does not exist", e, id, ENOENT,
			  "instance_action");
	id = next_id++;
	build_log(e, id, "nosuch", 6, PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC);
	case_answered_err("instance_log of a container that does not exist", e, id, ENOENT,
			  "instance_log");
	build_log(e, next_id++, "nosuch", 6, 0);
	expect_refused("instance_log with kind 0", e);
	build_log(e, next_id++, "nosuch", 6, 3);
	expect_refused("instance_log with kind 3 (out of range)", e);
	build_log(e, next_id++, "..", 2, PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC);
	expect_refused("instance_log with name \"..\"", e);
	build_log(e, next_id++, "a/b", 3, PH__INSTANCE_LOG_KIND__INSTANCE_LOG_CONSOLE);
	expect_refused("instance_log with name \"a/b\"", e);
	id = next_id++;
	build_console(e, id, "nosuch", 6, 80);
	case_answered_err("console_open of a container that does not exist", e, id, EINVAL,
			  "console_open");
	build_console(e, next_id++, "nosuch", 6, 10001);
	expect_refused("console_open with width 10001", e);
	build_console(e, next_id++, "../x", 4, 80);
	expect_refused("console_open with name \"../x\"", e);
	{
		Ph__Request req = PH__REQUEST__INIT;
		Ph__InstanceNetworkRequest n = PH__INSTANCE_NETWORK_REQUEST__INIT;

		n.name.data = (uint8_t *)"nosuch";
		n.name.len = 6;
		req.id = id = next_id++;
		req.op_case = PH__REQUEST__OP_INSTANCE_NETWORK;
		req.instance_network = &n;
		e->n = 0;
		put_request(e, &req);
		case_answered_err("instance_network of a container that does not exist", e, id,
				  ENOENT, "instance_network");
		n.name.data = (uint8_t *)"a/b";
		n.name.len = 3;
		req.id = next_id++;
		e->n = 0;
		put_request(e, &req);
		expect_refused("instance_network with name \"a/b\"", e);
	}
}

/* ---- the ops that touch storage, files and processes --------------------- */

#define FP_OK "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define FORGE_POOL "default"

static const char *state_dir; /* $MOAT_DIR of the moatd under test, or NULL */

static void build_unpack(struct enc *e, uint64_t id, ProtobufCBinaryData fp,
			 ProtobufCBinaryData pool)
{
	Ph__ImageUnpackRequest u = PH__IMAGE_UNPACK_REQUEST__INIT;

	u.fingerprint = fp;
	u.pool = pool;
	build_op(e, id, PH__REQUEST__OP_IMAGE_UNPACK, &u);
}

static void build_create(struct enc *e, uint64_t id, ProtobufCBinaryData name,
			 ProtobufCBinaryData pool, ProtobufCBinaryData fp)
{
	Ph__InstanceCreateRequest c = PH__INSTANCE_CREATE_REQUEST__INIT;

	c.name = name;
	c.pool = pool;
	c.fingerprint = fp;
	build_op(e, id, PH__REQUEST__OP_INSTANCE_CREATE, &c);
}

static void build_delete(struct enc *e, uint64_t id, const char *name, const char *pool)
{
	Ph__InstanceDeleteRequest d = PH__INSTANCE_DELETE_REQUEST__INIT;

	d.name = str(name);
	d.pool = str(pool);
	build_op(e, id, PH__REQUEST__OP_INSTANCE_DELETE, &d);
}

/* cfg NULL: no config sub-message at all. */
static void build_start(struct enc *e, uint64_t id, const char *name, Ph__InstanceConfig *cfg)
{
	Ph__InstanceStartRequest s = PH__INSTANCE_START_REQUEST__INIT;

	s.name = str(name);
	s.pool = str(FORGE_POOL);
	s.config = cfg;
	build_op(e, id, PH__REQUEST__OP_INSTANCE_START, &s);
}

/* A valid FILE_OP_OPEN_READ of /etc/hostname in "nosuch"; cases change one field. */
static void file_op_base(Ph__FileOpRequest *f)
{
	ph__file_op_request__init(f);
	f->name = str("nosuch");
	f->pool = str(FORGE_POOL);
	f->path = str("/etc/hostname");
	f->kind = PH__FILE_OP_KIND__FILE_OP_OPEN_READ;
	f->uid = -1;
	f->gid = -1;
	f->mode = -1;
}

/* A valid exec_start of "true" in "nosuch"; cases change one field. */
static ProtobufCBinaryData exec_argv_true[1] = { { 4, (uint8_t *)"true" } };

static void exec_base(Ph__ExecStartRequest *x)
{
	ph__exec_start_request__init(x);
	x->name = str("nosuch");
	x->n_argv = 1;
	x->argv = exec_argv_true;
}

/* A temporary file with content, for descriptors; unlinked at once. */
static int temp_file(const char *content, char *ret_path, size_t size)
{
	char path[] = "/tmp/moat-forge.XXXXXX";
	int fd = mkstemp(path);
	size_t n = strlen(content);

	if (fd < 0)
		return -errno;
	if (write(fd, content, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	if (ret_path)
		snprintf(ret_path, size, "%s", path);
	else
		unlink(path);
	return fd;
}

/* Does path exist (without following a last symlink)? */
static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* images/ of the forge pool exists and has no entry "<fp>" or ".<fp>.*". */
static void check_no_image_leftover(const char *what, const char *fp)
{
	char dir[PATH_MAX], dot[80];
	unsigned leftovers = 0;
	struct dirent *d;
	DIR *dp;

	if (!state_dir) {
		result(false, "%s (no state directory given: forge SOCKPATH STATEDIR)", what);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/storage-pools/%s/images", state_dir, FORGE_POOL);
	snprintf(dot, sizeof(dot), ".%s.", fp);
	dp = opendir(dir);
	if (!dp) {
		result(false, "%s (%s: %s)", what, dir, strerror(errno));
		return;
	}
	while ((d = readdir(dp))) {
		if (strcmp(d->d_name, fp) == 0 || strncmp(d->d_name, dot, strlen(dot)) == 0) {
			note("leftover: %s/%s", dir, d->d_name);
			leftovers++;
		}
	}
	closedir(dp);
	result(leftovers == 0, "%s: %s holds no %s nor .%s.* entry", what, dir, fp, fp);
}

/* Neither the pool's containers/<name> nor $MOAT_DIR/containers/<name>. */
static void check_no_instance_leftover(const char *what, const char *name)
{
	char pooldir[PATH_MAX], lxcdir[PATH_MAX], p1[PATH_MAX + 64], p2[PATH_MAX + 64];
	bool left1, left2, looked;

	if (!state_dir) {
		result(false, "%s (no state directory given: forge SOCKPATH STATEDIR)", what);
		return;
	}
	snprintf(pooldir, sizeof(pooldir), "%s/storage-pools/%s/containers", state_dir, FORGE_POOL);
	snprintf(lxcdir, sizeof(lxcdir), "%s/containers", state_dir);
	snprintf(p1, sizeof(p1), "%s/%s", pooldir, name);
	snprintf(p2, sizeof(p2), "%s/%s", lxcdir, name);
	looked = exists(pooldir) && exists(lxcdir); /* else the check proves nothing */
	left1 = exists(p1);
	left2 = exists(p2);
	if (left1)
		note("leftover: %s", p1);
	if (left2)
		note("leftover: %s", p2);
	result(looked && !left1 && !left2, "%s: neither %s nor %s exists", what, p1, p2);
}

static void image_unpack_cases(struct enc *e)
{
	static const struct {
		const char *what;
		const char *fp;
		size_t len;
	} fps[] = {
		{ "a 63-char fingerprint", FP_OK, 63 },
		{ "a 65-char fingerprint", FP_OK "0", 65 },
		{ "an uppercase-hex fingerprint",
		  "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", 64 },
		{ "a non-hex fingerprint ('g')",
		  "g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 64 },
		{ "an empty fingerprint", "", 0 },
		{ "a fingerprint ending in a newline",
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 64 },
		{ "a fingerprint ending in a NUL",
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\0", 64 },
		{ "a fingerprint of 64 newlines",
		  "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"
		  "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n",
		  64 },
	};
	static const struct {
		const char *what;
		const char *pool;
		size_t len;
	} pools[] = {
		{ "pool \"../x\"", "../x", 4 },
		{ "pool \"a/b\"", "a/b", 3 },
		{ "an empty pool", "", 0 },
		{ "pool \"..\"", "..", 2 },
		{ "a newline in the pool", "default\nlxc.include=/etc", 24 },
		{ "a NUL in the pool", "default\0x", 9 },
	};
	char what[200], wpath[64];
	int ro = -1, ro2 = -1, rw = -1, wo = -1, dir = -1, sp[2] = { -1, -1 }, two[2];
	int pp[2] = { -1, -1 }, opath = -1, chr = -1;
	struct pollfd pfd;
	uint64_t id;

	/* a few bytes of text (like /etc/hostname: not an archive), in our own file */
	ro = temp_file("moat-forge\n", wpath, sizeof(wpath));
	if (ro < 0) {
		result(false, "image_unpack cases (temporary file: %s)", strerror(-ro));
		return;
	}
	close(ro);
	ro = open(wpath, O_RDONLY | O_CLOEXEC);
	ro2 = open(wpath, O_RDONLY | O_CLOEXEC);
	rw = open(wpath, O_RDWR | O_CLOEXEC);
	wo = open(wpath, O_WRONLY | O_CLOEXEC);
	opath = open(wpath, O_PATH | O_CLOEXEC);
	unlink(wpath);
	dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	chr = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (ro < 0 || ro2 < 0 || rw < 0 || wo < 0 || dir < 0 || opath < 0 || chr < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0 ||
	    pipe2(pp, O_CLOEXEC) < 0) {
		result(false, "image_unpack cases (descriptors: %s)", strerror(errno));
		goto out;
	}

	/* descriptor count and kind: the request itself is valid */
	build_unpack(e, next_id++, str(FP_OK), str(FORGE_POOL));
	expect_refused_fds("image_unpack with 0 descriptors", e->b, e->n, NULL, 0);
	two[0] = ro;
	two[1] = ro2;
	expect_refused_fds("image_unpack with 2 read-only file descriptors", e->b, e->n, two, 2);
	expect_refused_fds("image_unpack with a directory descriptor", e->b, e->n, &dir, 1);
	expect_refused_fds("image_unpack with a write-only file descriptor", e->b, e->n, &wo, 1);
	expect_refused_fds("image_unpack with an O_RDWR file descriptor", e->b, e->n, &rw, 1);
	expect_refused_fds("image_unpack with an O_PATH descriptor of a regular file", e->b, e->n,
			   &opath, 1);
	expect_refused_fds("image_unpack with a pipe's read end", e->b, e->n, &pp[0], 1);
	expect_refused_fds("image_unpack with a pipe's write end", e->b, e->n, &pp[1], 1);
	expect_refused_fds("image_unpack with a read-only character device (/dev/null)", e->b, e->n,
			   &chr, 1);
	two[0] = ro;
	two[1] = dir;
	expect_refused_fds("image_unpack with a file and a directory descriptor", e->b, e->n, two,
			   2);
	expect_refused_fds("image_unpack with a socket descriptor", e->b, e->n, &sp[1], 1);
	close(sp[1]);
	sp[1] = -1;
	pfd = (struct pollfd){ .fd = sp[0], .events = POLLIN };
	result(poll(&pfd, 1, TIMEOUT_MS) == 1 && (pfd.revents & (POLLHUP | POLLIN)) &&
		       recv(sp[0], what, 1, MSG_DONTWAIT) == 0,
	       "the socket of a refused image_unpack is not kept by the helper");

	/* fingerprint and pool, with a good descriptor */
	for (size_t i = 0; i < sizeof(fps) / sizeof(fps[0]); i++) {
		build_unpack(e, next_id++, bin(fps[i].fp, fps[i].len), str(FORGE_POOL));
		snprintf(what, sizeof(what), "image_unpack with %s", fps[i].what);
		expect_refused_fds(what, e->b, e->n, &ro, 1);
	}
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		build_unpack(e, next_id++, str(FP_OK), bin(pools[i].pool, pools[i].len));
		snprintf(what, sizeof(what), "image_unpack with %s", pools[i].what);
		expect_refused_fds(what, e->b, e->n, &ro, 1);
	}

	/* all valid, but the file is no archive: an errno, and nothing left behind */
	id = next_id++;
	build_unpack(e, id, str(FP_OK), str(FORGE_POOL));
	case_answered_fds("image_unpack of a read-only file that is not an archive", e, &ro, 1, id,
			  ANY_ERR, "image_unpack", PH__REPLY__RESULT__NOT_SET);
	check_no_image_leftover("image_unpack of a non-archive", FP_OK);
out:
	for (size_t i = 0; i < 2; i++)
		if (sp[i] >= 0)
			close(sp[i]);
	if (ro >= 0)
		close(ro);
	if (ro2 >= 0)
		close(ro2);
	if (rw >= 0)
		close(rw);
	if (wo >= 0)
		close(wo);
	if (dir >= 0)
		close(dir);
	if (opath >= 0)
		close(opath);
	if (chr >= 0)
		close(chr);
	for (size_t i = 0; i < 2; i++)
		if (pp[i] >= 0)
			close(pp[i]);
}

static void instance_create_cases(struct enc *e)
{
	static const struct {
		const char *what;
		const char *s;
		size_t len;
	} bad[] = {
		{ "\"../x\"", "../x", 4 },
		{ "\"a/b\"", "a/b", 3 },
		{ "\"\" (empty)", "", 0 },
		{ "a NUL inside (\"ab\\0cd\")", "ab\0cd", 5 },
		{ "a newline", "a\nlxc.apparmor.profile=unconfined", 33 },
		{ "64 bytes", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  64 },
	};
	char what[160];
	uint64_t id;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_create(e, next_id++, bin(bad[i].s, bad[i].len), str(FORGE_POOL), str(FP_OK));
		snprintf(what, sizeof(what), "instance_create with name %s", bad[i].what);
		expect_refused(what, e);
		build_create(e, next_id++, str("forge-c1"), bin(bad[i].s, bad[i].len), str(FP_OK));
		snprintf(what, sizeof(what), "instance_create with pool %s", bad[i].what);
		expect_refused(what, e);
	}
	build_create(e, next_id++, str("forge-c1"), str(FORGE_POOL), bin(FP_OK, 63));
	expect_refused("instance_create with a 63-char fingerprint", e);
	build_create(e, next_id++, str("forge-c1"), str(FORGE_POOL), str(FP_OK "a"));
	expect_refused("instance_create with a 65-char fingerprint", e);
	build_create(e, next_id++, str("forge-c1"), str(FORGE_POOL),
		     str("../../../../../../../../../../../../../../../../../../../../etc/x"));
	expect_refused("instance_create with a path as fingerprint (64 bytes)", e);
	build_create(e, next_id++, str("forge-c1"), str(FORGE_POOL), bin(FP_OK "\n", 65));
	expect_refused("instance_create with a fingerprint and a newline (65 bytes)", e);
	build_create(e, next_id++, str("forge-c1"), str(FORGE_POOL),
		     bin("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 64));
	expect_refused("instance_create with a fingerprint ending in a newline (64 bytes)", e);
	build_create(e, next_id++, str("forge-c1"), str(FORGE_POOL), bin(FP_OK "\0", 65));
	expect_refused("instance_create with a fingerprint and a NUL (65 bytes)", e);

	id = next_id++;
	build_create(e, id, str("forge-c1"), str(FORGE_POOL), str(FP_OK));
	case_answered_err("instance_create from an image that is not unpacked", e, id, ENOENT,
			  "instance_create");
	check_no_instance_leftover("instance_create from an image that is not unpacked",
				   "forge-c1");
}

/* ---- storage: snapshots, copy, rename, pools, on real trees ---------------- */

static void build_storage(struct enc *e, uint64_t id, Ph__StorageAction a, const char *pool,
			  const char *name, const char *snap, const char *tpool, const char *target,
			  const char *tsnap)
{
	Ph__StorageRequest m = PH__STORAGE_REQUEST__INIT;

	m.action = a;
	m.pool = str(pool);
	m.name = str(name);
	m.snapshot = str(snap);
	m.target_pool = str(tpool);
	m.target = str(target);
	m.target_snapshot = str(tsnap);
	m.driver = str(a == PH__STORAGE_ACTION__STORAGE_POOL_CREATE ? "dir" : "");
	build_op(e, id, PH__REQUEST__OP_STORAGE, &m);
}

/* One storage request answered with want_err (0: a StorageReply). */
static void storage_case(struct enc *e, const char *what, Ph__StorageAction a, const char *pool,
			 const char *name, const char *snap, const char *tpool, const char *target,
			 const char *tsnap, int want_err)
{
	uint64_t id = next_id++;

	build_storage(e, id, a, pool, name, snap, tpool, target, tsnap);
	if (want_err)
		case_answered_err(what, e, id, want_err, "storage");
	else
		case_answered_fds(what, e, NULL, 0, id, 0, "storage", PH__REPLY__RESULT_STORAGE);
}

/* Does $MOAT_DIR/storage-pools/<rel> exist, as want says? */
static void check_pool_path(const char *what, const char *rel, bool want)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/storage-pools/%s", state_dir ? state_dir : "/nonexistent", rel);
	result(state_dir && exists(p) == want, "%s: %s %s", what, p, want ? "exists" : "is gone");
}

/*
 * A btrfs pool (a loop file moatd formats and mounts): made, a tree in it
 * a subvolume, a snapshot read-only, delete refused while used, then
 * unmounted and its file removed. Skipped without mkfs.btrfs.
 */
static void storage_btrfs_cases(struct enc *e)
{
	Ph__StorageRequest m = PH__STORAGE_REQUEST__INIT;
	char p[PATH_MAX];
	struct statfs f;
	uint64_t id;
	int fd;

	if (access("/sbin/mkfs.btrfs", X_OK) < 0 || !state_dir) {
		note("storage: no mkfs.btrfs (make deps) or no state directory: btrfs cases skipped");
		return;
	}
	m.action = PH__STORAGE_ACTION__STORAGE_POOL_CREATE;
	m.pool = str("forgebt");
	m.driver = str("btrfs");
	m.size = 100ULL << 20;
	build_op(e, next_id++, PH__REQUEST__OP_STORAGE, &m);
	expect_refused("storage: a btrfs pool of 100 MiB (under 256)", e);
	m.size = 512ULL << 20;
	id = next_id++;
	build_op(e, id, PH__REQUEST__OP_STORAGE, &m);
	case_answered_fds("storage: a btrfs pool of 512 MiB", e, NULL, 0, id, 0, "storage",
			  PH__REPLY__RESULT_STORAGE);
	snprintf(p, sizeof(p), "%s/storage-pools/forgebt", state_dir);
	result(statfs(p, &f) == 0 && f.f_type == BTRFS_SUPER_MAGIC,
	       "storage: btrfs: %s is a mounted btrfs", p);
	check_pool_path("storage: btrfs: its loop file", "../disks/forgebt.img", true);
	id = next_id++;
	build_create(e, id, str("forge-b1"), str("forgebt"), str(""));
	case_answered_fds("storage: btrfs: an empty instance in it", e, NULL, 0, id, 0,
			  "instance_create", PH__REPLY__RESULT_INSTANCE_CREATE);
	storage_case(e, "storage: btrfs: snapshot s1", PH__STORAGE_ACTION__STORAGE_SNAPSHOT_CREATE,
		     "forgebt", "forge-b1", "s1", "", "", "", 0);
	snprintf(p, sizeof(p), "%s/storage-pools/forgebt/containers-snapshots/forge-b1/s1/rootfs/x",
		 state_dir);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	result(fd < 0 && errno == EROFS, "storage: btrfs: the snapshot is read-only (%s)",
	       fd < 0 ? strerror(errno) : "a file was made in it");
	if (fd >= 0)
		close(fd);
	storage_case(e, "storage: btrfs: copy forge-b1 from s1",
		     PH__STORAGE_ACTION__STORAGE_INSTANCE_COPY, "forgebt", "forge-b1", "s1", "",
		     "forge-b2", "", 0);
	storage_case(e, "storage: btrfs: delete the pool while it holds instances",
		     PH__STORAGE_ACTION__STORAGE_POOL_DELETE, "forgebt", "", "", "", "", "",
		     ENOTEMPTY);
	for (const char *const *n = (const char *const[]){ "forge-b1", "forge-b2", NULL }; *n;
	     n++) {
		id = next_id++;
		build_delete(e, id, *n, "forgebt");
		case_answered_fds("storage: btrfs: delete an instance and its snapshots", e, NULL,
				  0, id, 0, "instance_delete", PH__REPLY__RESULT_INSTANCE_DELETE);
	}
	storage_case(e, "storage: btrfs: delete the pool", PH__STORAGE_ACTION__STORAGE_POOL_DELETE,
		     "forgebt", "", "", "", "", "", 0);
	check_pool_path("storage: btrfs: unmounted and gone", "forgebt", false);
	check_pool_path("storage: btrfs: its loop file gone", "../disks/forgebt.img", false);
}

/*
 * storage: forged names (a path, a hidden name, a field the action does
 * not take) are a breach; on real trees, made from an empty rootfs: a
 * snapshot, its rename, a copy from it, a copy into another instance's
 * snapshots, a rename carrying the snapshots, a restore, a pool made,
 * used, refused deletion while used, and deleted; a target that exists
 * is EEXIST and left as it was; nothing is made for a source that does
 * not exist.
 */
static void storage_cases(struct enc *e)
{
	const Ph__StorageAction SNAP = PH__STORAGE_ACTION__STORAGE_SNAPSHOT_CREATE,
				SDEL = PH__STORAGE_ACTION__STORAGE_SNAPSHOT_DELETE,
				SREN = PH__STORAGE_ACTION__STORAGE_SNAPSHOT_RENAME,
				SRES = PH__STORAGE_ACTION__STORAGE_SNAPSHOT_RESTORE,
				COPY = PH__STORAGE_ACTION__STORAGE_INSTANCE_COPY,
				SCOPY = PH__STORAGE_ACTION__STORAGE_SNAPSHOT_COPY,
				REN = PH__STORAGE_ACTION__STORAGE_INSTANCE_RENAME,
				PNEW = PH__STORAGE_ACTION__STORAGE_POOL_CREATE,
				PDEL = PH__STORAGE_ACTION__STORAGE_POOL_DELETE;
	const char *P = FORGE_POOL;
	uint64_t id;

	build_storage(e, next_id++, SNAP, P, "forge-s1", "../../../etc", "", "", "");
	expect_refused("storage: a snapshot named ../../../etc", e);
	build_storage(e, next_id++, SNAP, P, "forge-s1", ".hidden", "", "", "");
	expect_refused("storage: a snapshot named .hidden", e);
	build_storage(e, next_id++, COPY, P, "forge-s1", "", "../..", "forge-s2", "");
	expect_refused("storage: a copy into pool ../..", e);
	build_storage(e, next_id++, SDEL, P, "forge-s1", "s1", "", "forge-s2", "");
	expect_refused("storage: a snapshot delete with a target it does not take", e);

	storage_case(e, "storage: a snapshot of an instance that does not exist", SNAP, P, "nosuch",
		     "s1", "", "", "", ENOENT);
	check_pool_path("storage: nothing made for it", FORGE_POOL "/containers-snapshots/nosuch",
			false);
	storage_case(e, "storage: a copy of an instance that does not exist", COPY, P, "nosuch", "",
		     "", "forge-s2", "", ENOENT);
	check_no_instance_leftover("storage: nothing made for the copy", "forge-s2");

	id = next_id++;
	build_create(e, id, str("forge-s1"), str(P), str(""));
	case_answered_fds("storage: an empty instance to work on", e, NULL, 0, id, 0,
			  "instance_create", PH__REPLY__RESULT_INSTANCE_CREATE);
	storage_case(e, "storage: snapshot s1", SNAP, P, "forge-s1", "s1", "", "", "", 0);
	check_pool_path("storage: snapshot s1",
			FORGE_POOL "/containers-snapshots/forge-s1/s1/rootfs", true);
	storage_case(e, "storage: snapshot s1 again", SNAP, P, "forge-s1", "s1", "", "", "",
		     EEXIST);
	storage_case(e, "storage: rename s1 to s2", SREN, P, "forge-s1", "s1", "", "", "s2", 0);
	check_pool_path("storage: s1 renamed", FORGE_POOL "/containers-snapshots/forge-s1/s1",
			false);
	storage_case(e, "storage: copy from snapshot s2", COPY, P, "forge-s1", "s2", "", "forge-s2",
		     "", 0);
	check_pool_path("storage: the copy", FORGE_POOL "/containers/forge-s2/rootfs", true);
	storage_case(e, "storage: a copy onto an instance that exists", COPY, P, "forge-s1", "", "",
		     "forge-s2", "", EEXIST);
	check_pool_path("storage: which is left as it was",
			FORGE_POOL "/containers/forge-s2/rootfs", true);
	storage_case(e, "storage: copy snapshot s2 into forge-s2's snapshots as s9", SCOPY, P,
		     "forge-s1", "s2", "", "forge-s2", "s9", 0);
	storage_case(e, "storage: rename forge-s2 to forge-s3", REN, P, "forge-s2", "", "",
		     "forge-s3", "", 0);
	check_pool_path("storage: the rename took the snapshots",
			FORGE_POOL "/containers-snapshots/forge-s3/s9/rootfs", true);
	check_no_instance_leftover("storage: the old name is gone", "forge-s2");
	storage_case(e, "storage: restore forge-s1 from s2", SRES, P, "forge-s1", "s2", "", "", "",
		     0);
	check_pool_path("storage: restored", FORGE_POOL "/containers/forge-s1/rootfs", true);
	storage_case(e, "storage: delete pool default while it holds instances", PDEL, P, "", "",
		     "", "", "", ENOTEMPTY);
	storage_case(e, "storage: make pool forgepool", PNEW, "forgepool", "", "", "", "", "", 0);
	storage_case(e, "storage: make pool forgepool again", PNEW, "forgepool", "", "", "", "", "",
		     EEXIST);
	storage_case(e, "storage: copy forge-s1 into forgepool", COPY, P, "forge-s1", "",
		     "forgepool", "forge-s4", "", 0);
	check_pool_path("storage: the copy in forgepool", "forgepool/containers/forge-s4/rootfs",
			true);
	storage_case(e, "storage: delete forgepool while it holds forge-s4", PDEL, "forgepool", "",
		     "", "", "", "", ENOTEMPTY);
	id = next_id++;
	build_delete(e, id, "forge-s4", "forgepool");
	case_answered_fds("storage: delete forge-s4", e, NULL, 0, id, 0, "instance_delete",
			  PH__REPLY__RESULT_INSTANCE_DELETE);
	storage_case(e, "storage: delete forgepool, empty", PDEL, "forgepool", "", "", "", "", "",
		     0);
	check_pool_path("storage: forgepool deleted", "forgepool", false);
	storage_case(e, "storage: delete snapshot s2", SDEL, P, "forge-s1", "s2", "", "", "", 0);
	check_pool_path("storage: the last snapshot's directory went with it",
			FORGE_POOL "/containers-snapshots/forge-s1", false);
	for (const char *const *n = (const char *const[]){ "forge-s1", "forge-s3", NULL }; *n;
	     n++) {
		id = next_id++;
		build_delete(e, id, *n, P);
		case_answered_fds("storage: delete what the cases made", e, NULL, 0, id, 0,
				  "instance_delete", PH__REPLY__RESULT_INSTANCE_DELETE);
		check_no_instance_leftover("storage: deleted", *n);
	}
	check_pool_path("storage: forge-s3's snapshots went with it",
			FORGE_POOL "/containers-snapshots/forge-s3", false);
	storage_btrfs_cases(e);
}

static void instance_delete_cases(struct enc *e)
{
	uint64_t id;

	build_delete(e, next_id++, "../x", FORGE_POOL);
	expect_refused("instance_delete with name \"../x\"", e);
	build_delete(e, next_id++, "forge-c1", "a/b");
	expect_refused("instance_delete with pool \"a/b\"", e);

	id = next_id++;
	build_delete(e, id, "nosuch", FORGE_POOL);
	case_answered_fds("instance_delete of a container that does not exist (idempotent)", e,
			  NULL, 0, id, 0, "instance_delete", PH__REPLY__RESULT_INSTANCE_DELETE);
	id = next_id++;
	build_delete(e, id, "nosuch", "forge-nopool");
	case_answered_fds("instance_delete in a pool never used (idempotent)", e, NULL, 0, id, 0,
			  "instance_delete", PH__REPLY__RESULT_INSTANCE_DELETE);
}

static void instance_start_cases(struct enc *e, struct enc *sub)
{
	Ph__InstanceConfig cfg;
	struct enc *cf = calloc(1, sizeof(*cf));
	uint64_t id;

	if (!cf) {
		result(false, "instance_start cases (out of memory)");
		return;
	}
	build_start(e, next_id++, "nosuch", NULL);
	expect_refused("instance_start without a config", e);
	{
		static uint32_t twice[] = { 1, 1 };
		Ph__Limits l;
		Ph__HugepageLimit h = PH__HUGEPAGE_LIMIT__INIT, *hp[] = { &h };

		ph__instance_config__init(&cfg);
		cfg.limits = &l;
		ph__limits__init(&l);
		l.memory = 1;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with limits.memory 1 (below 4096)", e);
		l.memory = 4095;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with limits.memory 4095", e);
		ph__limits__init(&l);
		l.cpu_count = 5000;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with limits.cpu_count 5000", e);
		ph__limits__init(&l);
		l.processes = 5000000;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with limits.processes 5000000", e);
		ph__limits__init(&l);
		l.cpu_set = twice;
		l.n_cpu_set = 2;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with a CPU set naming CPU 1 twice", e);
		ph__limits__init(&l);
		h.size_kb = 4096;
		l.hugepages = hp;
		l.n_hugepages = 1;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with huge pages of a size LXD has not (4096 kB)", e);
	}
	{
		/* the security fields (sec_config.c): each bad one is a breach */
		Ph__ConfigLine line = PH__CONFIG_LINE__INIT, *lp = &line;
		Ph__SyscallRule rule = PH__SYSCALL_RULE__INIT, *rp = &rule;
		Ph__IdmapEntry m1 = PH__IDMAP_ENTRY__INIT, m2 = PH__IDMAP_ENTRY__INIT;
		Ph__IdmapEntry *mp[] = { &m1, &m2 };
		ProtobufCBinaryData mod = str("../../tmp/evil");

		ph__instance_config__init(&cfg);
		cfg.raw_lxc = &lp;
		cfg.n_raw_lxc = 1;
		line.key = str("lxc.environment");
		line.value = str("A=1\nlxc.include = /etc/moat-forge");
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with a raw.lxc value holding a newline", e);
		line.key = str("lxc.include");
		line.value = str("/etc/moat-forge");
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with a raw.lxc lxc.include line", e);
		line.key = str("lxc.rootfs.path");
		line.value = str("/");
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with a raw.lxc key outside moatd's list", e);
		ph__instance_config__init(&cfg);
		cfg.sysctls = &lp;
		cfg.n_sysctls = 1;
		line.key = str("kernel.panic");
		line.value = str("1");
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with a host-wide sysctl (kernel.panic)", e);
		ph__instance_config__init(&cfg);
		cfg.kernel_modules = &mod;
		cfg.n_kernel_modules = 1;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with a module name holding a path", e);
		ph__instance_config__init(&cfg);
		cfg.raw_seccomp = str("2\ndenylist\nmount notify\n");
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with a raw.seccomp notify rule", e);
		ph__instance_config__init(&cfg);
		rule.name = str("nosuchcall");
		cfg.syscalls_deny = &rp;
		cfg.n_syscalls_deny = 1;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start denying a syscall libseccomp does not know", e);
		ph__instance_config__init(&cfg);
		m1.uid = m2.uid = true;
		m1.host = m2.host = 1000;
		m1.cont = 1000, m2.cont = 2000;
		m1.count = m2.count = 1;
		cfg.raw_idmap = mp;
		cfg.n_raw_idmap = 2;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with raw.idmap mapping host id 1000 twice", e);
		ph__instance_config__init(&cfg);
		cfg.idmap_isolated = true;
		cfg.idmap_base = 100000;
		cfg.idmap_size = 70000;
		build_start(e, next_id++, "nosuch", &cfg);
		expect_refused("instance_start with an isolated map of 70000 ids", e);
	}
	ph__instance_config__init(&cfg);
	{
		Ph__InstanceStartRequest s = PH__INSTANCE_START_REQUEST__INIT;

		s.name = str("a/b");
		s.pool = str(FORGE_POOL);
		s.config = &cfg;
		build_op(e, next_id++, PH__REQUEST__OP_INSTANCE_START, &s);
		expect_refused("instance_start with name \"a/b\"", e);
		s.name = str("nosuch");
		s.pool = str("..");
		build_op(e, next_id++, PH__REQUEST__OP_INSTANCE_START, &s);
		expect_refused("instance_start with pool \"..\"", e);
	}

	/* an unknown field 15 inside InstanceConfig, two levels down */
	cf->n = 0;
	put_tag(cf, 3, WT_VARINT);
	put_varint(cf, 1 << 20);
	put_tag(cf, 15, WT_VARINT);
	put_varint(cf, 1);
	sub->n = 0;
	put_len_field(sub, 1, "nosuch", 6);
	put_len_field(sub, 2, FORGE_POOL, strlen(FORGE_POOL));
	put_len_field(sub, 3, cf->b, cf->n);
	build_wrapped(e, next_id++, PH__REQUEST__OP_INSTANCE_START, sub);
	if (!pb_decodes(e))
		result(false, "instance_start with field 15 in config (construction: no decode)");
	else
		expect_refused("instance_start with an unknown field 15 inside InstanceConfig", e);
	free(cf);

	ph__instance_config__init(&cfg);
	id = next_id++;
	build_start(e, id, "nosuch", &cfg);
	case_answered_err("instance_start of a container that does not exist", e, id, ENOENT,
			  "instance_start");
}

/* instance_limits carries the start's Limits message: the same check, live. */
static void instance_limits_cases(struct enc *e)
{
	Ph__InstanceLimitsRequest m = PH__INSTANCE_LIMITS_REQUEST__INIT;
	Ph__Limits l = PH__LIMITS__INIT;

	m.name = str("nosuch");
	m.limits = &l;
	l.memory = 4095;
	build_op(e, next_id++, PH__REQUEST__OP_INSTANCE_LIMITS, &m);
	expect_refused("instance_limits with limits.memory 4095 (below 4096)", e);
	ph__limits__init(&l);
	l.cpu_percent = 101;
	build_op(e, next_id++, PH__REQUEST__OP_INSTANCE_LIMITS, &m);
	expect_refused("instance_limits with limits.cpu.allowance 101%", e);
	ph__limits__init(&l);
	l.memory = 1 << 20;
	m.name = str("../x");
	build_op(e, next_id++, PH__REQUEST__OP_INSTANCE_LIMITS, &m);
	expect_refused("instance_limits of a name with a slash", e);
	m.name = str("nosuch");
	build_op(e, next_id++, PH__REQUEST__OP_INSTANCE_LIMITS, &m);
	case_answered_err("instance_limits of a missing instance: Instance not found", e,
			  next_id - 1, ENOENT, "instance_limits");
}

static void file_op_cases(struct enc *e)
{
	static char long_path[4097];
	Ph__FileOpRequest f;
	uint64_t id;

	file_op_base(&f);
	f.kind = PH__FILE_OP_KIND__FILE_OP_UNSPECIFIED;
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with kind 0 (UNSPECIFIED)", e);
	file_op_base(&f);
	f.kind = (Ph__FileOpKind)7;
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with kind 7 (out of range)", e);
	file_op_base(&f);
	f.path = bin("/etc/\0shadow", 12);
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with a NUL inside the path", e);
	file_op_base(&f);
	f.path = bin("", 0);
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with an empty path", e);
	file_op_base(&f);
	memset(long_path, 'a', 4096);
	long_path[0] = '/';
	f.path = bin(long_path, 4096);
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with a path of 4096 bytes", e);
	file_op_base(&f);
	f.name = str("../x");
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with name \"../x\"", e);
	file_op_base(&f);
	f.pool = str("a/b");
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with pool \"a/b\"", e);

	file_op_base(&f);
	f.uid = -2;
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with uid -2", e);
	file_op_base(&f);
	f.uid = 65536;
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with uid 65536", e);
	file_op_base(&f);
	f.gid = 70000;
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with gid 70000", e);
	file_op_base(&f);
	f.mode = 010000;
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with mode 010000", e);
	file_op_base(&f);
	f.mode = -2;
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with mode -2", e);

	file_op_base(&f);
	f.kind = PH__FILE_OP_KIND__FILE_OP_SYMLINK;
	f.path = str("/link");
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op SYMLINK without a target", e);
	file_op_base(&f);
	f.kind = PH__FILE_OP_KIND__FILE_OP_WRITE;
	f.path = str("/x");
	f.target = str("/etc/shadow");
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op WRITE with a target (only SYMLINK takes one)", e);
	file_op_base(&f);
	f.target = str("/etc/shadow");
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op OPEN_READ with a target", e);
	file_op_base(&f);
	f.kind = PH__FILE_OP_KIND__FILE_OP_SYMLINK;
	f.path = str("/link");
	f.target = bin("/etc\0/x", 7);
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op SYMLINK with a NUL inside the target", e);

	file_op_base(&f);
	id = next_id++;
	build_op(e, id, PH__REQUEST__OP_FILE_OP, &f);
	case_answered_err("file_op OPEN_READ in a container that does not exist", e, id, ENOENT,
			  "file_op");
}

static void exec_start_cases(struct enc *e)
{
	static ProtobufCBinaryData v[PH_EXEC_ARGS_TEST + 1];
	static char big[2][8200];
	ProtobufCBinaryData one[2];
	Ph__ExecStartRequest x;
	uint64_t id;

	exec_base(&x);
	x.n_argv = 0;
	x.argv = NULL;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with an empty argv", e);
	exec_base(&x);
	one[0] = bin("", 0);
	one[1] = str("-c");
	x.n_argv = 2;
	x.argv = one;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with an empty argv[0]", e);
	exec_base(&x);
	one[0] = str("sh");
	one[1] = bin("-c\0rm", 5);
	x.n_argv = 2;
	x.argv = one;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with a NUL inside an argv element", e);
	exec_base(&x);
	for (size_t i = 0; i < PH_EXEC_ARGS_TEST + 1; i++)
		v[i] = str("x");
	x.n_argv = PH_EXEC_ARGS_TEST + 1;
	x.argv = v;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with 129 arguments", e);

	{
		static const struct {
			const char *what;
			const char *env;
			size_t len;
		} envs[] = {
			{ "env without '=' (\"PATH\")", "PATH", 4 },
			{ "env \"=x\"", "=x", 2 },
			{ "env key starting with a digit (\"1A=x\")", "1A=x", 4 },
			{ "env key with '-' (\"A-B=x\")", "A-B=x", 5 },
			{ "env key with a space (\"A B=x\")", "A B=x", 5 },
			{ "env key with a newline (\"A\\nB=x\")", "A\nB=x", 5 },
			{ "env with a NUL in the value", "A=x\0y", 5 },
		};
		char what[160];

		for (size_t i = 0; i < sizeof(envs) / sizeof(envs[0]); i++) {
			exec_base(&x);
			one[0] = bin(envs[i].env, envs[i].len);
			x.n_env = 1;
			x.env = one;
			build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
			snprintf(what, sizeof(what), "exec_start with %s", envs[i].what);
			expect_refused(what, e);
		}
	}
	exec_base(&x);
	one[0] = bin("", 0);
	x.n_env = 1;
	x.env = one;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with an empty env entry", e);
	exec_base(&x);
	x.cwd = str("tmp");
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with a relative cwd (\"tmp\")", e);
	exec_base(&x);
	x.cwd = bin("/tmp\0/x", 7);
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with a NUL inside the cwd", e);
	exec_base(&x);
	x.uid = 65536;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with uid 65536", e);
	exec_base(&x);
	x.gid = 65536;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with gid 65536", e);
	exec_base(&x);
	x.width = 10001;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with width 10001", e);
	exec_base(&x);
	x.name = str("../x");
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with name \"../x\"", e);

	/* argv + env over 16384 bytes: two strings of 8200 */
	exec_base(&x);
	memset(big[0], 'a', sizeof(big[0]));
	memset(big[1], 'b', sizeof(big[1]));
	memcpy(big[1], "BIG=", 4);
	one[0] = bin(big[0], sizeof(big[0]));
	x.n_argv = 1;
	x.argv = one;
	x.n_env = 1;
	x.env = &one[1];
	one[1] = bin(big[1], sizeof(big[1]));
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with argv + env over 16384 bytes", e);

	exec_base(&x);
	one[0] = str("PATH=/usr/bin:/bin");
	x.n_env = 1;
	x.env = one;
	x.cwd = str("/");
	id = next_id++;
	build_op(e, id, PH__REQUEST__OP_EXEC_START, &x);
	case_answered_fds("exec_start in a container that does not exist", e, NULL, 0, id, ANY_ERR,
			  "exec_start", PH__REPLY__RESULT__NOT_SET);
	/* an empty argument after argv[0] is well formed (sh -c "") */
	exec_base(&x);
	one[0] = str("sh");
	one[1] = bin("", 0);
	x.n_argv = 2;
	x.argv = one;
	id = next_id++;
	build_op(e, id, PH__REQUEST__OP_EXEC_START, &x);
	case_answered_fds("exec_start with an empty argv[1], in a container that does not exist", e,
			  NULL, 0, id, ANY_ERR, "exec_start", PH__REPLY__RESULT__NOT_SET);
}

/* ---- every name and pool field of every op ------------------------------- */

static char name300[300]; /* 300 x 'a', filled by main() */

static const struct {
	const char *what;
	const char *s;
	size_t len;
} hostile[] = {
	{ "\"a/b\"", "a/b", 3 },
	{ "\"/\"", "/", 1 },
	{ "\"..\"", "..", 2 },
	{ "\"a..b\"", "a..b", 4 },
	{ "a newline (\"a\\nlxc.apparmor.profile=unconfined\")",
	  "a\nlxc.apparmor.profile=unconfined", 33 },
	{ "a trailing newline (\"a\\n\")", "a\n", 2 },
	{ "a NUL (\"ab\\0cd\")", "ab\0cd", 5 },
	{ "a trailing NUL (\"a\\0\")", "a\0", 2 },
	{ "300 bytes", name300, 300 },
	{ "64 bytes (one over the limit)", name300, 64 },
	{ "\"\" (empty)", "", 0 },
	{ "\"../x\"", "../x", 4 },
	{ "\".\"", ".", 1 },
	{ "\"-a\" (a leading hyphen)", "-a", 2 },
	{ "a space (\"a b\")", "a b", 3 },
	{ "a '%' (\"a%b\")", "a%b", 3 },
};

enum hfield { HF_NAME, HF_POOL };

/* Every op with a name or pool, and how it answers for a valid "nosuch". */
static const struct {
	Ph__Request__OpCase op;
	const char *name;
	bool has_name, has_pool;
	size_t nfds;
	int want_err; /* for the valid control request */
	Ph__Reply__ResultCase want_result;
} named_ops[] = {
	{ PH__REQUEST__OP_INSTANCE_STATE, "instance_state", true, false, 0, ENOENT, 0 },
	{ PH__REQUEST__OP_INSTANCE_ACTION, "instance_action", true, false, 0, ENOENT, 0 },
	{ PH__REQUEST__OP_IMAGE_UNPACK, "image_unpack", false, true, 1, ANY_ERR, 0 },
	{ PH__REQUEST__OP_INSTANCE_CREATE, "instance_create", true, true, 0, ENOENT, 0 },
	{ PH__REQUEST__OP_INSTANCE_DELETE, "instance_delete", true, true, 0, 0,
	  PH__REPLY__RESULT_INSTANCE_DELETE },
	{ PH__REQUEST__OP_INSTANCE_START, "instance_start", true, true, 0, ENOENT, 0 },
	{ PH__REQUEST__OP_FILE_OP, "file_op", true, true, 0, ENOENT, 0 },
	{ PH__REQUEST__OP_EXEC_START, "exec_start", true, false, 0, EINVAL, 0 },
	{ PH__REQUEST__OP_INSTANCE_LOG, "instance_log", true, false, 0, ENOENT, 0 },
	{ PH__REQUEST__OP_CONSOLE_OPEN, "console_open", true, false, 0, EINVAL, 0 },
	{ PH__REQUEST__OP_INSTANCE_NETWORK, "instance_network", true, false, 0, ENOENT, 0 },
};

/*
 * A request of named_ops[k] with every field valid ("nosuch" in the forge
 * pool), except `field`, which is v. Returns false if it has no such field.
 */
static bool build_named(struct enc *e, uint64_t id, size_t k, enum hfield field,
			ProtobufCBinaryData v)
{
	Ph__Request__OpCase op = named_ops[k].op;
	ProtobufCBinaryData name = field == HF_NAME ? v : str("nosuch");
	ProtobufCBinaryData pool = field == HF_POOL ? v : str(FORGE_POOL);
	Ph__Request req = PH__REQUEST__INIT;
	Ph__InstanceStateRequest st = PH__INSTANCE_STATE_REQUEST__INIT;
	Ph__InstanceActionRequest ac = PH__INSTANCE_ACTION_REQUEST__INIT;
	Ph__ImageUnpackRequest un = PH__IMAGE_UNPACK_REQUEST__INIT;
	Ph__InstanceCreateRequest cr = PH__INSTANCE_CREATE_REQUEST__INIT;
	Ph__InstanceDeleteRequest de = PH__INSTANCE_DELETE_REQUEST__INIT;
	Ph__InstanceStartRequest sa = PH__INSTANCE_START_REQUEST__INIT;
	Ph__InstanceConfig cfg = PH__INSTANCE_CONFIG__INIT;
	Ph__FileOpRequest fo;
	Ph__ExecStartRequest ex;
	Ph__InstanceLogRequest lo = PH__INSTANCE_LOG_REQUEST__INIT;
	Ph__ConsoleOpenRequest co = PH__CONSOLE_OPEN_REQUEST__INIT;
	Ph__InstanceNetworkRequest ne = PH__INSTANCE_NETWORK_REQUEST__INIT;

	if ((field == HF_POOL && !named_ops[k].has_pool) ||
	    (field == HF_NAME && !named_ops[k].has_name))
		return false;
	req.id = id;
	req.op_case = op;
	switch (op) {
	case PH__REQUEST__OP_INSTANCE_STATE:
		st.name = name;
		req.instance_state = &st;
		break;
	case PH__REQUEST__OP_INSTANCE_ACTION:
		ac.name = name;
		ac.action = PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP;
		ac.timeout = -1;
		req.instance_action = &ac;
		break;
	case PH__REQUEST__OP_IMAGE_UNPACK:
		un.fingerprint = str(FP_OK);
		un.pool = pool;
		req.image_unpack = &un;
		break;
	case PH__REQUEST__OP_INSTANCE_CREATE:
		cr.name = name;
		cr.pool = pool;
		cr.fingerprint = str(FP_OK);
		req.instance_create = &cr;
		break;
	case PH__REQUEST__OP_INSTANCE_DELETE:
		de.name = name;
		de.pool = pool;
		req.instance_delete = &de;
		break;
	case PH__REQUEST__OP_INSTANCE_START:
		sa.name = name;
		sa.pool = pool;
		sa.config = &cfg;
		req.instance_start = &sa;
		break;
	case PH__REQUEST__OP_FILE_OP:
		file_op_base(&fo);
		fo.name = name;
		fo.pool = pool;
		req.file_op = &fo;
		break;
	case PH__REQUEST__OP_EXEC_START:
		exec_base(&ex);
		ex.name = name;
		req.exec_start = &ex;
		break;
	case PH__REQUEST__OP_INSTANCE_LOG:
		lo.name = name;
		lo.kind = PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC;
		req.instance_log = &lo;
		break;
	case PH__REQUEST__OP_CONSOLE_OPEN:
		co.name = name;
		co.width = 80;
		co.height = 24;
		req.console_open = &co;
		break;
	case PH__REQUEST__OP_INSTANCE_NETWORK:
		ne.name = name;
		req.instance_network = &ne;
		break;
	default:
		return false;
	}
	e->n = 0;
	put_request(e, &req);
	return e->n > 0;
}

/*
 * For every op: a valid control request is answered (so the refusals below
 * are about the one bad field), then every hostile name and pool is refused;
 * then the valid request with an unknown field appended inside the op's
 * message (a varint, and a length-delimited one holding a liblxc key).
 */
static void named_field_cases(struct enc *e, struct enc *sub)
{
	char what[240], wpath[64];
	int ro = temp_file("moat-forge\n", wpath, sizeof(wpath));

	/* mkstemp's descriptor is O_RDWR: image_unpack takes a read-only one */
	if (ro >= 0) {
		close(ro);
		ro = open(wpath, O_RDONLY | O_CLOEXEC);
		if (ro < 0)
			ro = -errno;
		unlink(wpath);
	}
	if (ro < 0) {
		result(false, "name and pool cases (temporary file: %s)", strerror(-ro));
		return;
	}
	for (size_t k = 0; k < sizeof(named_ops) / sizeof(named_ops[0]); k++) {
		Ph__Request__OpCase op = named_ops[k].op;
		const char *opn = named_ops[k].name;
		const int *fds = named_ops[k].nfds ? &ro : NULL;
		size_t nfds = named_ops[k].nfds;
		uint64_t id = next_id++;
		Ph__Request *r;

		build_named(e, id, k, named_ops[k].has_name ? HF_NAME : HF_POOL,
			    named_ops[k].has_name ? str("nosuch") : str(FORGE_POOL));
		snprintf(what, sizeof(what), "%s with valid fields (control)", opn);
		case_answered_fds(what, e, fds, nfds, id, named_ops[k].want_err, opn,
				  named_ops[k].want_result);

		for (int f = HF_NAME; f <= HF_POOL; f++) {
			for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
				if (!build_named(e, next_id++, k, (enum hfield)f,
						 bin(hostile[i].s, hostile[i].len)))
					continue;
				snprintf(what, sizeof(what), "%s with %s %s", opn,
					 f == HF_NAME ? "name" : "pool", hostile[i].what);
				expect_refused_fds(what, e->b, e->n, fds, nfds);
			}
		}

		/* the valid request, re-wrapped with an unknown field inside the op */
		build_named(e, next_id++, k, named_ops[k].has_name ? HF_NAME : HF_POOL,
			    named_ops[k].has_name ? str("nosuch") : str(FORGE_POOL));
		r = ph__request__unpack(NULL, e->n, e->b);
		if (!r) {
			result(false, "%s with an unknown field (construction: no decode)", opn);
			continue;
		}
		for (int v = 0; v < 2; v++) {
			const ProtobufCFieldDescriptor *fd =
				protobuf_c_message_descriptor_get_field(&ph__request__descriptor,
									op);
			const ProtobufCMessage *m =
				*(ProtobufCMessage *const *)((const char *)r + fd->offset);

			sub->n = protobuf_c_message_pack(m, sub->b);
			if (v == 0) {
				put_tag(sub, 15, WT_VARINT);
				put_varint(sub, 1);
			} else {
				put_len_field(sub, 100, "lxc.apparmor.profile = unconfined", 33);
			}
			build_wrapped(e, next_id++, op, sub);
			snprintf(what, sizeof(what), "%s with an unknown %s field inside", opn,
				 v == 0 ? "varint (15)" : "length-delimited (100)");
			if (!pb_decodes(e))
				result(false, "%s (construction: no decode)", what);
			else
				expect_refused_fds(what, e->b, e->n, fds, nfds);
		}
		ph__request__free_unpacked(r, NULL);
	}
	close(ro);
}

/*
 * A newline is a legal byte in an argument, an environment value, a
 * directory or file name inside the container and a symlink's target: none
 * of them reaches a liblxc configuration line (they go to execvp, the
 * attached process's environment, and openat2 under the rootfs). Such a
 * request is well formed: answered (here: the container does not exist),
 * and the channel stays open.
 */
static void newline_as_data_cases(struct enc *e)
{
	ProtobufCBinaryData one[2];
	Ph__ExecStartRequest x;
	Ph__FileOpRequest f;
	uint64_t id;

	exec_base(&x);
	one[0] = str("sh");
	one[1] = str("-c\nlxc.apparmor.profile=unconfined");
	x.n_argv = 2;
	x.argv = one;
	build_op(e, id = next_id++, PH__REQUEST__OP_EXEC_START, &x);
	case_answered_err("exec_start with a newline in argv[1] (data, not a breach)", e, id,
			  EINVAL, "exec_start");
	exec_base(&x);
	one[0] = str("A=x\nlxc.apparmor.profile=unconfined");
	x.n_env = 1;
	x.env = one;
	build_op(e, id = next_id++, PH__REQUEST__OP_EXEC_START, &x);
	case_answered_err("exec_start with a newline in an env value (data, not a breach)", e, id,
			  EINVAL, "exec_start");
	exec_base(&x);
	x.cwd = str("/tmp\nlxc.apparmor.profile=unconfined");
	build_op(e, id = next_id++, PH__REQUEST__OP_EXEC_START, &x);
	case_answered_err("exec_start with a newline in the cwd (data, not a breach)", e, id,
			  EINVAL, "exec_start");
	file_op_base(&f);
	f.path = str("/etc/host\nname");
	build_op(e, id = next_id++, PH__REQUEST__OP_FILE_OP, &f);
	case_answered_err("file_op with a newline in the path (data, not a breach)", e, id, ENOENT,
			  "file_op");
	file_op_base(&f);
	f.kind = PH__FILE_OP_KIND__FILE_OP_SYMLINK;
	f.path = str("/link");
	f.target = str("/etc\n/x");
	build_op(e, id = next_id++, PH__REQUEST__OP_FILE_OP, &f);
	case_answered_err("file_op SYMLINK with a newline in the target (data, not a breach)", e,
			  id, ENOENT, "file_op");
	exec_base(&x);
	x.cwd = bin("/tmp\0", 5);
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with a trailing NUL in the cwd", e);
	exec_base(&x);
	one[0] = str("sh");
	one[1] = bin("x\0", 2);
	x.n_argv = 2;
	x.argv = one;
	build_op(e, next_id++, PH__REQUEST__OP_EXEC_START, &x);
	expect_refused("exec_start with a trailing NUL in argv[1]", e);
	file_op_base(&f);
	f.path = bin("/etc/hostname\0", 14);
	build_op(e, next_id++, PH__REQUEST__OP_FILE_OP, &f);
	expect_refused("file_op with a trailing NUL in the path", e);
}

/* ---- the policy ---------------------------------------------------------------- */

static char policy[64];     /* from hello: the policy moatd enforces */
static uint32_t idmap_base; /* from hello: the delegated id range */
static const char *image_path;

static bool hardened(void)
{
	return strcmp(policy, "hardened") == 0;
}

/* One request on a fresh connection; the reply if it has id and want_err. */
static Ph__Reply *call(const char *what, const struct enc *e, const int *fds, size_t nfds,
		       uint64_t id, int want_err)
{
	Ph__Reply *rep;
	int fd = dial();

	if (fd < 0) {
		result(false, "%s (cannot connect: %s)", what, strerror(-fd));
		return NULL;
	}
	rep = exchange_fds(fd, what, e, fds, nfds, id, want_err);
	close(fd);
	return rep;
}

static bool learn_policy(struct enc *e)
{
	uint64_t id = next_id++;
	Ph__Reply *rep;

	build_hello(e, id, PROTOCOL);
	rep = call("hello (to learn the policy)", e, NULL, 0, id, 0);
	if (!rep || !hello_ok(rep) || rep->hello->policy_name.len >= sizeof(policy)) {
		result(false, "hello names the policy in force");
		if (rep)
			ph__reply__free_unpacked(rep, NULL);
		return false;
	}
	memcpy(policy, rep->hello->policy_name.data, rep->hello->policy_name.len);
	policy[rep->hello->policy_name.len] = '\0';
	{
		/* what policy/<name>.policy says, as hello reports it */
		const Ph__PolicyFlags *f = rep->hello->policy;
		bool all = !hardened(), one = f && f->n_disk_source_prefixes == 1;
		const char *prefix = hardened() ? "/srv/moat" : "*";

		result(f && f->allow_privileged == all && f->allow_nesting == all &&
			       f->allow_raw_lxc == all && f->allow_unix_devices == all &&
			       f->allow_raw_idmap == all && f->allow_raw_seccomp == all &&
			       f->allow_kernel_modules == all && f->allow_lxc_hooks == all &&
			       f->allow_host_interfaces == all &&
			       f->require_delegated_ids == !all && one &&
			       f->disk_source_prefixes[0].len == strlen(prefix) &&
			       memcmp(f->disk_source_prefixes[0].data, prefix, strlen(prefix)) == 0,
		       "hello reports the flags of policy \"%s\" (allow: %s; disk prefix \"%s\")",
		       policy, all ? "everything" : "nothing", prefix);
	}
	idmap_base = rep->hello->idmap_base;
	note("policy \"%s\", delegated ids from %u (%u)", policy, idmap_base,
	     rep->hello->idmap_size);
	result(idmap_base > 0 && rep->hello->idmap_size >= 65536,
	       "hello reports a delegated id range that excludes host root (%u+%u)", idmap_base,
	       rep->hello->idmap_size);
	ph__reply__free_unpacked(rep, NULL);
	return true;
}

/*
 * On an instance that does not exist, the policy is the first thing
 * instance_start checks: hardened refuses privileged and nesting with
 * EPERM naming the op; default lets them through to the lookup (ENOENT).
 */
static void policy_cases(struct enc *e)
{
	static const struct {
		const char *what;
		bool privileged, nesting;
	} cfgs[] = {
		{ "privileged", true, false },
		{ "nesting", false, true },
		{ "privileged and nesting", true, true },
		{ "privileged, with limits", true, false },
	};
	char what[200];

	for (size_t i = 0; i < sizeof(cfgs) / sizeof(cfgs[0]); i++) {
		Ph__InstanceConfig cfg = PH__INSTANCE_CONFIG__INIT;
		uint64_t id = next_id++;

		cfg.privileged = cfgs[i].privileged;
		cfg.nesting = cfgs[i].nesting;
		Ph__Limits lim = PH__LIMITS__INIT;

		if (i == 3) {
			lim.memory = 64 << 20;
			lim.processes = 100;
			cfg.limits = &lim;
		}
		build_start(e, id, "nosuch", &cfg);
		snprintf(what, sizeof(what), "policy %s: instance_start %s of \"nosuch\"", policy,
			 cfgs[i].what);
		case_answered_err(what, e, id, hardened() ? EPERM : ENOENT, "instance_start");
	}
	/* the security keys the hardened policy refuses (sec_config.c's policy step) */
	for (int k = 0; k < 5; k++) {
		static const char *const names[] = { "a raw.lxc line", "a raw.lxc hook line",
						     "raw.idmap", "raw.seccomp",
						     "linux.kernel_modules" };
		Ph__InstanceConfig cfg = PH__INSTANCE_CONFIG__INIT;
		Ph__ConfigLine line = PH__CONFIG_LINE__INIT, *lp = &line;
		Ph__IdmapEntry m = PH__IDMAP_ENTRY__INIT, *mp = &m;
		ProtobufCBinaryData mod = str("loop");
		uint64_t id = next_id++;

		line.key = str(k == 1 ? "lxc.hook.pre-start" : "lxc.cap.drop");
		line.value = str(k == 1 ? "/bin/true" : "sys_admin");
		if (k <= 1) {
			cfg.raw_lxc = &lp;
			cfg.n_raw_lxc = 1;
		} else if (k == 2) {
			m.uid = m.gid = true;
			m.host = m.cont = 1000;
			m.count = 1;
			cfg.raw_idmap = &mp;
			cfg.n_raw_idmap = 1;
		} else if (k == 3) {
			cfg.raw_seccomp = str("2\ndenylist\n[all]\nmount errno 1\n");
		} else {
			cfg.kernel_modules = &mod;
			cfg.n_kernel_modules = 1;
		}
		build_start(e, id, "nosuch", &cfg);
		snprintf(what, sizeof(what), "policy %s: instance_start with %s of \"nosuch\"",
			 policy, names[k]);
		case_answered_err(what, e, id, hardened() ? EPERM : ENOENT, "instance_start");
	}
}

/* A start of "nosuch" with one device (kind, source, path); dev may be changed after. */
/* A start of "nosuch" with one device or one nic (either may be NULL). */
static void build_start_with(struct enc *e, uint64_t id, Ph__Device *dev, Ph__Nic *nic)
{
	Ph__InstanceStartRequest s = PH__INSTANCE_START_REQUEST__INIT;
	Ph__InstanceConfig cfg = PH__INSTANCE_CONFIG__INIT;
	Ph__Device *devs[] = { dev };
	Ph__Nic *nics[] = { nic };

	s.name = str("nosuch");
	s.pool = str(FORGE_POOL);
	s.config = &cfg;
	s.devices = dev ? devs : NULL;
	s.n_devices = dev ? 1 : 0;
	s.nics = nic ? nics : NULL;
	s.n_nics = nic ? 1 : 0;
	build_op(e, id, PH__REQUEST__OP_INSTANCE_START, &s);
}

static void build_start_dev(struct enc *e, uint64_t id, Ph__Device *dev)
{
	build_start_with(e, id, dev, NULL);
}

static void device_base(Ph__Device *d, Ph__DeviceKind kind, const char *source, const char *path)
{
	ph__device__init(d);
	d->name = str("d0");
	d->kind = kind;
	d->source = str(source);
	d->path = str(path);
	d->mode = 0660;
}

/*
 * Devices of instance_start: malformed ones are a breach (names with "..",
 * "/" or a newline; paths not absolute and normal; ids and modes out of
 * range); under the hardened policy a disk outside its prefixes and any
 * unix node are refused with EPERM before the instance is looked up.
 */
static void device_cases(struct enc *e)
{
	static const struct {
		const char *what, *name, *source, *path;
		uint32_t uid, mode;
	} bad[] = {
		{ "a device name with ..", "a..b/c", "/srv/moat/x", "/mnt/x", 0, 0660 },
		{ "a device name with a newline", "a\nlxc.x", "/srv/moat/x", "/mnt/x", 0, 0660 },
		{ "a device name starting with .", ".x", "/srv/moat/x", "/mnt/x", 0, 0660 },
		{ "a source with ..", "d0", "/srv/moat/../../etc", "/mnt/x", 0, 0660 },
		{ "a relative source", "d0", "srv/moat", "/mnt/x", 0, 0660 },
		{ "a path with ..", "d0", "/srv/moat/x", "/mnt/../../etc", 0, 0660 },
		{ "a path with a newline", "d0", "/srv/moat/x", "/mnt\nlxc.hook.pre-start = x", 0,
		  0660 },
		{ "a path with a space", "d0", "/srv/moat/x", "/mnt/a b", 0, 0660 },
		{ "the path /", "d0", "/srv/moat/x", "/", 0, 0660 },
		{ "a uid past 65535", "d0", "/srv/moat/x", "/mnt/x", 70000, 0660 },
		{ "a setuid mode", "d0", "/srv/moat/x", "/mnt/x", 0, 04755 },
	};
	char what[200];
	Ph__Device d;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, bad[k].source, bad[k].path);
		d.name = str(bad[k].name);
		d.uid = bad[k].uid;
		d.mode = bad[k].mode;
		build_start_dev(e, next_id++, &d);
		snprintf(what, sizeof(what), "instance_start with %s in a device", bad[k].what);
		expect_refused(what, e);
	}
	device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_UNSPECIFIED, "/srv/moat/x", "/mnt/x");
	build_start_dev(e, next_id++, &d);
	expect_refused("instance_start with a device of no kind", e);

	device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, "/etc", "/mnt/etc");
	build_start_dev(e, next_id++, &d);
	snprintf(what, sizeof(what), "policy %s: instance_start with a disk from /etc", policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "instance_start");
	device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, "/srv/moatx", "/mnt/x");
	build_start_dev(e, next_id++, &d);
	snprintf(what, sizeof(what), "policy %s: instance_start with a disk from /srv/moatx",
		 policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "instance_start");
	device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, "/srv/moat/x", "/mnt/x");
	build_start_dev(e, next_id++, &d);
	snprintf(what, sizeof(what), "policy %s: instance_start with a disk under /srv/moat",
		 policy);
	case_answered_err(what, e, next_id - 1, ENOENT, "instance_start");
	device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_UNIX_CHAR, "/dev/null", "/dev/null");
	build_start_dev(e, next_id++, &d);
	snprintf(what, sizeof(what), "policy %s: instance_start with a unix-char node", policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "instance_start");
	device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_UNIX_BLOCK, "/dev/vda", "/dev/vda");
	build_start_dev(e, next_id++, &d);
	snprintf(what, sizeof(what), "policy %s: instance_start with a unix-block node", policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "instance_start");

	/* hot-plug: the same device rules, the same policy, before the lookup */
	{
		Ph__DeviceAttachRequest a = PH__DEVICE_ATTACH_REQUEST__INIT;
		Ph__DeviceDetachRequest x = PH__DEVICE_DETACH_REQUEST__INIT;

		a.name = str("nosuch");
		a.device = &d;
		device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, "/etc", "/mnt/etc");
		build_op(e, next_id++, PH__REQUEST__OP_DEVICE_ATTACH, &a);
		snprintf(what, sizeof(what), "policy %s: device_attach of a disk from /etc",
			 policy);
		case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT,
				  "device_attach");
		device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_UNIX_CHAR, "/dev/null", "/dev/null");
		build_op(e, next_id++, PH__REQUEST__OP_DEVICE_ATTACH, &a);
		snprintf(what, sizeof(what), "policy %s: device_attach of a unix-char node",
			 policy);
		case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT,
				  "device_attach");
		device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, "/srv/moat/x", "/mnt/../../etc");
		build_op(e, next_id++, PH__REQUEST__OP_DEVICE_ATTACH, &a);
		expect_refused("device_attach with a path with ..", e);
		device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, "/srv/moat/x", "/mnt/x");
		d.name = str("a\nb");
		build_op(e, next_id++, PH__REQUEST__OP_DEVICE_ATTACH, &a);
		expect_refused("device_attach with a device name with a newline", e);
		x.name = str("nosuch");
		x.device = &d;
		device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, "/srv/moat/x", "/mnt/x\n/etc");
		build_op(e, next_id++, PH__REQUEST__OP_DEVICE_DETACH, &x);
		expect_refused("device_detach with a path with a newline", e);
		device_base(&d, PH__DEVICE_KIND__DEVICE_KIND_DISK, "/srv/moat/x", "/mnt/x");
		build_op(e, next_id++, PH__REQUEST__OP_DEVICE_DETACH, &x);
		snprintf(what, sizeof(what), "policy %s: device_detach on a missing instance",
			 policy);
		case_answered_err(what, e, next_id - 1, ENOENT, "device_detach");
	}
}

static void nic_base(Ph__Nic *n, Ph__NicType type, const char *parent)
{
	ph__nic__init(n);
	n->device = str("eth0");
	n->type = type;
	n->ifname = str("eth0");
	n->parent = str(parent);
}

/*
 * Nics of instance_start: a name that could become a second liblxc line,
 * a multicast hwaddr, filtering a p2p nic are a breach; a physical or
 * macvlan nic is refused under the hardened policy (allow_host_interfaces)
 * before the instance is looked up; a p2p nic touches no host interface.
 */
static void nic_cases(struct enc *e)
{
	static const struct {
		const char *what, *ifname, *host_name;
		uint64_t hwaddr;
	} bad[] = {
		{ "an ifname with a newline", "eth0\nlxc.hook.pre-start = /bin/sh", "", 0 },
		{ "an ifname with a space", "eth0 x", "", 0 },
		{ "an ifname of 16 bytes", "eth0123456789abc", "", 0 },
		{ "a host_name with a slash", "eth0", "../x", 0 },
		{ "a multicast hwaddr", "eth0", "", 0x333300000001ull },
	};
	char what[200];
	Ph__Nic n;

	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		nic_base(&n, PH__NIC_TYPE__NIC_TYPE_BRIDGED, "br0");
		n.ifname = str(bad[k].ifname);
		n.host_name = str(bad[k].host_name);
		n.hwaddr = bad[k].hwaddr;
		build_start_with(e, next_id++, NULL, &n);
		snprintf(what, sizeof(what), "instance_start with %s in a nic", bad[k].what);
		expect_refused(what, e);
	}
	nic_base(&n, PH__NIC_TYPE__NIC_TYPE_P2P, "");
	n.mac_filtering = true;
	n.host_name = str("vethf0");
	n.hwaddr = 0x00163e000001ull;
	build_start_with(e, next_id++, NULL, &n);
	expect_refused("instance_start with mac filtering on a p2p nic", e);

	nic_base(&n, PH__NIC_TYPE__NIC_TYPE_PHYSICAL, "lo");
	build_start_with(e, next_id++, NULL, &n);
	snprintf(what, sizeof(what), "policy %s: instance_start with a physical nic", policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "instance_start");
	nic_base(&n, PH__NIC_TYPE__NIC_TYPE_MACVLAN, "lo");
	build_start_with(e, next_id++, NULL, &n);
	snprintf(what, sizeof(what), "policy %s: instance_start with a macvlan nic", policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "instance_start");
	nic_base(&n, PH__NIC_TYPE__NIC_TYPE_BRIDGED, "lo");
	build_start_with(e, next_id++, NULL, &n);
	snprintf(what, sizeof(what),
		 "policy %s: instance_start with a bridged nic onto a host interface (lo)", policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "instance_start");
	nic_base(&n, PH__NIC_TYPE__NIC_TYPE_P2P, "");
	n.host_name = str("vethf1");
	build_start_with(e, next_id++, NULL, &n);
	snprintf(what, sizeof(what), "policy %s: instance_start with a p2p nic", policy);
	case_answered_err(what, e, next_id - 1, ENOENT, "instance_start");

	/* hot-plug: the same nic rules and policy, before the lookup */
	{
		Ph__NicAttachRequest a = PH__NIC_ATTACH_REQUEST__INIT;
		Ph__NicDetachRequest x = PH__NIC_DETACH_REQUEST__INIT;

		a.name = x.name = str("nosuch");
		a.nic = x.nic = &n;
		nic_base(&n, PH__NIC_TYPE__NIC_TYPE_PHYSICAL, "lo");
		build_op(e, next_id++, PH__REQUEST__OP_NIC_ATTACH, &a);
		snprintf(what, sizeof(what), "policy %s: nic_attach of a physical nic", policy);
		case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "nic_attach");
		nic_base(&n, PH__NIC_TYPE__NIC_TYPE_BRIDGED, "lo");
		build_op(e, next_id++, PH__REQUEST__OP_NIC_ATTACH, &a);
		snprintf(what, sizeof(what), "policy %s: nic_attach of a bridged nic onto lo",
			 policy);
		case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "nic_attach");
		/* a host end that exists is another nic's: its filter is never replaced */
		nic_base(&n, PH__NIC_TYPE__NIC_TYPE_P2P, "");
		n.host_name = str("lo");
		n.hwaddr = 0x00163e000002ull;
		n.type = PH__NIC_TYPE__NIC_TYPE_BRIDGED;
		n.parent = str("lo");
		n.mac_filtering = true;
		build_op(e, next_id++, PH__REQUEST__OP_NIC_ATTACH, &a);
		snprintf(what, sizeof(what), "policy %s: nic_attach naming a host end that exists",
			 policy);
		case_answered_err(what, e, next_id - 1, hardened() ? EPERM : EEXIST, "nic_attach");
		nic_base(&n, PH__NIC_TYPE__NIC_TYPE_MACVLAN, "lo");
		build_op(e, next_id++, PH__REQUEST__OP_NIC_DETACH, &x);
		snprintf(what, sizeof(what), "policy %s: nic_detach of a macvlan nic", policy);
		case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "nic_detach");
		nic_base(&n, PH__NIC_TYPE__NIC_TYPE_P2P, "");
		build_op(e, next_id++, PH__REQUEST__OP_NIC_DETACH, &x);
		snprintf(what, sizeof(what), "policy %s: nic_detach on a missing instance", policy);
		case_answered_err(what, e, next_id - 1, ENOENT, "nic_detach");
		nic_base(&n, PH__NIC_TYPE__NIC_TYPE_BRIDGED, "br0");
		n.ifname = str("eth0\nlxc.net.1.type = phys");
		build_op(e, next_id++, PH__REQUEST__OP_NIC_ATTACH, &a);
		expect_refused("nic_attach with an ifname with a newline", e);
	}
}

/*
 * proxy_attach and proxy_detach: a listen address or path out of bounds, a
 * unix path with ".." and a bad device name are a breach; under the
 * hardened policy a host port below 1024 and a host socket outside its
 * prefixes are refused (EPERM) before the instance is looked up; an
 * instance that does not exist is ENOENT, and a detach of it is fine.
 */
static void proxy_cases(struct enc *e)
{
	static const struct {
		const char *what, *addr, *path;
		uint32_t kind, port;
	} bad[] = {
		{ "a listen address of five numbers", "1.2.3.4.5", "", 1, 8080 },
		{ "a listen address that is a name", "localhost", "", 1, 8080 },
		{ "a listen port past 65535", "127.0.0.1", "", 1, 65536 },
		{ "listen port 0", "127.0.0.1", "", 1, 0 },
		{ "a unix listener with ..", "", "/srv/moat/../../etc/x.sock", 3, 0 },
		{ "a unix listener with a newline", "", "/srv/moat/x\nlxc.x", 3, 0 },
		{ "a unix listener past sun_path", "",
		  "/srv/moat/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.sock",
		  3, 0 },
	};
	Ph__ProxyAttachRequest a = PH__PROXY_ATTACH_REQUEST__INIT;
	Ph__ProxyDetachRequest x = PH__PROXY_DETACH_REQUEST__INIT;
	Ph__Proxy p = PH__PROXY__INIT;
	Ph__ProxyEnd l = PH__PROXY_END__INIT, c = PH__PROXY_END__INIT;
	char what[200];

	a.name = str("nosuch");
	a.proxy = &p;
	p.device = str("web");
	p.listen = &l;
	p.connect = &c;
	c.kind = PH__PROXY_KIND__PROXY_KIND_TCP;
	c.addr = str("127.0.0.1");
	c.port = 80;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		l = (Ph__ProxyEnd)PH__PROXY_END__INIT;
		l.kind = (Ph__ProxyKind)bad[k].kind;
		l.addr = str(bad[k].addr);
		l.path = str(bad[k].path);
		l.port = bad[k].port;
		build_op(e, next_id++, PH__REQUEST__OP_PROXY_ATTACH, &a);
		snprintf(what, sizeof(what), "proxy_attach with %s", bad[k].what);
		expect_refused(what, e);
	}
	l = c;
	l.port = 8080;
	p.device = str("a/b");
	build_op(e, next_id++, PH__REQUEST__OP_PROXY_ATTACH, &a);
	expect_refused("proxy_attach of a device named a/b", e);
	p.device = str("web");
	build_op(e, next_id++, PH__REQUEST__OP_PROXY_ATTACH, &a);
	snprintf(what, sizeof(what), "policy %s: proxy_attach on a name that is not an instance",
		 policy);
	case_answered_err(what, e, next_id - 1, ENOENT, "proxy_attach");
	l.port = 80;
	build_op(e, next_id++, PH__REQUEST__OP_PROXY_ATTACH, &a);
	snprintf(what, sizeof(what), "policy %s: proxy_attach listening on host port 80", policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "proxy_attach");
	p.bind_instance = true; /* port 80 inside the container: no host port */
	build_op(e, next_id++, PH__REQUEST__OP_PROXY_ATTACH, &a);
	snprintf(what, sizeof(what), "policy %s: proxy_attach listening on port 80 inside", policy);
	case_answered_err(what, e, next_id - 1, ENOENT, "proxy_attach");
	p.bind_instance = false;
	l = (Ph__ProxyEnd)PH__PROXY_END__INIT;
	l.kind = PH__PROXY_KIND__PROXY_KIND_UNIX;
	l.path = str("/etc/moat.sock");
	build_op(e, next_id++, PH__REQUEST__OP_PROXY_ATTACH, &a);
	snprintf(what, sizeof(what), "policy %s: proxy_attach with a host socket in /etc", policy);
	case_answered_err(what, e, next_id - 1, hardened() ? EPERM : ENOENT, "proxy_attach");
	l.path = str("/srv/moat/web.sock");
	build_op(e, next_id++, PH__REQUEST__OP_PROXY_ATTACH, &a);
	snprintf(what, sizeof(what), "policy %s: proxy_attach with a host socket under /srv/moat",
		 policy);
	case_answered_err(what, e, next_id - 1, ENOENT, "proxy_attach");
	x.name = str("nosuch");
	x.proxy = &p;
	build_op(e, next_id++, PH__REQUEST__OP_PROXY_DETACH, &x);
	snprintf(what, sizeof(what), "policy %s: proxy_detach on a name that is not an instance",
		 policy);
	case_answered_fds(what, e, NULL, 0, next_id - 1, 0, "proxy_detach",
			  PH__REPLY__RESULT_PROXY_DETACH);
	l.path = str("/srv/moat/../x.sock");
	build_op(e, next_id++, PH__REQUEST__OP_PROXY_DETACH, &x);
	expect_refused("proxy_detach with a unix path with ..", e);
}

static char *read_text(const char *path)
{
	static char buf[16384];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* Does the instance's liblxc configuration hold this exact line? */
static bool config_has(const char *name, const char *line)
{
	char path[PATH_MAX], want[512];
	const char *text;

	snprintf(path, sizeof(path), "%s/containers/%s/config", state_dir, name);
	snprintf(want, sizeof(want), "\n%s\n", line);
	text = read_text(path);
	return text && strstr(text, want);
}

#define FP_IMG "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define RUN_NAME "forge-run"

/* One request of a running instance: its reply must carry want descriptors. */
static void real_fds(const char *what, struct enc *e, uint64_t id, size_t want)
{
	const struct fop *f = fop_of(op_sent(e));
	Ph__Reply *rep = call(what, e, NULL, 0, id, 0);

	if (!rep)
		return;
	result(last_nfds == want && f && want >= f->out_min && want <= f->out_max,
	       "%s: the reply carries %zu descriptor(s) (want %zu; ops.def: %zu-%zu)", what,
	       last_nfds, want, f ? f->out_min : 0, f ? f->out_max : 0);
	ph__reply__free_unpacked(rep, NULL);
}

/*
 * What the handlers really send, against ops.def: every op whose reply
 * carries descriptors, on the running instance, in each of its shapes.
 */
static void real_fd_cases(struct enc *e)
{
	static ProtobufCBinaryData argv_true[1] = { { 4, (uint8_t *)"true" } };
	Ph__ExecStartRequest x;
	Ph__FileOpRequest f;
	uint64_t id;

	exec_base(&x);
	x.name = str(RUN_NAME);
	x.argv = argv_true;
	build_op(e, id = next_id++, PH__REQUEST__OP_EXEC_START, &x);
	real_fds("exec_start of \"true\" (stdin, stdout, stderr, control)", e, id, 4);
	x.interactive = true;
	build_op(e, id = next_id++, PH__REQUEST__OP_EXEC_START, &x);
	real_fds("exec_start of \"true\", interactive (pty, control)", e, id, 2);

	build_console(e, id = next_id++, RUN_NAME, strlen(RUN_NAME), 80);
	real_fds("console_open (pty, control)", e, id, 2);

	build_log(e, id = next_id++, RUN_NAME, strlen(RUN_NAME),
		  PH__INSTANCE_LOG_KIND__INSTANCE_LOG_CONSOLE);
	real_fds("instance_log of console.log (a read-only descriptor)", e, id, 1);

	file_op_base(&f);
	f.name = str(RUN_NAME);
	f.path = str("/");
	build_op(e, id = next_id++, PH__REQUEST__OP_FILE_OP, &f);
	real_fds("file_op OPEN_READ of \"/\" (a directory descriptor)", e, id, 1);
	file_op_base(&f);
	f.name = str(RUN_NAME);
	f.path = str("/forge-fds");
	f.kind = PH__FILE_OP_KIND__FILE_OP_WRITE;
	build_op(e, id = next_id++, PH__REQUEST__OP_FILE_OP, &f);
	real_fds("file_op WRITE of /forge-fds (a write-only descriptor)", e, id, 1);
	file_op_base(&f);
	f.name = str(RUN_NAME);
	f.path = str("/forge-link");
	f.kind = PH__FILE_OP_KIND__FILE_OP_SYMLINK;
	f.target = str("/forge-fds");
	build_op(e, id = next_id++, PH__REQUEST__OP_FILE_OP, &f);
	real_fds("file_op SYMLINK /forge-link (no descriptor)", e, id, 0);
	file_op_base(&f);
	f.name = str(RUN_NAME);
	f.path = str("/forge-link");
	build_op(e, id = next_id++, PH__REQUEST__OP_FILE_OP, &f);
	real_fds("file_op OPEN_READ of a symlink (its target, no descriptor)", e, id, 0);
}

/*
 * The real thing, when the runner hands us an image: unpack it, create an
 * instance from it, ask for a privileged and a nested start (refused under
 * hardened, on an existing instance, leaving its configuration
 * unprivileged), start it unprivileged (allowed under both), check its id
 * map is the delegated range, ask what the handlers' replies carry, and
 * delete it.
 */
static void run_cases(struct enc *e)
{
	Ph__InstanceConfig cfg = PH__INSTANCE_CONFIG__INIT;
	Ph__Limits lim = PH__LIMITS__INIT;
	char line[128], path[PATH_MAX], *text;
	Ph__Reply *rep;
	uint64_t id;
	int img, pid = 0;

	if (!image_path || !state_dir) {
		note("no image given: the unpack, create and start cases are skipped");
		return;
	}
	img = open(image_path, O_RDONLY | O_CLOEXEC);
	if (img < 0) {
		result(false, "run cases (%s: %s)", image_path, strerror(errno));
		return;
	}
	build_unpack(e, id = next_id++, str(FP_IMG), str(FORGE_POOL));
	case_answered_fds("image_unpack of a real image", e, &img, 1, id, 0, "image_unpack",
			  PH__REPLY__RESULT_IMAGE_UNPACK);
	close(img);
	build_create(e, id = next_id++, str(RUN_NAME), str(FORGE_POOL), str(FP_IMG));
	case_answered_fds("instance_create from the unpacked image", e, NULL, 0, id, 0,
			  "instance_create", PH__REPLY__RESULT_INSTANCE_CREATE);
	snprintf(line, sizeof(line), "lxc.idmap = u 0 %u 65536", idmap_base);
	result(config_has(RUN_NAME, line) &&
		       config_has(RUN_NAME, "lxc.rootfs.options = idmap=container"),
	       "instance_create wrote an unprivileged configuration (\"%s\")", line);

	/*
	 * Regression, "create-in-other-pool-removed-config": instance_create of
	 * an existing name in another pool used to fail on the liblxc directory
	 * and then remove that directory, the existing instance's own.
	 */
	build_create(e, id = next_id++, str(RUN_NAME), str("other"), str(FP_IMG));
	case_answered_err("instance_create of an existing name in another pool", e, id, EEXIST,
			  "instance_create");
	result(config_has(RUN_NAME, line),
	       "regression create-in-other-pool-removed-config: the existing instance keeps its "
	       "configuration");

	cfg.privileged = true;
	build_start(e, id = next_id++, RUN_NAME, &cfg);
	if (hardened()) {
		case_answered_err(
			"policy hardened: instance_start privileged of an existing instance", e, id,
			EPERM, "instance_start");
		cfg.privileged = false;
		cfg.nesting = true;
		build_start(e, id = next_id++, RUN_NAME, &cfg);
		case_answered_err("policy hardened: instance_start nesting of an existing instance",
				  e, id, EPERM, "instance_start");
		result(config_has(RUN_NAME, line) &&
			       config_has(RUN_NAME, "lxc.apparmor.allow_nesting = 0") &&
			       !config_has(RUN_NAME, "lxc.cgroup.devices.deny = a"),
		       "the refused starts left the configuration unprivileged, without nesting");
		build_state(e, id = next_id++, RUN_NAME, strlen(RUN_NAME));
		rep = call("instance_state after the refused starts", e, NULL, 0, id, 0);
		if (rep) {
			result(rep->instance_state && rep->instance_state->pid == 0 &&
				       rep->instance_state->status ==
					       PH__INSTANCE_STATUS__INSTANCE_STATUS_STOPPED,
			       "the refused starts started nothing (STOPPED, pid 0)");
			ph__reply__free_unpacked(rep, NULL);
		}
	}

	ph__instance_config__init(&cfg);
	lim.memory = 256 << 20;
	lim.processes = 200;
	cfg.limits = &lim;
	build_start(e, id = next_id++, RUN_NAME, &cfg);
	rep = call("instance_start unprivileged", e, NULL, 0, id, 0);
	if (rep) {
		pid = rep->instance_start ? rep->instance_start->pid : 0;
		result(rep->result_case == PH__REPLY__RESULT_INSTANCE_START && pid > 0,
		       "policy %s: an unprivileged instance_start succeeds (pid %d)", policy, pid);
		ph__reply__free_unpacked(rep, NULL);
	}
	result(config_has(RUN_NAME, line) &&
		       config_has(RUN_NAME, "lxc.apparmor.allow_nesting = 0") &&
		       !config_has(RUN_NAME, "lxc.cgroup.devices.deny = a"),
	       "the started instance's configuration maps ids from the delegated range (\"%s\")",
	       line);
	if (pid > 0) {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
		text = read_text(path);
		if (text) {
			unsigned a = 1, b = 0, c = 0;

			(void)sscanf(text, "%u %u %u", &a, &b, &c);
			result(a == 0 && b == idmap_base && c == 65536,
			       "the container's init maps uid 0 to host uid %u (uid_map: %u %u %u)",
			       idmap_base, a, b, c);
		} else {
			result(false, "the container's uid_map (%s: %s)", path, strerror(errno));
		}
	}

	if (pid > 0)
		real_fd_cases(e);

	/* a started instance: privileged again is refused before "already running" */
	cfg.privileged = true;
	build_start(e, id = next_id++, RUN_NAME, &cfg);
	case_answered_err(hardened() ? "policy hardened: instance_start privileged of a running "
				       "instance is refused by the policy"
				     : "policy default: instance_start privileged of a running "
				       "instance reaches the running check",
			  e, id, hardened() ? EPERM : EALREADY, "instance_start");

	build_delete(e, id = next_id++, RUN_NAME, FORGE_POOL);
	case_answered_fds("instance_delete of the started instance", e, NULL, 0, id, 0,
			  "instance_delete", PH__REPLY__RESULT_INSTANCE_DELETE);
	check_no_instance_leftover("instance_delete of the started instance", RUN_NAME);
}

static void retired_cases(struct enc *e)
{
	build_action(e, next_id++, "nosuch", 6, PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_START, -1,
		     false);
	expect_refused("instance_action START (retired; starting is instance_start)", e);
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

/* ---- breadth: every mutant of every op's base message (tests/lib/ph_mutate.c) -- */

struct names {
	char **v;
	size_t n, cap;
};

/* Every path below dir, depth 1..max, relative to the state directory. */
static void list_tree(const char *dir, const char *rel, int depth, int max, struct names *out)
{
	struct dirent *d;
	DIR *dp;

	if (depth > max || !(dp = opendir(dir)))
		return;
	while ((d = readdir(dp))) {
		char path[PATH_MAX], sub[PATH_MAX];

		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", d->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		if (out->n == out->cap) {
			char **grown = realloc(out->v, (out->cap + 64) * sizeof(char *));

			if (!grown)
				break;
			out->v = grown;
			out->cap += 64;
		}
		out->v[out->n++] = strdup(sub);
		if (d->d_type == DT_DIR)
			list_tree(path, sub, depth + 1, max, out);
	}
	closedir(dp);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * What the state directory holds, four levels down: enough to see any
 * instance (containers/<name>, storage-pools/<pool>/containers/<name>), any
 * pool and any image (storage-pools/<pool>/images/<fp>) a request made.
 */
static char *state_snapshot(void)
{
	struct names t = { 0 };
	size_t len = 1;
	char *out, *p;

	if (!state_dir)
		return strdup("");
	list_tree(state_dir, "", 1, 4, &t);
	qsort(t.v, t.n, sizeof(char *), cmp_names);
	for (size_t i = 0; i < t.n; i++)
		len += t.v[i] ? strlen(t.v[i]) + 1 : 0;
	p = out = malloc(len);
	for (size_t i = 0; i < t.n; i++) {
		if (out && t.v[i]) {
			size_t n = strlen(t.v[i]);

			memcpy(p, t.v[i], n);
			p[n] = '\n';
			p += n + 1;
		}
		free(t.v[i]);
	}
	if (out)
		*p = '\0';
	free(t.v);
	return out;
}

struct sweep {
	const struct fop *op;
	int fd;         /* the channel, kept open while the helper answers */
	int ro;         /* a read-only regular file, for ops that carry one */
	char *before;   /* the state directory before the sweep */
	struct enc *e;  /* the mutant, encoded */
	struct enc *e2; /* an undo */
	unsigned refused, answered;
};

/* A mutant that made something, unmade: instance_create's success. */
static void undo(struct sweep *s, const Ph__Request *req)
{
	Ph__InstanceDeleteRequest d = PH__INSTANCE_DELETE_REQUEST__INIT;
	Ph__Reply *rep;
	uint64_t id = next_id++;

	if (req->op_case != PH__REQUEST__OP_INSTANCE_CREATE || s->fd < 0)
		return;
	d.name = req->instance_create->name;
	d.pool = req->instance_create->pool;
	build_op(s->e2, id, PH__REQUEST__OP_INSTANCE_DELETE, &d);
	rep = exchange(s->fd, "undo: instance_delete of what a mutant created", s->e2, id, 0);
	if (rep)
		ph__reply__free_unpacked(rep, NULL);
}

/*
 * Answered (an errno naming the op, or a success of the op's own result,
 * to this request's id, with the descriptors ops.def allows) or refused
 * (the channel closes, and a fresh connection's hello is answered). A
 * hostile name or pool must be refused. Either way the state directory
 * is as it was before the sweep (after undoing what a success made).
 */
static void forge_mutant(const struct ph_mutant *m, void *arg)
{
	struct sweep *s = arg;
	const int *fds = s->op->readonly_file ? &s->ro : NULL;
	bool hostile_name = m->kind == PH_MUT_BYTES && ph_mut_name_field(m->field);
	Ph__Reply *rep = NULL;
	enum outcome o = OUT_ERROR;
	const char *how = "a local error";
	char *after;
	bool ok = false, same;

	s->e->n = 0;
	put_request(s->e, m->req);
	if (s->fd < 0)
		s->fd = dial();
	if (s->fd >= 0 && send_packet(s->fd, s->e->b, s->e->n, fds, s->op->in) == 0)
		o = await(s->fd, &rep);
	if (o == OUT_REFUSED) {
		s->refused++;
		close(s->fd);
		s->fd = -1;
		ok = helper_alive();
		how = ok ? "refused (channel closed; the helper answers a new hello)"
			 : "refused, and the helper answers no hello afterwards";
	} else if (o == OUT_ANSWERED) {
		bool named = rep->error.len >= strlen(s->op->name) &&
			     memcmp(rep->error.data, s->op->name, strlen(s->op->name)) == 0;

		s->answered++;
		ok = rep->id == m->req->id && reply_fds_ok(s->op->op, rep, last_nfds) &&
		     (rep->err ? rep->result_case == PH__REPLY__RESULT__NOT_SET && named
			       : (unsigned)rep->result_case == s->op->op);
		how = rep->err ? "answered with an errno naming the op" : "answered with success";
		if (!ok)
			note("reply id %llu (want %llu), err %d, result %d, %zu fds, error \"%.*s\"",
			     (unsigned long long)rep->id, (unsigned long long)m->req->id,
			     (int)rep->err, (int)rep->result_case, last_nfds, (int)rep->error.len,
			     rep->error.data ? (const char *)rep->error.data : "");
		if (rep->err == 0)
			undo(s, m->req);
		ph__reply__free_unpacked(rep, NULL);
	} else {
		how = outcome_name(o);
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
	}
	if (hostile_name && o != OUT_REFUSED) {
		ok = false;
		how = "a hostile name was not refused";
	}
	after = state_snapshot();
	same = s->before && after && strcmp(s->before, after) == 0;
	if (!same)
		note("the state directory changed: before:\n%s\nafter:\n%s",
		     s->before ? s->before : "?", after ? after : "?");
	if (!same && s->before && after) { /* report each change once */
		free(s->before);
		s->before = after;
		after = NULL;
	}
	free(after);
	result(ok && same, "mutant of %s, %s: %s%s", s->op->name, m->what, how,
	       same ? ", state directory unchanged" : ", and the state directory changed");
}

static void mutant_cases(void)
{
	struct sweep s = { .fd = -1, .ro = -1 };
	char wpath[64];

	s.e = calloc(1, sizeof(*s.e));
	s.e2 = calloc(1, sizeof(*s.e2));
	s.ro = temp_file("moat-forge\n", wpath, sizeof(wpath));
	if (s.ro >= 0) {
		close(s.ro);
		s.ro = open(wpath, O_RDONLY | O_CLOEXEC);
		unlink(wpath);
	}
	s.before = state_snapshot();
	if (!s.e || !s.e2 || s.ro < 0 || !s.before) {
		result(false, "mutants (setup: %s)", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof(fops) / sizeof(fops[0]); i++) {
		const Ph__Request *base = ph_base((Ph__Request__OpCase)fops[i].op);
		int n;

		s.op = &fops[i];
		s.refused = s.answered = 0;
		if (!base) {
			result(false, "mutants of %s: it has no base message (tests/lib/ph_base.c)",
			       fops[i].name);
			continue;
		}
		n = ph_mutate(base, forge_mutant, &s);
		note("%s: %d mutants, %u refused, %u answered", fops[i].name, n, s.refused,
		     s.answered);
	}
out:
	if (s.fd >= 0)
		close(s.fd);
	if (s.ro >= 0)
		close(s.ro);
	free(s.before);
	free(s.e);
	free(s.e2);
}

/* ---- managed networks --------------------------------------------------------- */

static void net_base(Ph__NetworkApplyRequest *m, const char *name)
{
	ph__network_apply_request__init(m);
	m->name = str(name);
	m->ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
	m->ipv4 = str("10.250.61.1");
	m->ipv4_prefix = 24;
	m->ipv4_nat = m->ipv4_dhcp = m->ipv4_routing = true;
}

/*
 * A subnet the host routes (its first non-default IPv4 route outside
 * 127/8, from /proc/net/route) as "A.B.C.D" of its first host and its
 * prefix; false if the host has none.
 */
static bool host_route(char *ret, size_t size, unsigned *ret_prefix)
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[256];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char ifn[32];
		unsigned dst, gw, flags, refcnt, use, metric, mask;

		if (sscanf(line, "%31s %x %x %x %u %u %u %x", ifn, &dst, &gw, &flags, &refcnt, &use,
			   &metric, &mask) != 8 ||
		    mask == 0 || (dst & 0xff) == 127 || (dst & 0xff) == 0)
			continue;
		*ret_prefix = (unsigned)__builtin_popcount(mask);
		if (*ret_prefix > 30)
			continue;
		dst = ntohl(dst) + 1;
		snprintf(ret, size, "%u.%u.%u.%u", dst >> 24, (dst >> 16) & 0xff, (dst >> 8) & 0xff,
			 dst & 0xff);
		found = true;
	}
	if (f)
		fclose(f);
	return found;
}

/*
 * network_apply and network_delete: what only moatd can refuse. A name
 * that is a host interface (lo) and not moatd's own bridge is refused
 * before anything changes, under both policies; raw.dnsmasq is the
 * policy's (hardened refuses it before the name is looked at); a subnet
 * that overlaps a route of the host is refused and makes no bridge;
 * deleting "lo" answers success and leaves it alone. The malformed ones
 * close the channel.
 */
static void network_cases(struct enc *e)
{
	static char name[16], raw_cr[] = "dhcp-option=42,1.2.3.4\rdhcp-script=/bin/sh";
	Ph__NetworkApplyRequest m;
	Ph__NetworkDeleteRequest d = PH__NETWORK_DELETE_REQUEST__INIT;
	Ph__NetHost h = PH__NET_HOST__INIT, *hp = &h;
	char what[200], sub[32], path[PATH_MAX];
	unsigned prefix = 0;
	uint64_t id;

	net_base(&m, "lo");
	build_op(e, id = next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	case_answered_err("network_apply of \"lo\" (a host interface, not moatd's bridge)", e, id,
			  EEXIST, "network_apply");
	m.raw_dnsmasq = str("dhcp-option=42,10.0.0.1");
	build_op(e, id = next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	snprintf(what, sizeof(what), "policy %s: network_apply with raw.dnsmasq of \"lo\"", policy);
	case_answered_err(what, e, id, hardened() ? EPERM : EEXIST, "network_apply");
	result(if_nametoindex("lo") != 0, "network cases: lo is still there");

	/* forwards (acl.c): never from a loopback address (policy, both policies), never
	 * to an address outside the network's own subnet (before anything is made) */
	{
		Ph__Forward fwd = PH__FORWARD__INIT, *fwdp = &fwd;
		Ph__ForwardPort fp = PH__FORWARD_PORT__INIT, *fpp = &fp;
		Ph__PortRange lp = PH__PORT_RANGE__INIT, tp = PH__PORT_RANGE__INIT;
		static char fname[16];

		lp.first = lp.last = 22;
		tp.first = tp.last = 22;
		fp.protocol = PH__ACL_PROTO__ACL_TCP;
		fp.listen = &lp;
		fp.target = &tp;
		fp.target_address = str("10.250.62.5");
		fwd.listen_address = str("127.0.0.1");
		fwd.ports = &fpp;
		fwd.n_ports = 1;
		snprintf(fname, sizeof(fname), "mtff%u", (unsigned)getpid() % 100000);
		net_base(&m, fname);
		m.ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
		m.ipv4 = str("10.250.62.1");
		m.ipv4_prefix = 24;
		m.forwards = &fwdp;
		m.n_forwards = 1;
		build_op(e, id = next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
		case_answered_err(
			"network_apply with a forward on 127.0.0.1 (the host's own services)", e,
			id, EPERM, "network_apply");
		fwd.listen_address = str("192.0.2.63");
		fp.target_address = str("192.168.254.5");
		build_op(e, id = next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
		case_answered_err("network_apply with a forward to an address outside the network",
				  e, id, EPERM, "network_apply");
		result(if_nametoindex(fname) == 0, "a refused forward made no bridge %s", fname);
	}

	snprintf(name, sizeof(name), "mtfg%u", (unsigned)getpid() % 100000);
	if (host_route(sub, sizeof(sub), &prefix)) {
		net_base(&m, name);
		m.ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
		m.ipv4 = str(sub);
		m.ipv4_prefix = prefix;
		build_op(e, id = next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
		snprintf(what, sizeof(what), "network_apply of %s/%u (a subnet the host routes)",
			 sub, prefix);
		case_answered_err(what, e, id, EADDRINUSE, "network_apply");
		snprintf(path, sizeof(path), "%s/networks/%s",
			 state_dir ? state_dir : "/nonexistent", name);
		result(if_nametoindex(name) == 0 && !exists(path),
		       "network_apply of an overlapping subnet made no bridge %s and no %s", name,
		       path);
	} else {
		note("no IPv4 route on this host: the overlap case is not run");
	}

	d.name = str("lo");
	build_op(e, id = next_id++, PH__REQUEST__OP_NETWORK_DELETE, &d);
	case_answered_fds("network_delete of \"lo\" (not moatd's: left alone)", e, NULL, 0, id, 0,
			  "network_delete", PH__REPLY__RESULT_NETWORK_DELETE);
	result(if_nametoindex("lo") != 0, "network_delete of \"lo\" left lo in place");

	static const char *const bad_names[] = { "a/b", "-x", "abcdefghijklmnop", "a.b", "a b" };
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		net_base(&m, bad_names[i]);
		build_op(e, next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
		snprintf(what, sizeof(what), "network_apply named \"%s\"", bad_names[i]);
		expect_refused(what, e);
	}
	net_base(&m, name);
	m.raw_dnsmasq = str(raw_cr);
	build_op(e, next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	expect_refused("network_apply with a CR in raw.dnsmasq", e);
	m.raw_dnsmasq = str("lxc.hook.pre-start = /bin/sh");
	build_op(e, next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	expect_refused("network_apply with a raw.dnsmasq key that is not a dnsmasq option", e);
	net_base(&m, name);
	m.ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
	m.ipv4 = str("127.0.0.1");
	m.ipv4_prefix = 8;
	build_op(e, next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	expect_refused("network_apply of 127.0.0.1/8", e);
	net_base(&m, name);
	m.ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_AUTO; /* retired: moatd-api picks */
	m.ipv4 = str("");
	m.ipv4_prefix = 0;
	build_op(e, next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	expect_refused("network_apply with the retired auto mode", e);
	net_base(&m, name);
	m.ipv4_mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
	m.ipv4 = str("10.250.63.1");
	m.ipv4_prefix = 24;
	h.name = str("c1");
	h.hwaddr = str("01:16:3e:00:00:01");
	m.hosts = &hp;
	m.n_hosts = 1;
	build_op(e, next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	expect_refused("network_apply with a multicast hwaddr for a host", e);
	h.hwaddr = str("00:16:3e:00:00:01");
	h.ipv4 = str("10.250.64.5");
	build_op(e, next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	expect_refused("network_apply with a static lease outside the subnet", e);
	h.ipv4 = str("10.250.63.5\ndhcp-script=/bin/sh");
	build_op(e, next_id++, PH__REQUEST__OP_NETWORK_APPLY, &m);
	expect_refused("network_apply with a newline in a static lease", e);
}

int main(int argc, char **argv)
{
	struct enc *e, *sub;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "Usage: %s SOCKPATH [STATEDIR [IMAGE]]\n", argv[0]);
		return 2;
	}
	sock_path = argv[1];
	state_dir = argc >= 3 ? argv[2] : NULL;
	image_path = argc == 4 ? argv[3] : NULL;
	memset(name300, 'a', sizeof(name300));
	signal(SIGPIPE, SIG_IGN);
	e = calloc(1, sizeof(*e));
	sub = calloc(1, sizeof(*sub));
	if (!e || !sub)
		return 2;

	case_hello("valid hello (protocol 1)");
	if (!learn_policy(e))
		return 1;
	protocol_cases(e, sub);
	fd_cases(e);
	value_cases(e);
	answered_cases(e);
	image_unpack_cases(e);
	instance_create_cases(e);
	instance_delete_cases(e);
	instance_start_cases(e, sub);
	instance_limits_cases(e);
	file_op_cases(e);
	exec_start_cases(e);
	named_field_cases(e, sub);
	newline_as_data_cases(e);
	policy_cases(e);
	device_cases(e);
	network_cases(e);
	nic_cases(e);
	proxy_cases(e);
	storage_cases(e);
	run_cases(e);
	retired_cases(e);
	breach_after_good(e);
	mutant_cases();
	case_hello("final valid hello (the helper survived)");

	printf("# forge: %u passed, %u failed\n", n_passed, n_failed);
	free(e);
	free(sub);
	return n_failed ? 1 : 0;
}
