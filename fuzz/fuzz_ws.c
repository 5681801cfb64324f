// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the websocket frame parser (common/ws.c), which
 * moatd-api runs on every byte a websocket client sends (and moat on what
 * a server sends). Built with clang, libFuzzer, ASan and UBSan by
 * `make fuzz-build`; runs unprivileged. Input: one flags byte (bit 0:
 * parse as the server, expecting masked frames; bit 1: a large message
 * cap), then a byte stream. Checked on every accepted frame: it lies
 * within the input, control frames are short and final, the parser's
 * message length stays under its cap, and rebuilding the frame from its
 * parsed fields gives back exactly the input bytes. The stream is parsed
 * a second time fed piece by piece; both passes must agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lxd/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 256

struct seen {
	size_t off, used;
	uint8_t opcode;
	bool fin;
};

static void check_frame(const struct ws_parser *p, const struct ws_frame *f, const uint8_t *at,
			size_t avail, size_t used)
{
	uint8_t *payload, *built = NULL;
	size_t blen = 0;
	uint16_t code;

	if (used < 2 || used > avail || used != f->header_len + f->payload_len ||
	    f->payload != at + f->header_len || f->masked != p->expect_masked)
		abort();
	if ((f->opcode & 0x8) && (!f->fin || f->payload_len > WS_CONTROL_MAX))
		abort();
	if (p->msg_len > p->max_message ||
	    (p->msg_opcode != 0 && p->msg_opcode != WS_OP_TEXT && p->msg_opcode != WS_OP_BINARY))
		abort();
	payload = malloc(f->payload_len + 1);
	if (!payload)
		return;
	ws_payload_copy(f, payload);
	if (ws_build(f->opcode, f->fin, payload, f->payload_len, f->masked ? f->mask : NULL, &built,
		     &blen) != 0 ||
	    blen != used || memcmp(built, at, used) != 0)
		abort();
	if (f->opcode == WS_OP_CLOSE && ws_close_parse(payload, f->payload_len, &code) == 0 &&
	    f->payload_len >= 2 && code != (uint16_t)(payload[0] << 8 | payload[1]))
		abort();
	(void)ws_utf8_valid(payload, f->payload_len);
	free(built);
	free(payload);
}

/* Parse all of buf at once; returns how many frames, filling seen[]. */
static size_t pass_whole(struct ws_parser p, const uint8_t *buf, size_t len, struct seen *seen,
			 int *ret_end)
{
	size_t off = 0, n = 0;

	*ret_end = 0;
	while (off < len && n < MAX_FRAMES) {
		struct ws_parser before = p;
		struct ws_frame f;
		size_t used = 0;
		int r = ws_parse(&p, buf + off, len - off, &f, &used);

		if (r <= 0) {
			if (memcmp(&before, &p, sizeof(p)) != 0)
				abort(); /* state changes only with a frame */
			if (r == 0 && used != 0 && used <= len - off)
				abort(); /* "need more" while it is all here */
			*ret_end = r;
			break;
		}
		check_frame(&p, &f, buf + off, len - off, used);
		seen[n++] = (struct seen){ off, used, f.opcode, f.fin };
		off += used;
	}
	return n;
}

/* The same stream, made available a little at a time. */
static void pass_pieces(struct ws_parser p, const uint8_t *buf, size_t len, const struct seen *seen,
			size_t nseen, int end)
{
	size_t off = 0, avail = 0, n = 0;

	while (n < nseen || off < len) {
		struct ws_frame f;
		size_t used = 0;
		int r;

		if (avail > len)
			avail = len;
		r = ws_parse(&p, buf + off, avail - off, &f, &used);
		if (r < 0) {
			if (n != nseen || r != end)
				abort();
			return;
		}
		if (r == 0) {
			if (avail == len) {
				if (n != nseen || end != 0)
					abort();
				return;
			}
			/* jump to what the parser said it needs, or one more byte */
			avail = used > avail - off ? off + used : avail + 1;
			continue;
		}
		if (n >= nseen || seen[n].off != off || seen[n].used != used ||
		    seen[n].opcode != f.opcode || seen[n].fin != f.fin)
			abort();
		n++;
		off += used;
		if (n == MAX_FRAMES)
			return;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen seen[MAX_FRAMES];
	struct ws_parser p = { 0 };
	size_t n;
	int end;
	char key[WS_KEY_LEN + 2];

	if (size < 1)
		return 0;
	p.expect_masked = data[0] & 1;
	p.max_message = (data[0] & 2) ? 1 << 20 : 300;
	n = pass_whole(p, data + 1, size - 1, seen, &end);
	if (size - 1 <= 1 << 16)
		pass_pieces(p, data + 1, size - 1, seen, n, end);

	/* the handshake key check, on the input as a string */
	if (size - 1 <= WS_KEY_LEN + 1) {
		memcpy(key, data + 1, size - 1);
		key[size - 1] = '\0';
		if (ws_key_valid(key) && strlen(key) != WS_KEY_LEN)
			abort();
	}
	return 0;
}
