package guild

import (
	"encoding/json"
	"reflect"
	"testing"

	"gatehouse/core/protocol"
)

const sampleMessage = `{"id":"900","channel_id":"11","guild_id":"100","author":{"id":"4","username":"a"},
"content":"secret","embeds":[{"title":"x"}],"attachments":[{"id":"1"}],"components":[{"type":1}],
"poll":{"question":{"text":"q"}},"mentions":[{"id":"5"},{"id":"6"}],"mention_roles":["201"],"tts":false,
"referenced_message":{"id":"800","content":"older secret","embeds":[{"title":"y"}],"author":{"id":"7"}},
"message_snapshots":[{"message":{"content":"fwd secret","attachments":[{"id":"2"}]}}]}`

func TestParseMessageMeta(t *testing.T) {
	m, err := ParseMessageMeta([]byte(sampleMessage))
	if err != nil {
		t.Fatal(err)
	}
	want := MessageMeta{ID: 900, ChannelID: 11, AuthorID: 4, Mentions: []Snowflake{5, 6}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("meta %+v want %+v", m, want)
	}
	if _, err := ParseMessageMeta([]byte(`{"author":"x"}`)); err == nil {
		t.Fatal("bad author accepted")
	}
}

func TestMessageContentVisible(t *testing.T) {
	meta := &MessageMeta{AuthorID: 4, Mentions: []Snowflake{5}}
	cases := []struct {
		uid     uint64
		intents uint64
		want    bool
	}{
		{3, protocol.IntentMessageContent, true},
		{3, protocol.IntentGuildMessages, false},
		{4, 0, true}, // author
		{5, 0, true}, // mentioned
		{6, protocol.IntentsAll &^ protocol.IntentMessageContent, false},
	}
	for _, tc := range cases {
		if got := MessageContentVisible(sf(tc.uid), tc.intents, meta); got != tc.want {
			t.Errorf("user %d intents %b: %v want %v", tc.uid, tc.intents, got, tc.want)
		}
	}
}

func TestBlankContent(t *testing.T) {
	out, err := BlankContent([]byte(sampleMessage))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("output not JSON: %v\n%s", err, out)
	}
	blanked := func(where string, obj map[string]any) {
		t.Helper()
		if obj["content"] != "" {
			t.Errorf("%s: content %v", where, obj["content"])
		}
		for _, k := range []string{"embeds", "attachments", "components"} {
			if a, ok := obj[k].([]any); !ok || len(a) != 0 {
				t.Errorf("%s: %s = %v", where, k, obj[k])
			}
		}
		if _, ok := obj["poll"]; ok {
			t.Errorf("%s: poll kept", where)
		}
	}
	blanked("message", m)
	blanked("referenced_message", m["referenced_message"].(map[string]any))
	snap := m["message_snapshots"].([]any)[0].(map[string]any)["message"].(map[string]any)
	blanked("snapshot", snap)
	if m["id"] != "900" || m["author"].(map[string]any)["id"] != "4" || len(m["mentions"].([]any)) != 2 ||
		m["mention_roles"].([]any)[0] != "201" || m["referenced_message"].(map[string]any)["id"] != "800" {
		t.Errorf("other fields not kept: %s", out)
	}
	// A message without the fields gets them, empty.
	out, err = BlankContent([]byte(`{"id":"1","referenced_message":null}`))
	if err != nil || string(out) != `{"attachments":[],"components":[],"content":"","embeds":[],"id":"1","referenced_message":null}` {
		t.Errorf("minimal: %s %v", out, err)
	}
	for _, bad := range []string{``, `null`, `[]`, `"x"`, `{`, `{"referenced_message":{"a":}}`} {
		if _, err := BlankContent([]byte(bad)); err == nil {
			t.Errorf("BlankContent(%q) accepted", bad)
		}
	}
}
