package suite

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// The other scenarios write their own JSON (connbench, compressbench,
// memberlistbench, clusterbench). The suite reads the few fields its report
// and plots need, and keeps each file whole in results.json.

// ExtTarget is a target as any scenario's JSON writes it: connbench has
// figure and judged, compressbench and memberlistbench have detail.
type ExtTarget struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Figure string `json:"figure"`
	Detail string `json:"detail"`
	Judged *bool  `json:"judged"`
}

// Verdict turns it into the suite's form.
func (t ExtTarget) Verdict() Verdict {
	v := Verdict{Name: t.Name, Pass: t.Pass, Figure: t.Figure, Judged: t.Judged == nil || *t.Judged}
	if v.Figure == "" {
		v.Figure = t.Detail
	}
	return v
}

// ConnFile is the part of conn.json the suite reads.
type ConnFile struct {
	Memory []struct {
		Mode          string  `json:"mode"`
		N             int     `json:"n"`
		Ready         int64   `json:"ready"`
		Skipped       string  `json:"skipped"`
		Error         string  `json:"error"`
		RSSPerSession float64 `json:"rss_per_session"`
		HeapPerSess   float64 `json:"heap_inuse_per_session"`
	} `json:"memory"`
	Identify *struct {
		N           int     `json:"n"`
		Ready       int64   `json:"ready"`
		ReadyPerSec float64 `json:"ready_per_sec"`
		Seconds     float64 `json:"seconds"`
		Identify    struct {
			P50US float64 `json:"p50_us"`
			P99US float64 `json:"p99_us"`
		} `json:"identify_to_ready"`
	} `json:"identify_storm"`
	Targets []ExtTarget `json:"targets"`
}

// CompressFile is the part of compress.json the suite reads.
type CompressFile struct {
	Rows []struct {
		Name        string  `json:"name"`
		Mode        string  `json:"mode"`
		BytesPerMsg float64 `json:"bytes_per_msg"`
		Ratio       float64 `json:"ratio"`
		MedianUS    float64 `json:"us_per_msg_median"`
		StateBytes  float64 `json:"state_bytes_after_100"`
	} `json:"rows"`
	Targets []ExtTarget `json:"targets"`
}

// MemberlistFile is the part of memberlist.json the suite reads.
type MemberlistFile struct {
	Results []struct {
		Impl           string  `json:"impl"`
		Members        int     `json:"members"`
		Op             string  `json:"op"`
		P50            float64 `json:"p50_ns"`
		P99            float64 `json:"p99_ns"`
		BytesPerMember float64 `json:"bytes_per_member"`
	} `json:"results"`
	Targets []ExtTarget `json:"targets"`
}

// LazyFile is the part of lazy.json (the member list end to end,
// bench/cmd/lazybench) the suite reads.
type LazyFile struct {
	Params struct {
		Members  int     `json:"members"`
		Sessions int     `json:"sessions"`
		Rate     float64 `json:"presence_changes_per_s"`
	} `json:"params"`
	Churn struct {
		ServerCores      float64 `json:"server_cores"`
		PublishedPerSec  float64 `json:"presence_changes_per_s"`
		BytesPerSec      float64 `json:"bytes_per_s"`
		DispatchesPerSec float64 `json:"member_list_dispatches_per_s"`
		DrainSeconds     float64 `json:"drain_seconds"`
	} `json:"churn"`
	Targets []ExtTarget `json:"targets"`
}

// ClusterFile is the part of cluster.json the suite reads.
type ClusterFile struct {
	Scenarios []struct {
		Nodes   int `json:"nodes"`
		Latency map[string]struct {
			N     int     `json:"n"`
			P50MS float64 `json:"p50_ms"`
			P99MS float64 `json:"p99_ms"`
		} `json:"latency"`
		BurstDeliveriesPerS float64 `json:"burst_deliveries_per_s"`
	} `json:"scenarios"`
}

// readExternal reads dir/name into raw and, when v is not nil, into v. A
// missing file is not an error: raw stays nil.
func readExternal(dir, name string, v any) (json.RawMessage, error) {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s: not valid JSON", name)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return b, nil
}
