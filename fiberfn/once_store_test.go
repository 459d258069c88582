package fiberfn_test

import (
	"testing"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/oncetest"
)

// TestMemoryOnceStore checks the in-memory store's contract.
func TestMemoryOnceStore(t *testing.T) {
	oncetest.TestStore(t, func(*testing.T) fiberfn.OnceStore { return fiberfn.NewMemoryOnceStore() })
}

// TestOnceInstancesMemory runs two instances in this process sharing one
// in-memory store: once-only across instances, crashes, owners, and no
// lock across the store's I/O.
func TestOnceInstancesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("two instances on loopback, 50 rounds of each kind of key")
	}
	oncetest.TestInstances(t, func(*testing.T) fiberfn.OnceStore { return fiberfn.NewMemoryOnceStore() })
}
