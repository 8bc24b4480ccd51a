package hub

import (
	"sync"

	"gatehouse/core/protocol"
)

// prefetchWorkers is how many store reads prefetchUsers keeps in flight.
// One read is a NATS request and reply; a member list build of a large
// guild reading its users one after another took minutes at a million
// members (bench-lazy), most of it waiting.
const prefetchWorkers = 32

// prefetchUsers reads into the user cache, prefetchWorkers at a time, the
// records of ids it does not hold, and returns when they are in. At most
// maxUsers are read: past that the cache would clear itself anyway. Any
// goroutine; the caller blocks.
func (h *Hub) prefetchUsers(ids []protocol.Snowflake) {
	var missing []protocol.Snowflake
	for _, id := range ids {
		if _, ok := h.users.get(id); !ok {
			missing = append(missing, id)
			if len(missing) == maxUsers/2 {
				break
			}
		}
	}
	if len(missing) < 2*prefetchWorkers {
		return // the caller's own reads are as fast
	}
	work := make(chan protocol.Snowflake, prefetchWorkers)
	var wg sync.WaitGroup
	for range prefetchWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				h.fetchUser(id)
			}
		}()
	}
	for _, id := range missing {
		if h.ctx.Err() != nil {
			break
		}
		work <- id
	}
	close(work)
	wg.Wait()
}
