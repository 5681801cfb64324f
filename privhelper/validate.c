// SPDX-License-Identifier: Apache-2.0
/*
 * Validators: one pure ph_check_<op>() per operation, plus the generic walk
 * every decoded request goes through first. Runs in moatd (root) on bytes
 * from moatd-api, which is treated as hostile.
 *
 * protobuf-c 1.4 keeps unknown fields, accepts enum values outside the
 * declared set and cuts `string` fields at a NUL. So ph_check_message()
 * walks the whole message tree and refuses unknown fields at every level,
 * undeclared enum values and any `string` field at all (the contract uses
 * `bytes`), and the op checks then look at every byte of every name.
 * A check either yields a complete typed struct or fails; it never repairs.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "ph.h"

#define PH_MAX_DEPTH 8

static int check_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f, unsigned depth)
{
	const char *base = (const char *)m;
	const void *member = base + f->offset;
	size_t n = 1;

	if (f->type == PROTOBUF_C_TYPE_STRING)
		return -EPROTO;
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
		uint32_t which;

		memcpy(&which, base + f->quantifier_offset, sizeof(which));
		if (which != f->id)
			return 0;
	}
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		memcpy(&n, base + f->quantifier_offset, sizeof(n));
		if (n > 0 && !*(void *const *)member)
			return -EPROTO;
	}

	for (size_t i = 0; i < n; i++) {
		if (f->type == PROTOBUF_C_TYPE_ENUM) {
			int v;

			if (f->label == PROTOBUF_C_LABEL_REPEATED)
				v = (*(int *const *)member)[i];
			else
				memcpy(&v, member, sizeof(v));
			if (!protobuf_c_enum_descriptor_get_value(f->descriptor, v))
				return -EPROTO;
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			const ProtobufCMessage *sub;
			int r;

			if (f->label == PROTOBUF_C_LABEL_REPEATED)
				sub = (*(ProtobufCMessage *const *const *)member)[i];
			else
				sub = *(ProtobufCMessage *const *)member;
			if (!sub) {
				if (f->label == PROTOBUF_C_LABEL_REPEATED)
					return -EPROTO;
				continue;
			}
			r = ph_check_message(sub, depth + 1);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int ph_check_message(const ProtobufCMessage *m, unsigned depth)
{
	const ProtobufCMessageDescriptor *d;

	if (!m || depth > PH_MAX_DEPTH)
		return -EPROTO;
	if (m->n_unknown_fields != 0)
		return -EPROTO;
	d = m->descriptor;
	for (unsigned i = 0; i < d->n_fields; i++) {
		int r = check_field(m, &d->fields[i], depth);

		if (r < 0)
			return r;
	}
	return 0;
}

/* A name as bytes: the shared charset rule, copied into a fixed buffer. */
static int check_name(const ProtobufCBinaryData *b, char ret[static NAME_MAX_LEN + 1])
{
	if (!name_valid(b->data, b->len))
		return -EINVAL;
	memcpy(ret, b->data, b->len);
	ret[b->len] = '\0';
	return 0;
}

int ph_check_hello(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__HelloRequest *h = req->hello;

	if (h->protocol != PH_PROTOCOL)
		return -EPROTONOSUPPORT;
	ret->hello.protocol = h->protocol;
	return 0;
}

int ph_check_instance_state(const Ph__Request *req, union ph_typed *ret)
{
	return check_name(&req->instance_state->name, ret->instance_state.name);
}

int ph_check_instance_action(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__InstanceActionRequest *a = req->instance_action;
	struct ph_instance_action t = { 0 };
	int r;

	r = check_name(&a->name, t.ref.name);
	if (r < 0)
		return r;
	switch (a->action) {
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_STOP:
		t.action = PH_STOP;
		break;
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_FREEZE:
		t.action = PH_FREEZE;
		break;
	case PH__INSTANCE_ACTION_KIND__INSTANCE_ACTION_UNFREEZE:
		t.action = PH_UNFREEZE;
		break;
	default: /* includes the retired START: starting is instance_start */
		return -EINVAL;
	}
	if (a->timeout < -1 || a->timeout > 3600)
		return -ERANGE;
	t.timeout = a->timeout;
	t.force = a->force != 0;
	ret->instance_action = t;
	return 0;
}

/* 64 lowercase hex digits, as the frontend names images. */
static int check_fingerprint(const ProtobufCBinaryData *b, char ret[static PH_FP_LEN + 1])
{
	if (b->len != PH_FP_LEN)
		return -EINVAL;
	for (size_t i = 0; i < PH_FP_LEN; i++) {
		uint8_t c = b->data[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -EINVAL;
	}
	memcpy(ret, b->data, PH_FP_LEN);
	ret[PH_FP_LEN] = '\0';
	return 0;
}

int ph_check_image_unpack(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__ImageUnpackRequest *m = req->image_unpack;
	struct ph_image_unpack t;
	int r;

	r = check_fingerprint(&m->fingerprint, t.fingerprint);
	if (r == 0)
		r = check_name(&m->pool, t.pool);
	if (r == 0)
		ret->image_unpack = t;
	return r;
}

int ph_check_instance_create(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__InstanceCreateRequest *m = req->instance_create;
	struct ph_instance_create t = { 0 };
	int r;

	r = check_name(&m->name, t.ref.name);
	if (r == 0)
		r = check_name(&m->pool, t.pool);
	if (r == 0 && m->fingerprint.len > 0)
		r = check_fingerprint(&m->fingerprint, t.fingerprint);
	if (r == 0)
		ret->instance_create = t;
	return r;
}

int ph_check_instance_delete(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__InstanceDeleteRequest *m = req->instance_delete;
	struct ph_instance_delete t;
	int r;

	r = check_name(&m->name, t.ref.name);
	if (r == 0)
		r = check_name(&m->pool, t.pool);
	if (r == 0)
		ret->instance_delete = t;
	return r;
}

int ph_check_instance_start(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__InstanceStartRequest *m = req->instance_start;
	struct ph_instance_start t = { 0 };
	int r;

	r = check_name(&m->name, t.ref.name);
	if (r == 0)
		r = check_name(&m->pool, t.pool);
	if (r < 0)
		return r;
	if (!m->config)
		return -EINVAL;
	/* bounds that keep every rendered number well formed */
	if (m->config->memory_limit != 0 && m->config->memory_limit < 4096)
		return -ERANGE;
	if (m->config->cpu_limit > 4096 || m->config->processes_limit > 4194304)
		return -ERANGE;
	t.config.privileged = m->config->privileged != 0;
	t.config.nesting = m->config->nesting != 0;
	t.config.memory_limit = m->config->memory_limit;
	t.config.cpu_limit = m->config->cpu_limit;
	t.config.processes_limit = m->config->processes_limit;
	ret->instance_start = t;
	return 0;
}

/* The descriptor must be a regular file opened read-only (not O_PATH). */
int ph_check_fd_readonly_file(const int *fds, size_t nfds)
{
	struct stat st;
	int fl;

	if (nfds != 1 || fstat(fds[0], &st) < 0 || !S_ISREG(st.st_mode))
		return -EBADF;
	fl = fcntl(fds[0], F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY || (fl & O_PATH))
		return -EBADF;
	return 0;
}

/* Bytes without NUL into a C string of at most size-1 bytes. */
static int check_text(const ProtobufCBinaryData *b, size_t min, char *ret, size_t size)
{
	if (b->len < min || b->len >= size || (b->len && memchr(b->data, '\0', b->len)))
		return -EINVAL;
	if (b->len)
		memcpy(ret, b->data, b->len);
	ret[b->len] = '\0';
	return 0;
}

int ph_check_file_op(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__FileOpRequest *m = req->file_op;
	struct ph_file_op *t = &ret->file_op;
	int r;

	memset(t, 0, sizeof(*t));
	r = check_name(&m->name, t->ref.name);
	if (r == 0)
		r = check_name(&m->pool, t->pool);
	if (r == 0)
		r = check_text(&m->path, 1, t->path, sizeof(t->path));
	if (r < 0)
		return r;
	switch (m->kind) {
	case PH__FILE_OP_KIND__FILE_OP_OPEN_READ:
		t->kind = PH_FILE_READ;
		break;
	case PH__FILE_OP_KIND__FILE_OP_WRITE:
		t->kind = PH_FILE_WRITE;
		break;
	case PH__FILE_OP_KIND__FILE_OP_APPEND:
		t->kind = PH_FILE_APPEND;
		break;
	case PH__FILE_OP_KIND__FILE_OP_MKDIR:
		t->kind = PH_FILE_MKDIR;
		break;
	case PH__FILE_OP_KIND__FILE_OP_SYMLINK:
		t->kind = PH_FILE_SYMLINK;
		break;
	case PH__FILE_OP_KIND__FILE_OP_DELETE:
		t->kind = PH_FILE_DELETE;
		break;
	default:
		return -EINVAL;
	}
	if (m->uid < -1 || m->uid > 65535 || m->gid < -1 || m->gid > 65535 || m->mode < -1 ||
	    m->mode > 07777)
		return -ERANGE;
	t->uid = m->uid;
	t->gid = m->gid;
	t->mode = m->mode;
	if (t->kind == PH_FILE_SYMLINK)
		return check_text(&m->target, 1, t->target, sizeof(t->target));
	return m->target.len == 0 ? 0 : -EINVAL;
}

/* Copy n strings into buf at *off, recording their offsets. */
static int copy_strings(ProtobufCBinaryData *v, size_t n, char *buf, size_t *off, uint16_t *offs,
			bool env)
{
	if (n > PH_EXEC_MAX_ARGS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		const ProtobufCBinaryData *b = &v[i];

		/* an empty element may come with data == NULL: touch no bytes then */
		if (b->len + 1 > PH_EXEC_BUF - *off || (b->len && memchr(b->data, '\0', b->len)))
			return -E2BIG;
		if (env) { /* KEY=value, KEY a shell identifier */
			const uint8_t *eq = b->len ? memchr(b->data, '=', b->len) : NULL;

			if (!eq || eq == b->data)
				return -EINVAL;
			for (const uint8_t *c = b->data; c < eq; c++)
				if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
				      *c == '_' || (c > b->data && *c >= '0' && *c <= '9')))
					return -EINVAL;
		}
		offs[i] = (uint16_t)*off;
		if (b->len)
			memcpy(buf + *off, b->data, b->len);
		buf[*off + b->len] = '\0';
		*off += b->len + 1;
	}
	return 0;
}

int ph_check_exec_start(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__ExecStartRequest *m = req->exec_start;
	struct ph_exec_start *t = &ret->exec_start;
	size_t off = 0;
	int r;

	memset(t, 0, sizeof(*t));
	t->cwd = -1;
	r = check_name(&m->name, t->ref.name);
	if (r < 0)
		return r;
	if (m->n_argv == 0 || m->argv[0].len == 0)
		return -EINVAL;
	r = copy_strings(m->argv, m->n_argv, t->buf, &off, t->argv, false);
	if (r == 0)
		r = copy_strings(m->env, m->n_env, t->buf, &off, t->env, true);
	if (r < 0)
		return r;
	t->argc = m->n_argv;
	t->envc = m->n_env;
	if (m->cwd.len > 0) {
		if (m->cwd.data[0] != '/' || m->cwd.len + 1 > PH_EXEC_BUF - off)
			return -EINVAL;
		r = check_text(&m->cwd, 1, t->buf + off, PH_EXEC_BUF - off);
		if (r < 0)
			return r;
		t->cwd = (int)off;
	}
	if (m->uid > 65535 || m->gid > 65535 || m->width > 10000 || m->height > 10000)
		return -ERANGE;
	t->uid = m->uid;
	t->gid = m->gid;
	t->interactive = m->interactive != 0;
	t->width = (uint16_t)m->width;
	t->height = (uint16_t)m->height;
	return 0;
}

int ph_check_instance_log(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__InstanceLogRequest *m = req->instance_log;
	struct ph_instance_log t = { 0 };
	int r = check_name(&m->name, t.ref.name);

	if (r < 0)
		return r;
	if (m->kind == PH__INSTANCE_LOG_KIND__INSTANCE_LOG_LXC)
		t.console = false;
	else if (m->kind == PH__INSTANCE_LOG_KIND__INSTANCE_LOG_CONSOLE)
		t.console = true;
	else
		return -EINVAL;
	t.truncate = m->truncate != 0;
	ret->instance_log = t;
	return 0;
}

int ph_check_console_open(const Ph__Request *req, union ph_typed *ret)
{
	const Ph__ConsoleOpenRequest *m = req->console_open;
	struct ph_console_open t = { 0 };
	int r = check_name(&m->name, t.ref.name);

	if (r < 0)
		return r;
	if (m->width > 10000 || m->height > 10000)
		return -ERANGE;
	t.width = (uint16_t)m->width;
	t.height = (uint16_t)m->height;
	ret->console_open = t;
	return 0;
}

int ph_check_instance_network(const Ph__Request *req, union ph_typed *ret)
{
	return check_name(&req->instance_network->name, ret->instance_network.name);
}
