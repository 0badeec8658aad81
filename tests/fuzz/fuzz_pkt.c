/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pkt: libFuzzer target for the packet parser (dataplane/pkt_fp.h) and the owner
 * hash. libFuzzer hands over a buffer of exactly the frame's size, so AddressSanitizer
 * catches any read past the end; the invariants below catch offsets that lie.
 */
#include <stdint.h>
#include <stdlib.h>

#include "owner_fp.h"
#include "pkt_fp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pkt_meta m;
	int rc;

	if (size > 65535)
		return 0;
	rc = pkt_parse(data, (uint32_t)size, &m);
	if (rc < SL_CNT_OK || rc >= SL_CNT__MAX)
		abort();
	if (rc != SL_CNT_OK)
		return 0;
	if (m.l3_off > size || m.l3 == PKT_L3_NONE)
		abort();
	if (m.l3 == PKT_L3_IPV4 || m.l3 == PKT_L3_IPV6) {
		if (m.l4_off < m.l3_off || (size_t)m.l4_off + m.l4_len > size)
			abort();
		if ((m.flags & PKT_F_FRAG_LATER) && (m.sport || m.dport))
			abort();
		(void)owner_of(&m, 1 + (unsigned int)(size % 7));
	}
	return 0;
}
