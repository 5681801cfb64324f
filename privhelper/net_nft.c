// SPDX-License-Identifier: Apache-2.0
/*
 * This daemon's nftables tables, with libnftables: `inet moat_<tag>` (NAT,
 * forwarding, the bridges' own services) and `bridge moat_<tag>` (bridged
 * traffic), each rebuilt whole from the fragments moatd keeps under
 * $MOAT_DIR/networks/.nft/ (root 0700), in one transaction: the old table
 * is replaced atomically, or nothing changes. The fragments are text moatd
 * wrote itself from typed fields (a network's here, a nic's, an ACL's or a
 * forward's elsewhere); nothing from the frontend reaches nft as text. Also
 * the host's other tables, read (never changed) to warn of a forward hook
 * that drops by policy. Run by moatd (root), in an op's worker.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nftables/libnftables.h>

#include "cleanup.h"
#include "log.h"
#include "net.h"
#include "ph.h"

#define NFT_DIR ".nft"
#define FRAG_MAX (256 * 1024)

static char nft_err[512];

const char *ph_nft_error(void)
{
	return nft_err;
}

static void nft_freep(struct nft_ctx **c)
{
	if (*c)
		nft_ctx_free(*c);
}
#define __do_nft __attribute__((cleanup(nft_freep)))

/* Run a whole nft script as one transaction; nft's message in nft_err on failure. */
static int nft_run(const char *script, char **ret_out)
{
	struct nft_ctx *nft __do_nft = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *s;
	size_t n;

	nft_err[0] = '\0';
	if (!nft || nft_ctx_buffer_output(nft) < 0 || nft_ctx_buffer_error(nft) < 0)
		return -ENOMEM;
	if (nft_run_cmd_from_buffer(nft, script) != 0) {
		s = nft_ctx_get_error_buffer(nft);
		n = s ? strcspn(s, "\n") : 0;
		snprintf(nft_err, sizeof(nft_err), "%.*s", (int)n, s ? s : "");
		return -EINVAL;
	}
	if (ret_out) {
		s = nft_ctx_get_output_buffer(nft);
		*ret_out = strdup(s ? s : "");
		if (!*ret_out)
			return -ENOMEM;
	}
	return 0;
}

static bool key_ok(const char *k)
{
	static const char word[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
	size_t n = strlen(k);

	return n >= 1 && n <= 127 && k[0] != '.' && k[0] != '-' && k[strspn(k, word)] == '\0';
}

static bool kind_ok(const char *k)
{
	return strcmp(k, "net") == 0 || strcmp(k, "nic") == 0 || strcmp(k, "acl") == 0 ||
	       strcmp(k, "fwd") == 0;
}

static int frag_dir(void)
{
	int d = ph_net_dir_fd();
	int fd;

	if (d < 0)
		return -EBADF;
	if (mkdirat(d, NFT_DIR, 0700) < 0 && errno != EEXIST)
		return -errno;
	fd = openat(d, NFT_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int read_all(int dir, const char *name, char **ret)
{
	__do_close int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	__do_free char *buf = NULL;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > FRAG_MAX)
		return -EINVAL;
	buf = calloc(1, (size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	if (read(fd, buf, (size_t)st.st_size) != st.st_size)
		return -EIO;
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Append the fragments of family to f, the one named skip replaced by its new text. */
static int add_family(FILE *f, int dir, const char *family, const char *skip, const char *add,
		      bool add_bridge)
{
	__do_closedir DIR *d = NULL;
	struct dirent *e;
	char prefix[16];
	int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool any = false, want_new = add && (add_bridge == (strcmp(family, "bridge") == 0));

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	snprintf(prefix, sizeof(prefix), "%s.", family);
	fprintf(f, "table %s %s {}\ndelete table %s %s\n", family, ph_net_table(), family,
		ph_net_table());
	while ((e = readdir(d))) {
		__do_free char *text = NULL;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || strcmp(e->d_name, skip) == 0)
			continue;
		if (read_all(dirfd(d), e->d_name, &text) < 0)
			continue; /* not moatd's: not read */
		if (!any)
			fprintf(f, "table %s %s {\n", family, ph_net_table());
		any = true;
		fprintf(f, "%s\n", text);
	}
	if (want_new) {
		if (!any)
			fprintf(f, "table %s %s {\n", family, ph_net_table());
		any = true;
		fprintf(f, "%s\n", add);
	}
	if (any)
		fprintf(f, "}\n");
	return 0;
}

static int nft_set(const char *family, const char *kind, const char *key, const char *rules)
{
	__do_close int dir = -EBADF, lock = -EBADF;
	__do_free char *script = NULL;
	__do_fclose FILE *f = NULL;
	char name[192], tmp[200];
	size_t len = 0;
	int r;

	nft_err[0] = '\0';
	if (!kind_ok(kind) || !key_ok(key) || (rules && strlen(rules) > FRAG_MAX))
		return -EINVAL;
	dir = frag_dir();
	if (dir < 0)
		return dir;
	lock = openat(dir, ".lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (lock < 0 || flock(lock, LOCK_EX) < 0)
		return -errno;
	snprintf(name, sizeof(name), "%s.%s.%s", family, kind, key);
	f = open_memstream(&script, &len);
	if (!f)
		return -ENOMEM;
	r = add_family(f, dir, "inet", name, rules, strcmp(family, "bridge") == 0);
	if (r == 0)
		r = add_family(f, dir, "bridge", name, rules, strcmp(family, "bridge") == 0);
	if (r < 0 || fflush(f) != 0)
		return r < 0 ? r : -ENOMEM;
	if (rules) { /* written first, kept only if nft took the whole */
		__do_close int fd = -EBADF;
		size_t n = strlen(rules);

		snprintf(tmp, sizeof(tmp), "%s.tmp", name);
		fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		if (write(fd, rules, n) != (ssize_t)n || fsync(fd) < 0) {
			unlinkat(dir, tmp, 0);
			return -EIO;
		}
	}
	r = nft_run(script, NULL);
	if (r < 0) {
		if (rules)
			unlinkat(dir, tmp, 0);
		log_warn("nftables refused table %s: %s", ph_net_table(), nft_err);
		return r;
	}
	if (rules && renameat(dir, tmp, dir, name) < 0)
		return -errno;
	if (!rules && unlinkat(dir, name, 0) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int ph_nft_set(const char *kind, const char *key, const char *rules)
{
	return nft_set("inet", kind, key, rules);
}

int ph_nft_set_bridge(const char *kind, const char *key, const char *rules)
{
	return nft_set("bridge", kind, key, rules);
}

/*
 * A forward hook with policy drop in a table that is not ours: in
 * `list chains` output, a base chain line "type filter hook forward
 * priority ...; policy drop;" under its "table FAMILY NAME {".
 */
int ph_nft_forward_drop(char *why, size_t why_size)
{
	__do_free char *out = NULL;
	char table[128] = "";
	char *save = NULL;
	int r = nft_run("list chains", &out);

	if (r < 0)
		return r;
	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char fam[16], nm[96];

		while (*l == ' ' || *l == '\t')
			l++;
		if (sscanf(l, "table %15s %95s {", fam, nm) == 2) {
			snprintf(table, sizeof(table), "%s %s", fam, nm);
			continue;
		}
		if (strstr(l, "hook forward") && strstr(l, "policy drop") &&
		    strcmp(table + strcspn(table, " ") + 1, ph_net_table()) != 0) {
			snprintf(why, why_size,
				 "the host's firewall (table %s) drops forwarded traffic by policy",
				 table);
			return 1;
		}
	}
	return 0;
}

static void subnet_str(int family, const void *addr, uint8_t prefix, char *buf, size_t size)
{
	uint8_t a[16];
	char s[INET6_ADDRSTRLEN];
	size_t n = family == AF_INET6 ? 16 : 4;

	memcpy(a, addr, n);
	for (unsigned i = prefix; i < n * 8; i++)
		a[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	inet_ntop(family, a, s, sizeof(s));
	snprintf(buf, size, "%s/%u", s, prefix);
}

/*
 * The network's fragment: masquerade for ipv4.nat / ipv6.nat (from the
 * subnet to anywhere outside it), forwarding to and from the bridge
 * accepted, and the bridge's own DHCP, DNS and ND/RA accepted on input.
 * Every value is a checked name, an address moatd formats itself, or a
 * constant.
 */
int ph_nft_net_rules(const struct ph_network_apply *n, char **ret)
{
	__do_free char *text = NULL;
	__do_fclose FILE *f = NULL;
	char s4[64] = "", s6[80] = "";
	const char *b = n->name;
	size_t len = 0;

	if (n->ipv4_mode && n->ipv4_prefix)
		subnet_str(AF_INET, &n->ipv4, n->ipv4_prefix, s4, sizeof(s4));
	if (n->ipv6_mode && n->ipv6_prefix)
		subnet_str(AF_INET6, &n->ipv6, n->ipv6_prefix, s6, sizeof(s6));
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f,
		"\tchain net_%s_post {\n\t\ttype nat hook postrouting priority srcnat; "
		"policy accept;\n",
		b);
	if (s4[0] && n->ipv4_nat)
		fprintf(f, "\t\tip saddr %s ip daddr != %s masquerade\n", s4, s4);
	if (s6[0] && n->ipv6_nat)
		fprintf(f, "\t\tip6 saddr %s ip6 daddr != %s masquerade\n", s6, s6);
	fprintf(f, "\t}\n");
	fprintf(f,
		"\tchain net_%s_fwd {\n\t\ttype filter hook forward priority filter; "
		"policy accept;\n\t\tiifname \"%s\" accept\n\t\toifname \"%s\" accept\n\t}\n",
		b, b, b);
	fprintf(f,
		"\tchain net_%s_in {\n\t\ttype filter hook input priority filter; "
		"policy accept;\n",
		b);
	fprintf(f, "\t\tiifname \"%s\" udp dport { 53, 67, 547 } accept\n", b);
	fprintf(f, "\t\tiifname \"%s\" tcp dport 53 accept\n", b);
	fprintf(f,
		"\t\tiifname \"%s\" icmpv6 type { nd-router-solicit, nd-neighbor-solicit, "
		"nd-neighbor-advert } accept\n\t}\n",
		b);
	if (fflush(f) != 0)
		return -ENOMEM;
	fclose(TAKE_PTR(f));
	*ret = TAKE_PTR(text);
	return 0;
}
