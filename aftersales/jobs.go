package aftersales

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/approvals"
)

// ApprovalHooks are the service work's part in the approval engine's
// transactions: a service request's job follows its approval
// (AwaitingDispatch, Dispatched) and the cards say what the records know of
// its machine (MachineStatus). T is the store's transaction, which has what
// both the engine and the service work write through.
func ApprovalHooks[T interface {
	approvals.Tx
	Tx
}](s *Service) approvals.Hooks[T] {
	return approvals.Hooks[T]{
		AwaitingDispatch: func(ctx context.Context, tx T, a servicebot.Approval, now time.Time) error {
			return s.AwaitingDispatch(ctx, tx, a, now)
		},
		Dispatched: func(ctx context.Context, tx T, a servicebot.Approval, engineer string, now time.Time) (string, error) {
			return s.Dispatched(ctx, tx, a, engineer, now)
		},
		MachineStatus: func(ctx context.Context, tx T, r servicebot.ApprovalRequest, now time.Time) (string, error) {
			return s.MachineStatus(ctx, tx, r, now)
		},
	}
}

// AwaitingDispatch creates the job of a service request that reached its
// dispatch step, waiting for an engineer (待派工), with the VP's decision
// applied (R-SVC-2). Part of ApprovalHooks.
func (s *Service) AwaitingDispatch(ctx context.Context, tx Tx, a servicebot.Approval, now time.Time) error {
	_, err := s.jobFor(ctx, tx, a, now)
	return err
}

// Dispatched assigns the job of a's request to engineer (已派工), creating it
// first if the request reached dispatch before jobs existed, and returns the
// job's line for the engineer's dispatch notice: the engine sends one
// message, so the engineer is not told of one dispatch twice. A job of
// remote support (R-SVC-2) tells the engineer to support the customer
// remotely, not to go on site. Part of ApprovalHooks.
func (s *Service) Dispatched(ctx context.Context, tx Tx, a servicebot.Approval, engineer string, now time.Time) (string, error) {
	j, err := s.jobFor(ctx, tx, a, now)
	if err != nil {
		return "", err
	}
	if _, err := tx.MoveJob(ctx, j.ID, []string{servicebot.JobPending}, servicebot.JobAssigned, "", engineer, now); err != nil {
		return "", err
	}
	if j.Remote {
		return fmt.Sprintf("已生成工单%s（申请 #%d，%s，%s，远程支持）。分管副总决定远程支持，无需到现场：请电话或远程指导客户处理，开始时发送「开始 %s」，处理完毕发送「完成 %s」；「我的工单」查看全部。",
			j.No(), j.RequestID, j.Type.Name(), j.Customer, j.No(), j.No()), nil
	}
	return fmt.Sprintf("已生成工单%s（申请 #%d，%s，%s）。到现场后发送「开始 %s」，完成后发送「完成 %s」；「我的工单」查看全部。",
		j.No(), j.RequestID, j.Type.Name(), j.Customer, j.No(), j.No()), nil
}

// jobFor returns the job of a's request, creating it as 待派工, with the
// VP's decision applied (R-SVC-2): a job stored before the decision was
// known is corrected, and remote support makes the customer a key
// return-visit customer, with the calls and visits that owes, at once.
func (s *Service) jobFor(ctx context.Context, tx Tx, a servicebot.Approval, now time.Time) (servicebot.Job, error) {
	r := a.Request
	if r.Kind != servicebot.RequestService {
		return servicebot.Job{}, fmt.Errorf("aftersales: request %d is a %s, not a service request", r.ID, r.Kind)
	}
	remote := remoteSupport(a)
	j := servicebot.Job{RequestID: r.ID, Type: r.ServiceType, Customer: r.Customer, Region: r.Region,
		Reason: r.Reason, Status: servicebot.JobPending, CreatedAt: now, Remote: remote}
	if r.Site != nil {
		j.Serial = r.Site.Serial // the machine comes with the request (R-SVC-2)
	}
	c, err := tx.CustomerByName(ctx, r.Customer)
	switch {
	case err == nil:
		j.CustomerID = c.ID
	case !errors.Is(err, servicebot.ErrNotFound):
		return servicebot.Job{}, err
	}
	j, _, err = tx.CreateJob(ctx, j)
	if err != nil {
		return servicebot.Job{}, err
	}
	if j.Remote != remote {
		if err := tx.SetJobRemote(ctx, j.ID, remote); err != nil {
			return servicebot.Job{}, err
		}
		j.Remote = remote
	}
	if j.Remote && j.CustomerID != 0 {
		promoted, err := tx.SetCustomerTier(ctx, j.CustomerID, servicebot.TierKey, now)
		if err != nil {
			return servicebot.Job{}, err
		}
		if promoted {
			if err := s.settleRegularVisits(ctx, tx, j.CustomerID, nil, now); err != nil {
				return servicebot.Job{}, err
			}
		}
	}
	return j, nil
}

// MachineStatus is what the records know of r's machine, for the VP's
// card, the dispatch card and notice and 详情 (R-SVC-2): its warranty today
// from the imported equipment, and the earlier fault jobs on its serial
// number (a repeated fault). Part of ApprovalHooks.
func (s *Service) MachineStatus(ctx context.Context, tx Tx, r servicebot.ApprovalRequest, now time.Time) (string, error) {
	if r.Site == nil || r.Site.Serial == "" {
		return "", nil
	}
	today := s.rules.Today(now)
	e, err := tx.EquipmentBySerial(ctx, r.Site.Serial)
	var text string
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		text = "设备档案中没有此出厂编号，保修状态未知"
	case err != nil:
		return "", err
	default:
		text = warrantyText(e, today)
	}
	jobs, err := tx.JobsOfSerial(ctx, r.Site.Serial)
	if err != nil {
		return "", err
	}
	var earlier []string
	for _, j := range jobs {
		if j.Type == servicebot.ServiceFault && j.RequestID != r.ID {
			earlier = append(earlier, fmt.Sprintf("工单%s（%s）", j.No(), s.monthDay(j.CreatedAt)))
		}
	}
	if len(earlier) > 0 {
		text += "；⚠重复故障：此前" + strings.Join(earlier, "、")
	}
	return text, nil
}

// warrantyText is e's warranty on today with its end: "保修期内（至2027-03-01）".
func warrantyText(e servicebot.Equipment, today servicebot.Date) string {
	state := e.WarrantyOn(today)
	switch state {
	case servicebot.WarrantyIn:
		return fmt.Sprintf("%s（至%s）", servicebot.WarrantyName(state), e.WarrantyEnd)
	case servicebot.WarrantyOut:
		return fmt.Sprintf("%s（%s止）", servicebot.WarrantyName(state), e.WarrantyEnd)
	}
	return servicebot.WarrantyName(state)
}

// remoteSupport reports whether the VP chose remote support for a fault (R-SVC-2).
func remoteSupport(a servicebot.Approval) bool {
	for _, st := range a.Steps {
		if st.Action == servicebot.ActionFaultPlan && st.Decision == servicebot.ApprovalApproved {
			return st.Choice == servicebot.ChoiceRemote
		}
	}
	return false
}

// MyJobs is the answer to 我的工单: user's open jobs, with warranty and
// repeated faults.
func (s *Service) MyJobs(ctx context.Context, tx Tx, user string) (string, error) {
	if slices.Contains(s.managers, user) {
		return s.departmentJobs(ctx, tx)
	}
	jobs, err := tx.EngineerJobs(ctx, user)
	if err != nil {
		return "", err
	}
	if len(jobs) == 0 {
		return "您目前没有工单。", nil
	}
	today := s.rules.Today(s.clock.Now())
	lines := []string{fmt.Sprintf("您的工单 %d 个：", len(jobs))}
	for _, j := range jobs {
		lines = append(lines, "· "+j.Line(today))
	}
	lines = append(lines, "发送「开始 工单号」「完成 工单号」更新状态。")
	return strings.Join(lines, "\n"), nil
}

// departmentJobs is 我的工单 for the service manager (issue 16 item 7): every
// job not yet closed by its return visit, with its engineer.
func (s *Service) departmentJobs(ctx context.Context, tx Tx) (string, error) {
	jobs, err := tx.OpenJobs(ctx)
	if err != nil {
		return "", err
	}
	if len(jobs) == 0 {
		return "部门目前没有未完结的工单。", nil
	}
	today := s.rules.Today(s.clock.Now())
	lines := []string{fmt.Sprintf("部门未完结的工单 %d 个：", len(jobs))}
	for _, j := range jobs {
		who := "待派工"
		if j.Engineer != "" {
			if who, err = nameOf(ctx, tx, j.Engineer); err != nil {
				return "", err
			}
		}
		lines = append(lines, fmt.Sprintf("· %s — %s", j.Line(today), who))
	}
	return strings.Join(lines, "\n"), nil
}

// StartJob is 开始 <工单号>: the job's engineer starts it (进行中).
func (s *Service) StartJob(ctx context.Context, tx Tx, user string, id int64) (string, error) {
	j, reply, err := s.ownJob(ctx, tx, user, id)
	if err != nil || reply != "" {
		return reply, err
	}
	now := s.clock.Now()
	moved, err := tx.MoveJob(ctx, id, []string{servicebot.JobAssigned}, servicebot.JobInProgress, user, "", now)
	if err != nil {
		return "", err
	}
	if !moved {
		return fmt.Sprintf("工单%s当前状态为「%s」，不能开始。", j.No(), servicebot.JobStatusName(j.Status)), nil
	}
	text := fmt.Sprintf("工单%s已开始（%s，%s）。", j.No(), j.Type.Name(), j.Customer)
	if j.Remote {
		text = fmt.Sprintf("工单%s已开始（%s，%s，远程支持）。", j.No(), j.Type.Name(), j.Customer)
	}
	if j.Serial != "" {
		text += fmt.Sprintf("\n设备编号 %s：%s。", j.Serial, servicebot.WarrantyName(j.Equipment.WarrantyOn(s.rules.Today(now))))
	}
	if j.RepeatFault {
		text += "\n注意：该设备此前已有质量故障记录（重复故障）。"
	}
	return text, nil
}

// CompleteJob is 完成 <工单号>: the job is done (已完成). An installation or
// fault job now owes a phone return visit within 14 days (R-VIS-2); an
// on-site job counts as an on-site visit of the customer (R-VIS-1).
func (s *Service) CompleteJob(ctx context.Context, tx Tx, user string, id int64) (string, error) {
	j, reply, err := s.ownJob(ctx, tx, user, id)
	if err != nil || reply != "" {
		return reply, err
	}
	now := s.clock.Now()
	moved, err := tx.MoveJob(ctx, id, []string{servicebot.JobAssigned, servicebot.JobInProgress},
		servicebot.JobCompleted, user, "", now)
	if err != nil {
		return "", err
	}
	if !moved {
		return fmt.Sprintf("工单%s当前状态为「%s」，不能再标记完成。", j.No(), servicebot.JobStatusName(j.Status)), nil
	}
	return s.completed(ctx, tx, j, now)
}

// completed records what a completed job owes and says so.
func (s *Service) completed(ctx context.Context, tx Tx, j servicebot.Job, now time.Time) (string, error) {
	text := fmt.Sprintf("工单%s已完成（%s，%s）。", j.No(), j.Type.Name(), j.Customer)
	if j.Remote {
		// R-SVC-2: remote support is no on-site visit (R-VIS-1, R-KPI-7).
		text = fmt.Sprintf("工单%s已完成（%s，%s，远程支持，不计现场走访）。", j.No(), j.Type.Name(), j.Customer)
	}
	if !j.Remote {
		if err := s.contacted(ctx, tx, j.CustomerID, servicebot.ContactOnSite, j.Engineer, fmt.Sprintf("job:%d", j.ID), now); err != nil {
			return "", err
		}
	}
	if !j.NeedsReturnVisit() {
		return text, nil
	}
	f := s.rules.ReturnVisit(j, now)
	f.Note = fmt.Sprintf("电话回访 %s（工单%s）", j.Customer, j.No())
	if _, err := tx.EnsureObligations(ctx, []servicebot.Obligation{f.Obligation}); err != nil {
		return "", err
	}
	text += fmt.Sprintf("\n请在 %s 前完成电话回访并填写「电话回访跟踪问卷表」（R-VIS-2）。",
		s.monthDay(f.DueAt.Add(-time.Minute)))
	if link := s.returnVisitLink(j.ID); link != "" {
		text += "\n" + link
	}
	return text, nil
}

// ownJob loads job id for its engineer: reply says why not when it is
// not theirs.
func (s *Service) ownJob(ctx context.Context, tx Tx, user string, id int64) (servicebot.Job, string, error) {
	j, err := tx.GetJob(ctx, id)
	if errors.Is(err, servicebot.ErrNotFound) {
		return j, fmt.Sprintf("没有找到工单%d。发送「我的工单」查看您的工单。", id), nil
	}
	if err != nil {
		return j, "", err
	}
	if j.Engineer != user {
		return j, fmt.Sprintf("工单%d不是派给您的，不能更新。", id), nil
	}
	return j, "", nil
}
