/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_client: a request to the dataplane's control socket (dp_client.h). A connection per
 * request, as the dataplane serves them: nothing to resynchronise after either side
 * restarts, and a unix-socket connect costs microseconds.
 *
 * Context: sluiced's thread.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dp_client.h"

#define DPC_REPLY_MAX (4 << 20)

static long
dpc_ms_left(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
}

static int
dpc_wait(int fd, short ev, const struct timespec *deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long left = dpc_ms_left(deadline);
	int rc;

	if (left <= 0)
		return -ETIMEDOUT;
	do {
		rc = poll(&p, 1, (int)left);
	} while (rc < 0 && errno == EINTR);
	return rc > 0 ? 0 : -ETIMEDOUT;
}

json_t *
dpc_call(const char *path, json_t *req, int timeout_ms, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timespec deadline;
	char *out = NULL, *buf = NULL, *nl = NULL;
	size_t len, off = 0, cap = 0;
	json_t *reply = NULL;
	json_error_t jerr;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	out = json_dumps(req, JSON_COMPACT);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	len = strlen(out);
	out[len++] = '\n';      /* over the NUL: json_dumps's buffer is ours */
	while (off < len) {
		ssize_t n;

		if (dpc_wait(fd, POLLOUT, &deadline) != 0) {
			snprintf(err, errlen, "%s: timed out sending", path);
			goto out;
		}
		n = send(fd, out + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
			break;  /* refused before it read us: its reason may be waiting */
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	off = 0;
	while (!nl) {
		ssize_t n;

		if (off + 4096 + 1 > cap) {
			char *b;

			if (cap >= DPC_REPLY_MAX) {
				snprintf(err, errlen, "%s: reply too long", path);
				goto out;
			}
			cap = cap ? cap * 2 : 16384;
			b = realloc(buf, cap);
			if (!b) {
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			buf = b;
		}
		if (dpc_wait(fd, POLLIN, &deadline) != 0) {
			snprintf(err, errlen, "%s: no reply within %d ms", path, timeout_ms);
			goto out;
		}
		n = recv(fd, buf + off, cap - off - 1, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: closed without a reply", path);
			goto out;
		}
		buf[off + (size_t)n] = '\0';
		nl = memchr(buf + off, '\n', (size_t)n);
		off += (size_t)n;
	}
	*nl = '\0';
	reply = json_loads(buf, 0, &jerr);
	if (!reply || !json_is_object(reply)) {
		snprintf(err, errlen, "%s: reply is not a JSON object", path);
		json_decref(reply);
		reply = NULL;
	}
out:
	free(out);
	free(buf);
	close(fd);
	return reply;
}
