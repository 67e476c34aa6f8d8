package main

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot/wecomsim"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/store"
)

// seedEngineer is how one demo engineer writes: the department's people do
// not all type alike (DESIGN.md, "Understanding what people write").
type seedEngineer struct {
	userID string
	// places are where they go: customer and city, as they write them.
	places []seedPlace
	// write turns a day's work into their report text.
	write func(done, plan string) string
}

type seedPlace struct {
	customer, city string
	lat, lng       float64
}

func seedEngineers() []seedEngineer {
	return []seedEngineer{
		{"zhangwei", []seedPlace{{"成都宏达机械厂", "成都", 30.66, 104.06}, {"重庆渝北重工", "重庆", 29.72, 106.63}},
			func(d, p string) string { return "今天：" + d + "\n明天：" + p }},
		{"liqiang", []seedPlace{{"昆明滇中矿山", "昆明", 25.04, 102.71}, {"贵阳黔南建材", "贵阳", 26.65, 106.63}},
			func(d, p string) string { return "1. " + d + "\n2. 明日计划：" + p }},
		{"wangjun", []seedPlace{{"沈阳北方重工", "沈阳", 41.80, 123.43}, {"哈尔滨龙江机械", "哈尔滨", 45.80, 126.53}},
			func(d, p string) string { return "【今日工作】" + d + "【明日计划】" + p }},
		{"zhaolei", []seedPlace{{"石家庄冀中水泥", "石家庄", 38.04, 114.51}, {"天津港机", "天津", 39.08, 117.20}},
			func(d, p string) string { return "今天" + d + " 明天" + p }},
		{"liuyang", []seedPlace{{"武汉江汉机电", "武汉", 30.59, 114.30}, {"长沙湘江重工", "长沙", 28.23, 112.94}},
			func(d, p string) string { return "今日：" + d + "；明日：" + p + "。" }},
		{"chenhao", []seedPlace{{"西安秦川机床", "西安", 34.34, 108.94}, {"兰州陇原矿机", "兰州", 36.06, 103.83}},
			func(d, p string) string { return "今天完成：" + d + "\n下一步：" + p }},
	}
}

// seedWork is what a day in the field is spent on.
var seedWork = []struct{ done, plan string }{
	{"到%s现场安装调试破碎机，完成空载试车", "继续负载试车，培训操作人员"},
	{"%s回访，检查设备运行情况，客户满意", "整理回访记录，准备下一家"},
	{"处理%s主轴异响故障，更换轴承两套", "跟踪运行情况，电话回访"},
	{"%s设备到货清点，与客户验货交接", "开始安装调试"},
	{"给%s操作人员培训，讲解日常保养", "性能考核，填写调试数据"},
	{"%s配件销售，润滑油泵一台，回款3200元", "送配件到现场"},
}

// settingSeeded names the time the demo's past was seeded.
const settingSeeded = "seeded_at"

// demoSeeded reports whether the demo's database already has a past: it
// was seeded (the clock control may since have moved the demo's time past
// the seeded months), or month has records (a database seeded before the
// mark was kept).
func demoSeeded(ctx context.Context, db *store.DB, month string) (bool, error) {
	if _, seeded, err := db.DemoSetting(ctx, settingSeeded); err != nil || seeded {
		return seeded, err
	}
	return db.MonthHasDailyRecords(ctx, month)
}

// seedDemo gives an empty demo database a realistic past: from the 1st of
// last month to yesterday, the six engineers' reports in their own styles
// (a few late, a few missing), check-ins with places and photos, a week of
// leave, each day opened and closed by the bot's own daily-reminders and
// daily-close jobs run as of that day, service jobs with their forms
// (seedJobs), approvals decided and pending, and the manager's KPI entries
// for last month. So the month grid, the exports and the KPI drafted on the 1st
// show real data at once. A database that has a past keeps it.
//
// upload keeps a photo where the bot fetches members' media from (the
// simulator's media/get), so the seeded photos are real files it keeps.
func seedDemo(ctx context.Context, a *app, db *store.DB, now time.Time, upload func(data []byte, contentType string) string) error {
	loc := a.cfg.Location()
	today := servicebot.DateOf(now.In(loc))
	first := servicebot.NewDate(today.Year, today.Month-1, 1)
	if done, err := demoSeeded(ctx, db, servicebot.MonthOf(first)); err != nil || done {
		return err
	}
	// The directory as the bot's own sync would store it, before any day
	// is opened: the sync at start runs only once the server listens.
	wdeps, wmembers := wecomsim.DemoDirectory()
	deps := make([]servicebot.Department, len(wdeps))
	for i, d := range wdeps {
		deps[i] = servicebot.Department{ID: d.ID, ParentID: d.ParentID, Name: d.Name}
	}
	members := make([]servicebot.Member, len(wmembers))
	for i, m := range wmembers {
		members[i] = servicebot.Member{UserID: m.UserID, Name: m.Name, Departments: m.Departments,
			Position: m.Position, Mobile: m.Mobile, Active: true}
	}
	if _, _, err := db.ReplaceDirectory(ctx, deps, members, first.In(loc)); err != nil {
		return fmt.Errorf("demo seed: directory: %w", err)
	}
	// 刘洋 took leave in the second week of last month.
	leaveFrom := servicebot.NewDate(first.Year, first.Month, 9)
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.AddLeave(ctx, "liuyang", leaveFrom, leaveFrom.AddDays(4), "年假", first.In(loc))
		return err
	}); err != nil {
		return fmt.Errorf("demo seed: leave: %w", err)
	}
	cal, err := servicebot.NewCalendar(a.cfg.Calendar.ExtraOff, a.cfg.Calendar.ExtraWork, loc)
	if err != nil {
		return err
	}
	deadline := a.cfg.Reports.Deadline
	engineers := seedEngineers()
	photo, err := seedPhoto()
	if err != nil {
		return err
	}
	for day := first; day.Before(today); day = day.AddDays(1) {
		if !cal.IsWorkingDate(day) {
			continue
		}
		at := func(h, m int) time.Time { return time.Date(day.Year, day.Month, day.Day, h, m, 0, 0, loc) }
		// The morning's run records who owes the day's report.
		if err := a.scheduler.RunNow(ctx, reminders.JobDailyReminders, at(8, 0)); err != nil {
			return fmt.Errorf("demo seed: open %s: %w", day, err)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i, e := range engineers {
				if e.userID == "liuyang" && !day.Before(leaveFrom) && !leaveFrom.AddDays(4).Before(day) {
					continue
				}
				h := seedHash(e.userID, day)
				if h%19 == 0 {
					continue // forgot: the day closes with the report missing
				}
				place := e.places[int(h/7)%len(e.places)]
				work := seedWork[(int(h/3)+i)%len(seedWork)]
				text := e.write(fmt.Sprintf(work.done, place.customer), work.plan)
				submitted := at(18+int(h%3), int(h%60))
				status := servicebot.ReportOnTime
				if h%13 == 0 {
					submitted = at(deadline.Hour, deadline.Minute).Add(time.Duration(20+h%70) * time.Minute)
					status = servicebot.ReportLate
				}
				if _, err := tx.SaveReport(ctx, servicebot.DailyReport{UserID: e.userID, Day: day, Status: status,
					Source: servicebot.ReportSourceChat, Report: servicebot.ParseReport(text), Raw: text, SubmittedAt: submitted}); err != nil {
					return err
				}
				if h%4 != 0 { // a check-in at the customer's: a field day
					if _, err := tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: e.userID, Day: day,
						Kind: servicebot.AttachLocation, Lat: place.lat, Lng: place.lng, Label: place.city + " " + place.customer,
						At: at(9, int(h%50))}); err != nil {
						return err
					}
				}
				if h%3 == 0 {
					if _, err := tx.AddReportAttachment(ctx, servicebot.ReportAttachment{UserID: e.userID, Day: day,
						Kind: servicebot.AttachImage, MediaID: upload(photo, "image/png"),
						At: at(15, int(h%50))}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo seed: reports of %s: %w", day, err)
		}
		// After the deadline the bot closes the day: missing and late
		// reports become KPI facts (R-KPI-4).
		if err := a.scheduler.RunNow(ctx, reminders.JobDailyClose, at(deadline.Hour, deadline.Minute).Add(5*time.Minute)); err != nil {
			return fmt.Errorf("demo seed: close %s: %w", day, err)
		}
	}
	if err := seedJobs(ctx, a, db, today); err != nil {
		return err
	}
	if err := seedApprovals(ctx, a, db, today); err != nil {
		return err
	}
	// The manager's entries for last month, and this month's so far (the
	// 1st's draft reads them).
	months := []servicebot.Date{first}
	if today.Day > 3 {
		months = append(months, servicebot.NewDate(today.Year, today.Month, 1))
	}
	for _, m := range months {
		if err := seedKPIInputs(ctx, a, db, servicebot.MonthOf(m), m, now.Add(-time.Hour)); err != nil {
			return err
		}
	}
	return db.PutDemoSetting(ctx, settingSeeded, now.Format(time.RFC3339))
}

// seedKPIInputs records the manager's entries for month, as `servicebot kpi
// input` would from the manager's sheet: return visits, a complaint, the
// figures only the manager has.
func seedKPIInputs(ctx context.Context, a *app, db *store.DB, month string, first servicebot.Date, entered time.Time) error {
	d := func(day int) string { return servicebot.NewDate(first.Year, first.Month, day).String() }
	sheet := strings.Join([]string{
		"账号,项目,日期,数量,数值,目标,说明",
		"zhangwei,phone_visit,," + "7,,,电话回访7家",
		"zhangwei,on_site_visit,,2,,,成都、重庆现场拜访",
		"liqiang,phone_visit,,6,,,",
		"liqiang,on_site_visit,,1,,,",
		"wangjun,phone_visit,,4,,,回访不足",
		"wangjun,complaint," + d(3) + ",,,,沈阳北方重工投诉响应慢",
		"zhaolei,phone_visit,,6,,,",
		"zhaolei,on_site_visit,,1,,,",
		"liuyang,phone_visit,,5,,,",
		"chenhao,phone_visit,,8,,,",
		"chenhao,on_site_visit,,2,,,",
		"chenhao,bonus,,,2,,协助兰州抢修",
	}, "\n") + "\n"
	ins, lines, err := kpi.ParseFile(strings.NewReader(sheet), "演示-经理录入.csv", month)
	if err != nil {
		return fmt.Errorf("demo seed: kpi inputs: %w", err)
	}
	inputs := kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: a.cfg.KPIRules(),
		Clock: servicebot.ClockFunc(func() time.Time { return entered })})
	if _, err := inputs.Add(ctx, ins, "sunli", "demo "+month, lines); err != nil {
		return fmt.Errorf("demo seed: kpi inputs: %w", err)
	}
	return nil
}

// seedHash is a fixed pseudo-random number per engineer and day: the same
// past on every machine.
func seedHash(user string, day servicebot.Date) uint32 {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s/%s", user, day)
	return h.Sum32()
}

// seedApprovals files requests through the approval engine at past times:
// an urgent parts compensation decided along its whole chain, whose cards
// and notices belong to a time before the simulator existed and are
// recorded as sent; and one still pending, whose card goes out at start so
// its approver can tap it in the demo.
func seedApprovals(ctx context.Context, a *app, db *store.DB, today servicebot.Date) error {
	loc := a.cfg.Location()
	var at time.Time
	engine := approvals.New(db, db.InTx, approvals.Config{
		Rules: a.cfg.ApprovalRules(), Org: a.cfg.Org, Location: loc,
		Clock: servicebot.ClockFunc(func() time.Time { return at }), Logger: a.logger.With("component", "demo-seed"),
	})
	file := func(day servicebot.Date, req servicebot.ApprovalRequest) (servicebot.Approval, error) {
		at = day.In(loc).Add(10 * time.Hour)
		ap, err := engine.FileRequest(ctx, req)
		if err != nil {
			return ap, fmt.Errorf("demo seed: file %s: %w", req.Kind, err)
		}
		return ap, nil
	}
	evidence := servicebot.Evidence{Kind: servicebot.EvidenceDamageReport, URL: "https://example.com/demo/damage-photos"}
	parts, err := file(today.AddDays(-20), servicebot.ApprovalRequest{Kind: servicebot.RequestParts, Urgent: true,
		Amount: 860_00, Customer: "成都宏达机械厂", Reason: "密封圈老化漏油，急需更换", Requester: "yangfan", Evidence: evidence})
	if err != nil {
		return err
	}
	if err := seedDecide(ctx, db, engine, parts.Request.ID, func() { at = at.Add(3 * time.Hour) },
		func(servicebot.ApprovalStep) string { return "" }); err != nil {
		return fmt.Errorf("demo seed: %w", err)
	}
	// Decided before the demo's simulator existed: their messages are history.
	if err := seedOutboxSent(ctx, db, at.Add(time.Hour)); err != nil {
		return err
	}
	if _, err := file(today.AddDays(-1), servicebot.ApprovalRequest{Kind: servicebot.RequestParts, Urgent: true,
		Amount: 3200_00, Customer: "沈阳北方重工", Reason: "减速机齿轮断齿，客户要求更换", Requester: "yangfan", Evidence: evidence}); err != nil {
		return err
	}
	return nil
}

// seedPhoto is a small picture standing in for a site photo.
func seedPhoto() ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := range 48 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{R: uint8(90 + x), G: uint8(120 + y), B: 160, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("demo seed: photo: %w", err)
	}
	return buf.Bytes(), nil
}
