package approvals

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

// IssueParts takes a warehouse keeper's 出库 #12 密封圈×4 轴承×2 (R-SVC-3):
// parts leave the warehouse only against an approved request. The issue is
// recorded with the request, in its audit trail (and so in its exports),
// and the requester is told; anything else is refused with the reason and
// nothing recorded. It reports whether the text was a 出库.
func (e *Engine[T]) IssueParts(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(ev.Content), servicebot.PartsIssueCommand)
	if !ok || ev.MsgType != wecommsg.MsgText {
		return false, nil
	}
	now := e.clock.Now()
	refuse := func(problems []string) (bool, error) {
		return true, e.reply(ctx, tx, ev, "不能出库："+strings.Join(problems, "；")+"。", now)
	}
	id, parts, problems := servicebot.ParsePartsIssue(strings.TrimLeft(rest, " :："))
	if len(problems) > 0 {
		return refuse(problems)
	}
	a, err := tx.Approval(ctx, id)
	if errors.Is(err, servicebot.ErrNotFound) {
		return refuse([]string{fmt.Sprintf("没有申请 #%d", id)})
	}
	if err != nil {
		return true, err
	}
	if problems := servicebot.CheckPartsIssue(a, ev.FromUserName, e.org, parts); len(problems) > 0 {
		return refuse(problems)
	}
	issue, err := tx.AddPartsIssue(ctx, servicebot.PartsIssue{RequestID: id, Parts: parts, IssuedBy: ev.FromUserName, IssuedAt: now})
	if err != nil {
		return true, err
	}
	text := servicebot.PartsText(parts)
	if err := e.audit(ctx, tx, id, 0, ev.FromUserName, servicebot.EventPartsIssued,
		fmt.Sprintf("出库单 #%d：%s", issue.ID, text), now); err != nil {
		return true, err
	}
	keeper, err := nameOf(ctx, tx, ev.FromUserName)
	if err != nil {
		return true, err
	}
	if err := e.tell(ctx, tx, fmt.Sprintf("apv-parts-issued:%d", issue.ID), a.Request.Requester,
		fmt.Sprintf("您的%s的配件已出库（出库单 #%d，仓库管理员 %s）：%s。", title(a.Request), issue.ID, keeper, text), now); err != nil {
		return true, err
	}
	return true, e.reply(ctx, tx, ev, fmt.Sprintf("已登记出库单 #%d：%s %s，%s。", issue.ID, title(a.Request), a.Request.Customer, text), now)
}
