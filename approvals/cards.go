package approvals

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

// Choice keys of the card that are not decisions.
const (
	choiceDetail = "detail" // 详情: the whole request as text
	choiceDone   = "done"   // the button of a decided card: does nothing
)

// The buttons of the card's second state after 驳回: a rejection is
// confirmed, not one tap (issue 12).
const (
	ChoiceConfirmReject = "reject-confirm" // 确认驳回: decides
	ChoiceBack          = "back"           // 返回: the card as it was
)

// maxButtons is WeCom's limit for a button_interaction card.
const maxButtons = wecommsg.MaxButtons

// cardKV is a row of the card's summary (a link when URL is set).
type cardKV = wecommsg.Row

func buttonKey(stepID int64, choice string) string {
	return fmt.Sprintf("%s%d:%s", CardPrefix, stepID, choice)
}

// parseKey reads "apv:<step id>:<choice>".
func parseKey(key string) (stepID int64, choice string, ok bool) {
	rest, found := strings.CutPrefix(key, CardPrefix)
	if !found {
		return 0, "", false
	}
	idText, choice, found := strings.Cut(rest, ":")
	if !found || choice == "" {
		return 0, "", false
	}
	if _, err := fmt.Sscan(idText, &stepID); err != nil || stepID <= 0 {
		return 0, "", false
	}
	return stepID, choice, true
}

// summary is the card's body: what the approver needs to decide. People
// are shown by their names in names.
func summary(r servicebot.ApprovalRequest, names map[string]string, machine string) []cardKV {
	kv := []cardKV{{Key: "类型", Value: kindText(r)}}
	if r.Amount > 0 || r.Kind != servicebot.RequestService {
		kv = append(kv, cardKV{Key: "金额", Value: amountText(r)})
	}
	if r.Customer != "" {
		kv = append(kv, cardKV{Key: "客户", Value: r.Customer})
	}
	// R-SVC-2: the VP decides knowing the machine, its warranty and
	// whether it failed before. WeCom shows at most six rows of ~30 characters.
	if m := r.Site.MachineText(); m != "" {
		kv = append(kv, cardKV{Key: "设备", Value: m})
	}
	// The machine's line is its warranty, then (after "；") its earlier
	// faults: a row each, so neither is cut off.
	if warranty, history, _ := strings.Cut(machine, "；"); warranty != "" {
		kv = append(kv, cardKV{Key: "保修", Value: warranty})
		if history != "" {
			kv = append(kv, cardKV{Key: "故障史", Value: history})
		}
	}
	if r.Subject != "" {
		kv = append(kv, cardKV{Key: "责任人", Value: nameIn(names, r.Subject)})
	}
	kv = append(kv, cardKV{Key: "申请人", Value: nameIn(names, r.Requester)})
	if r.Evidence.URL != "" {
		kv = append(kv, cardKV{Key: "证据", Value: evidenceText(r.Evidence.Kind), URL: r.Evidence.URL})
	}
	return kv
}

func kindText(r servicebot.ApprovalRequest) string {
	switch {
	case r.Kind == servicebot.RequestService:
		return r.Kind.Name() + "·" + r.ServiceType.Name()
	case r.Kind == servicebot.RequestParts && r.Urgent:
		return r.Kind.Name() + "（紧急）"
	}
	return r.Kind.Name()
}

func amountText(r servicebot.ApprovalRequest) string {
	if r.Kind == servicebot.RequestService && r.Amount == 0 {
		return "无金额"
	}
	return r.Amount.String() + " 元"
}

func evidenceText(kind string) string {
	switch kind {
	case servicebot.EvidenceFaultLetter:
		return "客户质量问题来函"
	case servicebot.EvidenceDamageReport:
		return "设备损坏状况报告"
	}
	return "附件"
}

func title(r servicebot.ApprovalRequest) string {
	return fmt.Sprintf("%s #%d", r.Kind.Name(), r.ID)
}

// subText is the reason, and how a computed amount came about.
func subText(r servicebot.ApprovalRequest) string {
	s := "事由：" + r.Reason
	if r.AmountNote != "" {
		s += "\n" + r.AmountNote
	}
	if f := r.Site.FaultText(); f != "" {
		s += "\n故障" + f
	}
	if r.Kind == servicebot.RequestService {
		s += "\n客户所在区域：" + r.Region
	}
	return s
}

// buttons are a pending step's choices and 详情; a dispatch step offers
// engineers first, by name, keyed by userid.
func buttons(step servicebot.ApprovalStep, engineers []servicebot.Member) []wecommsg.Button {
	var out []wecommsg.Button
	choices := step.Action.Choices()
	// WeCom takes at most six buttons: the choices and 详情 keep theirs, the
	// engineers offered get the rest (any engineer can still be named in chat).
	room := maxButtons - len(choices) - 1
	for _, m := range engineers {
		if len(out) == room {
			break
		}
		name := m.Name
		if name == "" {
			name = m.UserID
		}
		out = append(out, wecommsg.Button{Text: "派 " + name, Style: wecommsg.StylePrimary, Key: buttonKey(step.ID, m.UserID)})
	}
	for _, c := range choices {
		style := wecommsg.StylePrimary
		if c.Key == servicebot.ChoiceReject {
			style = wecommsg.StyleNegative
		}
		out = append(out, wecommsg.Button{Text: c.Label, Style: style, Key: buttonKey(step.ID, c.Key)})
	}
	return append(out, wecommsg.Button{Text: "详情", Style: wecommsg.StylePlain, Key: buttonKey(step.ID, choiceDetail)})
}

// cardFor is the card of a pending step, or, with result set, of a decided
// one, naming people from the address book through tx.
func (e *Engine[T]) cardFor(ctx context.Context, tx T, a servicebot.Approval, step servicebot.ApprovalStep, result string) (wecommsg.ButtonCard, error) {
	names, err := namesOf(ctx, tx, append(participants(a), step.EscalatedFrom)...)
	if err != nil {
		return wecommsg.ButtonCard{}, err
	}
	var engineers []servicebot.Member
	if step.Action == servicebot.ActionDispatch && result == "" {
		if engineers, err = e.engineersFor(ctx, tx, a.Request.Region); err != nil {
			return wecommsg.ButtonCard{}, err
		}
	}
	machine, err := e.machineStatus(ctx, tx, a.Request)
	if err != nil {
		return wecommsg.ButtonCard{}, err
	}
	c := wecommsg.ButtonCard{
		Source:   "售后服务部",
		Title:    title(a.Request),
		Desc:     fmt.Sprintf("请您%s（%s）", step.Action.Name(), step.Role.Name()),
		SubTitle: subText(a.Request), // clipped to what WeCom shows; 详情 has the rest
		Rows:     cardRows(summary(a.Request, names, machine)),
		TaskID:   step.TaskID,
		Buttons:  buttons(step, engineers),
	}
	if step.EscalatedFrom != "" {
		c.Desc += fmt.Sprintf("，%s 超时未处理转来", nameIn(names, step.EscalatedFrom))
	}
	if result != "" {
		c.Desc = result
		c.Buttons = []wecommsg.Button{{Text: result, Style: wecommsg.StylePlain, Key: buttonKey(step.ID, choiceDone)}}
	}
	return c, nil
}

// confirmCard turns the tapped card into its second state (confirm, when
// 驳回 was tapped: 确认驳回 or 返回) or back to its first, spending the tap's
// response_code. Nothing is decided.
func (e *Engine[T]) confirmCard(ctx context.Context, tx T, a servicebot.Approval, step servicebot.ApprovalStep,
	confirm bool, ev wecommsg.Event, now time.Time) error {
	if ev.ResponseCode == "" {
		return nil
	}
	card, err := e.cardFor(ctx, tx, a, step, "")
	if err != nil {
		return err
	}
	if confirm {
		card.Desc = "确认驳回？驳回后申请结束，请随后回复驳回理由"
		card.Buttons = []wecommsg.Button{
			{Text: "确认驳回", Style: wecommsg.StyleNegative, Key: buttonKey(step.ID, ChoiceConfirmReject)},
			{Text: "返回", Style: wecommsg.StylePlain, Key: buttonKey(step.ID, ChoiceBack)},
		}
	}
	body, err := wecommsg.UpdateCard([]string{step.ApproverID}, ev.ResponseCode, card, "")
	if err != nil {
		return fmt.Errorf("approvals: card update: %w", err)
	}
	return e.enqueue(ctx, tx, servicebot.OutboxMessage{
		DedupKey: "apv-confirm:" + ev.DedupKey(), Kind: servicebot.OutUpdateCard,
		ToUsers: step.ApproverID, Body: body, CreatedAt: now,
	})
}

// sendCard sends the step's current approver their card, once per task id.
func (e *Engine[T]) sendCard(ctx context.Context, tx T, a servicebot.Approval, step servicebot.ApprovalStep, now time.Time) error {
	card, err := e.cardFor(ctx, tx, a, step, "")
	if err != nil {
		return err
	}
	body, err := card.JSON()
	if err != nil {
		return fmt.Errorf("approvals: card: %w", err)
	}
	return e.enqueue(ctx, tx, servicebot.OutboxMessage{
		DedupKey: "apv-card:" + step.TaskID, Kind: servicebot.OutTemplateCard,
		ToUsers: step.ApproverID, Body: body, CreatedAt: now,
	})
}

// updateCard shows the decision on the card the approver tapped, spending
// the click's response_code (one use, 72 h); its one button greys out with
// the result (replace_text, which only an update may carry). The step's
// other cards are updated too, each with the code WeCom returned when it
// was sent (issue 12): the copies 待审批 sent again, and the first card when
// the tap came from a copy (tapped is the tapped card's task_id, "" for a
// decision made on the web, whose responseCode is the first card's). A
// copy left with live buttons would answer a tap with "already decided".
func (e *Engine[T]) updateCard(ctx context.Context, tx T, a servicebot.Approval, step servicebot.ApprovalStep, result, responseCode, tapped string, now time.Time) error {
	type target struct{ key, code string }
	var targets []target
	if responseCode != "" {
		targets = append(targets, target{fmt.Sprintf("apv-update:%d", step.ID), responseCode})
	}
	if tapped != "" && tapped != step.TaskID {
		code, err := tx.SentResponseCode(ctx, "apv-card:"+step.TaskID)
		if err != nil {
			return err
		}
		if code != "" {
			targets = append(targets, target{fmt.Sprintf("apv-update:%d:first", step.ID), code})
		}
	}
	again, err := tx.SentResponseCodes(ctx, againKey(step.ID))
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(again)) {
		task := strings.TrimPrefix(k, againKey(step.ID))
		if task == tapped {
			continue // updated above with its click's code
		}
		targets = append(targets, target{fmt.Sprintf("apv-update:%d:%s", step.ID, task), again[k]})
	}
	if len(targets) == 0 {
		return nil
	}
	card, err := e.cardFor(ctx, tx, a, step, result)
	if err != nil {
		return err
	}
	for _, t := range targets {
		body, err := wecommsg.UpdateCard([]string{step.ApproverID}, t.code, card, result)
		if err != nil {
			return fmt.Errorf("approvals: card update: %w", err)
		}
		if err := e.enqueue(ctx, tx, servicebot.OutboxMessage{
			DedupKey: t.key, Kind: servicebot.OutUpdateCard, ToUsers: step.ApproverID, Body: body, CreatedAt: now,
		}); err != nil {
			return err
		}
	}
	return nil
}

// cardRows fits the summary into the card's six rows (WeCom shows no more):
// the evidence link, when there is one, stays; 详情 has every row.
func cardRows(rows []cardKV) []cardKV {
	if len(rows) <= wecommsg.MaxRows {
		return rows
	}
	last := rows[len(rows)-1]
	if last.URL == "" {
		return rows[:wecommsg.MaxRows]
	}
	return append(slices.Clone(rows[:wecommsg.MaxRows-1]), last)
}

// inZone is a with its times in loc, the department's zone: what a person
// reads is never in UTC.
func inZone(a servicebot.Approval, loc *time.Location) servicebot.Approval {
	a.Request.CreatedAt = a.Request.CreatedAt.In(loc)
	a.Steps = slices.Clone(a.Steps)
	for i := range a.Steps {
		a.Steps[i].DecidedAt = a.Steps[i].DecidedAt.In(loc)
	}
	return a
}

// Describe is a request with its whole chain as text (详情, the audit),
// naming people by names (userid to name); one names lacks is shown by userid.
// machine is what the records know of its machine ("" when nothing).
func Describe(a servicebot.Approval, names map[string]string, machine string) string {
	r := a.Request
	var b strings.Builder
	fmt.Fprintf(&b, "%s（%s）\n", title(r), servicebot.ApprovalStatusName(r.Status))
	for _, kv := range summary(r, names, "") {
		v := kv.Value
		if kv.URL != "" {
			v += " " + kv.URL
		}
		fmt.Fprintf(&b, "%s：%s\n", kv.Key, v)
	}
	b.WriteString(subText(r) + "\n")
	if s := r.Site; s != nil {
		// 详情 has room for all of the request (R-SVC-1, R-SVC-2).
		for _, line := range [][2]string{{"出厂日期", s.FactoryDate}, {"设备状态", machine},
			{"检验记录", s.InspectionRecord}, {"现场状况", s.SiteConditions}, {"联系人", s.ContactText()}, {"地址", s.Address}} {
			if line[1] != "" {
				fmt.Fprintf(&b, "%s：%s\n", line[0], line[1])
			}
		}
	}
	fmt.Fprintf(&b, "提交：%s，规则版本 %s\n", r.CreatedAt.Format("2006-01-02 15:04"), r.RulesVersion)
	for _, s := range a.Steps {
		fmt.Fprintf(&b, "%d. %s%s：%s\n", s.Seq, s.Role.Name(), s.Action.Name(), StepText(s, names))
	}
	return strings.TrimRight(b.String(), "\n")
}

// StepText says where a step stands, in Chinese, naming people by names.
func StepText(s servicebot.ApprovalStep, names map[string]string) string {
	switch s.Status {
	case servicebot.StepWaiting:
		return "待处理（尚未开始）"
	case servicebot.StepCancelled:
		return "已取消"
	case servicebot.StepPending:
		t := "待 " + nameIn(names, s.ApproverID) + " 处理"
		if s.DelegatedFrom != "" {
			t += "（代 " + nameIn(names, s.DelegatedFrom) + "）"
		}
		if s.EscalatedFrom != "" {
			t += "（由 " + nameIn(names, s.EscalatedFrom) + " 超时转交）"
		}
		return t
	}
	t := fmt.Sprintf("%s %s（%s）", nameIn(names, s.ApproverID), choiceText(s, names), s.DecidedAt.Format("01-02 15:04"))
	if s.Comment != "" {
		t += "，意见：" + s.Comment
	}
	return t
}

func choiceText(s servicebot.ApprovalStep, names map[string]string) string {
	switch {
	case s.Decision == servicebot.ApprovalRejected:
		return "驳回"
	case s.Action == servicebot.ActionDispatch:
		return "派工给 " + nameIn(names, s.Choice)
	case s.Action == servicebot.ActionLiability:
		return "认定责任：" + servicebot.ChoiceLabel(s.Choice)
	case s.Choice != "" && s.Choice != servicebot.ChoiceApprove:
		return "同意：" + servicebot.ChoiceLabel(s.Choice)
	}
	return "同意"
}
