package suite

import (
	"fmt"

	"gatehouse/bench/loadgen"
)

// WritePlots draws the report's PNGs into dir and lists them in r.Plots;
// a chart without data is skipped. It returns what could not be drawn.
func (r *Report) WritePlots(dir string) []error {
	var errs []error
	r.Plots = nil
	for _, c := range []struct {
		name  string
		chart Chart
	}{
		{"memory_per_connection.png", r.memoryChart()},
		{"broadcast_latency_cdf.png", r.latencyChart()},
		{"compression_bytes_vs_us.png", r.compressChart()},
		{"memberlist_ns_per_change.png", r.memberlistChart()},
	} {
		if len(c.chart.Series) == 0 {
			continue
		}
		if err := c.chart.Save(dir, c.name); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.name, err))
			continue
		}
		r.Plots = append(r.Plots, c.name)
	}
	return errs
}

// memoryChart: server RSS per idle connection against connections, for
// gatehouse per compression mode (conn scenario) and every peer.
func (r *Report) memoryChart() Chart {
	c := Chart{Title: "Server memory per idle connection", X: "connections", Y: "KiB of server RSS per connection", LogX: true, LogY: true}
	if r.conn != nil {
		idx := map[string]int{}
		for _, m := range r.conn.Memory {
			if m.Skipped != "" || m.Error != "" || m.RSSPerSession <= 0 {
				continue
			}
			i, ok := idx[m.Mode]
			if !ok {
				i = len(c.Series)
				idx[m.Mode] = i
				c.Series = append(c.Series, Series{Name: "gatehouse " + m.Mode})
			}
			c.Series[i].XY = append(c.Series[i].XY, [2]float64{float64(m.N), m.RSSPerSession / 1024})
		}
	}
	if r.Peers != nil {
		idx := map[string]int{}
		for _, row := range r.Peers.Rows {
			if row.Error != "" || row.RSSPerConn <= 0 {
				continue
			}
			name := row.Kind
			if name == "gatehouse" {
				name = "gatehouse none (peers run)"
			}
			i, ok := idx[name]
			if !ok {
				i = len(c.Series)
				idx[name] = i
				c.Series = append(c.Series, Series{Name: name})
			}
			c.Series[i].XY = append(c.Series[i].XY, [2]float64{float64(row.N), row.RSSPerConn / 1024})
		}
	}
	return c
}

// latencyChart: CDF of send → receipt latency of the single-message phase
// at the largest size of each gatehouse mode and each peer.
func (r *Report) latencyChart() Chart {
	c := Chart{Title: "Broadcast latency, one message at a time to N connections", X: "latency (ms)", Y: "fraction of deliveries", LogX: true}
	cdf := func(name string, h loadgen.HistSummary) {
		s := Series{Name: name}
		for _, p := range h.CDF() {
			s.XY = append(s.XY, [2]float64{p.US / 1e3, p.Fraction})
		}
		if len(s.XY) > 0 {
			c.Series = append(c.Series, s)
		}
	}
	if f := r.Fanout; f != nil {
		for _, mode := range f.Config.Modes {
			var best *FanoutRow
			for i := range f.Rows {
				if f.Rows[i].Mode == mode && f.Rows[i].Phase("single") != nil && (best == nil || f.Rows[i].N > best.N) {
					best = &f.Rows[i]
				}
			}
			if best != nil {
				cdf(fmt.Sprintf("gatehouse %s, %s sessions", mode, Count(float64(best.N))), best.Phase("single").Latency)
			}
		}
	}
	if p := r.Peers; p != nil {
		largest := map[string]*PeerRow{}
		for i := range p.Rows {
			row := &p.Rows[i]
			if row.Phase("single") != nil && (largest[row.Kind] == nil || row.N > largest[row.Kind].N) {
				largest[row.Kind] = row
			}
		}
		for _, kind := range []string{"gatehouse", "gobaseline", "centrifugo"} {
			if row := largest[kind]; row != nil {
				cdf(fmt.Sprintf("%s (peers run), %s conns", kind, Count(float64(row.N))), row.Phase("single").Latency)
			}
		}
	}
	return c
}

// compressChart: bytes per message against µs per message, one point per
// codec (compress scenario).
func (r *Report) compressChart() Chart {
	c := Chart{Title: "Compression: size against time per message (gateway corpus)", X: "µs per message (median)", Y: "bytes per message", Scatter: true}
	if r.compress == nil {
		return c
	}
	for _, row := range r.compress.Rows {
		if row.MedianUS > 0 && row.BytesPerMsg > 0 {
			c.Series = append(c.Series, Series{Name: row.Name, XY: [][2]float64{{row.MedianUS, row.BytesPerMsg}}})
		}
	}
	return c
}

// memberlistChart: median ns per change against list size, per
// implementation and workload (memberlist scenario).
func (r *Report) memberlistChart() Chart {
	c := Chart{Title: "Member list: time per change against members", X: "members", Y: "ns per change (p50)", LogX: true, LogY: true}
	if r.memberlist == nil {
		return c
	}
	idx := map[string]int{}
	for _, x := range r.memberlist.Results {
		name := x.Impl + " " + x.Op
		i, ok := idx[name]
		if !ok {
			i = len(c.Series)
			idx[name] = i
			c.Series = append(c.Series, Series{Name: name})
		}
		c.Series[i].XY = append(c.Series[i].XY, [2]float64{float64(x.Members), x.P50})
	}
	return c
}
