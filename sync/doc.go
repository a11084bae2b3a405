// Package docsync (imported under that name: "sync" would shadow the
// standard library) keeps drafts in step between two peers over any
// ordered byte stream: a libp2p stream, a relay's, or a pipe in a test.
//
// A connection runs in three steps. Both sides send a preamble and a
// Hello with a fresh nonce. Both send an Offer: for each draft they want
// to sync, a tag that only holders of the draft's secret can compute and
// an HMAC over the draft, both peer ids and both nonces, proving they hold
// the secret on this very connection. Only drafts whose proof verified are
// synced, with Automerge's sync protocol, many drafts' messages batched per
// frame. A peer without a valid proof receives no byte of the draft.
package docsync
