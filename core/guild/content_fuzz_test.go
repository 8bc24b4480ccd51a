package guild

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzBlankContent: any input either errors or yields a JSON object with
// content "" and no guarded value left under any spelling of its key —
// never a panic.
func FuzzBlankContent(f *testing.F) {
	f.Add([]byte(sampleMessage))
	f.Add([]byte(`{"content":"x","referenced_message":{"content":"y"}}`))
	f.Add([]byte(`{"message_snapshots":[{"message":{"content":"z"}},1,null]}`))
	f.Add([]byte(`{"Content":"x","POLL":{},"Referenced_Message":{"CONTENT":"y"}}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, d []byte) {
		out, err := BlankContent(d)
		if err != nil {
			return
		}
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatalf("output not JSON: %v\n%q -> %q", err, d, out)
		}
		if m["content"] != "" {
			t.Fatalf("no blank content: %q -> %q", d, out)
		}
		checkBlanked(t, m, out)
	})
}

func checkBlanked(t *testing.T, m map[string]any, out []byte) {
	for k, v := range m {
		switch {
		case strings.EqualFold(k, "content"):
			if k != "content" || v != "" {
				t.Fatalf("content left under %q: %q", k, out)
			}
		case strings.EqualFold(k, "poll"):
			t.Fatalf("poll left under %q: %q", k, out)
		case strings.EqualFold(k, "embeds"), strings.EqualFold(k, "attachments"), strings.EqualFold(k, "components"):
			if a, ok := v.([]any); !ok || len(a) != 0 {
				t.Fatalf("%q left: %q", k, out)
			}
		case strings.EqualFold(k, "referenced_message"):
			if inner, ok := v.(map[string]any); ok {
				checkBlanked(t, inner, out)
			}
		}
	}
}
