// SPDX-License-Identifier: Apache-2.0
/*
 * RFC 6455 websocket framing (see ws.h): handshake keys, the frame parser
 * and the frame builder. Pure functions over caller buffers, shared by
 * moatd-api and moat; never linked into moatd. No privilege. The parser's
 * input is untrusted: every length is checked against the caller's limit
 * from the header alone, before anything is sized or copied from it.
 */
#include "ws.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void ws_base64(const uint8_t *data, size_t len, char *ret)
{
	size_t o = 0, i = 0;

	for (; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2];

		ret[o++] = b64[v >> 18 & 63];
		ret[o++] = b64[v >> 12 & 63];
		ret[o++] = b64[v >> 6 & 63];
		ret[o++] = b64[v & 63];
	}
	if (i < len) {
		uint32_t v =
			(uint32_t)data[i] << 16 | (i + 1 < len ? (uint32_t)data[i + 1] << 8 : 0);

		ret[o++] = b64[v >> 18 & 63];
		ret[o++] = b64[v >> 12 & 63];
		ret[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		ret[o++] = '=';
	}
	ret[o] = '\0';
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

bool ws_key_valid(const char *key)
{
	int last;

	if (!key || strlen(key) != WS_KEY_LEN || key[22] != '=' || key[23] != '=')
		return false;
	for (size_t i = 0; i < 22; i++)
		if (b64_value(key[i]) < 0)
			return false;
	/* 16 bytes leave the low 4 bits of the 22nd character unused: canonical form has them 0 */
	last = b64_value(key[21]);
	return (last & 0x0f) == 0;
}

int ws_accept_key(const char *key, ws_sha1_fn sha1, char ret[static WS_ACCEPT_LEN + 1])
{
	uint8_t in[WS_KEY_LEN + sizeof(WS_GUID) - 1];
	uint8_t digest[20];
	int r;

	if (!ws_key_valid(key))
		return -EINVAL;
	memcpy(in, key, WS_KEY_LEN);
	memcpy(in + WS_KEY_LEN, WS_GUID, sizeof(WS_GUID) - 1);
	r = sha1(in, sizeof(in), digest);
	if (r < 0)
		return r;
	ws_base64(digest, sizeof(digest), ret);
	return 0;
}

static int fill_random(void *buf, size_t len)
{
	ssize_t n = getrandom(buf, len, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int ws_client_key(char ret[static WS_KEY_LEN + 1])
{
	uint8_t nonce[16];
	int r = fill_random(nonce, sizeof(nonce));

	if (r < 0)
		return r;
	ws_base64(nonce, sizeof(nonce), ret);
	return 0;
}

int ws_mask_key(uint8_t ret[static 4])
{
	return fill_random(ret, 4);
}

void ws_mask(uint8_t *data, size_t len, const uint8_t key[static 4], size_t offset)
{
	for (size_t i = 0; i < len; i++)
		data[i] ^= key[(i + offset) & 3];
}

static bool known_opcode(uint8_t op)
{
	switch (op) {
	case WS_OP_CONT:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		return true;
	}
	return false;
}

static bool is_control(uint8_t op)
{
	return (op & 0x8) != 0;
}

int ws_parse(struct ws_parser *p, const uint8_t *buf, size_t len, struct ws_frame *ret_frame,
	     size_t *ret_used)
{
	uint8_t opcode, msg_opcode, len7;
	bool fin, masked;
	uint64_t plen, total = 0;
	size_t hlen = 2;

	*ret_used = 0;
	if (len < 2)
		return 0;
	fin = (buf[0] & 0x80) != 0;
	opcode = buf[0] & 0x0f;
	masked = (buf[1] & 0x80) != 0;
	len7 = buf[1] & 0x7f;

	/* everything that the first two bytes decide */
	if ((buf[0] & 0x70) != 0 || !known_opcode(opcode) || masked != p->expect_masked)
		return -EPROTO;
	if (is_control(opcode)) {
		if (!fin || len7 > WS_CONTROL_MAX)
			return -EPROTO;
		msg_opcode = opcode;
	} else if (opcode == WS_OP_CONT) {
		if (p->msg_opcode == 0)
			return -EPROTO;
		msg_opcode = p->msg_opcode;
	} else {
		if (p->msg_opcode != 0)
			return -EPROTO;
		msg_opcode = opcode;
	}

	/* the length, in its shortest form */
	if (len7 == 126) {
		if (len < 4)
			return 0;
		plen = (uint64_t)buf[2] << 8 | buf[3];
		if (plen < 126)
			return -EPROTO;
		hlen = 4;
	} else if (len7 == 127) {
		if (len < 10)
			return 0;
		plen = 0;
		for (int i = 0; i < 8; i++)
			plen = plen << 8 | buf[2 + i];
		if ((plen >> 63) != 0 || plen <= 0xffff)
			return -EPROTO;
		hlen = 10;
	} else {
		plen = len7;
	}
	if (!is_control(opcode)) {
		if (opcode == WS_OP_CONT)
			total = p->msg_len;
		if (plen > p->max_message || total > p->max_message - plen)
			return -EMSGSIZE;
		total += plen;
	}
	if (masked)
		hlen += 4;
	if (plen > SIZE_MAX - hlen)
		return -EMSGSIZE;
	if (len < hlen) /* the mask key is not all here yet */
		return 0;
	*ret_used = hlen + (size_t)plen;
	if (len < hlen + plen)
		return 0;

	memset(ret_frame, 0, sizeof(*ret_frame));
	ret_frame->fin = fin;
	ret_frame->opcode = opcode;
	ret_frame->msg_opcode = msg_opcode;
	ret_frame->masked = masked;
	if (masked)
		memcpy(ret_frame->mask, buf + hlen - 4, 4);
	ret_frame->header_len = hlen;
	ret_frame->payload_len = (size_t)plen;
	ret_frame->payload = buf + hlen;
	if (!is_control(opcode)) {
		p->msg_opcode = fin ? 0 : msg_opcode;
		p->msg_len = fin ? 0 : total;
	}
	return 1;
}

void ws_payload_copy(const struct ws_frame *f, uint8_t *dst)
{
	if (f->payload_len == 0)
		return;
	memcpy(dst, f->payload, f->payload_len);
	if (f->masked)
		ws_mask(dst, f->payload_len, f->mask, 0);
}

bool ws_utf8_valid(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint32_t cp, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* Codes that may appear in a close frame (RFC 6455 §7.4, IANA registry). */
static bool close_code_ok(uint16_t code)
{
	if (code >= 3000 && code <= 4999)
		return true;
	switch (code) {
	case 1000:
	case 1001:
	case 1002:
	case 1003:
	case 1007:
	case 1008:
	case 1009:
	case 1010:
	case 1011:
	case 1012:
	case 1013:
	case 1014:
		return true;
	}
	return false;
}

int ws_close_parse(const uint8_t *payload, size_t len, uint16_t *ret_code)
{
	uint16_t code;

	if (len == 0) {
		*ret_code = WS_CLOSE_NO_STATUS;
		return 0;
	}
	if (len < 2 || len > WS_CONTROL_MAX)
		return -EPROTO;
	code = (uint16_t)(payload[0] << 8 | payload[1]);
	if (!close_code_ok(code) || !ws_utf8_valid(payload + 2, len - 2))
		return -EPROTO;
	*ret_code = code;
	return 0;
}

size_t ws_header(uint8_t ret[static WS_HEADER_MAX], uint8_t opcode, bool fin, uint64_t len,
		 const uint8_t *mask)
{
	size_t h = 2;

	ret[0] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
	ret[1] = mask ? 0x80 : 0;
	if (len < 126) {
		ret[1] |= (uint8_t)len;
	} else if (len <= 0xffff) {
		ret[1] |= 126;
		ret[2] = (uint8_t)(len >> 8);
		ret[3] = (uint8_t)len;
		h = 4;
	} else {
		ret[1] |= 127;
		for (int i = 0; i < 8; i++)
			ret[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		h = 10;
	}
	if (mask) {
		memcpy(ret + h, mask, 4);
		h += 4;
	}
	return h;
}

int ws_build(uint8_t opcode, bool fin, const void *payload, size_t len, const uint8_t *mask,
	     uint8_t **ret_buf, size_t *ret_len)
{
	uint8_t hdr[WS_HEADER_MAX];
	uint8_t *buf;
	size_t h;

	if (!known_opcode(opcode) || (is_control(opcode) && (!fin || len > WS_CONTROL_MAX)))
		return -EINVAL;
	if (len > SIZE_MAX - WS_HEADER_MAX)
		return -EMSGSIZE;
	h = ws_header(hdr, opcode, fin, len, mask);
	buf = malloc(h + len + 1);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, hdr, h);
	if (len > 0) {
		memcpy(buf + h, payload, len);
		if (mask)
			ws_mask(buf + h, len, mask, 0);
	}
	*ret_buf = buf;
	*ret_len = h + len;
	return 0;
}

size_t ws_close_payload(uint8_t ret[static WS_CONTROL_MAX], uint16_t code, const char *reason)
{
	size_t n = reason ? strlen(reason) : 0;

	ret[0] = (uint8_t)(code >> 8);
	ret[1] = (uint8_t)code;
	if (n > WS_CONTROL_MAX - 2)
		n = WS_CONTROL_MAX - 2;
	/* never cut a UTF-8 sequence in half */
	while (n > 0 && !ws_utf8_valid((const uint8_t *)reason, n))
		n--;
	if (n > 0)
		memcpy(ret + 2, reason, n);
	return 2 + n;
}
