# SPDX-License-Identifier: BSD-3-Clause
#
# bench/lab_peers.sh — sourced by the lab benchmarks: the peers that replace the
# appliance in sl-node (deploy/lab.sh up --no-appliance), set up the same way for all.

# lab_kernel_node: sl-node's kernel takes the appliance's addresses and forwards.
lab_kernel_node() {
	ip netns exec sl-node ip addr add 198.18.0.100/32 dev front
	ip netns exec sl-node ip addr add 198.18.1.1/24 dev back
	ip netns exec sl-node sysctl -qw net.ipv4.ip_forward=1
}

# lab_nft_dnat up|down: the kernel's load balancer as kube-proxy's nftables mode makes
# it: DNAT of the VIP's port 80 to the three backends by numgen round robin, and
# masquerade towards them (the fnat of the kernel).
lab_nft_dnat() {
	if [[ $1 == down ]]; then
		ip netns exec sl-node nft delete table ip slb
		return
	fi
	ip netns exec sl-node nft -f - <<'NFT'
table ip slb {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr 198.18.0.100 tcp dport 80 dnat to numgen inc mod 3 map { 0 : 198.18.1.11, 1 : 198.18.1.12, 2 : 198.18.1.13 }
	}
	chain post {
		type nat hook postrouting priority srcnat;
		ip daddr 198.18.1.0/24 masquerade
	}
}
NFT
}
