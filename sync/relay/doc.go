// Package relay is the service behind cmd/bpfrelay: a libp2p circuit
// relay (v2) for peers behind NAT, and a store of sealed blobs per draft,
// so that two participants who are never online at the same time still
// merge, without the relay ever reading a draft.
//
// What it keeps (Store, relay.db): per draft, the public half of its
// access key (sync/draftkey), who registered it, and its blobs in order,
// each sealed by a peer under the draft's content key, which the relay
// never has. A peer opens a draft by signing the session's nonces with
// the access key; the relay then sends the blobs after the last the peer
// read, takes a blob appended in the place after its newest (or says
// which place it is at), replaces the blobs a snapshot stands for, and
// passes sealed presence and typing previews to the draft's other live
// sessions without keeping them. It never loads a draft: it cannot, and
// a blob's size is all it learns of it.
//
// Authorization: only drafts registered with it are kept (bpfdraft invite
// --relay), by listed peers or by anyone when the operator opens the
// relay. A new access key (a rotated secret) needs the current key's
// signature, and drops the blobs sealed under the old keys. Quotas bound
// what each draft, each registrant and the relay as a whole may store.
package relay
