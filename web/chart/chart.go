// Package chart draws the manager pages' charts as inline SVG, written by
// the server: a phone inside WeCom draws them with no script and no network
// beyond the bot (no CDN), and they scale to the screen because every chart
// is laid out in a fixed viewBox that the page stretches to its width.
//
// Why our own small writer and not a library: the charts are a handful of
// bars and reference lines; go-echarts draws in the browser with a script
// of about 1 MB (over the pages' weight budget, or a CDN); gonum/plot and
// go-chart lay text out with their own font metrics (Chinese names measured
// wrongly) into fixed-size images and bring dependencies the bot does not
// need. Here the browser lays out the text with the page's own CJK font.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Width is the viewBox width of every chart: about a phone's CSS width, so
// at 360 px text is drawn at its nominal size and on a desktop it grows.
const Width = 360

// Series is one layer of stacked bars.
type Series struct {
	Name   string
	Color  string // a CSS colour
	Values []float64
}

// Mark is a reference line across a chart (a target, a tier).
type Mark struct {
	Value float64
	Label string
	Color string
}

// Columns is a vertical stacked bar chart: one column per label (a day of
// the month), the series stacked from the bottom.
type Columns struct {
	Title  string
	Labels []string // under each column; "" leaves a column unlabelled
	Series []Series
	Max    float64 // the top of the scale; 0: the largest stack
	Marks  []Mark
}

// Row is one bar of a horizontal chart.
type Row struct {
	Label string  // left of the bar (a name)
	Value float64 // the bar's length on the scale
	Text  string  // right of the bar (the value as people read it)
	Color string
	Href  string // optional link of the row
}

// Bars is a horizontal bar chart: one row per label, readable on a phone
// however many rows there are (the chart grows downwards).
type Bars struct {
	Title string
	Rows  []Row
	Max   float64 // the end of the scale; 0: the largest value
	Marks []Mark
}

type writer struct{ strings.Builder }

func (w *writer) f(format string, args ...any) { fmt.Fprintf(&w.Builder, format, args...) }

func esc(s string) string { return template.HTMLEscapeString(s) }

// num writes a coordinate with at most one decimal: enough for the screen,
// and short, since a month's chart has hundreds of them.
func num(v float64) string {
	s := fmt.Sprintf("%.1f", v)
	return strings.TrimSuffix(s, ".0")
}

func (w *writer) open(title string, height float64) {
	w.f(`<svg class="chart" viewBox="0 0 %d %s" width="100%%" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" font-size="11">`,
		Width, num(height), esc(title))
	w.f(`<title>%s</title>`, esc(title))
}

// SVG draws the chart.
func (c Columns) SVG() template.HTML {
	const (
		top, bottom, left, right = 8.0, 30.0, 28.0, 4.0
		plotH                    = 150.0
	)
	n := len(c.Labels)
	scale := c.Max
	if scale <= 0 {
		for i := range n {
			var sum float64
			for _, s := range c.Series {
				if i < len(s.Values) {
					sum += s.Values[i]
				}
			}
			scale = math.Max(scale, sum)
		}
	}
	scale = math.Max(scale, 1)
	height := top + plotH + bottom
	var w writer
	w.open(c.Title, height)
	plotW := Width - left - right
	y := func(v float64) float64 { return top + plotH - v/scale*plotH }
	// The scale: 0, half and the top.
	for _, v := range []float64{0, scale / 2, scale} {
		w.f(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="#dee0e3"/>`, num(left), num(Width-right), num(y(v)), num(y(v)))
		w.f(`<text x="%s" y="%s" text-anchor="end" fill="#646a73">%s</text>`, num(left-3), num(y(v)+4), num(v))
	}
	if n > 0 {
		slot := plotW / float64(n)
		barW := math.Max(slot*0.7, 1)
		for i, label := range c.Labels {
			x := left + float64(i)*slot + (slot-barW)/2
			base := 0.0
			for _, s := range c.Series {
				if i >= len(s.Values) || s.Values[i] <= 0 {
					continue
				}
				v := s.Values[i]
				w.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s %s：%s</title></rect>`,
					num(x), num(y(base+v)), num(barW), num(v/scale*plotH), esc(s.Color), esc(label), esc(s.Name), num(v))
				base += v
			}
			if label != "" {
				w.f(`<text x="%s" y="%s" text-anchor="middle" fill="#646a73">%s</text>`, num(x+barW/2), num(top+plotH+14), esc(label))
			}
		}
	}
	for _, m := range c.Marks {
		w.f(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-dasharray="4 3"/>`, num(left), num(Width-right), num(y(m.Value)), num(y(m.Value)), esc(m.Color))
		w.f(`<text x="%s" y="%s" text-anchor="end" fill="%s">%s</text>`, num(Width-right), num(y(m.Value)-3), esc(m.Color), esc(m.Label))
	}
	// The legend, on one line under the labels.
	x := left
	for _, s := range c.Series {
		w.f(`<rect x="%s" y="%s" width="10" height="10" fill="%s"/><text x="%s" y="%s">%s</text>`,
			num(x), num(height-11), esc(s.Color), num(x+13), num(height-2), esc(s.Name))
		x += 13 + float64(len([]rune(s.Name)))*11 + 12
	}
	w.f(`</svg>`)
	return template.HTML(w.String())
}

// SVG draws the chart.
func (b Bars) SVG() template.HTML {
	const (
		top, rowH, textW = 6.0, 22.0, 64.0
		markH            = 14.0
	)
	// The labels' column fits the longest (a name, or an indicator such as
	// 外勤率、服务目标合格率), within limits that leave the bars room.
	longest := 0
	for _, r := range b.Rows {
		longest = max(longest, len([]rune(r.Label)))
	}
	labelW := math.Min(math.Max(float64(longest)*11+6, 48), 150)
	scale := b.Max
	for _, r := range b.Rows {
		scale = math.Max(scale, r.Value)
	}
	for _, m := range b.Marks {
		scale = math.Max(scale, m.Value)
	}
	scale = math.Max(scale, 1)
	plotW := Width - labelW - textW
	x := func(v float64) float64 { return labelW + math.Max(v, 0)/scale*plotW }
	height := top + float64(len(b.Rows))*rowH + markH
	var w writer
	w.open(b.Title, height)
	for _, m := range b.Marks {
		w.f(`<line x1="%s" x2="%s" y1="%s" y2="%s" stroke="%s" stroke-dasharray="4 3"/>`,
			num(x(m.Value)), num(x(m.Value)), num(top), num(height-markH), esc(m.Color))
		w.f(`<text x="%s" y="%s" text-anchor="middle" fill="%s">%s</text>`, num(x(m.Value)), num(height-3), esc(m.Color), esc(m.Label))
	}
	for i, r := range b.Rows {
		y := top + float64(i)*rowH
		if r.Href != "" {
			w.f(`<a href="%s">`, esc(r.Href))
		}
		w.f(`<text x="%s" y="%s" text-anchor="end">%s</text>`, num(labelW-4), num(y+rowH/2+4), esc(r.Label))
		w.f(`<rect x="%s" y="%s" width="%s" height="%s" rx="2" fill="%s"/>`, num(labelW), num(y+4), num(x(r.Value)-labelW), num(rowH-8), esc(r.Color))
		w.f(`<text x="%s" y="%s">%s</text>`, num(x(r.Value)+4), num(y+rowH/2+4), esc(r.Text))
		if r.Href != "" {
			w.f(`</a>`)
		}
	}
	w.f(`</svg>`)
	return template.HTML(w.String())
}
