/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * af_xdp ports: DPDK's net_af_xdp PMD with Sluice's XDP program in front (xdp_prog=).
 *
 * The PMD loads the object itself and attaches it with XDP_FLAGS_UPDATE_IF_NOEXIST, so a
 * program left attached by a crashed run would make it fail with a bare "Failed to set
 * prog fd". prepare() therefore looks at what is attached: our own program (by name) is
 * removed and said so; anyone else's is refused with the command to remove it. The maps
 * the program pins by name need a bpffs at /sys/fs/bpf, which is not mounted by default
 * (and `ip netns exec` hides the host's): prepare() mounts one if it is missing.
 *
 * Context: control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "port.h"

#define AF_XDP_BPFFS "/sys/fs/bpf"
#define AF_XDP_OWN_PROG "sluice_xdp"

static int
af_xdp_parse(struct port_spec *spec, const char *key, const char *val, char *err,
	     size_t errlen)
{
	if (strcmp(key, "iface") == 0)
		return port_parse_iface(spec, val, err, errlen);
	if (strcmp(key, "prog") == 0) {
		if (strlen(val) >= sizeof(spec->xdp_prog)) {
			snprintf(err, errlen, "port '%s': prog path too long", spec->name);
			return -EINVAL;
		}
		strcpy(spec->xdp_prog, val);
		return 0;
	}
	return -ENOENT;
}

static int
af_xdp_check(const struct port_spec *spec, char *err, size_t errlen)
{
	int rc = port_check_has_iface(spec, err, errlen);

	if (rc)
		return rc;
	if (spec->xdp_prog[0] && access(spec->xdp_prog, R_OK) != 0) {
		snprintf(err, errlen, "port '%s': XDP object '%s': %s", spec->name,
			 spec->xdp_prog, strerror(errno));
		return -errno;
	}
	return 0;
}

int
port_bpffs_ensure(char *err, size_t errlen)
{
	struct statfs st;

	if (statfs(AF_XDP_BPFFS, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", AF_XDP_BPFFS, "bpf", 0, "mode=0700") == 0) {
		fprintf(stderr, "sluice: mounted bpffs at %s for the XDP program's pinned maps\n",
			AF_XDP_BPFFS);
		return 0;
	}
	snprintf(err, errlen, "no bpffs at %s and mounting one failed (%s): "
		 "mount -t bpf bpf %s", AF_XDP_BPFFS, strerror(errno), AF_XDP_BPFFS);
	return -ENOTSUP;
}

static int
af_xdp_prepare(struct port *p, char *err, size_t errlen)
{
	struct bpf_prog_info info;
	__u32 prog_id = 0, len = sizeof(info);
	int fd, rc;

	rc = port_bpffs_ensure(err, errlen);
	if (rc)
		return rc;
	if (bpf_xdp_query_id(p->ifindex, 0, &prog_id) != 0 || prog_id == 0)
		return 0;
	fd = bpf_prog_get_fd_by_id(prog_id);
	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, "port '%s': interface %s has XDP program id %u attached; "
			 "remove it first: ip link set dev %s xdp off", p->spec.name,
			 p->spec.ifname, prog_id, p->spec.ifname);
		return -EBUSY;
	}
	close(fd);
	if (strncmp(info.name, AF_XDP_OWN_PROG, sizeof(info.name)) != 0) {
		snprintf(err, errlen, "port '%s': interface %s has another XDP program attached "
			 "('%s', id %u); remove it first: ip link set dev %s xdp off",
			 p->spec.name, p->spec.ifname, info.name, prog_id, p->spec.ifname);
		return -EBUSY;
	}
	fprintf(stderr, "sluice: port '%s': removing %s (id %u) left on %s by an earlier run\n",
		p->spec.name, AF_XDP_OWN_PROG, prog_id, p->spec.ifname);
	rc = bpf_xdp_detach(p->ifindex, 0, NULL);
	if (rc) {
		snprintf(err, errlen, "port '%s': could not remove the old XDP program from %s: %s",
			 p->spec.name, p->spec.ifname, strerror(-rc));
		return rc;
	}
	return 0;
}

static int
af_xdp_devargs(const struct port *p, const char *xdp_obj, char *drv, size_t drvlen,
	       char *args, size_t argslen)
{
	const char *prog = p->spec.xdp_prog[0] ? p->spec.xdp_prog : xdp_obj;
	int n;

	snprintf(drv, drvlen, "net_af_xdp");
	n = snprintf(args, argslen, "iface=%s,start_queue=0,queue_count=%u%s%s",
		     p->spec.ifname, p->nb_queues, prog && prog[0] ? ",xdp_prog=" : "",
		     prog && prog[0] ? prog : "");
	return n < 0 || (size_t)n >= argslen ? -ENAMETOOLONG : 0;
}

const struct port_ops port_af_xdp_ops = {
	.kind = "af_xdp",
	.needs_root = true,
	.multi_queue = true,
	.parse = af_xdp_parse,
	.check = af_xdp_check,
	.devargs = af_xdp_devargs,
	.prepare = af_xdp_prepare,
};
