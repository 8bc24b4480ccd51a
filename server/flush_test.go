package server_test

import (
	"testing"

	"gatehouse/core/session"
	"gatehouse/internal/gatetest"
	"gatehouse/server"
)

// TestFlushBudgetKeepsEverythingInOrder makes every flush run out of budget
// after its first few connections (a 1 ns budget), so the loop hands
// itself back to its sockets and requeues the rest again and again, and
// checks that every client still gets every dispatch, whole and in order.
func TestFlushBudgetKeepsEverythingInOrder(t *testing.T) {
	srv := rawStart(t, func(c *server.Config) {
		c.FlushBudget = 1
		c.NumEventLoops = 1
	})
	const clients, messages, pad = 40, 30, 300
	gs := make([]*gatetest.Gateway, clients)
	ss := make([]*session.Session, clients)
	for i := range gs {
		gs[i], ss[i] = rawIdentified(t, srv, rawQuery, uint64(100+i))
	}
	for n := range messages {
		for _, s := range ss {
			s.Dispatch("MESSAGE_CREATE", rawMessage(n, pad))
		}
	}
	for i, g := range gs {
		for n := range messages {
			rawExpectMessage(t, g, uint64(2+n), n, pad)
		}
		if t.Failed() {
			t.Fatalf("client %d", i)
		}
	}
}
