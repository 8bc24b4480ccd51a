package node_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/internal/gatetest"
)

// buildGatehouse builds the real binary, as `make build` does (cgo as the
// environment has it), into a temp dir.
func buildGatehouse(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gatehouse")
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", bin, "gatehouse/cmd/gatehouse").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Logf("built %s in %v", bin, time.Since(start).Round(time.Millisecond))
	return bin
}

// gatehouseProc is the binary running as a child process.
type gatehouseProc struct {
	cmd      *exec.Cmd
	ws, http string
	stderr   *syncBuffer
	done     chan struct{}
}

// syncBuffer is a bytes.Buffer the child's stderr copier and the test may
// share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startGatehouse runs bin on dataDir with fixed secrets on free ports and
// waits until /readyz answers 200. The process is killed when the test
// ends, whatever happens. A port taken between choosing and binding makes
// the child exit; then it tries other ports.
func startGatehouse(t *testing.T, bin, dataDir string) *gatehouseProc {
	t.Helper()
	for attempt := 0; attempt < 3; attempt++ {
		p := &gatehouseProc{ws: freeAddr(t), http: freeAddr(t), stderr: &syncBuffer{}, done: make(chan struct{})}
		p.cmd = exec.Command(bin, "serve", "--ws-addr", p.ws, "--http-addr", p.http, "--data-dir", dataDir,
			"--secret", gatetest.Secret, "--ingest-secret", gatetest.IngestSecret,
			"--heartbeat-interval", "10m", "--identify-window", "1ms", "--max-concurrency", "16", "--log-level", "warn")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GATEHOUSE_") {
				p.cmd.Env = append(p.cmd.Env, kv)
			}
		}
		p.cmd.Stderr = p.stderr
		killWithParent(p.cmd)
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { _ = p.cmd.Wait(); close(p.done) }()
		t.Cleanup(p.kill)
		if p.waitReady(t) {
			return p
		}
		t.Logf("gatehouse exited at start (attempt %d):\n%s", attempt+1, p.stderr.String())
	}
	t.Fatal("gatehouse exited at start three times")
	return nil
}

// waitReady polls /readyz; false means the process exited first.
func (p *gatehouseProc) waitReady(t *testing.T) bool {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return false
		default:
		}
		if resp, err := http.Get("http://" + p.http + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("gatehouse not ready within 30s:\n%s", p.stderr.String())
	return false
}

// kill sends SIGKILL (kill -9) and waits for the process to be gone.
func (p *gatehouseProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// snapshotSession connects as user and returns READY's and GUILD_CREATE's
// d, decoded generically (so comparing them compares every field), with
// READY's per-connection fields removed.
func snapshotSession(t *testing.T, ws string, user uint64) (ready, guildCreate map[string]any) {
	t.Helper()
	s := gatetest.ConnectAddr(t, ws, user, intentGuilds|intentGuildMembers|intentGuildPresences|intentGuildMessages, nil)
	got := s.Until("GUILD_CREATE", nil)
	if err := json.Unmarshal(s.Ready.D, &ready); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got[len(got)-1].D, &guildCreate); err != nil {
		t.Fatal(err)
	}
	delete(ready, "session_id")
	delete(ready, "resume_gateway_url")
	s.SendClose(1000, "")
	return ready, guildCreate
}

const (
	psGuild = 11000
	psOwner = 11001 // GUILD_MEMBERS and GUILD_PRESENCES granted
	psLate  = 11099 // written just before the kill
)

// TestRestartPersistence: state written through the ingest API of the real
// binary survives kill -9: after a restart on the same --data-dir, READY
// and GUILD_CREATE (guild settings, roles, channels with overwrites,
// members with users, nicks and roles, deletes included) equal what they
// were before, and a user written immediately before the kill is there.
func TestRestartPersistence(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildGatehouse(t)
	dataDir := t.TempDir()
	p := startGatehouse(t, bin, dataDir)

	put := func(method, path, body string) { gatetest.MustIngestAt(t, p.http, method, path, body) }
	put("PUT", "/users/11001", `{"username":"owner","global_name":"The Owner","privileged_intents":258}`)
	put("PUT", "/users/11002", `{"username":"second","avatar":"abc","bot":true}`)
	put("PUT", "/users/11003", `{"username":"third"}`)
	put("PUT", "/guilds/11000", `{"name":"Persisted","owner_id":"11001","afk_timeout":300,"verification_level":2,
		"description":"kept","preferred_locale":"de","features":["COMMUNITY"],"system_channel_flags":3,
		"roles":[{"id":"11000","name":"@everyone","permissions":"1024"},
			{"id":"11201","name":"mods","color":16711680,"hoist":true,"position":2,"permissions":"8192","mentionable":true},
			{"id":"11202","name":"gone","position":1,"permissions":"0"},
			{"id":"11203","name":"members","position":1,"permissions":"2048"}],
		"channels":[{"id":"11100","type":4,"name":"category","position":0},
			{"id":"11101","type":0,"name":"general","position":1,"parent_id":"11100","topic":"hello","rate_limit_per_user":5},
			{"id":"11102","type":0,"name":"mods-only","position":2,"nsfw":true,"permission_overwrites":[
				{"id":"11000","type":0,"allow":"0","deny":"1024"},{"id":"11201","type":0,"allow":"1024","deny":"0"},{"id":"11003","type":1,"allow":"1024","deny":"2048"}]},
			{"id":"11103","type":2,"name":"voice","position":3},
			{"id":"11104","type":0,"name":"deleted","position":4}]}`)
	put("DELETE", "/guilds/11000/roles/11202", ``)
	put("DELETE", "/guilds/11000/channels/11104", ``)
	put("PUT", "/guilds/11000/channels/11101", `{"type":0,"name":"general-renamed","position":1,"parent_id":"11100","topic":"changed"}`)
	put("PUT", "/guilds/11000/members/11001", `{"nick":"boss","joined_at":"2021-03-04T05:06:07.123456Z"}`)
	put("PUT", "/guilds/11000/members/11002", `{"roles":["11201","11203"],"deaf":true}`)
	put("PUT", "/guilds/11000/members/11003", `{"roles":["11203"]}`)
	put("PUT", "/guilds/11000/members/11004", `{"user":{"id":"11004","username":"inline"},"nick":"leaver"}`)
	put("DELETE", "/guilds/11000/members/11004", ``)
	var batch strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&batch, `{"user":{"id":"%d","username":"bulk%d"},"nick":"n%d","roles":["11203"],"joined_at":"2022-01-01T00:00:00Z"}`+"\n", 11500+i, i, i)
	}
	put("POST", "/guilds/11000/members:batch", batch.String())

	ready, gc := snapshotSession(t, p.ws, psOwner)
	// The snapshot itself must hold what was written, or equality after
	// the restart proves little.
	var check struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		MemberCount int    `json:"member_count"`
		Roles       []struct {
			ID string `json:"id"`
		} `json:"roles"`
		Channels []struct {
			ID    string  `json:"id"`
			Name  string  `json:"name"`
			Topic *string `json:"topic"`
		} `json:"channels"`
		Members []struct {
			Nick *string `json:"nick"`
		} `json:"members"`
	}
	b, _ := json.Marshal(gc)
	_ = json.Unmarshal(b, &check)
	if check.Name != "Persisted" || check.Description != "kept" || check.MemberCount != 43 || len(check.Members) != 43 ||
		len(check.Roles) != 3 || len(check.Channels) != 4 || check.Channels[1].Name != "general-renamed" {
		t.Fatalf("GUILD_CREATE before the restart does not hold what was written: %s", b)
	}

	// A write acknowledged just before kill -9 must survive too.
	put("PUT", "/users/11099", `{"username":"late-writer"}`)
	p.kill()
	t.Logf("killed pid %d with SIGKILL", p.cmd.Process.Pid)

	p2 := startGatehouse(t, bin, dataDir)
	ready2, gc2 := snapshotSession(t, p2.ws, psOwner)
	if !reflect.DeepEqual(ready, ready2) {
		t.Errorf("READY changed across the restart:\nbefore %v\nafter  %v", ready, ready2)
	}
	if !reflect.DeepEqual(gc, gc2) {
		for k := range gc {
			if !reflect.DeepEqual(gc[k], gc2[k]) {
				t.Errorf("GUILD_CREATE %q changed across the restart:\nbefore %v\nafter  %v", k, gc[k], gc2[k])
			}
		}
		if len(gc) != len(gc2) {
			t.Errorf("GUILD_CREATE has %d fields before, %d after", len(gc), len(gc2))
		}
	}
	late := gatetest.ConnectAddr(t, p2.ws, psLate, intentGuilds, nil)
	var lr struct {
		User struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"user"`
	}
	if err := json.Unmarshal(late.Ready.D, &lr); err != nil || lr.User.Username != "late-writer" {
		t.Errorf("user written before the kill: %s", late.Ready.D)
	}
	// And the restarted node still delivers.
	put2 := func(body string) []byte {
		return gatetest.MustIngestAt(t, p2.http, "POST", "/channels/11101/messages", body)
	}
	s := gatetest.ConnectAddr(t, p2.ws, psOwner, intentGuilds|intentGuildMessages, nil)
	s.Until("GUILD_CREATE", nil)
	var m struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(put2(`{"author":{"id":"11002"},"content":"after restart"}`), &m)
	s.UntilMessage(m.ID)
}
