package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/aftersales"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/store"
)

// seedJob is one service request of the demo's past and what followed it:
// who asked, who was sent, when it was done, and the forms filed for it.
type seedJob struct {
	kind      servicebot.ServiceType
	customer  string
	region    string
	reason    string
	serial    string
	requester string
	engineer  string
	// filed is when the request was filed; the job starts a day later and
	// is done doneAfter days after filing (0: not done yet; with started
	// false: not started either).
	filed     time.Time
	started   bool
	doneAfter int
	// forms are the job's forms, filed the day it was done, with values
	// beyond the defaults of seedFormValues; a form missing here was never
	// filed (R-KPI-7, R-KPI-8).
	forms map[string]servicebot.FormValues
	// visitAfter is how many days after the job the engineer phoned the
	// customer and filed the 电话回访跟踪问卷表 (R-VIS-2); 0: not yet.
	visitAfter int
	visit      servicebot.FormValues
}

// seedJobs files the department's service requests of the past four weeks
// through the approval engine, the service work and the forms, each at its
// own past time: five jobs done (one without its 顾客满意度调查表, one whose
// fault was not resolved, one installation without training, one whose
// return visit is still owed, one customer dissatisfied with the
// timeliness), one under way and one dispatched. So the job pages, the
// return visits and the KPI's visit, job and form records show data, in
// last month's KPI and in this month's drafted on the 1st. Their messages
// belong to the past and are recorded as sent.
func seedJobs(ctx context.Context, a *app, db *store.DB, today servicebot.Date) error {
	loc := a.cfg.Location()
	cal, err := servicebot.NewCalendar(a.cfg.Calendar.ExtraOff, a.cfg.Calendar.ExtraWork, loc)
	if err != nil {
		return err
	}
	var at time.Time
	clock := servicebot.ClockFunc(func() time.Time { return at })
	logger := a.logger.With("component", "demo-seed")
	service := aftersales.New(db, db.InTx, nil, aftersales.Config{
		Rules: servicebot.DefaultFollowUpRules(loc), Org: a.cfg.Org, Calendar: cal, Clock: clock, Logger: logger})
	engine := approvals.New(db, db.InTx, approvals.Config{
		Rules: a.cfg.ApprovalRules(), Org: a.cfg.Org, Location: loc, Clock: clock, Logger: logger,
	}).WithHooks(aftersales.ApprovalHooks[*store.Tx](service))
	catalog, err := forms.Builtin()
	if err != nil {
		return err
	}
	filer := forms.New(catalog, db.InTx, engine, forms.Config{Clock: clock, Logger: logger})
	aftersales.RegisterForms(service, filer)

	// filed is 10:00 back days before today, moved on to a working day
	// when the job and its return visit still end before today.
	filed := func(back, rest int) time.Time {
		d := today.AddDays(-back)
		for w := d; w.AddDays(rest).Before(today); w = w.AddDays(1) {
			if cal.IsWorkingDate(w) {
				d = w
				break
			}
		}
		return d.In(loc).Add(10 * time.Hour)
	}
	satisfied := servicebot.FormValues{"timeliness": "满意", "attitude": "满意", "satisfaction": "满意"}
	jobs := []seedJob{
		{kind: servicebot.ServiceFault, customer: "重庆渝北重工", region: servicebot.RegionSouthwest, serial: "CQ-2023-0417",
			reason: "破碎机主轴异响，振动大", requester: "yangfan", engineer: "zhangwei", filed: filed(26, 11), doneAfter: 2,
			forms: map[string]servicebot.FormValues{forms.FaultReport: {"test_result": "正常"}, "service_memo": nil,
				"project_summary": nil, "satisfaction_survey": nil},
			visitAfter: 9, visit: satisfied},
		{kind: servicebot.ServiceInstall, customer: "昆明滇中矿山", region: servicebot.RegionSouthwest, serial: "KM-2024-1102",
			reason: "新购圆锥破碎机一台，安装调试并培训操作人员", requester: "yangfan", engineer: "liqiang", filed: filed(23, 12), doneAfter: 4,
			// No 顾客满意度调查表: a missing form (R-KPI-8).
			forms: map[string]servicebot.FormValues{"arrival_check": nil, "install_data": nil, forms.TrainingSignIn: nil,
				"service_memo": nil, "project_summary": nil},
			visitAfter: 8, visit: satisfied},
		{kind: servicebot.ServiceFault, customer: "沈阳北方重工", region: servicebot.RegionNorth, serial: "SY-2022-0815",
			reason: "减速机漏油，停机", requester: "yangfan", engineer: "wangjun", filed: filed(18, 9), doneAfter: 2,
			// Not resolved on site: a failed service (R-KPI-5); the customer
			// is dissatisfied with the timeliness (the manager is alerted).
			forms: map[string]servicebot.FormValues{forms.FaultReport: {"test_result": "未解决", "cause_category": "外购件"},
				"service_memo": nil, "project_summary": nil, "satisfaction_survey": nil},
			visitAfter: 7, visit: servicebot.FormValues{"timeliness": "不满意", "attitude": "满意", "satisfaction": "基本满意",
				"running_state": "有故障", "customer_needs": "希望备件早点到"}},
		{kind: servicebot.ServiceInstall, customer: "天津港机", region: servicebot.RegionNorth, serial: "TJ-2024-0920",
			reason: "门机配套破碎设备安装调试", requester: "xuli", engineer: "zhaolei", filed: filed(13, 3), doneAfter: 3,
			// No 设备培训人员签到表: a job without customer training (R-KPI-7);
			// the return visit is still owed.
			forms: map[string]servicebot.FormValues{"arrival_check": nil, "install_data": nil, "service_memo": nil,
				"project_summary": nil, "satisfaction_survey": nil}},
		{kind: servicebot.ServiceVisit, customer: "西安秦川机床", region: servicebot.RegionOther, serial: "XA-2021-0310",
			reason: "年度走访，了解设备使用和备件需求", requester: "chenhao", engineer: "chenhao", filed: filed(8, 1), doneAfter: 1,
			forms: map[string]servicebot.FormValues{forms.VisitReport: nil, "satisfaction_survey": nil, "service_memo": nil,
				"install_data": nil, "project_summary": nil}},
		// The last days': one under way, one dispatched.
		{kind: servicebot.ServiceFault, customer: "长沙湘江重工", region: servicebot.RegionOther, serial: "CS-2023-0606",
			reason: "振动筛电机过热跳闸", requester: "yangfan", engineer: "liuyang", filed: filed(2, 1),
			started: true},
		{kind: servicebot.ServiceInstall, customer: "成都宏达机械厂", region: servicebot.RegionSouthwest, serial: "CD-2024-1201",
			reason: "新增破碎生产线一条，安装调试", requester: "yangfan", engineer: "zhangwei", filed: filed(1, 0)},
	}
	for _, sj := range jobs {
		if err := seedOneJob(ctx, db, engine, service, filer, sj, &at); err != nil {
			return fmt.Errorf("demo seed: job for %s: %w", sj.customer, err)
		}
	}
	return nil
}

// seedOneJob files sj's request, decides it along its chain, and moves its
// job on as sj says, the clock *at following each step.
func seedOneJob(ctx context.Context, db *store.DB, engine *approvals.Engine[*store.Tx], service *aftersales.Service,
	filer *forms.Service[*store.Tx], sj seedJob, at *time.Time) error {
	*at = sj.filed
	req := servicebot.ApprovalRequest{Kind: servicebot.RequestService, ServiceType: sj.kind, Customer: sj.customer,
		Region: sj.region, Reason: sj.reason, Requester: sj.requester}
	if sj.serial != "" {
		req.Site = &servicebot.ServiceSite{Serial: sj.serial}
	}
	ap, err := engine.FileRequest(ctx, req)
	if err != nil {
		return err
	}
	err = seedDecide(ctx, db, engine, ap.Request.ID, func() { *at = at.Add(2 * time.Hour) },
		func(s servicebot.ApprovalStep) string {
			if s.Action == servicebot.ActionDispatch {
				return sj.engineer
			}
			return ""
		})
	if err != nil {
		return err
	}
	var job servicebot.Job
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		job, err = tx.JobOfRequest(ctx, ap.Request.ID)
		return err
	}); err != nil {
		return err
	}
	inJob := func(fn func(tx *store.Tx) (string, error)) error {
		return db.InTx(ctx, func(tx *store.Tx) error { _, err := fn(tx); return err })
	}
	if sj.started || sj.doneAfter > 0 {
		*at = sj.filed.AddDate(0, 0, 1).Add(-time.Hour) // 09:00 the next day
		if err := inJob(func(tx *store.Tx) (string, error) { return service.StartJob(ctx, tx, sj.engineer, job.ID) }); err != nil {
			return err
		}
	}
	if sj.doneAfter > 0 {
		*at = sj.filed.AddDate(0, 0, sj.doneAfter).Add(6 * time.Hour) // 16:00
		if err := inJob(func(tx *store.Tx) (string, error) { return service.CompleteJob(ctx, tx, sj.engineer, job.ID) }); err != nil {
			return err
		}
		for id, extra := range sj.forms {
			*at = at.Add(10 * time.Minute)
			if err := seedForm(ctx, filer, id, sj, job, extra, *at); err != nil {
				return err
			}
		}
		if sj.visitAfter > 0 {
			*at = sj.filed.AddDate(0, 0, sj.doneAfter+sj.visitAfter).Add(time.Hour) // 11:00
			if err := seedForm(ctx, filer, forms.PhoneReturnVisit, sj, job, sj.visit, *at); err != nil {
				return err
			}
		}
	}
	// What this past sent is history.
	return seedOutboxSent(ctx, db, at.Add(time.Minute))
}

// seedForm files form id for job at time at, filled as the engineer would.
func seedForm(ctx context.Context, filer *forms.Service[*store.Tx], id string, sj seedJob, job servicebot.Job,
	extra servicebot.FormValues, at time.Time) error {
	def, ok := filer.Catalog().Form(id)
	if !ok {
		return fmt.Errorf("no form %s", id)
	}
	values := seedFormValues(def, sj, at)
	for k, v := range extra {
		values[k] = v
	}
	if _, err := filer.Submit(ctx, forms.Filled{FormID: id, UserID: sj.engineer, JobID: job.ID, Values: values}); err != nil {
		return fmt.Errorf("%s: %w", def.Title, err)
	}
	return nil
}

// seedFormValues fills every required field of def the way an engineer on
// site does: the job's customer and machine, the day's dates, a name as the
// signature, the first option of each choice.
func seedFormValues(def servicebot.FormDef, sj seedJob, at time.Time) servicebot.FormValues {
	texts := map[string]string{
		forms.FieldCustomer: sj.customer, "serial_no": sj.serial, "model": "PE-600×900",
		"contact": "刘工", "respondent": "刘工", "participants": "设备科 刘工、王主任",
		"phone": "13800138000", "work_content": "现场检查、处理：" + sj.reason,
		"fault_description": sj.reason, "cause_analysis": "轴承磨损，润滑不良", "repair": "更换轴承两套，加注润滑脂",
		"summary": "按要求完成" + sj.kind.Name() + "，设备运行正常", "topic": "日常操作、保养和安全注意事项",
		"equipment_status": "设备运行平稳，性能满足生产要求", "service_kind": sj.kind.Name(),
	}
	values := servicebot.FormValues{}
	for _, f := range def.Fields {
		if !f.Required {
			continue
		}
		if t, ok := texts[f.Name]; ok && (f.Type != servicebot.FieldSelect || slices.Contains(f.Options, t)) {
			values[f.Name] = t
			continue
		}
		switch f.Type {
		case servicebot.FieldDate:
			values[f.Name] = servicebot.DateOf(at).String()
		case servicebot.FieldDateTime:
			values[f.Name] = at.Format("2006-01-02T15:04")
		case servicebot.FieldSelect:
			values[f.Name] = f.Options[0]
		case servicebot.FieldSignature:
			values[f.Name] = "刘工"
		case servicebot.FieldNumber:
			values[f.Name] = "1"
		case servicebot.FieldTable:
			rows := map[string][]map[string]string{
				"attendees": {{"name": "刘工", "post": "设备科", "phone": "13800138000"}, {"name": "王师傅", "post": "操作工"}},
				"items": {{"name": "破碎机主机", "model": "PE-600×900", "ordered": "1", "received": "1", "condition": "完好"},
					{"name": "随机备件", "ordered": "1", "received": "1", "condition": "完好"}},
				"equipment": {{"model": "PE-600×900", "quantity": "1"}},
			}
			values[f.Name] = rows[f.Name]
		default:
			values[f.Name] = "正常"
		}
	}
	return values
}

// seedDecide decides each pending step of request id in turn: with
// choose's answer, or else the step's first offer that is not a rejection
// (同意, 确认, 现场服务…). advance moves the clock on before each decision.
func seedDecide(ctx context.Context, db *store.DB, engine *approvals.Engine[*store.Tx], id int64, advance func(),
	choose func(servicebot.ApprovalStep) string) error {
	for range 6 {
		cur, err := db.GetApproval(ctx, id)
		if err != nil {
			return err
		}
		var pending *servicebot.ApprovalStep
		for i := range cur.Steps {
			if cur.Steps[i].Status == servicebot.StepPending {
				pending = &cur.Steps[i]
				break
			}
		}
		if pending == nil {
			return nil
		}
		advance()
		choice := choose(*pending)
		if choice == "" {
			choice = servicebot.ChoiceApprove
			for _, c := range pending.Action.Choices() {
				if c.Key != servicebot.ChoiceReject {
					choice = c.Key
					break
				}
			}
		}
		if err := engine.Decide(ctx, pending.ID, pending.ApproverID, choice, "同意"); err != nil {
			return fmt.Errorf("decide %d: %w", id, err)
		}
	}
	return nil
}

// seedOutboxSent records what the seeded past sent up to until as sent:
// it belongs to a time before the demo's simulator existed.
func seedOutboxSent(ctx context.Context, db *store.DB, until time.Time) error {
	for {
		rows, err := db.ClaimOutbox(ctx, until, time.Minute, 100)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		for _, r := range rows {
			if err := db.MarkOutboxSent(ctx, r.ID, servicebot.SendResult{MsgID: "demo-history"}, until); err != nil {
				return err
			}
		}
	}
}
