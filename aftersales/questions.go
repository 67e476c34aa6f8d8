package aftersales

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/servicebot/servicebot"
)

// LogQuestion is 客户咨询 <客户> <问题>: user logs a customer's technical
// question, due an answer within 8 hours (R-VIS-3). source names the
// delivery, so a repeated one logs nothing twice.
func (s *Service) LogQuestion(ctx context.Context, tx Tx, user, customer, question, source string) (string, error) {
	now := s.clock.Now()
	q := servicebot.TechQuestion{Customer: customer, Question: question, AskedBy: user, AskedAt: now,
		DueAt: s.rules.ReplyClock(now, s.rules.ReplyWithin), Source: source}
	c, err := tx.CustomerByName(ctx, customer)
	unknown := ""
	switch {
	case err == nil:
		q.CustomerID = c.ID
	case errors.Is(err, servicebot.ErrNotFound):
		// Logged all the same (the clock of R-VIS-3 runs), but said.
		unknown = fmt.Sprintf("\n注意：客户名单中没有「%s」，已按所填名称登记；请核对名称，新客户请先导入客户名单。", customer)
	default:
		return "", err
	}
	q, _, err = tx.AddTechQuestion(ctx, q)
	if err != nil {
		return "", err
	}
	f := s.rules.TechQuestion(q.ID, user, q.AskedAt)
	f.Note = fmt.Sprintf("答复 %s 的技术咨询（编号%d）", q.Customer, q.ID)
	if _, err := tx.EnsureObligations(ctx, []servicebot.Obligation{f.Obligation}); err != nil {
		return "", err
	}
	return fmt.Sprintf("已登记 %s 的技术咨询，编号%d：%s\n请在 %s 前电话或书面答复客户（R-VIS-3），答复后发送「已答复 %d」。",
		q.Customer, q.ID, q.Question, s.timeFrom(q.DueAt, q.AskedAt), q.ID) + unknown, nil
}

// AnswerQuestion is 已答复 <编号> [答复内容]: the question's engineer or the
// service manager records it as answered, which closes its obligation.
func (s *Service) AnswerQuestion(ctx context.Context, tx Tx, user string, id int64, answer string) (string, error) {
	q, err := tx.GetTechQuestion(ctx, id)
	if errors.Is(err, servicebot.ErrNotFound) {
		return fmt.Sprintf("没有找到编号%d的技术咨询。", id), nil
	}
	if err != nil {
		return "", err
	}
	if q.AskedBy != user && !slices.Contains(s.managers, user) {
		asker, err := nameOf(ctx, tx, q.AskedBy)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("编号%d的技术咨询由 %s 登记，只有登记人或经理可以标记已答复。", id, asker), nil
	}
	now := s.clock.Now()
	answered, err := tx.AnswerTechQuestion(ctx, id, user, strings.TrimSpace(answer), now)
	if err != nil {
		return "", err
	}
	if !answered {
		return fmt.Sprintf("编号%d的技术咨询已于 %s %s 标记为已答复。", id, s.monthDay(q.AnsweredAt), s.hhmm(q.AnsweredAt)), nil
	}
	ob, err := tx.GetObligation(ctx, servicebot.TechQuestionKey(id))
	if err != nil {
		return "", err
	}
	if _, err := tx.CloseObligations(ctx, []int64{ob.ID}, servicebot.ObligationDone, now); err != nil {
		return "", err
	}
	late := ""
	if now.After(q.DueAt) {
		late = "（已超过8小时时限）"
	}
	return fmt.Sprintf("已记录：%s 的技术咨询（编号%d）已答复%s。", q.Customer, id, late), nil
}
