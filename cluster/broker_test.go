package cluster

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatehouse/core/broker"
)

// recv collects events on a channel for a test to read in order.
type recv chan []byte

func (r recv) fn(ev []byte) { r <- ev }

func (r recv) want(t *testing.T, evs ...string) {
	t.Helper()
	for _, w := range evs {
		select {
		case got := <-r:
			if string(got) != w {
				t.Fatalf("got %q, want %q", got, w)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event, want %q", w)
		}
	}
}

func TestBrokerOrderAndUnsubscribe(t *testing.T) {
	b := connectEngine(t, runJSServer(t)).Broker()
	const n = 5000
	r1, r2 := make(recv, n), make(recv, n)
	s1, err := b.SubscribeGuild(1, r1.fn)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := b.SubscribeGuild(1, r2.fn)
	if err != nil {
		t.Fatal(err)
	}
	other := make(recv, 10)
	if _, err := b.SubscribeGuild(11, other.fn); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range n {
		ev := strconv.Itoa(i)
		want = append(want, ev)
		if err := b.PublishGuild(1, []byte(ev)); err != nil {
			t.Fatal(err)
		}
	}
	r1.want(t, want...)
	r2.want(t, want...)

	// After Unsubscribe, s1 gets nothing while s2, on the same subject,
	// gets everything published after it.
	if err := s1.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if err := s1.Unsubscribe(); err != nil {
		t.Fatalf("second Unsubscribe: %v", err)
	}
	for _, ev := range []string{"a", "b", "c"} {
		if err := b.PublishGuild(1, []byte(ev)); err != nil {
			t.Fatal(err)
		}
	}
	r2.want(t, "a", "b", "c")
	if len(r1) != 0 || len(other) != 0 {
		t.Fatalf("delivered after unsubscribe or to another guild: %d, %d", len(r1), len(other))
	}
	if err := s2.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
}

func TestBrokerTwoEnginesFanOut(t *testing.T) {
	srv := runJSServer(t)
	a, b := connectEngine(t, srv), connectEngine(t, srv)
	type sub struct {
		r recv
		s broker.Subscription
	}
	var subs []sub
	for _, e := range []*Engine{a, b} {
		r := make(recv, 100)
		s, err := e.Broker().SubscribeGuild(42, r.fn)
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.Broker().SubscribeUsers(r.fn)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub{r, s}, sub{nil, u})
	}
	// Subscriptions on a are registered with the server before b publishes:
	// a Flush round-trips through the server.
	for _, e := range []*Engine{a, b} {
		if err := e.Conn().Flush(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		if err := a.Broker().PublishGuild(42, fmt.Appendf(nil, "a%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Broker().PublishUser([]byte("presence")); err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		if s.r != nil {
			// Per-publisher order holds; the user event is on its own subject.
			got := [][]byte{}
			for range 4 {
				select {
				case ev := <-s.r:
					got = append(got, ev)
				case <-time.After(10 * time.Second):
					t.Fatalf("missing events, got %q", got)
				}
			}
			var guildEvs [][]byte
			sawUser := false
			for _, ev := range got {
				if string(ev) == "presence" {
					sawUser = true
				} else {
					guildEvs = append(guildEvs, ev)
				}
			}
			if !sawUser || !bytes.Equal(bytes.Join(guildEvs, []byte(",")), []byte("a0,a1,a2")) {
				t.Fatalf("engine got %q", got)
			}
		}
	}
}

// logRecorder keeps log records for a test to inspect.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, r.Message)
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }

func (l *logRecorder) has(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if m == msg {
			return true
		}
	}
	return false
}

func TestBrokerSlowConsumerDropsAndLogs(t *testing.T) {
	rec := &logRecorder{}
	e := connectEngine(t, runJSServer(t), WithPendingLimits(10, 1<<20), WithLogger(slog.New(rec)))
	release := make(chan struct{})
	var got atomic.Int64
	s, err := e.Broker().SubscribeGuild(5, func([]byte) {
		<-release
		got.Add(1)
	})
	if err != nil {
		t.Fatal(err)
	}
	const sent = 200
	for range sent {
		if err := e.Broker().PublishGuild(5, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		if !rec.has("nats slow consumer: dropping messages") {
			return fmt.Errorf("no slow-consumer log yet")
		}
		return nil
	})
	// Every message must have reached the client before the handler is
	// released: pending (nats.go counts the one in the handler there too)
	// or dropped. Released earlier, messages still on their way find a
	// fast consumer.
	ns := s.(*natsSub).sub
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		dropped, _ := ns.Dropped()
		pending, _, _ := ns.Pending()
		if dropped+pending != sent {
			return fmt.Errorf("%d dropped + %d pending of %d sent", dropped, pending, sent)
		}
		return nil
	})
	close(release)
	checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
		dropped, _ := ns.Dropped()
		if n := got.Load(); n+int64(dropped) != sent || n > 11 {
			return fmt.Errorf("delivered %d, dropped %d of %d", n, dropped, sent)
		}
		return nil
	})
}
