package memberlisttest

import (
	"runtime"
	"slices"
	"time"

	"gatehouse/core/memberlist"
)

// Figures are one workload's per-change times: p50, p99 and mean on the
// thread's CPU clock (the bench machine is shared, and CPU time leaves out
// the time other processes hold the core), and p50 on the wall clock.
type Figures struct {
	P50, P99, Mean, WallP50 float64 // ns per change
	RowsPerChange           float64
}

// Subject is one list under measurement and its own copy of the workload.
type Subject struct {
	List  memberlist.List
	World *World
}

// Measure applies `batches` batches of op to each built list (after a
// tenth as many unmeasured) and times each batch. Subjects take turns
// batch by batch, so load from other processes, which comes and goes on a
// shared machine, falls on all of them alike.
func Measure(subjects []Subject, op BenchOp, batches int) ([]Figures, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	clock := make([]int64, 1000)
	for i := range clock {
		a := ThreadCPU()
		clock[i] = ThreadCPU() - a
	}
	slices.Sort(clock)
	clockCost := float64(clock[len(clock)/2])
	out := make([]memberlist.RowChange, 0, BenchBatch*memberlist.MaxRowsPerChange)
	var err error
	for _, s := range subjects {
		for range batches / 10 {
			if out, _, err = s.List.Apply(out[:0], s.World.Next(op)); err != nil {
				return nil, err
			}
		}
	}
	type samples struct {
		cpu, wall []float64
		rows      int
	}
	all := make([]samples, len(subjects))
	for k := range all {
		all[k] = samples{cpu: make([]float64, batches), wall: make([]float64, batches)}
	}
	for i := range batches {
		for k, s := range subjects {
			batch := s.World.Next(op)
			t0 := time.Now()
			c0 := ThreadCPU()
			out, _, err = s.List.Apply(out[:0], batch)
			c1 := ThreadCPU()
			all[k].wall[i] = float64(time.Since(t0).Nanoseconds()) / BenchBatch
			if err != nil {
				return nil, err
			}
			all[k].cpu[i] = max(float64(c1-c0)-clockCost, 0) / BenchBatch
			all[k].rows += len(out)
		}
	}
	figs := make([]Figures, len(subjects))
	for k, a := range all {
		var sum float64
		for _, c := range a.cpu {
			sum += c
		}
		slices.Sort(a.cpu)
		slices.Sort(a.wall)
		figs[k] = Figures{
			P50: pct(a.cpu, 0.5), P99: pct(a.cpu, 0.99), Mean: sum / float64(batches),
			WallP50: pct(a.wall, 0.5), RowsPerChange: float64(a.rows) / float64(batches*BenchBatch),
		}
	}
	return figs, nil
}

func pct(sorted []float64, p float64) float64 {
	i := int(float64(len(sorted)-1)*p + 0.5)
	return sorted[i]
}
