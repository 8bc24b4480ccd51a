package suite

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/bench/loadgen"
)

// Message classes of a broadcast run (loadgen.Tag): each phase tags its
// messages with its own class so its deliveries are counted apart.
const (
	ClassSingle = 0
	ClassRate   = 1
	ClassBurst  = 2
	ClassResume = 3
)

// PhaseConfig says what a broadcast run posts.
type PhaseConfig struct {
	// Single messages (class 0) go one at a time: each is posted, fully
	// delivered, then SingleGap passes. This is "one message to N
	// sessions".
	Single    int           `json:"single"`
	SingleGap time.Duration `json:"single_gap"`
	// Rate messages per second (class 1) are posted for RateFor.
	Rate    float64       `json:"rate"`
	RateFor time.Duration `json:"rate_for"`
	// Burst messages (class 2) are posted as fast as Posters concurrent
	// requests go: peak deliveries per second. 0 picks about a million
	// deliveries (BurstFor).
	Burst   int `json:"burst"`
	Posters int `json:"posters"`
}

// DefaultPhases are the suite's defaults.
var DefaultPhases = PhaseConfig{Single: 10, SingleGap: 200 * time.Millisecond, Rate: 20, RateFor: 5 * time.Second, Posters: 8}

// BurstFor is the burst size for n sessions: about a million deliveries,
// between 50 and 1,000 messages.
func BurstFor(n int) int { return min(max(1_000_000/max(n, 1), 50), 1000) }

// Phase is one phase's figures.
type Phase struct {
	Name       string `json:"name"`
	Class      int    `json:"class"`
	Messages   int    `json:"messages"` // posted successfully
	PostErrors int    `json:"post_errors"`
	FirstError string `json:"first_post_error,omitempty"`
	Sessions   int64  `json:"sessions"` // recipients of each message
	Expected   int64  `json:"expected_deliveries"`
	Delivered  int64  `json:"delivered"`
	Missing    int64  `json:"missing"`
	Complete   int    `json:"messages_fully_delivered"`
	TimedOut   bool   `json:"timed_out,omitempty"`
	// Seconds runs from the first post to the last delivery.
	Seconds          float64 `json:"seconds"`
	DeliveriesPerSec float64 `json:"deliveries_per_sec"`
	// Latency is send → receipt over every delivery; FullyDelivered* are,
	// per message, the time until its last delivery (median and max).
	Latency             loadgen.HistSummary `json:"latency"`
	FullyDeliveredP50US float64             `json:"fully_delivered_p50_us"`
	FullyDeliveredMaxUS float64             `json:"fully_delivered_max_us"`
	// Server CPU (user + system) from the first post until every delivery
	// arrived, per delivery, and its inverse: deliveries per CPU-second.
	ServerCPUSeconds       float64 `json:"server_cpu_seconds"`
	CPUPerDeliveryNS       float64 `json:"cpu_per_delivery_ns"`
	DeliveriesPerCPUSecond float64 `json:"deliveries_per_cpu_second"`

	firstPostNS int64
}

// RunPhases posts every phase's messages to t and waits, phase by phase,
// until the fleet has every delivery (or a time limit passes). Latencies
// are filled in by Finish once the fleet has stopped.
func RunPhases(ctx context.Context, t *Target, f *Fleet, sessions int64, pc PhaseConfig, n int) []*Phase {
	var out []*Phase
	if pc.Single > 0 {
		out = append(out, runSingle(ctx, t, f, sessions, pc))
	}
	if pc.Rate > 0 && pc.RateFor > 0 {
		msgs := int(pc.Rate * pc.RateFor.Seconds())
		out = append(out, runPosted(ctx, t, f, sessions, "rate", ClassRate, msgs, func(ctx context.Context, post func(int)) {
			t0 := time.Now()
			for i := 0; i < msgs && ctx.Err() == nil; i++ {
				if d := time.Until(t0.Add(time.Duration(float64(i) / pc.Rate * float64(time.Second)))); d > 0 {
					time.Sleep(d)
				}
				post(i)
			}
		}))
	}
	burst := pc.Burst
	if burst == 0 {
		burst = BurstFor(n)
	}
	if burst > 0 {
		out = append(out, runPosted(ctx, t, f, sessions, "burst", ClassBurst, burst, func(ctx context.Context, post func(int)) {
			var next atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < max(pc.Posters, 1); w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := int(next.Add(1) - 1); i < burst && ctx.Err() == nil; i = int(next.Add(1) - 1) {
						post(i)
					}
				}()
			}
			wg.Wait()
		}))
	}
	return out
}

// waitLimit is how long to wait for want deliveries after the last post:
// generous, since a saturated 2-core machine may take a while.
func waitLimit(want int64) time.Duration {
	return 15*time.Second + time.Duration(want/50_000)*time.Second
}

// runSingle posts messages one at a time, each after the previous one
// reached every session.
func runSingle(ctx context.Context, t *Target, f *Fleet, sessions int64, pc PhaseConfig) *Phase {
	ph := &Phase{Name: "single", Class: ClassSingle, Sessions: sessions}
	ph.firstPostNS = time.Now().UnixNano()
	var busy float64
	for i := 0; i < pc.Single && ctx.Err() == nil; i++ {
		c0, _ := t.CPUSeconds()
		if err := t.Publish(ctx, ClassSingle, i); err != nil {
			ph.postError(err)
			continue
		}
		ph.Messages++
		want := int64(ph.Messages) * sessions
		if _, ok := f.WaitFor(ctx, waitLimit(sessions), func(p Progress) bool { return p.TaggedOf(ClassSingle) >= want }); !ok {
			ph.TimedOut = true
		}
		c1, _ := t.CPUSeconds()
		busy += c1 - c0
		time.Sleep(pc.SingleGap)
	}
	// CPU counts only while a message was in flight, not the gaps.
	ph.ServerCPUSeconds = busy
	ph.Expected = int64(ph.Messages) * sessions
	return ph
}

// runPosted runs post-loop drive, then waits for every delivery.
func runPosted(ctx context.Context, t *Target, f *Fleet, sessions int64, name string, class, msgs int, drive func(context.Context, func(int))) *Phase {
	ph := &Phase{Name: name, Class: class, Sessions: sessions}
	var mu sync.Mutex
	cpu0, _ := t.CPUSeconds()
	ph.firstPostNS = time.Now().UnixNano()
	drive(ctx, func(i int) {
		err := t.Publish(ctx, class, i)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			ph.postError(err)
			return
		}
		ph.Messages++
	})
	ph.Expected = int64(ph.Messages) * sessions
	if _, ok := f.WaitFor(ctx, waitLimit(ph.Expected), func(p Progress) bool { return p.TaggedOf(class) >= ph.Expected }); !ok {
		ph.TimedOut = true
	}
	cpu1, _ := t.CPUSeconds()
	ph.ServerCPUSeconds = cpu1 - cpu0
	return ph
}

func (ph *Phase) postError(err error) {
	ph.PostErrors++
	if ph.FirstError == "" {
		ph.FirstError = err.Error()
		fmt.Fprintf(os.Stderr, "suite: %s: post: %v\n", ph.Name, err)
	}
}

// Finish fills each phase's deliveries and latencies from the loadgens'
// results.
func Finish(phases []*Phase, results []loadgen.Result) {
	for _, ph := range phases {
		d := MergeDeliveries(results, ph.Class)
		ph.Delivered = int64(d.Count)
		ph.Latency = d.Latency
		ph.Complete, ph.Missing = d.Completeness(ph.Messages, ph.Sessions)
		slow := d.SlowestUS()
		ph.FullyDeliveredP50US = Median(slow)
		if len(slow) > 0 {
			ph.FullyDeliveredMaxUS = slow[len(slow)-1]
		}
		if d.LastUnixNS > ph.firstPostNS && ph.firstPostNS > 0 {
			ph.Seconds = float64(d.LastUnixNS-ph.firstPostNS) / 1e9
			ph.DeliveriesPerSec = float64(ph.Delivered) / ph.Seconds
		}
		if ph.Delivered > 0 && ph.ServerCPUSeconds > 0 {
			ph.CPUPerDeliveryNS = ph.ServerCPUSeconds * 1e9 / float64(ph.Delivered)
			ph.DeliveriesPerCPUSecond = float64(ph.Delivered) / ph.ServerCPUSeconds
		}
	}
}

// TrackFor is the loadgen --track-messages that covers every phase.
func TrackFor(pc PhaseConfig, n int) int {
	burst := pc.Burst
	if burst == 0 {
		burst = BurstFor(n)
	}
	return max(pc.Single, int(pc.Rate*pc.RateFor.Seconds()), burst, 1)
}
