package suite

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Verdict is a target judged by a run.
type Verdict struct {
	Name   string `json:"name"`
	Figure string `json:"figure"`
	Pass   bool   `json:"pass"`
	Judged bool   `json:"judged"` // false when nothing was measured to judge by
}

// Result is the verdict as a report cell.
func (v Verdict) Result() string {
	switch {
	case !v.Judged:
		return "not judged"
	case v.Pass:
		return "**PASS**"
	}
	return "**FAIL**"
}

// VerdictTable renders verdicts as a Markdown table.
func VerdictTable(vs []Verdict) string {
	var b strings.Builder
	b.WriteString("| target | figure | result |\n|---|---|---|\n")
	for _, v := range vs {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", v.Name, v.Figure, v.Result())
	}
	return b.String()
}

// Dur formats microseconds for people.
func Dur(us float64) string {
	switch {
	case us >= 1e6:
		return fmt.Sprintf("%.2f s", us/1e6)
	case us >= 1e3:
		return fmt.Sprintf("%.1f ms", us/1e3)
	}
	return fmt.Sprintf("%.0f µs", us)
}

// Count formats with thousands separators.
func Count(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// KiB and MiB format byte counts.
func KiB(b float64) string { return fmt.Sprintf("%.2f KiB", b/1024) }

// MiB formats a byte count in MiB.
func MiB(b float64) string { return fmt.Sprintf("%.0f MiB", b/(1<<20)) }

// ErrorsText is "kind n, kind n" sorted, or "none".
func ErrorsText(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// OneLine makes text safe for a Markdown table cell.
func OneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ⏎ ")
	s = strings.ReplaceAll(s, "|", "\\|")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// WriteJSON writes v indented to dir/name.
func WriteJSON(dir, name string, v any) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644)
}

// WriteText writes s to dir/name.
func WriteText(dir, name, s string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644)
}
