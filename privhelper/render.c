// SPDX-License-Identifier: Apache-2.0
/*
 * The liblxc configuration of an instance, rendered by moatd (root) at
 * every start into $MOAT_DIR/containers/<name>/config from the typed,
 * checked start request (struct ph_instance_config) and nothing else.
 * The base (rootfs, mounts, console, hooks) is here; each op family
 * that adds to a start renders its own part (ph_render_limits() in
 * limits.c; the id map, seccomp, sysctls and raw.lxc in sec_config.c),
 * from the same typed struct.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "cleanup.h"
#include "ph.h"

/*
 * Render $MOAT_DIR/containers/<name>/config. Every line comes from this
 * function: names are validated, numbers bounded, the rest constants and
 * paths moatd built; nothing from a request is copied in as text.
 */
int ph_render_config(struct ph_ctx *ctx, const char *name, const char *pool,
		     const struct ph_instance_config *cfg, const struct ph_instance_start *s,
		     const bool *staged, const char **ret_why)
{
	char path[4096], tmp[4096];
	FILE *f;
	int r = 0;

	if (snprintf(path, sizeof(path), "%s/%s/config", ctx->lxcpath, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = ph_atomic_open(path, tmp, 0600, &r);
	if (!f)
		return r;
	fprintf(f, "# Written by moatd at every start; changes here are lost.\n");
	fprintf(f, "lxc.uts.name = %s\n", name);
	fprintf(f, "lxc.rootfs.path = dir:%s/storage-pools/%s/containers/%s/rootfs\n", ctx->dir,
		pool, name);
	/*
	 * No lxc.include: what liblxc's common.conf, userns.conf and
	 * nesting.conf would give is written out here, so that no snippet a
	 * host package drops into common.conf.d reaches our containers (lxcfs
	 * puts hooks there, one of which sleeps half a second at every stop).
	 */
	fprintf(f, "lxc.mount.entry = /sys/fs/fuse/connections sys/fs/fuse/connections "
		   "none bind,optional 0 0\n");
	if (!cfg->privileged) {
		fprintf(f, "lxc.rootfs.options = idmap=container\n");
		r = ph_render_sec_idmap(ctx, f, cfg, ret_why);
	} else {
		static const char *const dev[] = { "c *:* m",   "b *:* m",     "c 1:3 rwm",
						   "c 1:5 rwm", "c 1:7 rwm",   "c 5:0 rwm",
						   "c 5:1 rwm", "c 5:2 rwm",   "c 1:8 rwm",
						   "c 1:9 rwm", "c 136:* rwm", "c 10:229 rwm" };

		fprintf(f, "lxc.cap.drop = mac_admin mac_override sys_time sys_module sys_rawio\n");
		fprintf(f, "lxc.cgroup.devices.deny = a\nlxc.cgroup2.devices.deny = a\n");
		for (size_t k = 0; k < sizeof(dev) / sizeof(dev[0]); k++)
			fprintf(f,
				"lxc.cgroup.devices.allow = %s\nlxc.cgroup2.devices.allow = %s\n",
				dev[k], dev[k]);
	}
	if (cfg->nesting)
		fprintf(f, "lxc.mount.entry = proc dev/.lxc/proc proc create=dir,optional 0 0\n"
			   "lxc.mount.entry = sys dev/.lxc/sys sysfs create=dir,optional 0 0\n");
	fprintf(f, "lxc.apparmor.profile = generated\n");
	fprintf(f, "lxc.apparmor.allow_nesting = %d\n", cfg->nesting ? 1 : 0);
	fprintf(f, "lxc.mount.auto = proc:mixed sys:mixed cgroup:mixed\n");
	fprintf(f, "lxc.autodev = 1\n");
	fprintf(f, "lxc.pty.max = 1024\n");
	fprintf(f, "lxc.tty.max = 0\n");
	fprintf(f, "lxc.console.buffer.size = auto\n");
	fprintf(f, "lxc.console.size = auto\n");
	fprintf(f, "lxc.console.logfile = %s/%s/console.log\n", ctx->lxcpath, name);
	fprintf(f, "lxc.log.file = %s/%s/lxc.log\n", ctx->lxcpath, name);
	fprintf(f, "lxc.log.level = warn\n");
	/* constant text, run by /bin/sh in the monitor: see reboot_mark() */
	fprintf(f, "lxc.hook.version = 1\n");
	fprintf(f, "lxc.hook.post-stop = /bin/sh -c '[ \"$LXC_TARGET\" != reboot ] || "
		   "{ : >\"${LXC_CONFIG_FILE%%/*}/reboot-requested\"; exit 1; }'\n");
	if (r == 0)
		r = ph_render_limits(f, &cfg->limits);
	if (r == 0 && s)
		r = ph_render_devices(ctx, f, s, staged);
	if (r == 0)
		r = ph_render_nics(f, s);
	if (r == 0)
		r = ph_render_sec(ctx, f, name, cfg); /* last: raw.lxc's lines come after ours */
	return ph_atomic_close(f, tmp, path, r);
}

/*
 * A file that appears whole or not at all: written to path.tmp (created
 * with mode, never through a symlink), then flushed, synced and renamed
 * over path by ph_atomic_close(), which removes the temporary instead
 * when r < 0 or a step fails. Paths are moatd's own.
 */
FILE *ph_atomic_open(const char *path, char tmp[static 4096], mode_t mode, int *ret_err)
{
	FILE *f;
	int fd;

	if (snprintf(tmp, 4096, "%s.tmp", path) >= 4096) {
		*ret_err = -ENAMETOOLONG;
		return NULL;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		*ret_err = -errno;
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		*ret_err = -errno;
		close(fd);
		unlink(tmp);
	}
	return f;
}

int ph_atomic_close(FILE *f, const char *tmp, const char *path, int r)
{
	if (r == 0 && (fflush(f) != 0 || fsync(fileno(f)) < 0))
		r = -errno;
	if (fclose(f) != 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}
