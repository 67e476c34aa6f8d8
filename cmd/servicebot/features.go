package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/aftersales"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/feature"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/glance"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/people"
	"github.com/servicebot/servicebot/reminders"
	"github.com/servicebot/servicebot/reports"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/web"
)

// features is servicebot: every feature, in one list. Its order is the
// precedence when two could take the same text (a listener before every
// command, a command before the daily report) and the order of 帮助. Each
// feature declares its own commands, card buttons, jobs and routes; the
// router, the scheduler and the HTTP server are built from the list, with
// the store's transaction as what every feature writes through (the
// compiler checks that it has what each one needs).
func features(p parts) []feature.Feature[*store.Tx] {
	return []feature.Feature[*store.Tx]{
		reports.Feature[*store.Tx](p.reports),            // 日报模板, 我的日报, 补报, 请假, 取消请假; reports, photos, check-ins
		aftersales.Feature[*store.Tx](p.service),         // 我的工单, 开始/完成, 客户咨询, 已答复, 我的待办; follow-up jobs
		forms.Feature[*store.Tx](p.clock, p.pages),       // 表单, 服务申请, 申请配件赔偿, 申请器械赔偿
		kpi.Feature[*store.Tx](p.kpiMonth, p.kpiAPI),     // 申诉; KPI cards; the monthly draft
		approvals.Feature[*store.Tx](p.engine, p.apiKey), // a rejecter's reason; 待审批; approval cards; reminders; /api/requests
		glance.Feature[*store.Tx](p.glance),              // 日报情况, 今天谁没交 (managers and leaders)
		reminders.Feature[*store.Tx](p.clock, p.daily, p.monthly, p.archivists, p.db),
		people.Feature[*store.Tx](p.directory), // the address book's daily sync
	}
}

// parts are the features' services, built from the configuration.
type parts struct {
	clock      servicebot.Clock
	db         *store.DB
	directory  *people.Directory
	reports    *reports.Flow
	service    *aftersales.Service
	engine     *approvals.Engine[*store.Tx]
	apiKey     string
	pages      forms.FormPages // nil without the web pages
	kpiMonth   *kpi.Month
	kpiAPI     *kpi.KPIAPI // nil without api.token
	daily      *reminders.Daily
	monthly    *reminders.Monthly
	archivists []string
	web        *web.Server // nil without the web pages
	glance     glance.Config
}

// newParts builds the features' services. help is the router's help reply,
// which the daily report gives to what it cannot read.
func newParts(cfg config.Config, db *store.DB, client *bot.Client, dir *people.Directory, cal *servicebot.Calendar,
	clock servicebot.Clock, logger *slog.Logger, help func(string) string) (parts, error) {
	p := parts{clock: clock, db: db, directory: dir, apiKey: cfg.API.Token,
		archivists: cfg.Org.Holders(servicebot.RoleArchivist)}
	var err error
	if p.reports, err = reports.New(reports.Config{Org: cfg.Org, Calendar: cal,
		Deadline: reportDeadline(cfg.Reports), Help: help, Clock: clock}); err != nil {
		return p, err
	}
	acfg := aftersales.Config{
		Rules: servicebot.DefaultFollowUpRules(cfg.Location()), Org: cfg.Org, Calendar: cal, Clock: clock,
		Logger: logger.With("component", "aftersales"),
	}
	if cfg.WebEnabled() {
		// The 完成 reply and the digest link the job's questionnaire (R-VIS-2).
		acfg.FormURL = func(id string, jobID int64) string { return web.FormURL(cfg.PublicURL, id, jobID) }
	}
	p.service = aftersales.New(db, db.InTx, dir, acfg)
	// Service requests are followed through dispatch by the service work.
	p.engine = approvals.New(db, db.InTx, approvals.Config{
		Rules: cfg.ApprovalRules(), Org: cfg.Org, Location: cfg.Location(), Clock: clock,
		Logger:    logger.With("component", "approvals"),
		Customers: db, PendingURL: pagesURL(cfg, "/web/approvals/pending"),
	}).WithHooks(aftersales.ApprovalHooks[*store.Tx](p.service))
	if cfg.WebEnabled() {
		formsService, pages, err := newWeb(cfg, db, client, p.engine, newExporter(cfg, db, dir), cal, clock, logger)
		if err != nil {
			return p, err
		}
		aftersales.RegisterForms(p.service, formsService)
		p.pages, p.web = pages, pages
	} else {
		logger.Warn("web pages off: set public_url and web.session_key to serve the forms")
	}
	if p.kpiMonth, err = newKPIMonth(cfg, db, dir, clock, logger); err != nil {
		return p, err
	}
	if cfg.API.Token != "" {
		if p.kpiAPI, err = kpi.NewKPIAPI(kpi.KPIAPIDeps{Store: db,
			Inputs: kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: cfg.KPIRules(), Clock: clock})},
			kpi.KPIAPIConfig{Token: cfg.API.Token, Org: cfg.Org, Logger: logger.With("component", "kpi-api")}); err != nil {
			return p, err
		}
	}
	managers := cfg.Org.Holders(servicebot.RoleServiceManager)
	if p.daily, err = reminders.NewDaily(db.InTx, reminders.Daily{
		Reporters: dir, Reports: db, Store: db,
		Calendar: cal, Schedule: reportSchedule(cfg), Managers: managers,
		Group:  reminders.Group{ChatID: cfg.Group.ChatID, RobotKey: cfg.Group.RobotKey, ShowNames: cfg.Group.ShowNames},
		Logger: logger.With("component", "reminders"),
	}); err != nil {
		return p, err
	}
	p.glance = glance.Config{Org: cfg.Org, States: newExporter(cfg, db, dir), Location: cfg.Location(), Clock: clock}
	if base := pagesURL(cfg, ""); base != "" {
		p.daily.DayURL = func(d servicebot.Date) string { return base + "/web/today?d=" + d.String() }
		p.glance.DayURL = p.daily.DayURL
	}
	var fileURL func(string) string
	if base := strings.TrimSuffix(cfg.PublicURL, "/"); base != "" {
		fileURL = func(token string) string { return base + reminders.FilePath + token }
	}
	if p.monthly, err = reminders.NewMonthly(db.InTx, reminders.Monthly{
		Engineers: engineers{dir}, Reports: db, Store: db,
		Calendar: cal, Schedule: reportSchedule(cfg),
		RawRecordsDay: cfg.Reports.RawRecordsDay, DiaryDay: cfg.Reports.DiaryDay, RemindDaysBefore: cfg.Reports.RemindDaysBefore,
		Managers: managers, FileURL: fileURL, Logger: logger.With("component", "monthly"),
	}); err != nil {
		return p, err
	}
	return p, nil
}

// newWeb makes the forms and the manager's pages served under /web/.
func newWeb(cfg config.Config, db *store.DB, client *bot.Client, engine *approvals.Engine[*store.Tx], reports web.Reports,
	cal *servicebot.Calendar, clock servicebot.Clock, logger *slog.Logger) (*forms.Service[*store.Tx], *web.Server, error) {
	catalog, err := forms.Builtin()
	if err != nil {
		return nil, nil, err
	}
	var pages *web.Server
	fs := forms.New(catalog, db.InTx, engine, forms.Config{Clock: clock,
		Logger: logger.With("component", "forms"), SubmissionURL: func(id int64) string { return pages.SubmissionURL(id) }})
	pages, err = web.New(web.Config{
		PublicURL: cfg.PublicURL, AuthorizeURL: cfg.Web.AuthorizeURL, CorpID: cfg.WeCom.CorpID, AgentID: cfg.WeCom.AgentID,
		SessionKey: []byte(cfg.Web.SessionKey), MaxPhotoBytes: int64(cfg.Web.MaxPhotoMB) << 20,
		Org: cfg.Org, Calendar: cal, Approvals: engine, Location: cfg.Location(), Clock: clock, Logger: logger.With("component", "web"),
		KPI: &web.KPI{Store: db, Inputs: kpi.NewInputs(db.InTx, kpi.InputsConfig{Rules: cfg.KPIRules(), Clock: clock})},
	}, db, client, fs, reports)
	if err != nil {
		return nil, nil, fmt.Errorf("web pages: %w", err)
	}
	return fs, pages, nil
}

// pagesURL is path on the web pages, "" when they are off.
func pagesURL(cfg config.Config, path string) string {
	if base := strings.TrimSuffix(cfg.PublicURL, "/"); base != "" && cfg.WebEnabled() {
		return base + path
	}
	return ""
}

// newSessionKey is a session key for the demo, which has no configuration.
func newSessionKey() string { return rand.Text() + rand.Text() }

// reportDeadline is the time of day a day's report is due (R-DAY-2).
func reportDeadline(r config.Reports) time.Duration {
	return time.Duration(r.Deadline.Hour)*time.Hour + time.Duration(r.Deadline.Minute)*time.Minute
}
