// Package relay is the service behind cmd/bpfrelay: a libp2p circuit
// relay (v2) for peers behind NAT, and a store-and-forward sync peer with
// its own store, so that two participants who are never online at the
// same time still merge.
//
// Authorization: the relay stores only drafts registered with it. A
// draft's owner registers it (bpfdraft invite --relay) by handing the
// relay the draft's secret over the encrypted libp2p stream; from then on
// the relay proves access to peers, and they to it, exactly as between
// two participants. Re-registering a draft under a new secret needs a
// proof of the old one, so knowing a draft id is not enough to take it
// over. Only listed peer ids may register, or anyone when the operator
// opens the relay; quotas bound what each draft, each registrant and the
// relay as a whole may store, on every path that stores changes.
package relay
