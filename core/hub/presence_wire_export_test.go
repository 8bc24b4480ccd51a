package hub

import (
	"sync"
	"testing"
	"time"

	"gatehouse/core/protocol"
)

// TestExportedNodeWire stands in for a node with only the exported
// encoders, as the lazy member list benchmark does: a heartbeat with an
// unseen seq makes the hub ask it for a snapshot, a multi-part snapshot
// answers, and contributions numbered on from it apply without another
// request.
func TestExportedNodeWire(t *testing.T) {
	bus := newBus()
	var mu sync.Mutex
	var asked []string
	// The stand-in's own subscription to the user subject.
	if _, err := bus.SubscribeUsers(func(ev []byte) {
		if target, from, ok := DecodeSnapshotRequest(ev); ok {
			mu.Lock()
			asked = append(asked, from+"→"+target)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	h := newTestHubTTL(t, bus, "h", 5*time.Second)
	publish := func(b []byte, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		_ = bus.PublishUser(b)
	}
	const n = 4500 // three parts
	users := make([]NodePresence, 0, n+1)
	for i := 1; i <= n; i++ {
		users = append(users, NodePresence{User: uint64(i), Status: []string{"online", "idle", "dnd"}[i%3]})
	}
	users = append(users, NodePresence{User: n + 1, Status: "offline"}) // left out
	publish(EncodeNodeHeartbeat("fake", 7))
	deadline := time.Now().Add(testWait)
	for {
		mu.Lock()
		got := len(asked)
		mu.Unlock()
		if got > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no snapshot request after a heartbeat with an unseen seq")
		}
		time.Sleep(5 * time.Millisecond)
	}
	parts, err := EncodeNodeSnapshot("fake", 7, users)
	if err != nil {
		t.Fatal(err)
	}
	if want := (n + snapshotPart - 1) / snapshotPart; len(parts) != want {
		t.Fatalf("%d snapshot parts, want %d", len(parts), want)
	}
	for _, p := range parts {
		publish(p, nil)
	}
	waitStatus(t, h, 1, "idle")
	waitStatus(t, h, n, "online")
	waitStatus(t, h, n+1, "offline")
	publish(EncodeContribution("fake", 8, NodePresence{User: 3, Status: "offline"}))
	publish(EncodeContribution("fake", 9, NodePresence{User: n + 1, Status: "dnd"}))
	waitStatus(t, h, 3, "offline")
	waitStatus(t, h, n+1, "dnd")
	p, _ := h.presence.get(protocol.Snowflake(n + 1))
	if string(p.ClientStatus) != `{"desktop":"dnd"}` || string(p.Activities) != "[]" {
		t.Fatalf("defaults: client_status %s activities %s", p.ClientStatus, p.Activities)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(asked) != 1 || asked[0] != "h→fake" {
		t.Fatalf("snapshot requests %q, want one h→fake", asked)
	}
	if _, _, ok := DecodeSnapshotRequest(parts[0]); ok {
		t.Fatal("a snapshot part read as a request")
	}
}
