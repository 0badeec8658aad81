#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The worker path end to end on a pcap port: see tests/integ/pcap_replay.py.
exec /usr/bin/python3 "$(dirname "$0")/pcap_replay.py"
