package server_test

import (
	"strings"
	"testing"
	"time"

	"gatehouse/bindings/purego"
	"gatehouse/internal/gatetest"
	"gatehouse/server/ws"
)

// TestSmokeIdentify walks Hello → Identify → READY → Heartbeat → ACK over a
// real socket.
func TestSmokeIdentify(t *testing.T) {
	srv := gatetest.Start(t, purego.Factory(), nil)
	c := gatetest.Dial(t, srv, "v=10&encoding=json")
	ev, err := c.Next(2 * time.Second)
	if err != nil || ev.Kind != ws.KindText || !strings.Contains(string(ev.Payload), `"op":10`) {
		t.Fatalf("hello: %v %s", err, ev.Payload)
	}
	c.SendText(`{"op":2,"d":{"token":"` + gatetest.Token(42) + `","properties":{"os":"linux","browser":"t","device":"t"},"intents":513}}`)
	ev, err = c.Next(2 * time.Second)
	if err != nil || !strings.HasPrefix(string(ev.Payload), `{"t":"READY","s":1,"op":0,"d":`) {
		t.Fatalf("ready: %v %s", err, ev.Payload)
	}
	c.SendText(`{"op":1,"d":1}`)
	ev, err = c.Next(2 * time.Second)
	if err != nil || string(ev.Payload) != `{"t":null,"s":null,"op":11,"d":null}` {
		t.Fatalf("ack: %v %s", err, ev.Payload)
	}
	c.SendText(`{"op":2,"d":{"token":"` + gatetest.Token(42) + `","properties":{"os":"linux","browser":"t","device":"t"},"intents":513}}`)
	if code := c.ExpectClose(2 * time.Second); code != 4005 {
		t.Fatalf("second identify closed with %d, want 4005", code)
	}
}
