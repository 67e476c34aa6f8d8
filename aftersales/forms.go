package aftersales

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
)

// fieldSerial is the 出厂编号 field: the machine a job's form is about.
const fieldSerial = "serial_no"

// FieldJob is the field a hook's problem with the job number is shown beside.
const FieldJob = "job_id"

// SubmissionHook returns what a submitted form of def means for its job
// and customer, run in the submission's transaction (register it with
// forms.Service.OnSubmit; RegisterForms does for every form):
//   - the 电话回访跟踪问卷表 closes the job's return visit (R-VIS-2; the job
//     becomes 已回访) and counts as a phone call of the customer (R-VIS-1);
//   - the 客户回访售后服务报告 counts as an on-site visit (R-VIS-1, R-VIS-4);
//   - a 出厂编号 ties the job to that machine (warranty, repeated faults);
//   - any dissatisfied answer alerts the service manager.
//
// A job number that names no job is refused beside the job field.
func (s *Service) SubmissionHook(def servicebot.FormDef) func(ctx context.Context, tx Tx, sub servicebot.FormSubmission) error {
	return func(ctx context.Context, tx Tx, sub servicebot.FormSubmission) error {
		return s.formFiled(ctx, tx, def, sub)
	}
}

func (s *Service) formFiled(ctx context.Context, tx Tx, def servicebot.FormDef, sub servicebot.FormSubmission) error {
	at := sub.SubmittedAt
	if at.IsZero() {
		at = s.clock.Now()
	}
	var job servicebot.Job
	customerID := int64(0)
	customer := strings.TrimSpace(sub.Values.Text(forms.FieldCustomer))
	if sub.JobID != 0 {
		var err error
		job, err = tx.GetJob(ctx, sub.JobID)
		if errors.Is(err, servicebot.ErrNotFound) {
			return servicebot.FieldErrors{FieldJob: fmt.Sprintf("没有工单%d，请核对工单号（发送「我的工单」可查看）", sub.JobID)}
		}
		if err != nil {
			return err
		}
		customerID, customer = job.CustomerID, job.Customer
		if serial := strings.TrimSpace(sub.Values.Text(fieldSerial)); serial != "" && serial != job.Serial {
			if err := tx.SetJobSerial(ctx, job.ID, serial); err != nil {
				return err
			}
		}
	} else if customer != "" {
		c, err := tx.CustomerByName(ctx, customer)
		switch {
		case err == nil:
			customerID = c.ID
		case !errors.Is(err, servicebot.ErrNotFound):
			return err
		}
	}
	ref := fmt.Sprintf("form:%s:%d", sub.FormID, sub.ID)
	switch sub.FormID {
	case forms.PhoneReturnVisit:
		if sub.JobID == 0 && customerID != 0 {
			// Filed without 工单号: the one return visit this engineer
			// owes the customer is the one made (R-VIS-2); with several,
			// the form asks which.
			var err error
			if job, err = s.returnVisitOwed(ctx, tx, sub.UserID, customerID, customer); err != nil {
				return err
			}
			sub.JobID = job.ID
		}
		if sub.JobID != 0 {
			if err := s.closeReturnVisit(ctx, tx, job, at); err != nil {
				return err
			}
		}
		if err := s.contacted(ctx, tx, customerID, servicebot.ContactPhone, sub.UserID, ref, at); err != nil {
			return err
		}
	case forms.VisitReport:
		if err := s.contacted(ctx, tx, customerID, servicebot.ContactOnSite, sub.UserID, ref, at); err != nil {
			return err
		}
	}
	return s.alertIfDissatisfied(ctx, tx, def, sub, customer, ref, at)
}

// returnVisitOwed is the one completed job of user's for customerID whose
// return visit is still open, the zero job when there is none, and a field
// error naming the jobs when there are several.
func (s *Service) returnVisitOwed(ctx context.Context, tx Tx, user string, customerID int64, customer string) (servicebot.Job, error) {
	jobs, err := tx.CompletedJobsFor(ctx, user, customerID)
	if err != nil {
		return servicebot.Job{}, err
	}
	var owed []servicebot.Job
	for _, j := range jobs {
		ob, err := tx.GetObligation(ctx, servicebot.ReturnVisitKey(j.ID))
		switch {
		case errors.Is(err, servicebot.ErrNotFound):
		case err != nil:
			return servicebot.Job{}, err
		case ob.Status == servicebot.ObligationOpen:
			owed = append(owed, j)
		}
	}
	switch len(owed) {
	case 0:
		return servicebot.Job{}, nil
	case 1:
		return owed[0], nil
	}
	nos := make([]string, len(owed))
	for i, j := range owed {
		nos[i] = "工单" + j.No()
	}
	return servicebot.Job{}, servicebot.FieldErrors{FieldJob: fmt.Sprintf("%s 有 %d 个待回访的工单（%s），请填写本次回访的工单号",
		customer, len(owed), strings.Join(nos, "、"))}
}

// closeReturnVisit marks job's return visit done and the job 已回访.
func (s *Service) closeReturnVisit(ctx context.Context, tx Tx, job servicebot.Job, at time.Time) error {
	ob, err := tx.GetObligation(ctx, servicebot.ReturnVisitKey(job.ID))
	switch {
	case err == nil:
		if _, err := tx.CloseObligations(ctx, []int64{ob.ID}, servicebot.ObligationDone, at); err != nil {
			return err
		}
	case !errors.Is(err, servicebot.ErrNotFound):
		return err
	}
	_, err = tx.MoveJob(ctx, job.ID, []string{servicebot.JobCompleted}, servicebot.JobVisited, "", "", at)
	return err
}

// contacted records a call or visit of the customer and settles what
// R-VIS-1 owes from then on: the next one is counted from its latest
// recorded contact of that kind (R-VIS-1).
func (s *Service) contacted(ctx context.Context, tx Tx, customerID int64, kind, user, ref string, at time.Time) error {
	if customerID == 0 {
		return nil
	}
	if _, err := tx.RecordContact(ctx, customerID, kind, at, user, ref); err != nil {
		return err
	}
	return s.settleRegularVisits(ctx, tx, customerID, nil, at)
}

// alertIfDissatisfied tells the service manager of every dissatisfied
// answer of the submission, once per submission.
func (s *Service) alertIfDissatisfied(ctx context.Context, tx Tx, def servicebot.FormDef, sub servicebot.FormSubmission,
	customer, ref string, at time.Time) error {
	var answers []string
	for _, f := range def.Fields {
		if v := sub.Values.Text(f.Name); servicebot.IsDissatisfied(v) {
			answers = append(answers, fmt.Sprintf("%s：%s", f.Label, strings.TrimSpace(v)))
		}
	}
	if len(answers) == 0 {
		return nil
	}
	slices.Sort(answers)
	if customer == "" {
		customer = "（未填客户）"
	}
	who, err := nameOf(ctx, tx, sub.UserID)
	if err != nil {
		return err
	}
	text := fmt.Sprintf("【客户不满意】%s 的%s（%s 填写）中有不满意的回答：\n%s", customer, def.Title, who, strings.Join(answers, "\n"))
	if sub.JobID != 0 {
		text += fmt.Sprintf("\n工单%d。", sub.JobID)
	}
	return tell(ctx, tx, "dissatisfied:"+ref, s.managers, text+"\n请及时跟进处理。", at)
}

// RegisterForms hooks s's SubmissionHook onto every form of f's catalog.
// T is the store's transaction, which has what both forms and the service
// work write through.
func RegisterForms[T interface {
	forms.Tx
	Tx
}](s *Service, f *forms.Service[T]) {
	for _, def := range f.Catalog().All() {
		h := s.SubmissionHook(def)
		f.OnSubmit(def.ID, func(ctx context.Context, tx T, sub servicebot.FormSubmission) error { return h(ctx, tx, sub) })
	}
}
