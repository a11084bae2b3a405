//go:build !linux

package crdt

// ReleaseMemory does nothing where the C allocator has no trim call.
func ReleaseMemory() {}
