// SPDX-License-Identifier: Apache-2.0
/*
 * moat bench: requests per second against a daemon's unix socket.
 *
 *   rps SOCKET PATH CLIENTS SECONDS
 *
 * CLIENTS threads, each with one keep-alive connection (one libcurl easy
 * handle), send GET PATH back to back for SECONDS and count the answers
 * with status 200. Prints "<requests per second> <errors>". The same
 * program measures moat and LXD, so its own cost weighs on both alike.
 * Not part of moat: built with the tests (90-hostile uses it too).
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct client {
	pthread_t thread;
	const char *socket, *url;
	double deadline;
	long ok, errors;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static void *run(void *arg)
{
	struct client *c = arg;
	CURL *h = curl_easy_init();
	long status;

	if (!h) {
		c->errors++;
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->socket);
	curl_easy_setopt(h, CURLOPT_URL, c->url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	while (now() < c->deadline) {
		status = 0;
		if (curl_easy_perform(h) == CURLE_OK &&
		    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		    status == 200)
			c->ok++;
		else
			c->errors++;
	}
	curl_easy_cleanup(h);
	return NULL;
}

int main(int argc, char **argv)
{
	struct client *cs;
	char url[1024];
	long ok = 0, errors = 0;
	double start, seconds;
	int n;

	if (argc != 5 || (n = atoi(argv[3])) < 1 || n > 256 || (seconds = atof(argv[4])) <= 0) {
		fprintf(stderr, "usage: rps SOCKET PATH CLIENTS SECONDS\n");
		return 2;
	}
	if (snprintf(url, sizeof(url), "http://unix%s", argv[2]) >= (int)sizeof(url))
		return 2;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	cs = calloc((size_t)n, sizeof(*cs));
	if (!cs)
		return 1;
	start = now();
	for (int i = 0; i < n; i++) {
		cs[i].socket = argv[1];
		cs[i].url = url;
		cs[i].deadline = start + seconds;
		if (pthread_create(&cs[i].thread, NULL, run, &cs[i]) != 0)
			return 1;
	}
	for (int i = 0; i < n; i++) {
		pthread_join(cs[i].thread, NULL);
		ok += cs[i].ok;
		errors += cs[i].errors;
	}
	printf("%.0f %ld\n", (double)ok / (now() - start), errors);
	free(cs);
	curl_global_cleanup();
	return 0;
}
