package suite

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gatehouse/bench/loadgen"
)

// Benchmark guild layout: one guild, one text channel everyone can see.
const (
	BenchGuild   uint64 = 41771983423143937
	BenchChannel uint64 = 41771983423143938
	// MessageContentIntent is granted to every benchmark user, and asked
	// for in Identify, so content is delivered, not blanked.
	MessageContentIntent uint64 = 1 << 15
)

// Ingest calls a gateway's ingest API (or a peer's stand-in for it).
type Ingest struct {
	Base   string // http://host:port
	Secret string // "" sends no Authorization
	HC     *http.Client
}

// NewIngest returns a client with enough idle connections for concurrent
// posters.
func NewIngest(base, secret string) *Ingest {
	tr := &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: time.Minute}
	return &Ingest{Base: base, Secret: secret, HC: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

// Do sends one request and fails on anything but 2xx.
func (c *Ingest) Do(ctx context.Context, method, path, contentType string, body io.Reader) error {
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return err
	}
	if c.Secret != "" {
		req.Header.Set("Authorization", "Bearer "+c.Secret)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.HC.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}

// SetupGuild creates the benchmark guild with its channel, owned by owner.
func (c *Ingest) SetupGuild(ctx context.Context, owner uint64) error {
	body := fmt.Sprintf(`{"name":"Benchmark Guild","owner_id":"%d","channels":[{"id":"%d","type":0,"name":"general"}]}`, owner, BenchChannel)
	if err := c.Do(ctx, http.MethodPut, "/ingest/v1/users/"+strconv.FormatUint(owner, 10), "application/json",
		strings.NewReader(fmt.Sprintf(`{"username":"owner","privileged_intents":%d}`, MessageContentIntent))); err != nil {
		return err
	}
	return c.Do(ctx, http.MethodPut, "/ingest/v1/guilds/"+strconv.FormatUint(BenchGuild, 10), "application/json", strings.NewReader(body))
}

// LoadMembers adds users as members of the benchmark guild with one NDJSON
// members:batch request, streamed as it is generated.
func (c *Ingest) LoadMembers(ctx context.Context, users []uint64) error {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 64<<10)
		for _, u := range users {
			fmt.Fprintf(w, `{"user":{"id":"%d","username":"u%d","privileged_intents":%d},"roles":[],"joined_at":"2024-01-01T00:00:00.000000+00:00"}`+"\n",
				u, u, MessageContentIntent)
		}
		_ = pw.CloseWithError(w.Flush())
	}()
	return c.Do(ctx, http.MethodPost, "/ingest/v1/guilds/"+strconv.FormatUint(BenchGuild, 10)+"/members:batch", "application/x-ndjson", pr)
}

// content is the text of every benchmark message: about the size of a
// typical chat line with a mention and a link.
const content = "Deploy of the gateway to the eu-west pool finished; p99 fan-out latency looks flat, see the dashboard at https://example.invalid/d/gatehouse — ping <@80351110224678912> if anything drifts."

// PostTagged posts message index of class by author to the benchmark
// channel, stamped with the send time just before the request goes out.
func (c *Ingest) PostTagged(ctx context.Context, author uint64, class, index int) error {
	body := `{"author":{"id":"` + strconv.FormatUint(author, 10) + `"},"content":"` + content +
		`","nonce":"` + loadgen.Tag(class, index, time.Now().UnixNano()) + `"}`
	return c.Do(ctx, http.MethodPost, "/ingest/v1/channels/"+strconv.FormatUint(BenchChannel, 10)+"/messages", "application/json", strings.NewReader(body))
}

// PostUntagged posts a message the load generators do not time (warm-up).
func (c *Ingest) PostUntagged(ctx context.Context, author uint64) error {
	body := `{"author":{"id":"` + strconv.FormatUint(author, 10) + `"},"content":"warm-up"}`
	return c.Do(ctx, http.MethodPost, "/ingest/v1/channels/"+strconv.FormatUint(BenchChannel, 10)+"/messages", "application/json", strings.NewReader(body))
}
