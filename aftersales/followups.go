package aftersales

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/forms"
)

// TodoButtonPrefix is the key of the digest card's button: a tap answers
// with the list as it is now (我的待办).
const TodoButtonPrefix = "todo:"

// FollowUps is the job service-followups. It opens the R-VIS-1 calls and
// visits each customer owes, counted from its last recorded contact; it
// reminds the engineer of a technical question unanswered after 6 hours
// (R-VIS-3); and it tells the service manager of a question unanswered
// after 8 hours and of a return visit not done by day 15 (R-VIS-2). Each
// stage goes out once. A reminder whose deadline has passed is not sent
// late; an escalation is, as long as the obligation is still open. The
// engineers' day-based reminders go in their morning digest instead.
func (s *Service) FollowUps(ctx context.Context, now time.Time) error {
	if err := s.openRegularVisits(ctx, now); err != nil {
		return err
	}
	obs, err := s.db.OpenObligations(ctx, "", []string{servicebot.ObligationReturnVisit, servicebot.ObligationTechQuestion})
	if err != nil {
		return err
	}
	for _, o := range obs {
		f, ok := s.rules.FollowUpOf(o)
		if !ok {
			continue
		}
		if o.Kind == servicebot.ObligationTechQuestion {
			if _, due := servicebot.DueStage([]servicebot.ReminderStage{{Name: servicebot.StageRemind, At: f.Remind}}, f.DueAt, now); due {
				text := fmt.Sprintf("【咨询提醒】%s 已登记%d小时仍未答复，请在 %s 前答复客户，答复后发送「已答复 %s」。",
					f.Title, int(s.rules.ReplyRemindAfter.Hours()), s.timeFrom(f.DueAt, now), strings.TrimPrefix(o.Key, servicebot.ObligationTechQuestion+":"))
				if err := s.sendStage(ctx, f, servicebot.StageRemind, []string{o.UserID}, fixed(text), now); err != nil {
					return err
				}
			}
		}
		if !f.Escalate.IsZero() && !now.Before(f.Escalate) {
			escalation := func(tx Tx) (string, error) { return s.escalationText(ctx, tx, f, now) }
			if err := s.sendStage(ctx, f, servicebot.StageEscalate, s.managers, escalation, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// escalationText tells the manager what f's engineer, by name, left undone.
func (s *Service) escalationText(ctx context.Context, tx Tx, f servicebot.FollowUp, now time.Time) (string, error) {
	who, err := nameOf(ctx, tx, f.UserID)
	if err != nil {
		return "", err
	}
	if f.Kind == servicebot.ObligationTechQuestion {
		return fmt.Sprintf("【咨询超时】%s 由 %s 于 %s 登记，已超过%d小时未答复（R-VIS-3）。",
			f.Title, who, s.timeFrom(f.CreatedAt, now), int(s.rules.ReplyWithin.Hours())), nil
	}
	return fmt.Sprintf("【回访逾期】%s 应由 %s 在 %s 前完成，至今未填写电话回访跟踪问卷表（R-VIS-2）。",
		f.Title, who, s.monthDay(f.DueAt.Add(-time.Minute))), nil
}

// fixed is a stage's text that names nobody.
func fixed(text string) func(Tx) (string, error) {
	return func(Tx) (string, error) { return text, nil }
}

// timeFrom writes t as read at now: 15:04 on the same day, 11月13日 01:00
// on another, since a question logged at 17:00 is due at 01:00 tomorrow.
func (s *Service) timeFrom(t, now time.Time) string {
	if servicebot.DateOf(t.In(s.rules.Location)) == servicebot.DateOf(now.In(s.rules.Location)) {
		return s.hhmm(t)
	}
	return s.monthDay(t) + " " + s.hhmm(t)
}

// sendStage sends stage of f to users, once: the stage row and the message
// commit together, and only while f is still open. text writes the message
// in that transaction, so the names it reads need no second connection.
func (s *Service) sendStage(ctx context.Context, f servicebot.FollowUp, stage string, users []string, text func(Tx) (string, error), now time.Time) error {
	if len(users) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx Tx) error {
		current, err := tx.GetObligation(ctx, f.Key)
		if err != nil || current.Status != servicebot.ObligationOpen {
			return err // answered or filed a moment ago
		}
		fresh, err := tx.MarkStage(ctx, stage, []int64{f.ID}, now)
		if err != nil || len(fresh) == 0 {
			return err
		}
		body, err := text(tx)
		if err != nil {
			return err
		}
		return tell(ctx, tx, fmt.Sprintf("followup:%s:%s", stage, f.Key), users, body, now)
	})
	if err != nil {
		return fmt.Errorf("aftersales: %s of %s: %w", stage, f.Key, err)
	}
	return nil
}

// openRegularVisits keeps every customer's R-VIS-1 obligations what its
// recorded contacts say (RegularVisits): a customer first recorded, a tier
// changed, an engineer reassigned. Only customers whose open obligations
// differ are settled, each in a transaction that reads its contacts afresh
// under the customer's lock, so a contact recorded meanwhile is not undone.
func (s *Service) openRegularVisits(ctx context.Context, now time.Time) error {
	customers, err := s.db.CustomerContacts(ctx)
	if err != nil {
		return err
	}
	engineers, err := s.db.Engineers(ctx, s.org)
	if err != nil {
		return err
	}
	kinds := []string{servicebot.ObligationCustomerCall, servicebot.ObligationSiteVisit}
	open, err := s.db.OpenObligations(ctx, "", kinds)
	if err != nil {
		return err
	}
	openOf := map[string][]servicebot.Obligation{}
	for _, o := range open {
		prefix := o.Key[:strings.LastIndex(o.Key, ":")+1]
		openOf[prefix] = append(openOf[prefix], o)
	}
	var unsettled []int64
	for _, c := range customers {
		if c.Engineer == "" {
			unsettled = append(unsettled, c.ID) // given an engineer in turn
			continue
		}
		want := s.regularVisits(c, engineers, now)
		for _, kind := range kinds {
			have := openOf[servicebot.RegularVisitPrefix(kind, c.ID)]
			w, owed := want[kind]
			if owed != (len(have) == 1) || len(have) > 1 ||
				(owed && (have[0].Key != w.Key || have[0].UserID != w.UserID || have[0].Note != w.Note)) {
				unsettled = append(unsettled, c.ID)
				break
			}
		}
	}
	for _, id := range unsettled {
		if err := s.inTx(ctx, func(tx Tx) error { return s.settleRegularVisits(ctx, tx, id, engineers, now) }); err != nil {
			return fmt.Errorf("aftersales: open regular visits: %w", err)
		}
	}
	return nil
}

// regularVisits are the R-VIS-1 obligations c owes, with their titles.
func (s *Service) regularVisits(c servicebot.CustomerContacts, engineers []servicebot.Member, now time.Time) map[string]servicebot.FollowUp {
	want := s.rules.RegularVisits(c, s.engineerOf(c.Customer, engineers), now)
	for kind, f := range want {
		f.Note = regularTitle(c.Customer, kind)
		want[kind] = f
	}
	return want
}

// settleRegularVisits makes customer id's open R-VIS-1 obligations exactly
// what its recorded contacts say, in tx: one open next call and, for a key
// customer, one open next on-site visit (R-VIS-1). It runs in the
// transaction of every recorded contact and tier change, so the invariant
// holds after each, whatever the contacts' order, day or number.
// engineers is the store's Engineers, or nil to read them in tx.
func (s *Service) settleRegularVisits(ctx context.Context, tx Tx, id int64, engineers []servicebot.Member, now time.Time) error {
	c, err := tx.LockCustomerContacts(ctx, id)
	if err != nil {
		return err
	}
	if c.Engineer == "" {
		if engineers == nil {
			if engineers, err = tx.Engineers(ctx, s.org); err != nil {
				return err
			}
		}
		engineer, err := s.roundRobin(ctx, tx, c.Customer, engineers)
		if err != nil {
			return err
		}
		if engineer != "" {
			if _, err := tx.AssignCustomerEngineer(ctx, id, engineer, servicebot.EngineerRoundRobin, now); err != nil {
				return err
			}
			c.Engineer, c.EngineerSource = engineer, servicebot.EngineerRoundRobin
		}
	}
	want := s.regularVisits(c, engineers, now)
	for _, kind := range []string{servicebot.ObligationCustomerCall, servicebot.ObligationSiteVisit} {
		if _, err := tx.SettleObligation(ctx, kind, servicebot.RegularVisitPrefix(kind, id), want[kind].Obligation, now); err != nil {
			return err
		}
	}
	return nil
}

func regularTitle(c servicebot.Customer, kind string) string {
	switch {
	case kind == servicebot.ObligationSiteVisit:
		return fmt.Sprintf("现场走访 %s（重点客户，每年至少2次）", c.Name)
	case c.Tier == servicebot.TierKey:
		return fmt.Sprintf("电话回访 %s（重点客户，每月至少1次）", c.Name)
	}
	return fmt.Sprintf("电话回访 %s（一般客户，每季度至少1次）", c.Name)
}

// Digest is the job service-digest: on a working day from 08:30, every
// engineer at work with anything due or overdue gets one card listing it
// all, once a day. The day-based reminders of return visits and regular
// calls (R-VIS-1, R-VIS-2) are recorded as sent with it.
func (s *Service) Digest(ctx context.Context, now time.Time) error {
	day, due := s.rules.DigestDue(s.cal, now)
	if !due {
		return nil
	}
	workers, err := s.workers.Reporters(ctx, day)
	if err != nil {
		return fmt.Errorf("aftersales: digest: %w", err)
	}
	obs, err := s.db.OpenObligations(ctx, "", FollowUpKinds)
	if err != nil {
		return err
	}
	owing := map[string]bool{}
	for _, o := range obs {
		if f, ok := s.rules.FollowUpOf(o); ok && s.inDigest(f, now) {
			owing[o.UserID] = true
		}
	}
	sent := 0
	for _, w := range workers {
		if !owing[w.UserID] {
			continue
		}
		err := s.inTx(ctx, func(tx Tx) error {
			ok, err := s.sendDigest(ctx, tx, w.UserID, day, now)
			if ok {
				sent++
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("aftersales: digest of %s: %w", w.UserID, err)
		}
	}
	if sent > 0 {
		s.logger.InfoContext(ctx, "service digests enqueued", "day", day.String(), "engineers", sent)
	}
	return nil
}

// sendDigest sends user's card of day unless it went out already.
func (s *Service) sendDigest(ctx context.Context, tx Tx, user string, day servicebot.Date, now time.Time) (bool, error) {
	follow, err := s.dueFollowUps(ctx, tx, user, now)
	if err != nil || len(follow) == 0 {
		return false, err
	}
	key := fmt.Sprintf("service_digest:%s:%s", day, user)
	claimed, err := tx.ClaimDuty(ctx, "service_digest", key, day.String(), now)
	if err != nil || !claimed {
		return false, err
	}
	duty, err := tx.GetObligation(ctx, key)
	if err != nil {
		return false, err
	}
	var reminded []int64
	items := make([]servicebot.DigestItem, len(follow))
	for i, f := range follow {
		items[i] = f.DigestItem(now)
		if f.Kind != servicebot.ObligationTechQuestion && now.Before(f.DueAt) {
			reminded = append(reminded, f.ID)
		}
	}
	if _, err := tx.MarkStage(ctx, servicebot.StageRemind, reminded, now); err != nil {
		return false, err
	}
	// R-VIS-2: each return visit due links its questionnaire with the job
	// filled in; WeCom shows at most six rows.
	var rows []wecommsg.Row
	for _, l := range s.returnVisitLinks(items) {
		if len(rows) == wecommsg.MaxRows {
			break
		}
		rows = append(rows, wecommsg.Row{Key: "工单" + l.job, Value: "填写回访问卷", URL: l.url})
	}
	body, err := wecommsg.ButtonCard{
		Title:    fmt.Sprintf("今日待办 %d 项", len(items)),
		Desc:     "售后服务部 · 回访与咨询",
		SubTitle: digestSubTitle(servicebot.DigestText(day, items, s.rules.Location)),
		Rows:     rows,
		TaskID:   digestTaskID(day, duty),
		Buttons:  []wecommsg.Button{{Text: "查看最新待办", Style: wecommsg.StylePrimary, Key: TodoButtonPrefix + day.String()}},
	}.JSON()
	if err != nil {
		return false, fmt.Errorf("digest card: %w", err)
	}
	_, _, err = tx.EnqueueOutbox(ctx, servicebot.OutboxMessage{DedupKey: key, Kind: servicebot.OutTemplateCard,
		ToUsers: user, Body: body, CreatedAt: now})
	if err != nil {
		return false, fmt.Errorf("enqueue digest: %w", err)
	}
	return true, nil
}

// digestSubTitle is as much of a digest's list as the card shows, in whole
// items (a clipped item could name the wrong customer or date), and how
// many are left for 查看最新待办, whose answer is the whole list.
func digestSubTitle(list string) string {
	return wecommsg.FitLines(strings.Split(list, "\n"), wecommsg.SubTitleRunes, func(left []string) string {
		n := 0
		for _, l := range left {
			if strings.HasPrefix(l, "· ") {
				n++
			}
		}
		return fmt.Sprintf("另有 %d 项，点「查看最新待办」看全部", n)
	})
}

// digestTaskID names a digest card. WeCom refuses a task_id the app has
// used before, ever, even one sent from a database started afresh (a reset,
// a trial before production on the same app): the claim's row id and time
// keep installations apart. The userid stays out: it may hold a '.', which a
// task_id may not ([a-zA-Z0-9_-@], at most 128 bytes).
func digestTaskID(day servicebot.Date, duty servicebot.Obligation) string {
	return fmt.Sprintf("digest-%s-%d-%d", day, duty.ID, duty.CreatedAt.Unix())
}

// dueFollowUps are user's open follow-ups that belong in a digest at now,
// overdue first, then by due time.
func (s *Service) dueFollowUps(ctx context.Context, tx Tx, user string, now time.Time) ([]servicebot.FollowUp, error) {
	obs, err := tx.OpenObligations(ctx, user, FollowUpKinds)
	if err != nil {
		return nil, err
	}
	var out []servicebot.FollowUp
	for _, o := range obs {
		if f, ok := s.rules.FollowUpOf(o); ok && s.inDigest(f, now) {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b servicebot.FollowUp) int { return a.DueAt.Compare(b.DueAt) })
	return out, nil
}

// Todo is the answer to 我的待办 (and to the digest's button): user's list
// as it is now. It says as of when: besides telling the reader, that keeps
// WeCom's duplicate check from swallowing a later, identical-looking answer.
func (s *Service) Todo(ctx context.Context, tx Tx, user string) (string, error) {
	now := s.clock.Now()
	follow, err := s.dueFollowUps(ctx, tx, user, now)
	if err != nil {
		return "", err
	}
	items := make([]servicebot.DigestItem, len(follow))
	for i, f := range follow {
		items[i] = f.DigestItem(now)
	}
	return fmt.Sprintf("（截至 %s）", s.hhmm(now)) + servicebot.DigestText(s.rules.Today(now), items, s.rules.Location), nil
}

// inDigest reports whether f belongs in the digest at now: its reminder
// time has come, or — when that falls on a day off — the digest of the last
// working day before it has, so a due date on a weekend or a holiday is
// seen before it passes, not first on the next working day, already
// overdue (issue 16 item 7).
func (s *Service) inDigest(f servicebot.FollowUp, now time.Time) bool {
	if f.InDigest(now) {
		return true
	}
	if f.Kind == servicebot.ObligationTechQuestion || s.cal == nil {
		return false
	}
	loc := s.rules.Location
	remindDay := servicebot.DateOf(f.Remind.In(loc))
	clock := f.Remind.In(loc).Sub(remindDay.In(loc)) // the digest's time of day
	day := remindDay
	for range 31 { // the longest run of days off is a week or two
		if s.cal.IsWorkingDate(day) {
			return !now.Before(day.In(loc).Add(clock))
		}
		day = day.AddDays(-1)
	}
	return false
}

type jobLink struct{ job, url string }

// returnVisitLinks are the questionnaire links of the return visits among
// items, with their job numbers; none when the pages are off.
func (s *Service) returnVisitLinks(items []servicebot.DigestItem) []jobLink {
	if s.formURL == nil {
		return nil
	}
	var out []jobLink
	for _, it := range items {
		no, ok := strings.CutPrefix(it.Key, servicebot.ObligationReturnVisit+":job:")
		if !ok {
			continue
		}
		id, err := strconv.ParseInt(no, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, jobLink{job: no, url: s.formURL(forms.PhoneReturnVisit, id)})
	}
	return out
}
