package reportexport_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/reportexport"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

var cst = time.FixedZone("CST", 8*3600)

func day(d int) servicebot.Date { return servicebot.NewDate(2026, time.November, d) }

func at(d, hour, minute int) time.Time { return time.Date(2026, 11, d, hour, minute, 0, 0, cst) }

func fen(f servicebot.Fen) *servicebot.Fen { return &f }

// seed stores a small department: two engineers, an exempt one, the
// manager; a week of reports, a leave, a check-in, and a report of someone
// who has since left.
func seed(t *testing.T, db *store.DB) *reportexport.Exporter {
	t.Helper()
	ctx := t.Context()
	deps := []servicebot.Department{{ID: 1, Name: "公司"}, {ID: 2, ParentID: 1, Name: "售后服务部"}}
	var members []servicebot.Member
	for _, m := range [][2]string{{"zhangwei", "张伟"}, {"liqiang", "李强"}, {"liuyang", "刘洋"}, {"sunli", "孙丽"}} {
		members = append(members, servicebot.Member{UserID: m[0], Name: m[1], Departments: []int64{2}, Active: true})
	}
	if _, _, err := db.ReplaceDirectory(ctx, deps, members, at(20, 6, 0)); err != nil {
		t.Fatal(err)
	}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		reports := []servicebot.DailyReport{
			{UserID: "zhangwei", Day: day(23), Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
				Report: servicebot.Report{Done: []string{"成都某厂安装调试", "培训操作工"}, Plan: []string{"去重庆"},
					Customer: "成都某厂", Location: "成都", Issues: []string{"缺传感器"}, PartsSales: fen(123450)},
				Raw: "今天：成都某厂安装调试；培训操作工\n明天：去重庆", SubmittedAt: at(23, 19, 30)},
			{UserID: "liqiang", Day: day(24), Status: servicebot.ReportLate, Source: servicebot.ReportSourceBackfill,
				Report: servicebot.Report{Done: []string{"昆明巡检"}, Missing: []string{servicebot.MissingPlan}},
				Raw:    "补报 11月24日 昆明巡检", SubmittedAt: at(26, 9, 0)},
			{UserID: "gone", Day: day(23), Status: servicebot.ReportOnTime, Source: servicebot.ReportSourceChat,
				Report: servicebot.Report{Done: []string{"交接工作"}, Plan: []string{"离职"}}, Raw: "x", SubmittedAt: at(23, 18, 0)},
		}
		for _, r := range reports {
			if _, err := tx.SaveReport(ctx, r); err != nil {
				return err
			}
		}
		if _, err := tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: "zhangwei", Day: day(23),
			Kind: servicebot.AttachLocation, Label: "成都市武侯区", Lat: 30.6, Lng: 104.0, At: at(23, 8, 45)}); err != nil {
			return err
		}
		_, err := tx.AddLeave(ctx, "liqiang", day(25), day(25), "看病", at(24, 20, 0))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := servicebot.NewCalendar(nil, nil, cst)
	if err != nil {
		t.Fatal(err)
	}
	org := servicebot.Org{
		AfterSalesDepartments: []int64{2},
		Roles:                 map[servicebot.Role][]string{servicebot.RoleServiceManager: {"sunli"}},
		Exempt:                []string{"liuyang"},
	}
	dir := people.NewDirectory(db, people.Config{Org: org, Calendar: cal, Clock: servicebot.ClockFunc(func() time.Time { return at(27, 10, 0) })})
	deadline := func(d servicebot.Date) time.Time { return time.Date(d.Year, d.Month, d.Day, 22, 0, 0, 0, cst) }
	return reportexport.New(dir, db, deadline, cst)
}

// One record per engineer and day with the status of R-DAY-2 and R-DAY-4,
// and the report's every section; nothing for the manager or the exempt.
func TestRecords(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ex := seed(t, db)
		// Monday 11-23 to Sunday 11-29; "now" is Friday 10:00.
		recs, err := ex.Records(t.Context(), day(23), day(29), at(27, 10, 0))
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, r := range recs {
			got[r.Date.String()[8:]+" "+r.UserID] = r.Status
		}
		want := map[string]string{
			"23 gone": "on_time", "23 zhangwei": "on_time", "23 liqiang": "missing",
			"24 zhangwei": "missing", "24 liqiang": "late",
			"25 zhangwei": "missing", "25 liqiang": "leave",
			"26 zhangwei": "missing", "26 liqiang": "missing",
			"27 zhangwei": "pending", "27 liqiang": "pending",
			"28 zhangwei": "holiday", "28 liqiang": "holiday",
			"29 zhangwei": "holiday", "29 liqiang": "holiday",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(recs) != len(want) {
			t.Fatalf("statuses =\n%v\nwant\n%v", got, want)
		}
		if recs[0].UserID != "gone" || recs[1].UserID != "liqiang" || recs[2].UserID != "zhangwei" {
			t.Errorf("records are not sorted by date and userid: %s %s %s", recs[0].UserID, recs[1].UserID, recs[2].UserID)
		}
		z := recs[2]
		if z.Name != "张伟" || z.Revision != 1 || z.Customer != "成都某厂" || z.Location != "成都" ||
			strings.Join(z.Done, "|") != "成都某厂安装调试|培训操作工" || strings.Join(z.Plan, "|") != "去重庆" ||
			strings.Join(z.Issues, "|") != "缺传感器" || z.PartsSalesFen == nil || *z.PartsSalesFen != 123450 ||
			z.SubmittedAt == nil || !z.SubmittedAt.Equal(at(23, 19, 30)) || !strings.HasPrefix(z.Raw, "今天：") ||
			len(z.Attachments) != 1 || z.Attachments[0].Label != "成都市武侯区" {
			t.Errorf("zhangwei's 11-23 = %+v", z)
		}
		if _, err := ex.Records(t.Context(), day(29), day(23), at(27, 10, 0)); err == nil {
			t.Error("a reversed range was accepted")
		}
	})
}

func TestWriteFormats(t *testing.T) {
	t.Parallel()
	db := storetest.SQLite(t)
	recs, err := seed(t, db).Records(t.Context(), day(23), day(24), at(27, 10, 0))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("json", func(t *testing.T) {
		var buf bytes.Buffer
		if err := reportexport.Write(&buf, reportexport.FormatJSON, recs); err != nil {
			t.Fatal(err)
		}
		var back []map[string]any
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		if len(back) != len(recs) {
			t.Fatalf("%d records in JSON, want %d", len(back), len(recs))
		}
		z := back[2]
		if z["date"] != "2026-11-23" || z["userid"] != "zhangwei" || z["status"] != "on_time" ||
			z["parts_sales_fen"] != float64(123450) || z["customer"] != "成都某厂" {
			t.Errorf("zhangwei's JSON record = %v", z)
		}
		// A day without a report has empty lists and a null amount, not missing keys.
		missing := back[1]
		if missing["userid"] != "liqiang" || missing["status"] != "missing" || missing["parts_sales_fen"] != nil ||
			fmt.Sprint(missing["done"]) != "[]" || fmt.Sprint(missing["attachments"]) != "[]" {
			t.Errorf("liqiang's 11-23 JSON record = %v", missing)
		}
	})

	t.Run("csv", func(t *testing.T) {
		var buf bytes.Buffer
		if err := reportexport.Write(&buf, reportexport.FormatCSV, recs); err != nil {
			t.Fatal(err)
		}
		body, ok := bytes.CutPrefix(buf.Bytes(), []byte("\uFEFF"))
		if !ok {
			t.Error("CSV has no byte order mark: Excel would garble the Chinese")
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(recs)+1 || rows[0][0] != "日期" || rows[0][5] != "状态" {
			t.Fatalf("CSV has %d rows, header %v", len(rows), rows[0])
		}
		z := rows[3]
		want := []string{"2026-11-23", "周一", "zhangwei", "张伟", "其他", "按时", "2026-11-23 19:30",
			"1. 成都某厂安装调试\n2. 培训操作工", "去重庆", "成都某厂", "成都", "缺传感器", "1234.50", "", "",
			"08:45 成都市武侯区", "", "", "1"}
		for i, w := range want {
			if z[i] != w {
				t.Errorf("CSV column %s = %q, want %q", rows[0][i], z[i], w)
			}
		}
	})

	t.Run("xlsx", func(t *testing.T) {
		f, rows := xlsxRows(t, recs)
		if len(rows) != len(recs)+1 || rows[0][7] != "今日工作" {
			t.Fatalf("sheet has %d rows, header %v", len(rows), rows[0])
		}
		if rows[3][2] != "zhangwei" || rows[3][5] != "按时" || rows[3][7] != "1. 成都某厂安装调试\n2. 培训操作工" {
			t.Errorf("zhangwei's row = %q", rows[3])
		}
		// Parts sales is a number the manager can sum: as text it would
		// read "1234.50", as CSV writes it.
		if s, _ := f.GetCellValue("日报", "M4"); s != "1234.5" {
			t.Errorf("parts sales cell = %q, want the number 1234.5", s)
		}
	})

	if err := reportexport.Write(&bytes.Buffer{}, "pdf", recs); err == nil {
		t.Error("an unknown format was accepted")
	}
}

// xlsxRows writes recs as a workbook and reads its sheet back; the file
// stays open for the test to read cells.
func xlsxRows(t *testing.T, recs []reportexport.Record) (*excelize.File, [][]string) {
	t.Helper()
	var buf bytes.Buffer
	if err := reportexport.Write(&buf, reportexport.FormatXLSX, recs); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	rows, err := f.GetRows("日报")
	if err != nil {
		t.Fatal(err)
	}
	return f, rows
}

// Issue 10: kept voice messages are in the exports like photos — the
// 语音 column of CSV and xlsx links the kept file, JSON lists it — and one
// not yet fetched says so instead of showing nothing.
func TestExportsLinkKeptVoiceLikePhotos(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		ex := seed(t, db)
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for _, a := range []servicebot.ReportAttachment{
				{UserID: "zhangwei", Day: day(23), Kind: servicebot.AttachImage, MediaID: "p1", At: at(23, 10, 5),
					PicURL: "https://wework.qpic.cn/p1", BlobKey: "media/2026-11-23/aaaa.jpg", ContentType: "image/jpeg"},
				{UserID: "zhangwei", Day: day(23), Kind: servicebot.AttachVoice, MediaID: "v1", At: at(23, 10, 7),
					Format: "amr", BlobKey: "media/2026-11-23/bbbb.amr", ContentType: "audio/amr"},
				{UserID: "liqiang", Day: day(24), Kind: servicebot.AttachVoice, MediaID: "v2", At: at(24, 16, 0), Format: "amr"},
			} {
				if _, err := tx.AddReportAttachment(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ex.MediaURL = func(key string) string { return "https://bot.example.com/files/" + key }
		recs, err := ex.Records(ctx, day(23), day(24), at(27, 10, 0))
		if err != nil {
			t.Fatal(err)
		}
		cell := func(rows [][]string, user, date, header string) string {
			t.Helper()
			col := slices.Index(rows[0], header)
			if col < 0 {
				t.Fatalf("no column %s in %v", header, rows[0])
			}
			for _, r := range rows[1:] {
				if r[0] == date && r[2] == user {
					if col < len(r) {
						return r[col]
					}
					return ""
				}
			}
			t.Fatalf("no row for %s %s", user, date)
			return ""
		}
		check := func(format string, rows [][]string) {
			t.Helper()
			for _, tc := range []struct{ user, date, header, want string }{
				{"zhangwei", "2026-11-23", "照片", "10:05 https://bot.example.com/files/media/2026-11-23/aaaa.jpg"},
				{"zhangwei", "2026-11-23", "语音", "10:07 https://bot.example.com/files/media/2026-11-23/bbbb.amr"},
				{"liqiang", "2026-11-24", "语音", "16:00 （尚未保存）"},
				{"liqiang", "2026-11-24", "照片", ""},
			} {
				if got := cell(rows, tc.user, tc.date, tc.header); got != tc.want {
					t.Errorf("%s: %s %s %s = %q, want %q", format, tc.user, tc.date, tc.header, got, tc.want)
				}
			}
		}

		var buf bytes.Buffer
		if err := reportexport.Write(&buf, reportexport.FormatCSV, recs); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		check("csv", rows)

		_, rows = xlsxRows(t, recs)
		check("xlsx", rows)

		buf.Reset()
		if err := reportexport.Write(&buf, reportexport.FormatJSON, recs); err != nil {
			t.Fatal(err)
		}
		var back []reportexport.Record
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatal(err)
		}
		voices := 0
		for _, r := range back {
			for _, a := range r.Attachments {
				if a.Kind == servicebot.AttachVoice && r.UserID == "zhangwei" {
					voices++
					if a.URL != "https://bot.example.com/files/media/2026-11-23/bbbb.amr" {
						t.Errorf("JSON voice link %q", a.URL)
					}
				}
			}
		}
		if voices != 1 {
			t.Errorf("JSON lists %d kept voice messages of zhangwei, want 1", voices)
		}
	})
}

// States (the month's grid, issue 12) says for every engineer and day what
// Records says, without reading the reports' contents. R-DAY-1, R-DAY-4.
func TestStatesAgreeWithRecords_RDAY1(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := seed(t, db)
		now := at(26, 21, 0)
		recs, err := e.Records(t.Context(), day(23), day(26), now)
		if err != nil {
			t.Fatal(err)
		}
		states, err := e.States(t.Context(), day(23), day(26), now)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for _, r := range recs {
			want[r.Date.String()+" "+r.UserID+" "+r.Name] = r.Status
		}
		got := map[string]string{}
		for _, s := range states {
			got[s.Date.String()+" "+s.UserID+" "+s.Name] = s.Status
		}
		if !maps.Equal(got, want) || len(states) != len(recs) {
			t.Errorf("States %v\nRecords %v", got, want)
		}
	})
}
