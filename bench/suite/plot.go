package suite

import (
	"fmt"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Series is one named line of points.
type Series struct {
	Name string
	XY   [][2]float64
}

// Chart describes one PNG.
type Chart struct {
	Title, X, Y string
	LogX, LogY  bool
	Series      []Series
	// Scatter draws points with their series name as a label instead of
	// lines and a legend.
	Scatter bool
}

// Save writes the chart as a PNG (8 × 5 in) to dir/name. Points that a log
// axis cannot show (≤ 0) are left out.
func (c Chart) Save(dir, name string) error {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.X
	p.Y.Label.Text = c.Y
	if c.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	if c.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
	var labels plotter.XYLabels
	drawn := 0
	for i, s := range c.Series {
		var xys plotter.XYs
		for _, v := range s.XY {
			if (c.LogX && v[0] <= 0) || (c.LogY && v[1] <= 0) {
				continue
			}
			xys = append(xys, plotter.XY{X: v[0], Y: v[1]})
		}
		if len(xys) == 0 {
			continue
		}
		drawn++
		if c.Scatter {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return err
			}
			sc.Color, sc.Shape = plotutil.Color(i), plotutil.Shape(i)
			p.Add(sc)
			for _, xy := range xys {
				labels.XYs = append(labels.XYs, xy)
				labels.Labels = append(labels.Labels, " "+s.Name)
			}
			continue
		}
		sort.Slice(xys, func(a, b int) bool { return xys[a].X < xys[b].X })
		l, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		l.Color = plotutil.Color(i)
		l.Dashes = plotutil.Dashes(i / 7)
		pts.Color, pts.Shape = plotutil.Color(i), plotutil.Shape(i)
		if len(xys) > 12 {
			pts.Radius = 0 // a CDF: the line is the data
		}
		p.Add(l, pts)
		p.Legend.Add(s.Name, l, pts)
	}
	if drawn == 0 {
		return fmt.Errorf("chart %q: no data", c.Title)
	}
	if c.Scatter {
		lb, err := plotter.NewLabels(labels)
		if err != nil {
			return err
		}
		p.Add(lb)
	}
	return p.Save(8*vg.Inch, 5*vg.Inch, filepath.Join(dir, name))
}
