/* SPDX-License-Identifier: BSD-3-Clause */
/* lb_shape: the shaping section as per-worker shapers (lb_shape.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "lb_shape.h"

#define LB_SHAPE_FRAME_BYTES 1514u

uint64_t lb_shape_dropped_on_change;

static int
lb_shape_same(const struct lb_conf_shaping *a, const struct lb_conf_shaping *b)
{
	uint32_t i;

	if (a->rate != b->rate || a->queue_size != b->queue_size ||
	    a->l1_overhead != b->l1_overhead || a->nb_pipes != b->nb_pipes)
		return 0;
	for (i = 0; i < a->nb_pipes; i++)
		if (strcmp(a->pipes[i].subscriber, b->pipes[i].subscriber) != 0 ||
		    a->pipes[i].rate != b->pipes[i].rate || a->pipes[i].burst != b->pipes[i].burst)
			return 0;
	return 1;
}

void
lb_shape_put(struct lb_shape *sh)
{
	unsigned int i;

	if (!sh || --sh->refs)
		return;
	for (i = 0; sh->s && i < sh->nb_workers * sh->nb_ports; i++)
		if (sh->s[i])
			lb_shape_dropped_on_change += shaper_free(sh->s[i]);
	free(sh->s);
	free(sh->conf.pipes);
	free(sh);
}

/* New shapers for c: the rates split over the workers (at least a frame a second). */
static struct lb_shape *
lb_shape_new(const struct lb_conf_shaping *c, unsigned int nb_workers, unsigned int nb_ports,
	     uint64_t version, char *err, size_t errlen)
{
	unsigned int w = nb_workers ? nb_workers : 1, i;
	struct shaper_pipe_conf *pipes;
	struct shaper_conf sc;
	struct lb_shape *sh;
	char name[64], msg[256];

	sh = calloc(1, sizeof(*sh));
	pipes = calloc(c->nb_pipes, sizeof(*pipes));
	if (!sh || !pipes)
		goto nomem;
	sh->refs = 1;
	sh->nb_workers = w;
	sh->nb_ports = nb_ports;
	sh->conf = *c;
	sh->conf.pipes = malloc(c->nb_pipes * sizeof(*c->pipes));
	sh->s = calloc((size_t)w * nb_ports, sizeof(*sh->s));
	if (!sh->conf.pipes || !sh->s)
		goto nomem;
	memcpy(sh->conf.pipes, c->pipes, c->nb_pipes * sizeof(*c->pipes));
	for (i = 0; i < c->nb_pipes; i++) {
		pipes[i].rate_bytes = c->pipes[i].rate / w > LB_SHAPE_FRAME_BYTES ?
				      c->pipes[i].rate / w : LB_SHAPE_FRAME_BYTES;
		pipes[i].burst_bytes = c->pipes[i].burst;       /* each holds a frame */
	}
	memset(&sc, 0, sizeof(sc));
	sc.rate_bytes = c->rate / w > LB_SHAPE_FRAME_BYTES ? c->rate / w : LB_SHAPE_FRAME_BYTES;
	sc.mtu = LB_SHAPE_FRAME_BYTES;
	sc.frame_overhead = c->l1_overhead ? 24 : 0;
	sc.qsize = c->queue_size;
	sc.nb_pipes = c->nb_pipes;
	sc.pipes = pipes;
	for (i = 0; i < c->nb_pipes; i++)     /* a pipe's share stays within the aggregate's */
		if (pipes[i].rate_bytes > sc.rate_bytes)
			pipes[i].rate_bytes = sc.rate_bytes;
	if (shaper_conf_check(&sc, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "shaping: %s", msg);
		goto fail;
	}
	for (i = 0; i < w * nb_ports; i++) {
		snprintf(name, sizeof(name), "sl_shape_%lu_%u", (unsigned long)version, i);
		sh->s[i] = shaper_create(name, &sc, SOCKET_ID_ANY, msg, sizeof(msg));
		if (!sh->s[i]) {
			snprintf(err, errlen, "shaping: worker %u port %u: %s", i / nb_ports,
				 i % nb_ports, msg);
			goto fail;
		}
		sh->footprint_bytes += shaper_footprint(&sc);
	}
	free(pipes);
	return sh;
nomem:
	snprintf(err, errlen, "shaping: out of memory");
fail:
	free(pipes);
	if (sh) {
		sh->refs = 1;
		lb_shape_put(sh);
	}
	return NULL;
}

int
lb_shape_build(struct lb *lb, const struct lb_conf *c, const struct lb *prev,
	       unsigned int nb_workers, unsigned int nb_ports, char *err, size_t errlen)
{
	uint32_t i;
	int s;

	if (!c->shaping.rate || !nb_ports)
		return 0;
	lb->sub_pipe = calloc(c->nb_subs + 1, sizeof(*lb->sub_pipe));
	if (!lb->sub_pipe) {
		snprintf(err, errlen, "shaping: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < c->shaping.nb_pipes; i++) {
		s = lb_conf_sub_find(c, c->shaping.pipes[i].subscriber);
		if (s < 0) {
			snprintf(err, errlen, "shaping: pipe %s: no such subscriber",
				 c->shaping.pipes[i].subscriber);
			return -EINVAL;
		}
		lb->sub_pipe[s + 1] = i + 1;
	}
	if (prev && prev->shape && prev->shape->nb_ports == nb_ports &&
	    prev->shape->nb_workers == (nb_workers ? nb_workers : 1) &&
	    lb_shape_same(&prev->shape->conf, &c->shaping)) {
		lb->shape = prev->shape;
		lb->shape->refs++;
		return 0;
	}
	lb->shape = lb_shape_new(&c->shaping, nb_workers, nb_ports, lb->version, err, errlen);
	return lb->shape ? 0 : -EINVAL;
}
