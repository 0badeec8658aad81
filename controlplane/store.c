/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * store: atomic persistence of sluiced's desired state (store.h).
 *
 * SLUICED_TEST_CRASH=before-rename makes the daemon die between the write and the rename,
 * where a crash would hurt most; the integration test uses it to show nothing is lost.
 *
 * Context: sluiced's thread; the write and fsync of FILE.tmp on a thread of the job's own
 * (store_begin), which touches nothing else.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
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

/* A write of the state file under way: FILE.tmp written and fsync'd by a thread of its
 * own while sluiced pushes the same model to the dataplane (store.h). */
struct store_job {
	pthread_t th;
	int threaded;           /* th runs store_writer */
	char path[PATH_MAX];
	char tmp[PATH_MAX];
	char *text;
	size_t len;
	int rc;                 /* the thread's: 0 or -errno */
};

static const char store_head[] =
	"# sluiced's state: the configuration in force, runtime changes included.\n"
	"# Written by sluiced on every change; `sluicectl config save FILE` makes a\n"
	"# config file of it. Same format as the config file.\n";

static void *
store_writer(void *arg)
{
	struct store_job *j = arg;
	int fd, rc;

	fd = open(j->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0) {
		j->rc = -errno;
		return NULL;
	}
	rc = store_write_all(fd, store_head, sizeof(store_head) - 1);
	if (!rc)
		rc = store_write_all(fd, j->text, j->len);
	if (!rc && fsync(fd) != 0)
		rc = -errno;
	if (close(fd) != 0 && !rc)
		rc = -errno;
	j->rc = rc;
	return NULL;
}

int
store_begin(struct store_job **out, const char *path, const struct lb_conf *c, char *err,
	    size_t errlen)
{
	struct store_job *j = calloc(1, sizeof(*j));

	*out = NULL;
	if (!j || lb_conf_emit(c, &j->text, &j->len) != 0) {
		free(j);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	if ((size_t)snprintf(j->path, sizeof(j->path), "%s", path) >= sizeof(j->path) ||
	    (size_t)snprintf(j->tmp, sizeof(j->tmp), "%s.tmp", path) >= sizeof(j->tmp)) {
		free(j->text);
		free(j);
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	j->threaded = pthread_create(&j->th, NULL, store_writer, j) == 0;
	if (!j->threaded)
		store_writer(j);        /* no thread: the same write, here */
	*out = j;
	return 0;
}

static void
store_join(struct store_job *j)
{
	if (j->threaded)
		pthread_join(j->th, NULL);
	j->threaded = 0;
}

int
store_finish(struct store_job *j, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int fd, rc;

	store_join(j);
	rc = j->rc;
	if (rc) {
		snprintf(err, errlen, "%s: %s", j->tmp, strerror(-rc));
		unlink(j->tmp);
		goto out;
	}
	{
		const char *crash = getenv("SLUICED_TEST_CRASH");

		if (crash && strcmp(crash, "before-rename") == 0)
			raise(SIGKILL);
	}
	if (rename(j->tmp, j->path) != 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: rename: %s", j->path, strerror(errno));
		unlink(j->tmp);
		goto out;
	}
	snprintf(dir, sizeof(dir), "%s", j->path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);      /* the rename itself reaches the disk */
		close(fd);
	}
out:
	free(j->text);
	free(j);
	return rc;
}

void
store_abort(struct store_job *j)
{
	if (!j)
		return;
	store_join(j);
	unlink(j->tmp);
	free(j->text);
	free(j);
}

int
store_save(const char *path, const struct lb_conf *c, char *err, size_t errlen)
{
	struct store_job *j;
	int rc = store_begin(&j, path, c, err, errlen);

	return rc ? rc : store_finish(j, err, errlen);
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
