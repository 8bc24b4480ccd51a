package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Result is a whole run: cluster.json holds it, cluster.md renders it.
type Result struct {
	Env       Env        `json:"env"`
	Params    Params     `json:"params"`
	Scenarios []Scenario `json:"scenarios"`
	Finished  string     `json:"finished"`
}

func writeResults(dir string, r *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	md := markdown(r)
	fmt.Print(md)
	return os.WriteFile(filepath.Join(dir, "cluster.md"), []byte(md), 0o644)
}

func markdown(r *Result) string {
	var b strings.Builder
	e := r.Env
	fmt.Fprintf(&b, "# Cluster benchmark\n\n")
	fmt.Fprintf(&b, "- command: `%s`\n- commit: %s\n- date: %s\n", e.Command, e.Commit, e.Date)
	fmt.Fprintf(&b, "- machine: %s, %d cores; %s; %s; load average at start %s\n", e.CPU, e.Cores, e.Go, e.HAProxy, e.Load)
	fmt.Fprintf(&b, "- gatehouse: %s\n", e.Build)
	p := r.Params
	fmt.Fprintf(&b, "- setup: a 3-server NATS cluster (in-process, JetStream, KV replicas 3) and N gatehouse processes behind haproxy (round robin, /readyz checks), all on this machine; %d clients through haproxy, all in one guild; latency: %d messages at %.0f/s posted through node a; burst: %.0f s of posting by %d concurrent ingest clients spread over the nodes\n\n",
		p.Clients, p.LatencyEvents, p.LatencyRate, p.BurstSeconds, p.Posters)

	b.WriteString("## Delivery latency (ingest POST start → MESSAGE_CREATE read by the client)\n\n")
	b.WriteString("| nodes | clients where | deliveries | p50 ms | p90 ms | p99 ms | max ms |\n|---:|---|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Scenarios {
		for _, k := range []string{"ingest node", "other nodes", "all"} {
			st, ok := s.Latency[k]
			if !ok || st.N == 0 {
				continue
			}
			fmt.Fprintf(&b, "| %d | %s | %d | %.2f | %.2f | %.2f | %.2f |\n", s.Nodes, k, st.N, st.P50, st.P90, st.P99, st.Max)
		}
	}
	b.WriteString("\n## Throughput and NATS cost per guild event\n\n")
	b.WriteString("| nodes | sessions per node | events/s | deliveries/s | guild publishes per event | node subscriptions on the guild subject | guild messages to nodes per event | all NATS messages to nodes per event | idle NATS msgs/s to nodes | missing deliveries |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Scenarios {
		names := make([]string, 0, len(s.Sessions))
		for n := range s.Sessions {
			names = append(names, n)
		}
		sort.Strings(names)
		var per []string
		for _, n := range names {
			per = append(per, fmt.Sprintf("%s %d", n, s.Sessions[n]))
		}
		missing := s.LatencyMissing + int(int64(s.BurstEvents*s.SessionsOnGuild)-s.BurstDeliveries)
		fmt.Fprintf(&b, "| %d | %s | %.0f | %.0f | %.2f | %d | %.2f | %.2f | %.1f | %d |\n", s.Nodes, strings.Join(per, ", "),
			s.EventsPerSec, s.DeliveriesPerSec, s.PublishesPerEvent, s.NodeSubscriptions, s.GuildMsgsPerEvent, s.NodeMsgsPerEvent, s.IdleNodeMsgsPerSec, missing)
	}
	b.WriteString(`
How to read it:

- "guild publishes per event" counts, with a monitoring subscription, messages on
  gh.guild.<id> per event posted. "node subscriptions" counts the gateway connections'
  subscriptions on that subject across the NATS servers (connz): one per node.
  "guild messages to nodes per event" is what the servers delivered through those
  subscriptions during the burst (connz per-subscription msgs) per event: one per node that
  holds sessions of the guild, whatever the number of sessions.
- "all NATS messages to nodes per event" is the growth of out_msgs on the nodes' connections,
  less the idle rate (presence heartbeats), per event: the guild messages plus the replies to
  the three KV reads the ingesting node makes per message (channel → guild, the author's user
  record, the author's membership).
- Latency includes the HTTP ingest call (store lookup of the channel's guild, publish), NATS
  (a route hop between servers for nodes on another server), the hub's fan-out, the WebSocket
  write and the client's read, all on one shared machine: the processes compete for the same
  cores, so the cluster figures include the cost of running three gateways, three NATS servers,
  haproxy and the clients on 2 cores; they are not what separate machines would show.
`)
	return b.String()
}
