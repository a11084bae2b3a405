package crdt

// #include <malloc.h>
import "C"

// ReleaseMemory hands the C heap's free pages back to the system.
// Automerge's core allocates with the C allocator, which keeps what a
// closed document freed for reuse; a relay that opens and closes
// thousands of drafts calls this after a burst.
func ReleaseMemory() { C.malloc_trim(0) }
