// Package wire frames BPF Draft's sync protocol on an ordered byte stream.
//
// A connection starts with a preamble from each side: the four bytes
// "BPFD" and one version byte. After it come frames: a type byte, the
// payload length as unsigned LEB128, and the payload. The high bit of the
// type says the payload is deflated, in a deflate context per direction
// that spans the whole connection (the payload then starts with its raw
// length as LEB128). Frames are capped in size, so a
// malformed or hostile length never makes a reader allocate more than
// MaxPayload.
//
// The preamble and the Error frame are frozen across versions: a peer that
// meets an unknown version answers with an Error frame naming the versions
// it speaks, and both sides can log why they parted.
package wire
