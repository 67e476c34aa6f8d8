package servicebot

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchCustomers is a customer list of n names shaped like the
// department's (a city, a two-character name, an industry, a legal
// suffix), with the evaluation set's customers among them.
func benchCustomers(tb testing.TB, n int) []CustomerName {
	g := DefaultGazetteer()
	var cities []*Place
	for _, p := range g.places {
		if p.Level == PlacePrefecture {
			cities = append(cities, p)
		}
	}
	cs := loadCorpusCustomers(tb)
	const chars = "华鑫源丰宏达金石兴旺瑞祥泰安康盛隆昌永恒通顺利远东西南北中新宇辰嘉和海天益德荣富润鼎鸿晟"
	rs := []rune(chars)
	industries := []string{"水泥", "钢铁", "矿业", "化工", "港务", "热电", "煤业", "机械制造", "重工", "铝业"}
	for i := len(cs); i < n; i++ {
		c := cities[i%len(cities)]
		core := string(rs[i%len(rs)]) + string(rs[(i/len(rs))%len(rs)]) + strconv.Itoa(i/(len(rs)*len(rs)))
		ind := industries[(i/7)%len(industries)]
		cs = append(cs, CustomerName{ID: int64(i + 1), Name: c.Display() + core + ind + "有限公司",
			Address: c.Parent.Name + c.Name})
	}
	return cs
}

// BenchmarkReportReader_Read: one typical report (the evaluation set's
// reports in turn) read with the gazetteer and a 10,000-customer list
// loaded (issue 9: p99 < 1 ms). Reports the p50 and p99 of single reads,
// in wall time and in the CPU time of the reading thread (on a loaded
// machine wall time also counts the time the thread waited for a core).
func BenchmarkReportReader_Read(b *testing.B) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g := DefaultGazetteer()
	rr := NewReportReader(g, NewCustomerDirectory(benchCustomers(b, 10000), g))
	var texts []string
	for _, c := range loadCorpus(b) {
		if c.IsReport() {
			texts = append(texts, c.Text)
		}
	}
	rr.Read(texts[0]) // the converter's tables load on first use
	var wall, cpu []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		c0, cpuOK := threadCPU()
		rr.Read(texts[i%len(texts)])
		if c1, ok := threadCPU(); ok && cpuOK {
			cpu = append(cpu, c1-c0)
		}
		wall = append(wall, time.Since(start))
	}
	b.StopTimer()
	q := func(d []time.Duration, p float64) float64 {
		slices.Sort(d)
		return float64(d[int(p*float64(len(d)-1))].Microseconds())
	}
	b.ReportMetric(q(wall, 0.50), "p50-µs")
	b.ReportMetric(q(wall, 0.99), "p99-µs")
	if len(cpu) > 0 {
		b.ReportMetric(q(cpu, 0.50), "cpu-p50-µs")
		b.ReportMetric(q(cpu, 0.99), "cpu-p99-µs")
	}
}

// BenchmarkReportReader_Startup builds what the report flow holds in
// memory — the gazetteer, the traditional→simplified tables and the
// directory of a 10,000-customer list — and reports the heap it keeps and
// the process's resident memory afterwards (issue 9: start-up < 60 MB RSS).
func BenchmarkReportReader_Startup(b *testing.B) {
	cs := benchCustomers(b, 10000)
	var rr *ReportReader
	for b.Loop() {
		g := NewGazetteer(gazetteerData)
		rr = NewReportReader(g, NewCustomerDirectory(cs, g))
	}
	b.StopTimer()
	rr.Read("今日工作：皖北水泥更換磨機主軸承") // and the converter
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.HeapInuse)/(1<<20), "heap-MB")
	b.ReportMetric(rssMB(), "rss-MB")
	runtime.KeepAlive(rr)
}

// rssMB is this process's resident memory, from /proc (Linux).
func rssMB() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			var kb float64
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
			return kb / 1024
		}
	}
	return 0
}
