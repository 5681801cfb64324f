// SPDX-License-Identifier: Apache-2.0
/*
 * The generic walk every decoded request goes through first, and the
 * validation primitives the ops' own checks (ph_check_<op>(), in each
 * op_<family>.c) are made of: names, fingerprints, bytes to strings,
 * descriptors. Pure. Runs in moatd (root) on bytes from moatd-api, which
 * is treated as hostile.
 *
 * protobuf-c 1.4 keeps unknown fields, accepts enum values outside the
 * declared set and cuts `string` fields at a NUL. So ph_check_message()
 * walks the whole message tree and refuses unknown fields at every level,
 * undeclared enum values and any `string` field at all (the contract uses
 * `bytes`), and the op checks then look at every byte of every name.
 * A check either yields a complete typed struct or fails; it never repairs.
 */
#include <arpa/inet.h>
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
int ph_check_name(const ProtobufCBinaryData *b, char ret[static NAME_MAX_LEN + 1])
{
	if (!name_valid(b->data, b->len))
		return -EINVAL;
	memcpy(ret, b->data, b->len);
	ret[b->len] = '\0';
	return 0;
}

/* 64 lowercase hex digits, as the frontend names images. */
int ph_check_fingerprint(const ProtobufCBinaryData *b, char ret[static PH_FP_LEN + 1])
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

/* Bytes without NUL into a C string of at most size-1 bytes. */
int ph_check_text(const ProtobufCBinaryData *b, size_t min, char *ret, size_t size)
{
	if (b->len < min || b->len >= size || (b->len && memchr(b->data, '\0', b->len)))
		return -EINVAL;
	if (b->len)
		memcpy(ret, b->data, b->len);
	ret[b->len] = '\0';
	return 0;
}

int ph_check_ip(const ProtobufCBinaryData *b, int family, int *ret_family, void *ret)
{
	char s[INET6_ADDRSTRLEN];

	if (ph_check_text(b, 1, s, sizeof(s)) < 0)
		return -EINVAL;
	if (family == 0) { /* text with a ':' is never IPv4, without one never IPv6 */
		memset(ret, 0, 16);
		family = strchr(s, ':') ? AF_INET6 : AF_INET;
	}
	if (inet_pton(family, s, ret) != 1)
		return -EINVAL;
	if (ret_family)
		*ret_family = family;
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
