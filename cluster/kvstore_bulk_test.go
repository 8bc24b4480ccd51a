package cluster

import (
	"sync"
	"testing"

	"gatehouse/core/protocol"
)

// TestConcurrentBulkLoads: five bulk member loads at once, each with far
// more members than its publish window, all succeed (the JetStream
// context's async limit is shared: without the admission limit a fifth
// pipeline stalled and failed), and every member is stored.
func TestConcurrentBulkLoads(t *testing.T) {
	e := connectEngine(t, runJSServer(t))
	st := e.Store()
	// The publishes in flight never pass what the admitted loads may hold.
	var peak int
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			default:
			}
			peak = max(peak, e.JetStream().PublishAsyncPending())
		}
	}()
	const loads, per = 5, 1500
	ms := makeMembers(per)
	var wg sync.WaitGroup
	errs := make(chan error, loads)
	for g := range loads {
		gid := protocol.Snowflake(900 + g)
		if _, err := st.PutGuild(ctxT(t), testGuild(gid)); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := st.PutMembers(ctxT(t), gid, ms); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(stop)
	<-sampled
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent bulk load: %v", err)
	}
	if limit := maxBulkLoads * pipelineWindow; peak > limit {
		t.Fatalf("%d publishes in flight at once, over %d (%d loads × %d)", peak, limit, maxBulkLoads, pipelineWindow)
	}
	t.Logf("peak publishes in flight: %d", peak)
	for g := range loads {
		snap, err := st.LoadGuild(ctxT(t), protocol.Snowflake(900+g))
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Members) != per {
			t.Fatalf("guild %d: %d members stored, want %d", 900+g, len(snap.Members), per)
		}
	}
}
