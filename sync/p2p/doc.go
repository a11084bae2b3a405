// Package p2p puts BPF Draft on libp2p: a host with a persistent identity,
// TCP with Noise and QUIC with its TLS 1.3, mDNS discovery on the LAN, relay addresses
// from invites, hole punching where NATs allow it, a connection gater, and
// the sync protocol /bpfdraft/sync/1 run by the docsync engine (given as Sessions) on each
// stream. It is the only package besides the relay that imports libp2p.
package p2p
