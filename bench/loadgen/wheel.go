package loadgen

// wheel is one event loop's heartbeat timer wheel. Each connection sits in
// the slot of its next heartbeat (c.hbDue); the loop's tick task advances
// the wheel and sends the heartbeats that are due. One tick task per loop
// per TickInterval, rather than a timer per connection, keeps 19,000 idle
// sessions at a few dozen wake-ups a second.
//
// Owned by the loop goroutine, like the connections in it.
type wheel struct {
	res   int64 // ns per slot
	slots [][]*conn
	spare []*conn
	next  int64 // tick number (time / res) of the next slot to run
}

// wheelSlots times res must exceed the longest heartbeat interval for a
// connection to be visited once per beat; longer intervals still work, as
// entries not yet due go back in.
const wheelSlots = 1024

func newWheel(res, now int64) *wheel {
	return &wheel{res: res, slots: make([][]*conn, wheelSlots), next: now / res}
}

// add schedules c at c.hbDue.
func (w *wheel) add(c *conn) {
	t := max(c.hbDue/w.res, w.next)
	i := t % wheelSlots
	w.slots[i] = append(w.slots[i], c)
}

// advance runs every slot up to now: fire for each live connection whose
// heartbeat is due (fire reschedules it), re-adding those due in a later
// round.
func (w *wheel) advance(now int64, fire func(*conn)) {
	for ; w.next <= now/w.res; w.next++ {
		i := w.next % wheelSlots
		due := w.slots[i]
		if len(due) == 0 {
			continue
		}
		w.slots[i] = w.spare[:0]
		for j, c := range due {
			due[j] = nil
			switch {
			case c.phase == phaseClosed:
			case c.hbDue/w.res > w.next:
				w.add(c)
			default:
				fire(c)
			}
		}
		w.spare = due[:0]
	}
}
