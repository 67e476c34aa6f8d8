package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/aftersales"
)

// ServiceTx is what the service commands write through: a job's move, a
// question and the obligations they open or close commit with the reply.
type ServiceTx interface {
	aftersales.Tx
}

// ServiceDesk is the service work as the chat uses it (*aftersales.Service).
type ServiceDesk interface {
	MyJobs(ctx context.Context, tx aftersales.Tx, user string) (string, error)
	StartJob(ctx context.Context, tx aftersales.Tx, user string, id int64) (string, error)
	CompleteJob(ctx context.Context, tx aftersales.Tx, user string, id int64) (string, error)
	LogQuestion(ctx context.Context, tx aftersales.Tx, user, customer, question, source string) (string, error)
	AnswerQuestion(ctx context.Context, tx aftersales.Tx, user string, id int64, answer string) (string, error)
	Todo(ctx context.Context, tx aftersales.Tx, user string) (string, error)
}

// The service commands. Each is the whole message, so a daily report that
// happens to begin with 开始 or 完成 is still a report.
var (
	myJobsRe   = regexp.MustCompile(`^(?:我的工单|工单列表)$`)
	todoRe     = regexp.MustCompile(`^(?:我的待办|待办)$`)
	moveJobRe  = regexp.MustCompile(`^(开始|完成)\s*(?:工单)?\s*[#＃]?(\d+)$`)
	questionRe = regexp.MustCompile(`^客户咨询(?:[\s:：,，]+(\S+)(?:[\s:：,，]+([\s\S]+))?)?$`)
	answeredRe = regexp.MustCompile(`^已答复\s*(?:编号)?\s*[#＃]?(\d+)(?:[\s:：,，]+([\s\S]*))?$`)
)

// QuestionUsage answers a 客户咨询 without its customer or question.
const QuestionUsage = "请这样登记客户的技术咨询：\n客户咨询 客户名称 问题\n例如：客户咨询 成都精工机械 主轴异响如何处理\n" +
	"须在8小时内答复（R-VIS-3），答复后发送「已答复 编号」。"

// RegisterService lets d answer the service commands (我的工单, 开始/完成
// <工单号>, 客户咨询, 已答复, 我的待办) before the daily report handler sees
// them, and the digest card's button.
func RegisterService(r *Router, d ServiceDesk) {
	r.First(servicebot.MsgText, func(ctx context.Context, tx Tx, ev servicebot.Event) (bool, error) {
		text, ok, err := serviceCommand(ctx, tx, d, ev)
		if err != nil || !ok {
			return false, err
		}
		return true, replyTo(ctx, tx, ev, text, r.clock.Now())
	})
	r.HandleCard(aftersales.TodoButtonPrefix, func(ctx context.Context, tx Tx, ev servicebot.Event) error {
		text, err := d.Todo(ctx, tx, ev.FromUserName)
		if err != nil {
			return fmt.Errorf("handlers: 我的待办: %w", err)
		}
		return replyTo(ctx, tx, ev, text, r.clock.Now())
	})
}

// serviceCommand runs the command ev's text is, if it is one.
func serviceCommand(ctx context.Context, tx Tx, d ServiceDesk, ev servicebot.Event) (string, bool, error) {
	text := strings.TrimSpace(ev.Content)
	user := ev.FromUserName
	var reply string
	var err error
	switch {
	case myJobsRe.MatchString(text):
		reply, err = d.MyJobs(ctx, tx, user)
	case todoRe.MatchString(text):
		reply, err = d.Todo(ctx, tx, user)
	case moveJobRe.MatchString(text):
		m := moveJobRe.FindStringSubmatch(text)
		id, perr := strconv.ParseInt(m[2], 10, 64)
		if perr != nil {
			return "工单号太长了，请核对。", true, nil
		}
		if m[1] == "开始" {
			reply, err = d.StartJob(ctx, tx, user, id)
		} else {
			reply, err = d.CompleteJob(ctx, tx, user, id)
		}
	case questionRe.MatchString(text):
		m := questionRe.FindStringSubmatch(text)
		if m[1] == "" || strings.TrimSpace(m[2]) == "" {
			return QuestionUsage, true, nil
		}
		reply, err = d.LogQuestion(ctx, tx, user, m[1], strings.TrimSpace(m[2]), ev.DedupKey())
	case answeredRe.MatchString(text):
		m := answeredRe.FindStringSubmatch(text)
		id, perr := strconv.ParseInt(m[1], 10, 64)
		if perr != nil {
			return "编号太长了，请核对。", true, nil
		}
		reply, err = d.AnswerQuestion(ctx, tx, user, id, m[2])
	default:
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("handlers: service command: %w", err)
	}
	return reply, true, nil
}
