/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store: atomic persistence of sluiced's desired state (store.h).
 *
 * SLUICED_TEST_CRASH=before-rename makes the daemon die between the write and the rename,
 * where a crash would hurt most; the integration test uses it to show nothing is lost.
 *
 * Context: sluiced's thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

static int
store_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
store_save(const char *path, const struct lb_conf *c, char *err, size_t errlen)
{
	static const char head[] =
		"# sluiced's state: the configuration in force, runtime changes included.\n"
		"# Written by sluiced on every change; `sluicectl config save FILE` makes a\n"
		"# config file of it. Same format as the config file.\n";
	char tmp[PATH_MAX], dir[PATH_MAX];
	char *text = NULL;
	size_t len;
	int fd, rc;

	if (lb_conf_emit(c, &text, &len) != 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		free(text);
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(text);
		return rc;
	}
	rc = store_write_all(fd, head, sizeof(head) - 1);
	if (!rc)
		rc = store_write_all(fd, text, len);
	if (!rc && fsync(fd) != 0)
		rc = -errno;
	free(text);
	if (close(fd) != 0 && !rc)
		rc = -errno;
	if (rc) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(-rc));
		unlink(tmp);
		return rc;
	}
	{
		const char *crash = getenv("SLUICED_TEST_CRASH");

		if (crash && strcmp(crash, "before-rename") == 0)
			raise(SIGKILL);
	}
	if (rename(tmp, path) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: rename: %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);      /* the rename itself reaches the disk */
		close(fd);
	}
	return 0;
}

int
store_load(const char *state, const char *config, struct lb_conf *c, const char **from,
	   char *err, size_t errlen)
{
	char tmp[PATH_MAX];

	memset(c, 0, sizeof(*c));
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", state) < sizeof(tmp))
		unlink(tmp);    /* a write a crash interrupted: the state file is whole */
	if (access(state, F_OK) == 0) {
		*from = "state";
		return lb_conf_load(state, c, err, errlen);
	}
	if (config[0] && access(config, F_OK) == 0) {
		*from = "config";
		return lb_conf_load(config, c, err, errlen);
	}
	*from = "empty";
	return 0;
}
