/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dp_client: sluiced's side of the dataplane's control socket (dataplane/dp_ctl.h):
 * one JSON request line, one JSON reply line, per connection.
 *
 * Context: sluiced's thread; blocks up to the timeout.
 */
#ifndef SL_DP_CLIENT_H
#define SL_DP_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/*
 * Sends req (not consumed) to the socket at path and returns the reply object, or NULL
 * with one line in err (no dataplane, timeout, a reply that is not JSON). A reply with
 * "ok": false is returned as it is.
 */
json_t *dpc_call(const char *path, json_t *req, int timeout_ms, char *err, size_t errlen);

#endif /* SL_DP_CLIENT_H */
