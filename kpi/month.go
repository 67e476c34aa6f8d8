// Package kpi runs the monthly KPI (R-KPI-1…13): it gathers the month's
// facts from the bot's records and the manager's inputs, scores them with
// the root package's pure rules, records each computation as a revision,
// and takes the month through its stages: the draft on the 1st at 09:00,
// each engineer's private preview and appeals (申诉), the manager's card
// with 发布 and 查看, the published ranking and breakdowns, and corrections
// as new revisions.
package kpi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/txn"
)

// JobDraft is the scheduled job that drafts last month on the 1st.
const JobDraft = "kpi-draft"

// CardPrefix starts the key of every KPI card button: "kpi:publish:2026-10",
// "kpi:view:2026-10", "kpi:appeal:12:accept", "kpi:appeal:12:reject".
const CardPrefix = "kpi:"

// AppealCommand starts an engineer's appeal in chat: 申诉 <指标> <理由>.
const AppealCommand = "申诉"

// Engineers says who is scored: the department's active, non-exempt
// engineers (people.Directory's roster).
type Engineers interface {
	Engineers(ctx context.Context, day servicebot.Date) ([]servicebot.Member, error)
}

// Store is what Month reads outside a transaction (store.DB).
type Store interface {
	DutyDone(ctx context.Context, key string) (bool, error)
	// MonthHasDailyRecords: whether the bot recorded any daily report, or
	// anyone owing one, in the month.
	MonthHasDailyRecords(ctx context.Context, month string) (bool, error)
	LatestKPIRevision(ctx context.Context, month string) (servicebot.KPIRevision, error)
	KPIScores(ctx context.Context, revisionID int64) ([]servicebot.KPIScorecard, error)
}

// Tx is what Month writes through: a revision, its publishing, an
// appeal and its decision commit together with the messages they cause.
type Tx interface {
	EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error)
	ClaimDuty(ctx context.Context, kind, key, period string, now time.Time) (bool, error)
	SaveKPIRevision(ctx context.Context, rev servicebot.KPIRevision, cards []servicebot.KPIScorecard) (servicebot.KPIRevision, error)
	LatestKPIRevision(ctx context.Context, month string) (servicebot.KPIRevision, error)
	KPIScores(ctx context.Context, revisionID int64) ([]servicebot.KPIScorecard, error)
	PublishKPIRevision(ctx context.Context, id int64, by string, now time.Time) (bool, error)
	FileKPIAppeal(ctx context.Context, a servicebot.KPIAppeal) (servicebot.KPIAppeal, error)
	KPIAppeal(ctx context.Context, id int64) (servicebot.KPIAppeal, error)
	DecideKPIAppeal(ctx context.Context, id int64, status, by string, resultRevision int, now time.Time) (bool, error)
	KPIAppeals(ctx context.Context, month string) ([]servicebot.KPIAppeal, error)
}

// Group is where the published ranking goes: an app group chat or a group
// robot; nowhere when both are empty.
type Group struct {
	ChatID   string
	RobotKey string
}

// Month takes each KPI month through its stages (R-KPI-13): it computes,
// drafts, previews, takes appeals, publishes and corrects a month.
type Month struct {
	MonthConfig
	store Store
	inTx  txn.Runner[Tx]
}

// MonthConfig is how the KPI months are run. Clock, Logger and Location
// default to the system clock, a logger that discards and UTC.
type MonthConfig struct {
	Rules     servicebot.KPIRules
	Sources   []Source
	Engineers Engineers
	Location  *time.Location
	// DraftAt is the time of day on the 1st the draft is due (09:00).
	DraftAt time.Duration
	// AppealWindow is how long after the first draft engineers may appeal (48 h).
	AppealWindow time.Duration
	// CatchUp is how long after the draft time a process that was down
	// still drafts when it comes back (default 7 days).
	CatchUp  time.Duration
	Managers []string
	Group    Group
	// PageURL is the web page of an engineer's breakdown (month, userid;
	// nil when the pages are off): the chat texts link it (issue 12).
	PageURL func(month, userID string) string
	// TableURL is the web page of the month's table, for the manager's card.
	TableURL func(month string) string
	Clock    servicebot.Clock
	Logger   *slog.Logger
}

func (c MonthConfig) withDefaults() MonthConfig {
	if c.Clock == nil {
		c.Clock = servicebot.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}

// NewMonth runs the KPI months over db, writing in the transactions inTx
// runs (*store.DB's InTx).
func NewMonth[T Tx](db Store, inTx txn.Runner[T], cfg MonthConfig) *Month {
	return &Month{MonthConfig: cfg.withDefaults(), store: db, inTx: txn.Narrow(inTx, func(t T) Tx { return t })}
}

// Compute scores month from every source, as of now; it records nothing.
func (c *Month) Compute(ctx context.Context, month string) ([]servicebot.KPIScorecard, error) {
	first, last, err := servicebot.KPIMonthRange(month)
	if err != nil {
		return nil, fmt.Errorf("kpi: %w", err)
	}
	members, err := c.Engineers.Engineers(ctx, last)
	if err != nil {
		return nil, fmt.Errorf("kpi: engineers: %w", err)
	}
	in := servicebot.KPIMonthInput{Month: month, Known: map[servicebot.KPIFactKind]bool{}}
	for _, m := range members {
		in.Engineers = append(in.Engineers, servicebot.KPIEngineer{UserID: m.UserID, Name: m.Name})
	}
	for _, s := range c.Sources {
		facts, err := s.Facts(ctx, month, first, last)
		if err != nil {
			return nil, err
		}
		in.Facts = append(in.Facts, facts...)
		for _, k := range s.Covers() {
			in.Known[k] = true
		}
	}
	return c.Rules.Score(in), nil
}

// Pending lists the kinds of R-KPI-5…8 no source records for everybody,
// which the manager has to enter (late arrivals, with the service records
// plugged in): the manager's card says so.
func (c *Month) Pending() []servicebot.KPIFactKind {
	covered := map[servicebot.KPIFactKind]bool{}
	for _, s := range c.Sources {
		for _, k := range s.Covers() {
			covered[k] = true
		}
	}
	var out []servicebot.KPIFactKind
	for _, k := range []servicebot.KPIFactKind{servicebot.FactFailedService, servicebot.FactLateArrival,
		servicebot.FactJobWithoutTraining, servicebot.FactPhoneVisit, servicebot.FactOnSiteVisit,
		servicebot.FactMissingField, servicebot.FactMissingForm} {
		if !covered[k] {
			out = append(out, k)
		}
	}
	return out
}

// dueAt is the draft time of the month following month: the 1st at DraftAt.
func (c *Month) dueAt(month string) time.Time {
	first, _, _ := servicebot.KPIMonthRange(month)
	next := servicebot.NewDate(first.Year, first.Month+1, 1)
	return next.In(c.Location).Add(c.DraftAt)
}

func (c *Month) catchUp() time.Duration {
	if c.CatchUp > 0 {
		return c.CatchUp
	}
	return 7 * 24 * time.Hour
}

func draftKey(month string) string { return "kpi_draft:" + month }

// DraftDue is the job kpi-draft: from the 1st at 09:00 it drafts last
// month, once, whichever replica or re-run gets there first; a process down
// at 09:00 drafts when it comes back, within CatchUp.
func (c *Month) DraftDue(ctx context.Context, now time.Time) error {
	month := servicebot.PreviousMonth(now, c.Location)
	due := c.dueAt(month)
	// A first start in the middle of a month, or a process down for longer
	// than CatchUp, does not surprise everybody with a stale draft: the
	// manager runs `servicebot kpi draft` instead.
	if now.Before(due) || now.After(due.Add(c.catchUp())) {
		return nil
	}
	done, err := c.store.DutyDone(ctx, draftKey(month))
	if err != nil || done {
		return err
	}
	// Nor is a month drafted that the bot has no records of (it was not
	// running then): every engineer would get −10 for 「外勤 0 天」 and a
	// missing-report count of nothing. `servicebot kpi draft` still can.
	recorded, err := c.store.MonthHasDailyRecords(ctx, month)
	if err != nil || !recorded {
		return err
	}
	_, err = c.draft(ctx, month, "", "每月1日自动起草", now, true)
	return err
}

// Redraft computes month again from the records as they are now and
// records it as the next revision (a correction after publishing is
// published at once); the engineers whose result changed are told.
func (c *Month) Redraft(ctx context.Context, month, by, reason string) (servicebot.KPIRevision, error) {
	if reason == "" {
		reason = "重新计算"
	}
	return c.draft(ctx, month, by, reason, c.Clock.Now(), false)
}

// Preview computes month as of now and records nothing: no revision, no
// message, no claim on the month's draft. It is what a manager may look at
// before the month is over (R-KPI-13).
func (c *Month) Preview(ctx context.Context, month string) ([]servicebot.KPIScorecard, error) {
	return c.Compute(ctx, month)
}

// state is month's stage in the department's zone.
func (c *Month) state(month string, latest servicebot.KPIRevision) (servicebot.KPIMonthState, error) {
	return servicebot.NewKPIMonthState(month, c.Location, latest, false)
}

func (c *Month) draft(ctx context.Context, month, by, reason string, now time.Time, onlyFirst bool) (servicebot.KPIRevision, error) {
	// Issue 11 item 1: a month not over is never drafted; it would claim
	// the month's draft and fix its appeal window.
	st, err := c.state(month, servicebot.KPIRevision{})
	if err != nil {
		return servicebot.KPIRevision{}, fmt.Errorf("kpi: %w", err)
	}
	if err := st.CanDraft(now); err != nil {
		return servicebot.KPIRevision{}, err
	}
	cards, err := c.Compute(ctx, month)
	if err != nil {
		return servicebot.KPIRevision{}, err
	}
	var saved servicebot.KPIRevision
	err = c.inTx(ctx, func(tx Tx) error {
		claimed, err := tx.ClaimDuty(ctx, "kpi_draft", draftKey(month), month, now)
		if err != nil {
			return err
		}
		if onlyFirst && !claimed {
			return nil
		}
		prev, prevCards, err := latest(ctx, tx, month)
		if err != nil {
			return err
		}
		rev := servicebot.KPIRevision{Month: month, RulesVersion: c.Rules.WithDefaults().Version, Reason: reason,
			CreatedBy: by, CreatedAt: now, AppealUntil: now.Add(c.AppealWindow)}
		if prev.ID != 0 {
			rev.AppealUntil = prev.AppealUntil
			if prev.Published() {
				rev.PublishedAt, rev.PublishedBy = now, cmp.Or(by, prev.PublishedBy)
			}
		}
		if saved, err = tx.SaveKPIRevision(ctx, rev, cards); err != nil {
			return err
		}
		changed := changedCards(prevCards, cards)
		for _, card := range changed {
			if saved.Published() {
				err = c.sendBreakdown(ctx, tx, saved, card, cards, true, now)
			} else {
				err = c.sendText(ctx, tx, fmt.Sprintf("kpi:preview:%s:%d:%s", month, saved.Revision, card.UserID),
					card.UserID, PreviewText(month, saved, card, len(cards), Tied(cards, card), c.pageURL(month, card.UserID), c.Location), now)
			}
			if err != nil {
				return err
			}
		}
		if saved.Published() {
			return c.corrected(ctx, tx, saved, prevCards, cards, changed, now)
		}
		return c.sendManagerCard(ctx, tx, saved, cards, now)
	})
	if err != nil {
		return servicebot.KPIRevision{}, fmt.Errorf("kpi: draft %s: %w", month, err)
	}
	if saved.ID != 0 {
		c.Logger.Info("kpi drafted", "month", month, "revision", saved.Revision, "engineers", len(cards), "by", by)
	}
	return saved, nil
}

// latest is the month's newest revision and its cards; zero before the first.
func latest(ctx context.Context, tx Tx, month string) (servicebot.KPIRevision, []servicebot.KPIScorecard, error) {
	rev, err := tx.LatestKPIRevision(ctx, month)
	if errors.Is(err, servicebot.ErrNotFound) {
		return servicebot.KPIRevision{}, nil, nil
	}
	if err != nil {
		return rev, nil, err
	}
	cards, err := tx.KPIScores(ctx, rev.ID)
	return rev, cards, err
}

// changedCards are the cards of now that differ from before (all of them
// when there was no before).
func changedCards(before, now []servicebot.KPIScorecard) []servicebot.KPIScorecard {
	old := make(map[string]servicebot.KPIScorecard, len(before))
	for _, c := range before {
		old[c.UserID] = c
	}
	var out []servicebot.KPIScorecard
	for _, c := range now {
		o, ok := old[c.UserID]
		if !ok || o.Total != c.Total || !sameIndicators(o.Indicators, c.Indicators) {
			out = append(out, c)
		}
	}
	return out
}

// corrected follows a correction after publishing (issue 11 item 7): the
// group gets the ranking again, and everyone whose rank moved is told,
// besides those whose own result changed (told by their breakdown).
func (c *Month) corrected(ctx context.Context, tx Tx, rev servicebot.KPIRevision, before, after, changed []servicebot.KPIScorecard, now time.Time) error {
	if err := c.postGroup(ctx, tx, rev, after, now); err != nil {
		return err
	}
	was := make(map[string]int, len(before))
	for _, sc := range before {
		was[sc.UserID] = sc.Rank
	}
	told := map[string]bool{}
	for _, sc := range changed {
		told[sc.UserID] = true
	}
	for _, sc := range after {
		old, ok := was[sc.UserID]
		if !ok || old == sc.Rank || told[sc.UserID] {
			continue
		}
		text := fmt.Sprintf("%s考核已更正（第 %d 版：%s）：您的得分不变（%s 分），排名由第 %d 名变为第 %d 名（共 %d 人）。",
			monthTitle(rev.Month), rev.Revision, rev.Reason, sc.Total, old, sc.Rank, len(after))
		if err := c.sendText(ctx, tx, fmt.Sprintf("kpi:rank:%s:%d:%s", rev.Month, rev.Revision, sc.UserID), sc.UserID, text, now); err != nil {
			return err
		}
	}
	return nil
}

// sameIndicators compares as stored: a card read back from JSON has nil
// where a computed one has an empty list.
func sameIndicators(a, b []servicebot.KPIIndicatorScore) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func (c *Month) sendText(ctx context.Context, tx Tx, key, to, text string, now time.Time) error {
	for i, part := range wecommsg.Split(text, wecommsg.TextLimit) {
		body, err := wecommsg.Text(part)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		_, _, err = tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{DedupKey: fmt.Sprintf("%s:%d", key, i),
			Kind: servicebot.OutText, ToUsers: to, Body: body, CreatedAt: now})
		if err != nil {
			return fmt.Errorf("enqueue %s: %w", key, err)
		}
	}
	return nil
}

func (c *Month) sendBreakdown(ctx context.Context, tx Tx, rev servicebot.KPIRevision, card servicebot.KPIScorecard,
	cards []servicebot.KPIScorecard, correction bool, now time.Time) error {
	return c.sendText(ctx, tx, fmt.Sprintf("kpi:breakdown:%s:%d:%s", rev.Month, rev.Revision, card.UserID), card.UserID,
		BreakdownText(rev.Month, rev, card, len(cards), Tied(cards, card), correction, c.pageURL(rev.Month, card.UserID)), now)
}

// pageURL is the page of userID's breakdown of month ("" without pages).
func (c *Month) pageURL(month, userID string) string {
	if c.PageURL == nil {
		return ""
	}
	return c.PageURL(month, userID)
}

// cardKV is a row of a KPI card.
type cardKV = wecommsg.Row

// maxCardRows is WeCom's limit of horizontal_content_list rows.
const maxCardRows = wecommsg.MaxRows

// sendManagerCard sends the managers the revision's card: the top of the
// ranking, the open appeals, and 发布 / 查看 (R-KPI-13).
func (c *Month) sendManagerCard(ctx context.Context, tx Tx, rev servicebot.KPIRevision, cards []servicebot.KPIScorecard, now time.Time) error {
	if len(c.Managers) == 0 {
		return nil
	}
	appeals, err := tx.KPIAppeals(ctx, rev.Month)
	if err != nil {
		return err
	}
	open := 0
	for _, a := range appeals {
		if a.Status == servicebot.KPIAppealOpen {
			open++
		}
	}
	link := ""
	if c.TableURL != nil {
		link = c.TableURL(rev.Month)
	}
	// The top and the bottom of the ranking (issue 12); the page has all.
	room := maxCardRows - 1
	if link != "" {
		room--
	}
	rows := rankingRows(cards, room)
	rows = append(rows, cardKV{Key: "待处理申诉", Value: fmt.Sprintf("%d 件", open)})
	if link != "" {
		rows = append(rows, cardKV{Key: "完整排名", Value: "每人每项得分及原因", URL: link})
	}
	sub := fmt.Sprintf("共 %d 人。申诉截止 %s。", len(cards), timeTitle(rev.AppealUntil, c.Location))
	if p := c.Pending(); len(p) > 0 {
		names := make([]string, len(p))
		for i, k := range p {
			names[i] = k.Label()
		}
		sub += "以下数据尚无系统记录，按经理录入计：" + strings.Join(names, "、") + "。"
	}
	body, err := wecommsg.ButtonCard{
		Title: fmt.Sprintf("%s KPI 考核（第 %d 版）", monthTitle(rev.Month), rev.Revision), Desc: "售后服务部 · " + rev.Reason,
		SubTitle: sub, Rows: rows, LinkURL: link,
		// WeCom refuses a task_id it has seen: the time keeps it unique
		// across a database reset or a demo on the same app.
		TaskID: fmt.Sprintf("kpi-%s-%d-%d", rev.Month, rev.Revision, rev.CreatedAt.Unix()),
		// Each button names the revision the card shows: 发布 on an older
		// card is refused, never publishing what it did not show. No
		// replace_text: it is an update-only field; the 发布 tap updates
		// the card itself (issue 11 item 11).
		Buttons: []wecommsg.Button{
			{Text: "发布", Style: wecommsg.StylePrimary, Key: fmt.Sprintf("%spublish:%s:%d", CardPrefix, rev.Month, rev.Revision)},
			{Text: "查看", Style: wecommsg.StyleSecondary, Key: fmt.Sprintf("%sview:%s:%d", CardPrefix, rev.Month, rev.Revision)},
		},
	}.JSON()
	if err != nil {
		return fmt.Errorf("kpi card: %w", err)
	}
	_, _, err = tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{DedupKey: fmt.Sprintf("kpi:card:%s:%d", rev.Month, rev.Revision),
		Kind: servicebot.OutTemplateCard, ToUsers: strings.Join(c.Managers, "|"), Body: body, CreatedAt: now})
	return err
}

// rankingRows are the card's lines of the ranking within room rows: all of
// it when it fits, else its top and its bottom with the ellipsis between.
// Ties share their rank and say so (并列).
func rankingRows(cards []servicebot.KPIScorecard, room int) []cardKV {
	row := func(sc servicebot.KPIScorecard) cardKV {
		key := fmt.Sprintf("%d. %s", sc.Rank, nameOf(sc))
		if Tied(cards, sc) {
			key = fmt.Sprintf("并列%d. %s", sc.Rank, nameOf(sc))
		}
		return cardKV{Key: key, Value: sc.Total.String()}
	}
	var rows []cardKV
	if len(cards) <= room {
		for _, sc := range cards {
			rows = append(rows, row(sc))
		}
		return rows
	}
	top := (room + 1) / 2
	for _, sc := range cards[:top] {
		rows = append(rows, row(sc))
	}
	for _, sc := range cards[len(cards)-(room-top):] {
		rows = append(rows, row(sc))
	}
	rows[top-1].Value += "  …"
	return rows
}

// Click handles a tap on a KPI card button. Only managers act; a tap by
// anybody else, or on a key this version never made, does nothing.
func (c *Month) Click(ctx context.Context, tx Tx, ev wecommsg.Event) error {
	if !slices.Contains(c.Managers, ev.FromUserName) {
		return nil
	}
	rest, _ := strings.CutPrefix(ev.EventKey, CardPrefix)
	action, arg, _ := strings.Cut(rest, ":")
	now := c.Clock.Now()
	switch action {
	case "publish":
		month, revText, _ := strings.Cut(arg, ":")
		var revision int
		if _, err := fmt.Sscan(revText, &revision); err != nil {
			revision = 0 // a card from before buttons named their revision: stale
		}
		return c.publish(ctx, tx, ev, month, revision, now)
	case "view":
		month, _, _ := strings.Cut(arg, ":")
		return c.view(ctx, tx, ev, month, now)
	case "appeal":
		idText, decision, _ := strings.Cut(arg, ":")
		var id int64
		if _, err := fmt.Sscan(idText, &id); err != nil || id <= 0 {
			return nil
		}
		return c.decide(ctx, tx, ev, id, decision, now)
	}
	return nil
}

// publish publishes revision, the one the tapped card showed, if it is
// still the month's newest: the ranking to the group, each engineer their
// own breakdown (R-KPI-13). Publishing twice does nothing; a tap on an
// older card is refused and says which revision is current.
func (c *Month) publish(ctx context.Context, tx Tx, ev wecommsg.Event, month string, revision int, now time.Time) error {
	rev, cards, err := latest(ctx, tx, month)
	if err != nil || rev.ID == 0 {
		return err
	}
	st, err := c.state(month, rev)
	if err != nil {
		return nil // a key this version never made
	}
	if err := st.CanPublish(revision, now); errors.Is(err, servicebot.ErrKPIStaleRevision) {
		var ce *servicebot.KPIMonthError
		errors.As(err, &ce)
		if err := c.sendText(ctx, tx, "reply:"+ev.DedupKey(), ev.FromUserName, ce.Text+"。", now); err != nil {
			return err
		}
		return updateCard(ctx, tx, ev, fmt.Sprintf("已有第 %d 版", rev.Revision), now)
	}
	ok, err := tx.PublishKPIRevision(ctx, rev.ID, ev.FromUserName, now)
	if err != nil {
		return err
	}
	if !ok {
		return updateCard(ctx, tx, ev, fmt.Sprintf("第 %d 版已发布", rev.Revision), now)
	}
	rev.PublishedAt, rev.PublishedBy = now, ev.FromUserName
	if err := c.postGroup(ctx, tx, rev, cards, now); err != nil {
		return err
	}
	for _, card := range cards {
		if err := c.sendBreakdown(ctx, tx, rev, card, cards, false, now); err != nil {
			return err
		}
	}
	return updateCard(ctx, tx, ev, fmt.Sprintf("已发布第 %d 版", rev.Revision), now)
}

func (c *Month) postGroup(ctx context.Context, tx Tx, rev servicebot.KPIRevision, cards []servicebot.KPIScorecard, now time.Time) error {
	posts, err := wecommsg.Group{ChatID: c.Group.ChatID, RobotKey: c.Group.RobotKey}.Posts(
		servicebot.OutboxMessage{DedupKey: fmt.Sprintf("kpi:group:%s:%d:0", rev.Month, rev.Revision), CreatedAt: now},
		RankingMarkdown(rev.Month, rev, cards, c.Location))
	if err != nil {
		return fmt.Errorf("kpi ranking: %w", err)
	}
	for _, m := range posts {
		if _, _, err := tx.EnqueueOutbox(ctx, m); err != nil {
			return fmt.Errorf("enqueue kpi ranking: %w", err)
		}
	}
	return nil
}

// view answers 查看 with the whole ranking and the open appeals.
func (c *Month) view(ctx context.Context, tx Tx, ev wecommsg.Event, month string, now time.Time) error {
	rev, cards, err := latest(ctx, tx, month)
	if err != nil || rev.ID == 0 {
		return err
	}
	appeals, err := tx.KPIAppeals(ctx, month)
	if err != nil {
		return err
	}
	return c.sendText(ctx, tx, "kpi:view:"+ev.DedupKey(), ev.FromUserName, RankingText(month, rev, cards, appeals, c.Location), now)
}

// updateCard relabels the tapped card's button (update_template_card with
// the tap's one-use response_code).
func updateCard(ctx context.Context, tx Tx, ev wecommsg.Event, label string, now time.Time) error {
	m, ok, err := wecommsg.Relabel(ev, label, now)
	if err != nil || !ok {
		return err
	}
	_, _, err = tx.EnqueueOutbox(ctx, m)
	return err
}

// indicatorNames lists the indicators an engineer may appeal, for the help reply.
func indicatorNames() string {
	var names []string
	for _, info := range servicebot.KPIIndicators {
		if info.Key != servicebot.KPIBonus {
			names = append(names, info.Name)
		}
	}
	return strings.Join(names, "、")
}

// TakeAppeal takes a text "申诉 <指标> <理由>" from an engineer of the
// month's draft: it records the appeal and sends the managers a card with
// 采纳 / 驳回. Any other text is left to the other handlers.
func (c *Month) TakeAppeal(ctx context.Context, tx Tx, ev wecommsg.Event) (bool, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(ev.Content), AppealCommand)
	if !ok {
		return false, nil
	}
	now := c.Clock.Now()
	reply := func(text string) (bool, error) {
		return true, c.sendText(ctx, tx, "reply:"+ev.DedupKey(), ev.FromUserName, text, now)
	}
	fields := strings.Fields(strings.TrimLeft(rest, " :：,，"))
	if len(fields) < 2 {
		return reply("申诉请写明指标、哪一项扣分和理由，例如：申诉 服务管理 10月14日 当天日报已提交。\n可申诉的指标：" + indicatorNames())
	}
	ind, ok := servicebot.ParseKPIIndicator(fields[0])
	if !ok {
		return reply(fmt.Sprintf("没有找到指标「%s」。可申诉的指标：%s", fields[0], indicatorNames()))
	}
	kind, _ := servicebot.ParseKPIFactKind(fields[0])
	month := servicebot.PreviousMonth(now, c.Location)
	rev, cards, err := latest(ctx, tx, month)
	if err != nil {
		return true, err
	}
	if rev.ID == 0 {
		return reply(fmt.Sprintf("%s的考核还没有起草，起草后会先发给您预览。", monthTitle(month)))
	}
	if now.After(rev.AppealUntil) {
		return reply(fmt.Sprintf("%s考核的申诉已于 %s 截止，如有问题请直接联系经理。", monthTitle(month), timeTitle(rev.AppealUntil, c.Location)))
	}
	i := slices.IndexFunc(cards, func(sc servicebot.KPIScorecard) bool { return sc.UserID == ev.FromUserName })
	if i < 0 {
		return reply(fmt.Sprintf("%s的考核名单中没有您，如有问题请联系经理。", monthTitle(month)))
	}
	score, _ := cards[i].Indicator(ind)
	// R-KPI-13: an appeal names one deduction (one fact).
	target, words, problem := pickDeduction(score, kind, fields[1:])
	if problem != "" {
		return reply(problem)
	}
	reason := strings.Join(words, " ")
	if reason == "" {
		return reply(fmt.Sprintf("请写明申诉理由，例如：申诉 %s %s", fields[0], strings.Join(fields[1:], " ")+" 当天在客户现场，有签到记录"))
	}
	a, err := tx.FileKPIAppeal(ctx, servicebot.KPIAppeal{Month: month, UserID: ev.FromUserName, Indicator: ind,
		Reason: reason, Revision: rev.Revision, FiledAt: now, FactRef: target.Fact, FactText: deductionText(target)})
	if err != nil {
		return true, err
	}
	if err := c.sendAppealCard(ctx, tx, a, cards[i], score, now); err != nil {
		return true, err
	}
	return reply(fmt.Sprintf("已收到您对「%s」中「%s」的申诉 #%d，经理处理后会通知您。", score.Name, deductionText(target), a.ID))
}

// deductions are the indicator's reasons an appeal can name: those that
// cost points and come from a fact or a rule of the month.
func deductions(s servicebot.KPIIndicatorScore) []servicebot.KPIReason {
	var out []servicebot.KPIReason
	for _, r := range s.Reasons {
		if r.Points < 0 && r.Fact != "" {
			out = append(out, r)
		}
	}
	return out
}

// deductionText is a deduction as an engineer reads it: "11月3日 服务不合格（-2.00）".
func deductionText(r servicebot.KPIReason) string {
	t := r.Text
	if !r.Date.IsZero() {
		t = r.Date.MonthDay() + " " + t
	}
	return fmt.Sprintf("%s（%s）", t, r.Points.Signed())
}

// pickDeduction finds the one deduction an appeal names among the
// indicator's: by its number in the list (2, 第2项, #2), by its day
// (11月3日, 11-03, 2026-11-03), by the kind the engineer wrote (迟到 among
// 服务质量's), or the only one. It returns the words left for the reason,
// or, when it cannot tell, what to write instead.
func pickDeduction(s servicebot.KPIIndicatorScore, kind servicebot.KPIFactKind, args []string) (servicebot.KPIReason, []string, string) {
	all := deductions(s)
	if len(all) == 0 {
		return servicebot.KPIReason{}, nil, fmt.Sprintf("「%s」本月没有扣分（%s 分），无需申诉。", s.Name, s.Score)
	}
	cands := all
	if kind != "" {
		var of []servicebot.KPIReason
		for _, r := range all {
			if strings.HasPrefix(r.Fact, string(kind)+"|") {
				of = append(of, r)
			}
		}
		if len(of) > 0 {
			cands = of
		}
	}
	if len(args) > 0 {
		if n, ok := itemNumber(args[0]); ok {
			if n >= 1 && n <= len(cands) {
				return cands[n-1], args[1:], ""
			}
			return servicebot.KPIReason{}, nil, listDeductions(s, cands, fmt.Sprintf("没有第 %d 项。", n))
		}
		if day, ok := appealDay(args[0], s); ok {
			var on []servicebot.KPIReason
			for _, r := range cands {
				if r.Date == day {
					on = append(on, r)
				}
			}
			if len(on) == 1 {
				return on[0], args[1:], ""
			}
			if len(on) == 0 {
				return servicebot.KPIReason{}, nil, listDeductions(s, cands, fmt.Sprintf("%s 没有这一项扣分。", day.MonthDay()))
			}
			cands = on
			args = args[1:]
			if len(args) > 0 {
				if n, ok := itemNumber(args[0]); ok && n >= 1 && n <= len(cands) {
					return cands[n-1], args[1:], ""
				}
			}
		}
	}
	if len(cands) == 1 {
		return cands[0], args, ""
	}
	return servicebot.KPIReason{}, nil, listDeductions(s, cands, "")
}

// listDeductions asks which deduction is meant, numbered as pickDeduction reads them.
func listDeductions(s servicebot.KPIIndicatorScore, cands []servicebot.KPIReason, head string) string {
	var b strings.Builder
	b.WriteString(head)
	fmt.Fprintf(&b, "「%s」有 %d 项扣分，一次申诉一项，请写明第几项：", s.Name, len(cands))
	for i, r := range cands {
		fmt.Fprintf(&b, "\n%d. %s", i+1, deductionText(r))
	}
	fmt.Fprintf(&b, "\n例如：申诉 %s 1 理由", s.Name)
	return b.String()
}

// itemNumber reads "2", "第2项", "第2条", "#2".
func itemNumber(s string) (int, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "#"), "第")
	s = strings.TrimSuffix(strings.TrimSuffix(s, "项"), "条")
	n, err := strconv.Atoi(s)
	return n, err == nil && n < 100
}

// appealDay reads a day as engineers write it, in the year of the
// indicator's deductions: 11月3日, 11月3号, 11-03, 2026-11-03.
func appealDay(s string, ind servicebot.KPIIndicatorScore) (servicebot.Date, bool) {
	if d, err := servicebot.ParseDate(s); err == nil {
		return d, true
	}
	year := 0
	for _, r := range ind.Reasons {
		if !r.Date.IsZero() {
			year = r.Date.Year
			break
		}
	}
	if year == 0 {
		return servicebot.Date{}, false
	}
	var m, d int
	s = strings.TrimRight(s, "日号")
	for _, sep := range []string{"月", "-", "/", "."} {
		if a, b, ok := strings.Cut(s, sep); ok {
			var err1, err2 error
			m, err1 = strconv.Atoi(a)
			d, err2 = strconv.Atoi(b)
			if err1 == nil && err2 == nil && m >= 1 && m <= 12 && d >= 1 && d <= 31 {
				return servicebot.NewDate(year, time.Month(m), d), true
			}
		}
	}
	return servicebot.Date{}, false
}

func (c *Month) sendAppealCard(ctx context.Context, tx Tx, a servicebot.KPIAppeal, sc servicebot.KPIScorecard, s servicebot.KPIIndicatorScore, now time.Time) error {
	if len(c.Managers) == 0 {
		return nil
	}
	var lines []string
	for _, r := range s.Reasons {
		if r.Points < 0 {
			lines = append(lines, r.Points.Signed()+" "+r.Text)
		}
	}
	rows := []cardKV{{Key: "申诉人", Value: nameOf(sc)}, {Key: "指标", Value: s.Name},
		{Key: "得分", Value: fmt.Sprintf("%s / %s", s.Score, weightText(s.Weight))}}
	sub := "理由：" + a.Reason
	switch {
	case a.FactText != "":
		// R-KPI-13: the appeal names one deduction; accepting withdraws it only.
		sub += "\n申诉扣分项：" + a.FactText
	case len(lines) > 0:
		sub += "\n扣分：" + strings.Join(lines, "；")
	}
	body, err := wecommsg.ButtonCard{
		Title: fmt.Sprintf("%s KPI 申诉 #%d", monthTitle(a.Month), a.ID), Desc: "采纳则只撤销这一项扣分，生成新版本",
		SubTitle: sub, Rows: rows, TaskID: fmt.Sprintf("kpi-appeal-%d-%d", a.ID, a.FiledAt.Unix()),
		Buttons: []wecommsg.Button{
			{Text: "采纳", Style: wecommsg.StylePrimary, Key: fmt.Sprintf("%sappeal:%d:accept", CardPrefix, a.ID)},
			{Text: "驳回", Style: wecommsg.StyleNegative, Key: fmt.Sprintf("%sappeal:%d:reject", CardPrefix, a.ID)},
		},
	}.JSON()
	if err != nil {
		return fmt.Errorf("kpi appeal card: %w", err)
	}
	_, _, err = tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{DedupKey: fmt.Sprintf("kpi:appeal:%d", a.ID),
		Kind: servicebot.OutTemplateCard, ToUsers: strings.Join(c.Managers, "|"), Body: body, CreatedAt: now})
	return err
}

// decide accepts or rejects an appeal. Accepting waives the indicator's
// deductions in a new revision made from the newest one (published at once
// when the newest was published: a correction); the engineer is told either way.
func (c *Month) decide(ctx context.Context, tx Tx, ev wecommsg.Event, id int64, decision string, now time.Time) error {
	a, err := tx.KPIAppeal(ctx, id)
	if errors.Is(err, servicebot.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	info, _ := a.Indicator.Info()
	if decision != "accept" {
		ok, err := tx.DecideKPIAppeal(ctx, id, servicebot.KPIAppealRejected, ev.FromUserName, 0, now)
		if err != nil || !ok {
			return cmpErr(err, updateCard(ctx, tx, ev, "已处理", now))
		}
		if err := c.sendText(ctx, tx, fmt.Sprintf("kpi:appeal-decided:%d", id), a.UserID,
			fmt.Sprintf("您对%s考核「%s」的申诉 #%d 未被采纳，得分不变。如有疑问请联系经理。", monthTitle(a.Month), info.Name, id), now); err != nil {
			return err
		}
		return updateCard(ctx, tx, ev, "已驳回", now)
	}
	prev, cards, err := latest(ctx, tx, a.Month)
	if err != nil || prev.ID == 0 {
		return err
	}
	ok, err := tx.DecideKPIAppeal(ctx, id, servicebot.KPIAppealAccepted, ev.FromUserName, prev.Revision+1, now)
	if err != nil || !ok {
		return cmpErr(err, updateCard(ctx, tx, ev, "已处理", now))
	}
	a.Status, a.DecidedBy, a.DecidedAt = servicebot.KPIAppealAccepted, ev.FromUserName, now
	before := map[string]servicebot.KPIScorecard{}
	for _, sc := range cards {
		before[sc.UserID] = deepCopy(sc)
	}
	for i := range cards {
		if cards[i].UserID == a.UserID {
			// R-KPI-13: the one fact the appeal names is withdrawn, the
			// rest of the indicator's deductions stay.
			cards[i] = c.Rules.Withdraw(cards[i], a.Fact(c.Location))
		}
	}
	servicebot.RankKPI(cards)
	rev := servicebot.KPIRevision{Month: a.Month, RulesVersion: prev.RulesVersion, Reason: fmt.Sprintf("申诉 #%d 采纳", id),
		CreatedBy: ev.FromUserName, CreatedAt: now, AppealUntil: prev.AppealUntil}
	if prev.Published() {
		rev.PublishedAt, rev.PublishedBy = now, ev.FromUserName
	}
	saved, err := tx.SaveKPIRevision(ctx, rev, cards)
	if err != nil {
		return err
	}
	if saved.Revision != prev.Revision+1 {
		return fmt.Errorf("kpi: appeal %d: revision %d was made meanwhile", id, saved.Revision)
	}
	old := before[a.UserID]
	for _, sc := range cards {
		if sc.UserID != a.UserID {
			continue
		}
		was, _ := old.Indicator(a.Indicator)
		is, _ := sc.Indicator(a.Indicator)
		text := fmt.Sprintf("您对%s考核「%s」的申诉 #%d 已采纳：该项 %s → %s 分，总分 %s → %s，第 %d 名（第 %d 版）。",
			monthTitle(a.Month), info.Name, id, was.Score, is.Score, old.Total, sc.Total, sc.Rank, saved.Revision)
		if saved.Published() {
			text += "已发布的结果已同时更正。"
		}
		if err := c.sendText(ctx, tx, fmt.Sprintf("kpi:appeal-decided:%d", id), a.UserID, text, now); err != nil {
			return err
		}
		if saved.Published() {
			if err := c.sendBreakdown(ctx, tx, saved, sc, cards, true, now); err != nil {
				return err
			}
		}
	}
	var prevCards []servicebot.KPIScorecard
	for _, sc := range before {
		prevCards = append(prevCards, sc)
	}
	if saved.Published() {
		// A correction after publishing: the ranking again, and whoever's
		// rank moved is told (issue 11 item 7).
		if err := c.corrected(ctx, tx, saved, prevCards, cards, changedCards(prevCards, cards), now); err != nil {
			return err
		}
	} else if err := c.sendManagerCard(ctx, tx, saved, cards, now); err != nil {
		// A new revision brings a new card: the manager publishes it from chat.
		return err
	}
	return updateCard(ctx, tx, ev, fmt.Sprintf("已采纳，生成第 %d 版", saved.Revision), now)
}

func cmpErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}

// deepCopy copies a card so that waiving on the original leaves it as it was.
func deepCopy(sc servicebot.KPIScorecard) servicebot.KPIScorecard {
	out := sc
	out.Indicators = slices.Clone(sc.Indicators)
	for i := range out.Indicators {
		out.Indicators[i].Reasons = slices.Clone(sc.Indicators[i].Reasons)
	}
	return out
}
