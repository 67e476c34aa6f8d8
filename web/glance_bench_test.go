package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/reportexport"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// benchEngineers is the department of the benchmark (issue 12, Must show 2).
const benchEngineers = 500

// glanceBench is a web server over a Postgres store holding 500 engineers
// in three regions with a month of reports (one in ten late, one in twenty
// missing, some leave), as of the 27th at 20:30, and a manager's session.
func glanceBench(b *testing.B) (*Server, *http.Cookie) {
	b.Helper()
	db := storetest.Postgres(b)
	ctx := b.Context()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 27, 20, 30, 0, 0, loc)
	org := servicebot.Org{AfterSalesDepartments: []int64{2}, Regions: map[string]string{},
		Roles: map[servicebot.Role][]string{servicebot.RoleServiceManager: {"mgr"}}, Exempt: []string{"mgr"}}
	members := []servicebot.Member{{UserID: "mgr", Name: "经理", Departments: []int64{2}, Active: true}}
	regions := []string{servicebot.RegionSouthwest, servicebot.RegionNorth, servicebot.RegionOther}
	for i := range benchEngineers {
		u := fmt.Sprintf("eng%03d", i)
		org.Regions[u] = regions[i%3]
		members = append(members, servicebot.Member{UserID: u, Name: fmt.Sprintf("工程师%03d", i), Departments: []int64{2}, Active: true})
	}
	deps := []servicebot.Department{{ID: 1, Name: "公司"}, {ID: 2, ParentID: 1, Name: "售后服务部"}}
	if _, _, err := db.ReplaceDirectory(ctx, deps, members, now); err != nil {
		b.Fatal(err)
	}
	cal, err := servicebot.NewCalendar(nil, nil, loc)
	if err != nil {
		b.Fatal(err)
	}
	parts := servicebot.Fen(320000)
	err = db.InTx(ctx, func(tx *store.Tx) error {
		for day := servicebot.NewDate(2026, 11, 1); day.Day <= 27; day = day.AddDays(1) {
			if !cal.IsWorkingDate(day) {
				continue
			}
			for i := range benchEngineers {
				u := fmt.Sprintf("eng%03d", i)
				if (i+day.Day)%20 == 0 {
					continue // missing
				}
				if (i+day.Day)%37 == 0 {
					if _, err := tx.AddLeave(ctx, u, day, day, "事假", now); err != nil {
						return err
					}
					continue
				}
				status, at := servicebot.ReportOnTime, day.In(loc).Add(19*time.Hour+time.Duration(i%60)*time.Minute)
				if (i+day.Day)%10 == 0 {
					status, at = servicebot.ReportLate, at.Add(4*time.Hour)
				}
				if day.Day == 27 && i%2 == 0 {
					continue // not yet: the deadline is 22:00
				}
				r := servicebot.DailyReport{UserID: u, Day: day, Status: status, Source: servicebot.ReportSourceChat,
					Report: servicebot.Report{Done: []string{"成都某机械厂主轴轴承更换，试车正常"}, Plan: []string{"回访客户，整理服务报告"},
						Customer: "成都某机械厂", Location: "成都市郫都区", PartsSales: &parts},
					Raw: "今天：成都某机械厂主轴轴承更换，试车正常\n明天：回访客户，整理服务报告", SubmittedAt: at}
				if _, err := tx.SaveReport(ctx, r); err != nil {
					return err
				}
				if i%5 == 0 {
					if _, err := tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: u, Day: day, Kind: servicebot.AttachLocation,
						Lat: 30.8, Lng: 103.9, Label: "成都市郫都区现代工业港", At: at}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// As a database in use would have them: statistics of the rows there
	// (autovacuum would otherwise analyze mid-measurement).
	if err := db.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	clock := servicebot.ClockFunc(func() time.Time { return now })
	dir := people.NewDirectory(db, people.Config{Org: org, Calendar: cal, Clock: clock})
	exp := reportexport.New(dir, db, func(d servicebot.Date) time.Time { return d.In(loc).Add(22 * time.Hour) }, loc)
	s, err := New(Config{PublicURL: "https://bot.example.com", SessionKey: []byte("0123456789abcdef0123456789abcdef"),
		Org: org, Calendar: cal, Location: loc, Clock: clock}, db, nil, nil, exp)
	if err != nil {
		b.Fatal(err)
	}
	return s, &http.Cookie{Name: sessionCookie, Value: s.signed("session", now.Add(time.Hour), "mgr")}
}

// BenchmarkGlancePages renders /web/today and /web/month for 500 engineers
// on Postgres (set TEST_DATABASE_URL) and reports the p95 time of a render,
// and the page's weight as sent (gzip) and uncompressed. docs/benchmarks.md
// has the figures.
func BenchmarkGlancePages(b *testing.B) {
	s, cookie := glanceBench(b)
	for _, path := range []string{"/web/today", "/web/month"} {
		b.Run(path[5:], func(b *testing.B) {
			var times []time.Duration
			var raw, sent int
			cpu0 := cpuTime()
			for b.Loop() {
				for _, gzip := range []bool{false, true} {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.AddCookie(cookie)
					if gzip {
						req.Header.Set("Accept-Encoding", "gzip")
					}
					rec := httptest.NewRecorder()
					start := time.Now()
					s.ServeHTTP(rec, req)
					if !gzip {
						times = append(times, time.Since(start))
					}
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
					}
					if gzip {
						sent = rec.Body.Len()
					} else {
						raw = rec.Body.Len()
						// GLANCE_DUMP=/tmp/x- keeps the pages (/tmp/x-today.html …) to look at.
						if d := os.Getenv("GLANCE_DUMP"); d != "" {
							_ = os.WriteFile(d+path[5:]+".html", rec.Body.Bytes(), 0o644)
						}
					}
				}
			}
			// The process's CPU time per render (both renders of an
			// iteration): what the page costs the bot apart from waiting
			// on a shared, loaded machine and on Postgres.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(2*len(times)), "cpu-ms/render")
			// Must show 2: each page under 150 KB uncompressed, charts included.
			if raw > 150*1024 {
				b.Errorf("%s weighs %.1f KB uncompressed, want under 150 KB", path, float64(raw)/1024)
			}
			slices.Sort(times)
			p95 := times[len(times)*95/100]
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(sent)/1024, "sent-KB")
			b.ReportMetric(float64(raw)/1024, "html-KB")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
