package gatetest

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	"gatehouse/cmd/gatehouse/node"
)

// Connect is ConnectAddr for a node started in this process.
func Connect(t testing.TB, n *node.Node, user, intents uint64, over map[string]any) *Session {
	t.Helper()
	return ConnectAddr(t, n.Server.WSAddr(), user, intents, over)
}

// IngestAt sends one ingest request to the REST address httpAddr with
// auth as the whole Authorization header ("" sends none) and returns the
// status and body. Unlike Ingest it reaches nodes in other processes and
// lets a test send bad credentials.
func IngestAt(t testing.TB, httpAddr, auth, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+httpAddr+"/ingest/v1"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// MustIngestAt is IngestAt with the test secret that fails the test on a
// non-2xx answer.
func MustIngestAt(t testing.TB, httpAddr, method, path, body string) []byte {
	t.Helper()
	code, b := IngestAt(t, httpAddr, "Bearer "+IngestSecret, method, path, []byte(body))
	if code/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, path, code, b)
	}
	return b
}
