package chart

import (
	"encoding/xml"
	"strings"
	"testing"
)

// svgDoc is what the tests read back of a chart: every rect and text.
type svgDoc struct {
	ViewBox string `xml:"viewBox,attr"`
	Rects   []struct {
		Height string `xml:"height,attr"`
		Width  string `xml:"width,attr"`
		Fill   string `xml:"fill,attr"`
	} `xml:"rect"`
	Texts []string `xml:"text"`
}

func parse(t *testing.T, svg string) svgDoc {
	t.Helper()
	var d svgDoc
	if err := xml.Unmarshal([]byte(svg), &d); err != nil {
		t.Fatalf("not well-formed SVG: %v\n%s", err, svg)
	}
	return d
}

// A stacked column is as tall as its values on the scale; labels and
// names are escaped; the chart is laid out for a phone's width.
func TestColumnsScaleStackAndEscape(t *testing.T) {
	c := Columns{Title: "日报 <按时>", Labels: []string{"1", "", "3"}, Series: []Series{
		{Name: "按时", Color: "#2ea121", Values: []float64{2, 0, 4}},
		{Name: "未交 & 迟交", Color: "#d83931", Values: []float64{2, 1, 0}},
	}}
	svg := string(c.SVG())
	d := parse(t, svg)
	if d.ViewBox != "0 0 360 188" {
		t.Errorf("viewBox %q", d.ViewBox)
	}
	// Bars: day 1 (2 + 2), day 2 (1), day 3 (4); then the legend's swatches.
	var heights []string
	for _, r := range d.Rects {
		if r.Width != "10" {
			heights = append(heights, r.Height)
		}
	}
	// The scale's top is the tallest stack (4): 150 px of plot.
	if got := strings.Join(heights, " "); got != "75 75 37.5 150" {
		t.Errorf("bar heights %s, want 75 75 37.5 150", got)
	}
	if strings.Contains(svg, "<按时>") || !strings.Contains(svg, "未交 &amp; 迟交") {
		t.Errorf("text not escaped:\n%s", svg)
	}
}

// Horizontal bars reach their value on the scale, marks included in it.
func TestBarsScaleToTheLargestValueOrMark(t *testing.T) {
	b := Bars{Title: "配件销售", Rows: []Row{{Label: "张伟", Value: 5000, Text: "5000.00", Color: "#f5a623"},
		{Label: "李强", Value: 2500, Text: "2500.00", Color: "#d83931", Href: "/web/kpi/2026-10/card?u=li&x=1"}},
		Marks: []Mark{{Value: 10000, Label: "10000 元 10 分", Color: "#2ea121"}}}
	svg := string(b.SVG())
	d := parse(t, svg)
	// Two-character names take the narrowest label column (48): the plot
	// is 360 − 48 − 64 = 248 wide, and 10000 is its end. The linked row's
	// bar sits inside its <a>.
	if len(d.Rects) != 1 || d.Rects[0].Width != "124" || !strings.Contains(svg, `width="62"`) {
		t.Errorf("bars %+v, want widths 124 and 62:\n%s", d.Rects, svg)
	}
	long := string(Bars{Rows: []Row{{Label: "外勤率、服务目标合格率", Value: 1}}}.SVG())
	if !strings.Contains(long, `<rect x="127" `) {
		t.Errorf("a long label is not given its width (11 characters → 127):\n%s", long)
	}
	if !strings.Contains(svg, `href="/web/kpi/2026-10/card?u=li&amp;x=1"`) {
		t.Errorf("the row's link is missing or unescaped:\n%s", svg)
	}
}
