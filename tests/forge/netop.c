// SPDX-License-Identifier: Apache-2.0
/*
 * netop: the managed-network ops' positive path against a live moatd
 * started with --test-forge SOCK, before the API drives them
 * (tests/integration/63-netcore.sh). It sends one well-formed
 * network_apply or network_delete and prints what moatd answered:
 *
 *   netop SOCK apply NAME [ipv4=auto|none|A.B.C.D/P] [ipv6=auto|none|ADDR/P]
 *         [nat] [dhcp] [mtu=N] [domain=D] [raw=LINE] [host=MAC,NAME[,IPV4]]...
 *   netop SOCK delete NAME
 *
 * Output: "ok ipv4=A/P ipv6=A/P forward_drop=0|1 warning=TEXT" and exit 0,
 * or "err ERRNO MESSAGE" and exit 1 (3: no answer). Test code only, run as
 * root by the suite; it trusts nothing it receives beyond printing it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "frame.h"
#include "proto/privhelper.pb-c.h"

#define HOSTS_MAX 16

static ProtobufCBinaryData bytes(const void *p, size_t n)
{
	return (ProtobufCBinaryData){ .len = n, .data = (uint8_t *)p };
}

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (int i = 0; fd >= 0 && i < 100; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		usleep(100 * 1000);
	}
	return -1;
}

/*
 * "auto", "none" or ADDR/PREFIX into mode, addr, prefix. "auto" is a random
 * 10.x.y.1/24 or fdXX:XXXX:XXXX:XXXX::1/64, as moatd-api picks one (moatd
 * takes only set subnets; an overlapping one is its err 98).
 */
static int family_arg(const char *v, int af, Ph__NetAddrMode *mode, uint8_t *buf,
		      ProtobufCBinaryData *addr, uint32_t *prefix)
{
	char tmp[64], pick[64], ip[INET6_ADDRSTRLEN];
	uint8_t rnd[9], a6[16] = { 0xfd, [15] = 1 };
	char *slash;

	if (strcmp(v, "auto") == 0) {
		if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
			return -1;
		memcpy(a6 + 1, rnd + 2, 7);
		if (af == AF_INET)
			snprintf(pick, sizeof(pick), "10.%u.%u.1/24", rnd[0], rnd[1]);
		else if (inet_ntop(AF_INET6, a6, ip, sizeof(ip)))
			snprintf(pick, sizeof(pick), "%s/64", ip);
		v = pick;
	}
	if (strcmp(v, "none") == 0) {
		*mode = PH__NET_ADDR_MODE__NET_ADDR_NONE;
		return 0;
	}
	snprintf(tmp, sizeof(tmp), "%s", v);
	slash = strchr(tmp, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (inet_pton(af, tmp, buf) != 1)
		return -1;
	*mode = PH__NET_ADDR_MODE__NET_ADDR_SET;
	memcpy(buf, tmp, strlen(tmp) + 1); /* the text: the contract's form */
	*addr = bytes(buf, strlen(tmp));
	*prefix = (uint32_t)atoi(slash + 1);
	return 0;
}

static int host_arg(const char *v, Ph__NetHost *h, uint8_t mac[17], uint8_t ip[32], char *name,
		    size_t size)
{
	const char *c1 = strchr(v, ','), *c2;

	if (!c1 || c1 - v != 17)
		return -1;
	memcpy(mac, v, 17);
	ph__net_host__init(h);
	h->hwaddr = bytes(mac, 17);
	c2 = strchr(c1 + 1, ',');
	snprintf(name, size, "%.*s", (int)(c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)), c1 + 1);
	h->name = bytes(name, strlen(name));
	if (c2) {
		snprintf((char *)ip, 32, "%s", c2 + 1);
		h->ipv4 = bytes(ip, strlen((char *)ip));
	}
	return 0;
}

static void print_addr(const char *label, const ProtobufCBinaryData *a, uint32_t prefix)
{
	if (a->len)
		printf(" %s=%.*s/%u", label, (int)a->len, (const char *)a->data, prefix);
	else
		printf(" %s=none", label);
}

int main(int argc, char **argv)
{
	static uint8_t buf[FRAME_MAX];
	static uint8_t v4[64], v6[64], macs[HOSTS_MAX][17], ips[HOSTS_MAX][32];
	static char names[HOSTS_MAX][64];
	static Ph__NetHost hosts[HOSTS_MAX];
	static Ph__NetHost *hostp[HOSTS_MAX];
	Ph__Request req = PH__REQUEST__INIT;
	Ph__NetworkApplyRequest a = PH__NETWORK_APPLY_REQUEST__INIT;
	Ph__NetworkDeleteRequest d = PH__NETWORK_DELETE_REQUEST__INIT;
	Ph__Reply *rep;
	int fds[FRAME_MAX_FDS];
	size_t len, nfds = 0, nh = 0;
	int fd;

	if (argc < 4 || (strcmp(argv[2], "apply") != 0 && strcmp(argv[2], "delete") != 0)) {
		fprintf(stderr, "Usage: %s SOCK apply|delete NAME [options]\n", argv[0]);
		return 2;
	}
	req.id = 7;
	if (strcmp(argv[2], "delete") == 0) {
		d.name = bytes(argv[3], strlen(argv[3]));
		req.op_case = PH__REQUEST__OP_NETWORK_DELETE;
		req.network_delete = &d;
	} else {
		a.name = bytes(argv[3], strlen(argv[3]));
		a.ipv4_routing = a.ipv6_routing = true;
		for (int i = 4; i < argc; i++) {
			const char *v = argv[i];
			int r = 0;

			if (strncmp(v, "ipv4=", 5) == 0)
				r = family_arg(v + 5, AF_INET, &a.ipv4_mode, v4, &a.ipv4,
					       &a.ipv4_prefix);
			else if (strncmp(v, "ipv6=", 5) == 0)
				r = family_arg(v + 5, AF_INET6, &a.ipv6_mode, v6, &a.ipv6,
					       &a.ipv6_prefix);
			else if (strcmp(v, "nat") == 0)
				a.ipv4_nat = a.ipv6_nat = true;
			else if (strcmp(v, "dhcp") == 0)
				a.ipv4_dhcp = a.ipv6_dhcp = true;
			else if (strncmp(v, "mtu=", 4) == 0)
				a.mtu = (uint32_t)atoi(v + 4);
			else if (strncmp(v, "domain=", 7) == 0)
				a.dns_domain = bytes(v + 7, strlen(v + 7));
			else if (strncmp(v, "raw=", 4) == 0)
				a.raw_dnsmasq = bytes(v + 4, strlen(v + 4));
			else if (strncmp(v, "host=", 5) == 0 && nh < HOSTS_MAX) {
				r = host_arg(v + 5, &hosts[nh], macs[nh], ips[nh], names[nh],
					     sizeof(names[nh]));
				hostp[nh] = &hosts[nh];
				nh++;
			} else
				r = -1;
			if (r < 0) {
				fprintf(stderr, "netop: bad argument %s\n", v);
				return 2;
			}
		}
		a.hosts = hostp;
		a.n_hosts = nh;
		req.op_case = PH__REQUEST__OP_NETWORK_APPLY;
		req.network_apply = &a;
	}
	fd = dial(argv[1]);
	len = ph__request__get_packed_size(&req);
	if (fd < 0 || len > sizeof(buf))
		return 3;
	ph__request__pack(&req, buf);
	if (frame_send(fd, buf, len, NULL, 0) < 0 || frame_recv(fd, buf, &len, fds, &nfds) < 0 ||
	    len == 0)
		return 3;
	rep = ph__reply__unpack(NULL, len, buf);
	if (!rep)
		return 3;
	if (rep->err) {
		printf("err %d %.*s\n", rep->err, (int)rep->error.len,
		       (const char *)rep->error.data);
		ph__reply__free_unpacked(rep, NULL);
		close(fd);
		return 1;
	}
	printf("ok");
	if (rep->result_case == PH__REPLY__RESULT_NETWORK_APPLY) {
		const Ph__NetworkApplyReply *x = rep->network_apply;

		print_addr("ipv4", &x->ipv4, x->ipv4_prefix);
		print_addr("ipv6", &x->ipv6, x->ipv6_prefix);
		printf(" forward_drop=%d warning=%.*s", x->forward_drop, (int)x->warning.len,
		       (const char *)x->warning.data);
	}
	printf("\n");
	ph__reply__free_unpacked(rep, NULL);
	close(fd);
	return 0;
}
