// SPDX-License-Identifier: Apache-2.0
/*
 * moat: the command-line client. It speaks only the REST API, over
 * $MOAT_DIR/unix.socket (default /var/lib/moat), with libcurl. Runs as the
 * invoking user; what the server sends is untrusted and only printed.
 *
 * This first version has `version` and `info`; the lxc-style verbs follow.
 */
#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
};

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
	struct buf *b = userdata;
	size_t add = size * n;
	char *grown;

	if (b->len + add > 64 * 1024 * 1024)
		return 0;
	grown = realloc(b->data, b->len + add + 1);
	if (!grown)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, p, add);
	b->len += add;
	b->data[b->len] = '\0';
	return add;
}

/* GET path; returns the response's metadata, or NULL after printing the error. */
static json_object *api_get(const char *path)
{
	const char *dir = getenv("MOAT_DIR");
	char sock[4096], url[4096];
	struct buf b = { 0 };
	json_object *resp, *md = NULL, *err;
	CURL *c;
	CURLcode rc;

	snprintf(sock, sizeof(sock), "%s/unix.socket", dir && *dir ? dir : "/var/lib/moat");
	snprintf(url, sizeof(url), "http://unix.socket%s", path);
	c = curl_easy_init();
	if (!c)
		return NULL;
	curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, sock);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK) {
		fprintf(stderr, "Error: cannot reach the server at %s: %s\n", sock,
			curl_easy_strerror(rc));
		free(b.data);
		return NULL;
	}
	resp = b.data ? json_tokener_parse(b.data) : NULL;
	free(b.data);
	if (!resp) {
		fprintf(stderr, "Error: the server's answer is not JSON\n");
		return NULL;
	}
	if (json_object_object_get_ex(resp, "error", &err) && json_object_get_string_len(err) > 0) {
		fprintf(stderr, "Error: %s\n", json_object_get_string(err));
	} else if (json_object_object_get_ex(resp, "metadata", &md)) {
		json_object_get(md);
	}
	json_object_put(resp);
	return md;
}

static const char *str_at(json_object *o, const char *a, const char *b)
{
	json_object *x;

	if (!json_object_object_get_ex(o, a, &x))
		return "";
	if (b && !json_object_object_get_ex(x, b, &x))
		return "";
	return json_object_get_string(x);
}

int main(int argc, char **argv)
{
	json_object *md;

	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		printf("Usage: moat <command>\n\nCommands:\n  version   client and server versions\n"
		       "  info      the server, as JSON\n");
		return argc < 2 ? 1 : 0;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(argv[1], "version") == 0) {
		printf("Client version: %s\n", MOAT_VERSION);
		md = api_get("/1.0");
		if (!md)
			return 1;
		printf("Server version: %s (moat %s)\n",
		       str_at(md, "environment", "server_version"),
		       str_at(md, "environment", "moat_version"));
	} else if (strcmp(argv[1], "info") == 0) {
		md = api_get("/1.0");
		if (!md)
			return 1;
		printf("%s\n",
		       json_object_to_json_string_ext(md, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		fprintf(stderr, "Error: unknown command \"%s\"\n", argv[1]);
		return 1;
	}
	json_object_put(md);
	return 0;
}
