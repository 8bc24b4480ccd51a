package cluster

import (
	"context"
	"sync"
)

// setupCtx carries a parent's values and cancellation only until detach.
// nats.go ties a watch's subscription to the context it was created with;
// WatchGuild wants the caller's context to bound the setup only (a watch
// started under `ctx, cancel := context.WithTimeout(...); defer cancel()`
// must not die silently on return), so it detaches once the watch exists.
type setupCtx struct {
	context.Context // the parent without its cancellation
	done            chan struct{}
	mu              sync.Mutex
	err             error
}

// detachable returns a context that is done when parent is, until detach
// is called; after that it is never done. detach reports false when the
// parent was done first (the setup was cancelled).
func detachable(parent context.Context) (ctx context.Context, detach func() bool) {
	c := &setupCtx{Context: context.WithoutCancel(parent), done: make(chan struct{})}
	stop := context.AfterFunc(parent, func() {
		c.mu.Lock()
		c.err = parent.Err()
		c.mu.Unlock()
		close(c.done)
	})
	return c, stop
}

func (c *setupCtx) Done() <-chan struct{} { return c.done }

func (c *setupCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
