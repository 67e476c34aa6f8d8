package forms

import (
	"context"

	"github.com/servicebot/servicebot"
)

// Form ids other packages act on. The catalog (forms.yaml) defines them;
// TestCatalogIDs keeps these constants and the catalog in step.
const (
	ServiceRequestInstall = "service_request_install" // 售后服务申请表（设备安装调试）
	ServiceRequestFault   = "service_request_fault"   // 售后服务申请表（质量故障处理）
	ServiceRequestVisit   = "service_request_visit"   // 售后服务申请表（现场走访）
	ServiceMemo           = "service_memo"            // 售后服务备忘录(日志)
	ArrivalCheck          = "arrival_check"           // 设备到货清点报告
	InstallData           = "install_data"            // 设备安装调试资料数据采集清单
	TrainingSignIn        = "training_signin"         // 设备培训人员签到表
	FaultReport           = "fault_report"            // 质量故障处理服务报告
	ProjectSummary        = "project_summary"         // 项目售后服务总结报告
	PhoneReturnVisit      = "phone_return_visit"      // 电话回访跟踪问卷表
	SatisfactionSurvey    = "satisfaction_survey"     // 顾客满意度调查表
	VisitReport           = "visit_report"            // 客户回访售后服务报告
	PartsCompensation     = "parts_compensation"      // 售后赔偿申请单
	ToolCompensation      = "tool_compensation"       // 服务器械赔偿单
)

// Field names other packages read from submitted values.
const (
	FieldCustomer     = "customer"     // every customer-facing form: the customer's name
	FieldSatisfaction = "satisfaction" // 电话回访跟踪问卷表, 顾客满意度调查表: overall satisfaction
)

// SubmissionHook runs when a form is submitted, inside the transaction that
// stores the submission (and files its approval, if the form starts one),
// written against the store's transaction type T: a hook writes through
// its own package's Tx, which the compiler checks T has.
// Returning an error rolls all of it back: nothing is stored and the person
// filling in sees the form again. A servicebot.FieldErrors (or an error
// wrapping one) is shown beside the fields it names — use it for a problem
// the person can fix (an unknown job number, say); any other error shows a
// general failure page.
//
// sub is the stored submission: its ID, SubmittedAt and ApprovalID are set.
type SubmissionHook[T any] func(ctx context.Context, tx T, sub servicebot.FormSubmission) error

// OnSubmit registers h for submissions of form formID; hooks of one form
// run in the order registered. Register hooks while wiring, before serving:
// OnSubmit is not safe to call concurrently with Submit.
func (s *Service[T]) OnSubmit(formID string, h SubmissionHook[T]) {
	s.hooks[formID] = append(s.hooks[formID], h)
}
