package main

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/config"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/handlers"
	"github.com/servicebot/servicebot/kpi"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/web"
)

// wireWeb serves the forms and the manager's pages under /web/ when the
// configuration enables them, and answers 表单, 服务申请, 申请配件赔偿 and
// 申请器械赔偿 in chat with the links to their forms. It returns the forms
// service, for other packages' submission hooks.
func wireWeb(cfg config.Config, db *store.DB, client *bot.Client, engine *approvals.Engine, reports web.Reports,
	cal *servicebot.Calendar, router *handlers.Router, mux *http.ServeMux, clock servicebot.Clock, logger *slog.Logger) (*forms.Service, error) {
	if !cfg.WebEnabled() {
		logger.Warn("web pages off: set public_url and web.session_key to serve the forms")
		router.First(servicebot.MsgText, handlers.FormsOff(clock))
		return nil, nil
	}
	catalog, err := forms.Builtin()
	if err != nil {
		return nil, err
	}
	var pages *web.Server
	fs := forms.New(catalog, forms.AdaptTx(db.InTx), engine, forms.Config{Clock: clock,
		Logger: logger.With("component", "forms"), SubmissionURL: func(id int64) string { return pages.SubmissionURL(id) }})
	pages, err = web.New(web.Config{
		PublicURL: cfg.PublicURL, AuthorizeURL: cfg.Web.AuthorizeURL, CorpID: cfg.WeCom.CorpID, AgentID: cfg.WeCom.AgentID,
		SessionKey: []byte(cfg.Web.SessionKey), MaxPhotoBytes: int64(cfg.Web.MaxPhotoMB) << 20,
		Org: cfg.Org, Calendar: cal, Location: cfg.Location(), Clock: clock, Logger: logger.With("component", "web"),
		KPI: &web.KPI{Store: db, Inputs: &kpi.Inputs{Rules: cfg.KPIRules(), InTx: kpi.AdaptInputTx(db.InTx), Clock: clock}},
	}, db, client, fs, reports)
	if err != nil {
		return nil, fmt.Errorf("web pages: %w", err)
	}
	mux.Handle(web.Prefix, pages)
	router.First(servicebot.MsgText, handlers.FormCommands(clock, pages))
	return fs, nil
}

// newSessionKey is a session key for the demo, which has no configuration.
func newSessionKey() string { return rand.Text() + rand.Text() }
