package cluster

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"gatehouse/core/protocol"
	"gatehouse/core/store"
)

// dirWatch is one of the directory's two watches.
type dirWatch struct {
	name    string
	kv      jetstream.KeyValue
	filters []string
	// apply applies a batch with mu held and returns the guild deletes to
	// walk once it is released.
	apply func(w *dirWatch, batch []jetstream.KeyValueEntry) []*drop
	// synced is true once the watch has delivered its initial values, and
	// false again from a restart until the new consumer has caught up.
	synced atomic.Bool
}

// dirBatch is how many queued entries a watch applies under one lock.
const dirBatch = 256

// dirRetry is the wait before a watch that failed to start, or ended
// without being asked to, starts again.
const dirRetry = time.Second

// start runs both watches. Safe to call once.
func (d *directory) start() {
	d.wg.Add(2)
	go d.run(d.usersW)
	go d.run(d.guildsW)
}

// waitSynced waits until both watches first have their initial values, at
// most wait; it reports whether they do.
func (d *directory) waitSynced(wait time.Duration) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-d.ready:
		return true
	case <-t.C:
		return false
	}
}

// close stops both watches and waits for their goroutines. Idempotent.
func (d *directory) close() {
	if d == nil {
		return
	}
	d.closeOnce.Do(func() {
		d.cancel()
		d.wg.Wait()
	})
}

// Why a watch's consume loop returned.
type dirEnd int

const (
	endQuit        dirEnd = iota // close was called
	endClosed                    // the connection is closed for good
	endReconnected               // the connection came back: restart to catch up at once
	endBroken                    // the watch ended by itself (its consumer could not be recreated)
)

// run keeps one watch going until close or the connection's end. After a
// reconnect it restarts the watch from the revision after the last one it
// applied rather than wait for nats.go's ordered consumer to notice (two
// missed heartbeats, ~10 s) that the server lost it, and reports itself
// unsynced until the new consumer has delivered what it missed, so that
// readers ask NATS meanwhile.
func (d *directory) run(w *dirWatch) {
	defer d.wg.Done()
	status := d.nc.StatusChanged(nats.CONNECTED, nats.CLOSED)
	defer d.nc.RemoveStatusListener(status)
	failing := false
	for {
		kw, err := d.open(w)
		if err != nil {
			if !failing {
				d.log.Warn("cluster: directory watch not started, retrying", "bucket", w.name, "err", err)
				failing = true
			}
			if end := d.pause(status); end == endQuit || end == endClosed {
				return
			}
			continue
		}
		if failing {
			d.log.Info("cluster: directory watch started", "bucket", w.name)
			failing = false
		}
		end := d.consume(w, kw, status)
		w.synced.Store(false)
		stopWatch(kw)
		switch end {
		case endQuit, endClosed:
			return
		case endBroken:
			d.log.Warn("cluster: directory watch ended, restarting", "bucket", w.name)
			if end := d.pause(status); end == endQuit || end == endClosed {
				return
			}
		}
	}
}

// open starts the watch after the last revision applied (from the start,
// newest value per key, the first time). Metadata only: the directory
// needs keys, operations and revisions, never values.
func (d *directory) open(w *dirWatch) (jetstream.KeyWatcher, error) {
	d.mu.RLock()
	pos := d.userPos
	if w == d.guildsW {
		pos = d.guildPos
	}
	d.mu.RUnlock()
	opts := []jetstream.WatchOpt{jetstream.MetaOnly()}
	if pos > 0 {
		opts = append(opts, jetstream.ResumeFromRevision(pos+1))
	}
	ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
	defer cancel()
	// The watch's subscription lives as long as the context it was made
	// with; ctx bounds the setup only (see setupCtx).
	sctx, detach := detachable(ctx)
	kw, err := w.kv.WatchFiltered(sctx, append([]string(nil), w.filters...), opts...)
	if !detach() && err == nil {
		stopWatch(kw)
		err = ctx.Err()
	}
	return kw, err
}

// pause waits dirRetry, or less if the directory closes or the connection
// changes.
func (d *directory) pause(status chan nats.Status) dirEnd {
	t := time.NewTimer(dirRetry)
	defer t.Stop()
	select {
	case <-d.ctx.Done():
		return endQuit
	case s := <-status:
		if s == nats.CLOSED {
			return endClosed
		}
		return endReconnected
	case <-t.C:
		return endBroken
	}
}

// consume applies the watch's entries in batches until something ends it.
func (d *directory) consume(w *dirWatch, kw jetstream.KeyWatcher, status chan nats.Status) dirEnd {
	batch := make([]jetstream.KeyValueEntry, 0, dirBatch)
	for {
		select {
		case <-d.ctx.Done():
			return endQuit
		case s := <-status:
			if s == nats.CLOSED {
				return endClosed
			}
			return endReconnected
		case e, ok := <-kw.Updates():
			if !ok {
				if d.nc.IsClosed() {
					return endClosed
				}
				return endBroken
			}
			batch = append(batch[:0], e)
			open := true
			for open && len(batch) < dirBatch {
				select {
				case e, ok := <-kw.Updates():
					if ok {
						batch = append(batch, e)
					}
					open = ok
				default:
					open = false
				}
			}
			d.applyBatch(w, batch)
		}
	}
}

// applyBatch applies entries under one lock; a nil entry is the
// initial-values marker.
func (d *directory) applyBatch(w *dirWatch, batch []jetstream.KeyValueEntry) {
	marker := false
	d.mu.Lock()
	pos := d.userPos
	if w == d.guildsW {
		pos = d.guildPos
	}
	n := 0
	for _, e := range batch {
		switch {
		case e == nil:
			marker = true
		case e.Revision() > pos: // anything else was applied before a restart
			batch[n] = e
			n++
			pos = e.Revision()
		}
	}
	drops := w.apply(w, batch[:n])
	d.advance(w, pos)
	d.mu.Unlock()
	clear(batch)
	for _, dr := range drops {
		d.finishDrop(dr)
	}
	if marker {
		w.synced.Store(true)
		if d.usersW.synced.Load() && d.guildsW.synced.Load() {
			d.readyOnce.Do(func() { close(d.ready) })
		}
	}
}

// applyUsers applies gh_users entries (keys u.<uid>).
func (d *directory) applyUsers(_ *dirWatch, batch []jetstream.KeyValueEntry) []*drop {
	for _, e := range batch {
		u, err := strconv.ParseUint(strings.TrimPrefix(e.Key(), "u."), 10, 64)
		if err != nil {
			continue
		}
		d.setUser(protocol.Snowflake(u), e.Operation() == jetstream.KeyValuePut, e.Revision(), true)
	}
	return nil
}

// applyGuilds applies gh_guilds entries: member puts and deletes, and
// guild deletes (which come without per-member markers).
func (d *directory) applyGuilds(_ *dirWatch, batch []jetstream.KeyValueEntry) []*drop {
	var drops []*drop
	for _, e := range batch {
		kind, g, id, ok := parseGuildKey(e.Key())
		if !ok {
			continue
		}
		put := e.Operation() == jetstream.KeyValuePut
		switch {
		case kind == store.KindMember:
			d.setMember(g, id, put, e.Revision(), true)
		case kind == store.KindGuild && !put:
			if dr := d.dropGuild(g, e.Revision(), true); dr != nil {
				drops = append(drops, dr)
			}
		}
	}
	return drops
}
