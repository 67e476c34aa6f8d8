package aftersales

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

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

// Feature is the service work's surface: the chat commands (我的工单,
// 开始/完成 <工单号>, 客户咨询, 已答复, 我的待办), the digest card's button,
// and the follow-up and digest jobs.
func Feature[T Tx](s *Service) feature.Feature[T] {
	engineer := []servicebot.Role{servicebot.RoleEngineer}
	command := func(re *regexp.Regexp, words []string, help string, roles []servicebot.Role,
		run func(ctx context.Context, tx Tx, user string, m []string, ev wecommsg.Event) (string, error)) feature.Command[T] {
		return feature.Command[T]{
			Words: words, Section: "服务工单", Help: help, Match: re.MatchString, For: roles,
			Run: func(ctx context.Context, tx T, ev wecommsg.Event) (bool, error) {
				m := re.FindStringSubmatch(strings.TrimSpace(ev.Content))
				if m == nil {
					return false, nil
				}
				reply, err := run(ctx, tx, ev.FromUserName, m, ev)
				if err != nil {
					return false, fmt.Errorf("aftersales: service command: %w", err)
				}
				return true, feature.Reply(ctx, tx, ev, reply, s.clock.Now())
			},
		}
	}
	id := func(digits, tooLong string) (int64, string) {
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return 0, tooLong
		}
		return n, ""
	}
	return feature.Feature[T]{
		Name: "aftersales",
		Commands: []feature.Command[T]{
			command(myJobsRe, []string{"我的工单", "工单列表"}, "我的工单：查看派给我的工单（经理：部门未完成的工单）",
				// The service manager's 我的工单 lists the department's open jobs.
				[]servicebot.Role{servicebot.RoleEngineer, servicebot.RoleServiceManager},
				func(ctx context.Context, tx Tx, user string, _ []string, _ wecommsg.Event) (string, error) {
					return s.MyJobs(ctx, tx, user)
				}),
			command(moveJobRe, []string{"开始", "完成"}, "开始 7 / 完成 7：开始或完成工单7", engineer,
				func(ctx context.Context, tx Tx, user string, m []string, _ wecommsg.Event) (string, error) {
					n, bad := id(m[2], "工单号太长了，请核对。")
					switch {
					case bad != "":
						return bad, nil
					case m[1] == "开始":
						return s.StartJob(ctx, tx, user, n)
					}
					return s.CompleteJob(ctx, tx, user, n)
				}),
			command(questionRe, []string{"客户咨询"}, "客户咨询 客户 问题：登记客户的技术咨询，8小时内答复", engineer,
				func(ctx context.Context, tx Tx, user string, m []string, ev wecommsg.Event) (string, error) {
					if m[1] == "" || strings.TrimSpace(m[2]) == "" {
						return QuestionUsage, nil
					}
					return s.LogQuestion(ctx, tx, user, m[1], strings.TrimSpace(m[2]), ev.DedupKey())
				}),
			command(answeredRe, []string{"已答复"}, "已答复 编号：咨询答复后销号", engineer,
				func(ctx context.Context, tx Tx, user string, m []string, _ wecommsg.Event) (string, error) {
					n, bad := id(m[1], "编号太长了，请核对。")
					if bad != "" {
						return bad, nil
					}
					return s.AnswerQuestion(ctx, tx, user, n, m[2])
				}),
			command(todoRe, []string{"我的待办", "待办"}, "我的待办（或：待办）：今天要做的和已逾期的事", engineer,
				func(ctx context.Context, tx Tx, user string, _ []string, _ wecommsg.Event) (string, error) {
					return s.Todo(ctx, tx, user)
				}),
		},
		Cards: []feature.Card[T]{{Prefix: TodoButtonPrefix, Run: func(ctx context.Context, tx T, ev wecommsg.Event) error {
			text, err := s.Todo(ctx, tx, ev.FromUserName)
			if err != nil {
				return fmt.Errorf("aftersales: 我的待办: %w", err)
			}
			return feature.Reply(ctx, tx, ev, text, s.clock.Now())
		}}},
		Jobs: []feature.Job{
			{Name: JobFollowUps, Cron: feature.EveryMinute, RunAtStart: true, Run: s.FollowUps,
				Description: "R-VIS-1 calls and visits per customer; questions: engineer at 6 h, manager at 8 h (R-VIS-3); " +
					"return visits not done by day 15 to the manager (R-VIS-2)"},
			{Name: JobDigest, Cron: feature.EveryMinute, RunAtStart: true, Run: s.Digest,
				Description: "08:30 on working days: one card per engineer with every follow-up due today or overdue"},
		},
	}
}
