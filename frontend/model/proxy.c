// SPDX-License-Identifier: Apache-2.0
/*
 * Proxy devices (LXD's `proxy`): a device's keys read into the typed
 * struct ph_proxy_config that proxy_attach carries (the 400s of a bad
 * listen or connect address, with LXD's words where LXD has them), and
 * the forwarders of an instance's expanded proxies started after it
 * starts. Runs in moatd-api (unprivileged); devices are untrusted client
 * input (or what the database kept of it). Pure but fe_proxies_attach(),
 * which calls moatd.
 *
 * What moat does not do yet is refused with a 400 that says so: port
 * ranges and lists, abstract unix sockets, udp mixed with tcp or unix,
 * nat=true and proxy_protocol=true.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "model/config.h"
#include "name.h"

#define BAD(...) (snprintf(err, FE_ERR_MAX, __VA_ARGS__), -EINVAL)

static const char *dev_str(json_object *dev, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(dev, key, &v) ? json_object_get_string(v) : NULL;
}

static bool dev_bool(json_object *dev, const char *key)
{
	const char *s = dev_str(dev, key);
	struct fe_value v;

	return s && fe_parse_bool(NULL, s, &v) == 0 && v.b;
}

/* "tcp:ADDR:PORT", "udp:ADDR:PORT" or "unix:/path" into ret; a reason in why. */
static int parse_end(const char *s, struct ph_proxy_end_config *ret, char *why, size_t size)
{
	struct ph_proxy_end_config e = { 0 };
	const char *colon = strchr(s, ':'), *rest, *port;
	char host[64];
	size_t n;

	if (!colon || ((n = (size_t)(colon - s)) != 3 && n != 4) ||
	    (strncmp(s, "tcp", n) != 0 && strncmp(s, "udp", n) != 0 && strncmp(s, "unix", n) != 0))
		return snprintf(why, size, "Unknown protocol type \"%.*s\"",
				(int)(colon ? colon - s : (ptrdiff_t)strlen(s)) & 63, s),
		       -EINVAL;
	rest = colon + 1;
	if (!*rest)
		return snprintf(why, size, "Missing address"), -EINVAL;
	if (n == 4) {
		if (*rest == '@')
			return snprintf(why, size,
					"Abstract unix sockets are not supported by "
					"this server yet"),
			       -EINVAL;
		if (strlen(rest) >= PH_PROXY_PATH_MAX || !name_device_path_valid(rest) ||
		    strcmp(rest, "/") == 0)
			return snprintf(why, size,
					"A unix socket's path must be absolute, without \".\", "
					"\"..\", \"//\", spaces or a trailing \"/\", at most %d "
					"bytes",
					PH_PROXY_PATH_MAX - 1),
			       -EINVAL;
		e.kind = PH_PROXY_END_UNIX;
		memcpy(e.path, rest, strlen(rest) + 1);
		*ret = e;
		return 0;
	}
	e.kind = s[0] == 't' ? PH_PROXY_END_TCP : PH_PROXY_END_UDP;
	if (*rest == '[') {
		const char *close = strchr(rest, ']');

		if (!close || close[1] != ':')
			return snprintf(why, size, "address %.200s: missing port in address", rest),
			       -EINVAL;
		n = (size_t)(close - rest - 1);
		e.family = AF_INET6;
		port = close + 2;
		rest++;
	} else {
		port = strrchr(rest, ':');
		if (!port)
			return snprintf(why, size, "address %.200s: missing port in address", rest),
			       -EINVAL;
		if (strchr(rest, ':') != port)
			return snprintf(why, size, "address %.200s: too many colons in address",
					rest),
			       -EINVAL;
		n = (size_t)(port - rest);
		e.family = AF_INET;
		port++;
	}
	if (n >= sizeof(host))
		return snprintf(why, size, "Not an IP address \"%.64s\"", rest), -EINVAL;
	memcpy(host, rest, n);
	host[n] = '\0';
	if (inet_pton(e.family, host, e.addr) != 1)
		return snprintf(why, size, "Not an IP address \"%s\"", host), -EINVAL;
	if (strpbrk(port, "-,"))
		return snprintf(why, size,
				"Port ranges and lists are not supported by this server "
				"yet"),
		       -EINVAL;
	n = strspn(port, "0123456789");
	if (n == 0 || n > 5 || port[n] || strtoul(port, NULL, 10) < 1 ||
	    strtoul(port, NULL, 10) > 65535)
		return snprintf(why, size, "Invalid port \"%.16s\"", port), -EINVAL;
	e.port = (uint16_t)strtoul(port, NULL, 10);
	*ret = e;
	return 0;
}

static const char *kind_name(enum ph_proxy_kind_config k)
{
	return k == PH_PROXY_END_TCP ? "tcp" : k == PH_PROXY_END_UDP ? "udp" : "unix";
}

static uint32_t number(json_object *dev, const char *key, uint32_t dflt, int base)
{
	const char *s = dev_str(dev, key);

	return s && *s ? (uint32_t)strtoul(s, NULL, base) : dflt;
}

int fe_proxy_parse(const char *name, json_object *dev, struct ph_proxy_config *ret,
		   char err[static FE_ERR_MAX])
{
	static const char *const ends[] = { "listen", "connect" };
	struct ph_proxy_config p = { .device = name };
	const char *bind = dev_str(dev, "bind"), *mode = dev_str(dev, "mode");
	char why[256];

	for (int k = 0; k < 2; k++) {
		const char *s = dev_str(dev, ends[k]);

		if (!s || !*s)
			return BAD("Invalid device \"%.64s\": Invalid value for device option "
				   "\"%s\": Required value",
				   name, ends[k]);
		if (parse_end(s, k ? &p.connect : &p.listen, why, sizeof(why)) < 0)
			return BAD("Invalid device \"%.64s\": Invalid value for device option "
				   "\"%s\": %s",
				   name, ends[k], why);
	}
	p.bind_instance = bind && *bind && strcmp(bind, "host") != 0;
	if (dev_bool(dev, "nat"))
		return BAD("Invalid device \"%.64s\": NAT mode (nat=true) is not supported by this "
			   "server yet",
			   name);
	if (dev_bool(dev, "proxy_protocol"))
		return p.connect.kind != PH_PROXY_END_TCP
			       ? BAD("Invalid device \"%.64s\": The PROXY header can only be sent "
				     "to tcp servers in non-nat mode",
				     name)
			       : BAD("Invalid device \"%.64s\": The PROXY header "
				     "(proxy_protocol=true) is not supported by this server yet",
				     name);
	if (p.listen.kind != PH_PROXY_END_UNIX &&
	    ((dev_str(dev, "uid") && *dev_str(dev, "uid")) ||
	     (dev_str(dev, "gid") && *dev_str(dev, "gid")) || (mode && *mode)))
		return BAD("Invalid device \"%.64s\": Only proxy devices for non-abstract unix "
			   "sockets can carry uid, gid, or mode properties",
			   name);
	if ((p.listen.kind == PH_PROXY_END_UDP) != (p.connect.kind == PH_PROXY_END_UDP))
		return BAD("Invalid device \"%.64s\": Proxying %s <-> %s is not supported by this "
			   "server yet",
			   name, kind_name(p.listen.kind), kind_name(p.connect.kind));
	if (mode && *mode && (strlen(mode) > 4 || mode[strspn(mode, "01234567")] != '\0'))
		return BAD("Invalid device \"%.64s\": mode must be octal permission bits such as "
			   "0644",
			   name);
	p.uid = number(dev, "uid", 0, 10);
	p.gid = number(dev, "gid", 0, 10);
	p.mode = number(dev, "mode", 0644, 8) & 0777;
	p.security_uid = number(dev, "security.uid", 0, 10);
	p.security_gid = number(dev, "security.gid", 0, 10);
	*ret = p;
	return 0;
}

int fe_proxies_list(json_object *expanded, struct ph_proxy_config ret[static FE_PROXIES_MAX],
		    size_t *ret_n)
{
	char err[FE_ERR_MAX];
	size_t n = 0;

	json_object_object_foreach(expanded, name, dev)
	{
		const char *type = dev_str(dev, "type");

		if (!type || strcmp(type, "proxy") != 0)
			continue;
		if (n >= FE_PROXIES_MAX)
			return -E2BIG;
		/* a device the database kept from before a rule is skipped, as a bad key is */
		if (fe_proxy_parse(name, dev, &ret[n], err) == 0)
			n++;
	}
	*ret_n = n;
	return 0;
}

int fe_proxies_attach(const char *instance, json_object *expanded, char err[static FE_ERR_MAX])
{
	struct ph_proxy_config p[FE_PROXIES_MAX];
	size_t n = 0;

	if (fe_proxies_list(expanded, p, &n) < 0)
		return BAD("Too many proxy devices (at most %d)", FE_PROXIES_MAX);
	for (size_t k = 0; k < n; k++) {
		struct ph_error e = { "" };
		int r = ph_call_proxy_attach(instance, &p[k], NULL, &e);

		if (r < 0) {
			const char *msg = strchr(e.msg, ':');

			snprintf(err, FE_ERR_MAX, "Failed to start device \"%s\": %s", p[k].device,
				 msg && msg[1] ? msg + 2
				 : e.msg[0]    ? e.msg
					       : strerror(-r));
			while (k-- > 0)
				(void)ph_call_proxy_detach(instance, &p[k], NULL);
			return r;
		}
	}
	return 0;
}

static bool same_end(const struct ph_proxy_end_config *a, const struct ph_proxy_end_config *b)
{
	return a->kind == b->kind && a->family == b->family &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 && a->port == b->port &&
	       strcmp(a->path, b->path) == 0;
}

bool fe_proxy_same(const struct ph_proxy_config *a, const struct ph_proxy_config *b)
{
	return strcmp(a->device, b->device) == 0 && same_end(&a->listen, &b->listen) &&
	       same_end(&a->connect, &b->connect) && a->bind_instance == b->bind_instance &&
	       a->uid == b->uid && a->gid == b->gid && a->mode == b->mode &&
	       a->security_uid == b->security_uid && a->security_gid == b->security_gid;
}
