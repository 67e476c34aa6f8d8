// Package aftersales runs the department's service work after a request is
// approved: the service job (工单) that follows a service request through
// dispatch, start and completion, and the follow-ups the manual demands of
// it (DESIGN, flow 3): the phone return visit within 14 days of a completed
// job (R-VIS-2), the regular calls and visits of R-VIS-1, the 8-hour answer
// to a customer's technical question (R-VIS-3), the manager's alert on a
// dissatisfied customer, and each engineer's one morning digest.
//
// Follow-ups are obligations with reminder stages, as the daily report's
// are: a stage is a row (obligation, stage) written in the same transaction
// as its outbox row, so a re-run, a restart or a second replica never sends
// one twice, and a process that was down catches up when it comes back.
package aftersales

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/internal/txn"
)

// Job names, as `servicebot job list` shows them.
const (
	JobFollowUps = "service-followups"
	JobDigest    = "service-digest"
)

// FollowUpKinds are the obligation kinds of this package.
var FollowUpKinds = []string{servicebot.ObligationReturnVisit, servicebot.ObligationTechQuestion,
	servicebot.ObligationCustomerCall, servicebot.ObligationSiteVisit}

// Tx is what the service work writes through (*store.Tx implements it):
// a job's move, the obligations it opens or closes and the messages it
// causes commit together.
type Tx interface {
	EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error)

	CustomerByName(ctx context.Context, name string) (servicebot.Customer, error)
	SetCustomerTier(ctx context.Context, id int64, tier string, now time.Time) (bool, error)
	RecordContact(ctx context.Context, customerID int64, kind string, at time.Time, userID, ref string) (bool, error)
	LockCustomerContacts(ctx context.Context, id int64) (servicebot.CustomerContacts, error)
	AssignCustomerEngineer(ctx context.Context, id int64, engineer, source string, now time.Time) (bool, error)
	CustomersPerEngineer(ctx context.Context) (map[string]int, error)
	SettleObligation(ctx context.Context, kind, keyPrefix string, want servicebot.Obligation, now time.Time) (bool, error)
	Engineers(ctx context.Context, org servicebot.Org) ([]servicebot.Member, error)

	CreateJob(ctx context.Context, j servicebot.Job) (servicebot.Job, bool, error)
	GetJob(ctx context.Context, id int64) (servicebot.Job, error)
	JobOfRequest(ctx context.Context, requestID int64) (servicebot.Job, error)
	EngineerJobs(ctx context.Context, engineer string) ([]servicebot.Job, error)
	CompletedJobsFor(ctx context.Context, engineer string, customerID int64) ([]servicebot.Job, error)
	OpenJobs(ctx context.Context) ([]servicebot.Job, error)
	MoveJob(ctx context.Context, id int64, from []string, to, engineer, assign string, now time.Time) (bool, error)
	SetJobSerial(ctx context.Context, id int64, serial string) error
	SetJobRemote(ctx context.Context, id int64, remote bool) error
	EquipmentBySerial(ctx context.Context, serial string) (servicebot.Equipment, error)
	JobsOfSerial(ctx context.Context, serial string) ([]servicebot.Job, error)

	AddTechQuestion(ctx context.Context, q servicebot.TechQuestion) (servicebot.TechQuestion, bool, error)
	GetTechQuestion(ctx context.Context, id int64) (servicebot.TechQuestion, error)
	AnswerTechQuestion(ctx context.Context, id int64, by, answer string, now time.Time) (bool, error)

	EnsureObligations(ctx context.Context, obs []servicebot.Obligation) (int, error)
	GetObligation(ctx context.Context, key string) (servicebot.Obligation, error)
	CloseObligations(ctx context.Context, ids []int64, status string, now time.Time) (int, error)
	OpenObligations(ctx context.Context, userID string, kinds []string) ([]servicebot.Obligation, error)
	MarkStage(ctx context.Context, stage string, obligationIDs []int64, now time.Time) ([]int64, error)
	ClaimDuty(ctx context.Context, kind, key, period string, now time.Time) (bool, error)

	GetMember(ctx context.Context, userID string) (servicebot.Member, error)
}

// Store is what the scheduled jobs read outside a transaction (*store.DB).
type Store interface {
	OpenObligations(ctx context.Context, userID string, kinds []string) ([]servicebot.Obligation, error)
	CustomerContacts(ctx context.Context) ([]servicebot.CustomerContacts, error)
	Engineers(ctx context.Context, org servicebot.Org) ([]servicebot.Member, error)
}

// Workers says who works on a day: the engineers for whom it is a working
// day and who are not on leave (people.Directory's Reporters).
type Workers interface {
	Reporters(ctx context.Context, day servicebot.Date) ([]servicebot.Member, error)
}

// Config is the department's rules and people.
type Config struct {
	Rules    servicebot.FollowUpRules
	Org      servicebot.Org
	Calendar *servicebot.Calendar
	Clock    servicebot.Clock
	Logger   *slog.Logger
	// FormURL, when set, is the page of form formID linked to job jobID
	// (web.Server.FormURL): the 完成 reply and the digest link the job's
	// 电话回访跟踪问卷表 with the job filled in (R-VIS-2).
	FormURL func(formID string, jobID int64) string
}

// Service is the service work of the department.
type Service struct {
	db       Store
	inTx     txn.Runner[Tx]
	workers  Workers
	rules    servicebot.FollowUpRules
	org      servicebot.Org
	cal      *servicebot.Calendar
	clock    servicebot.Clock
	logger   *slog.Logger
	managers []string
	formURL  func(formID string, jobID int64) string
}

// New makes the service work over db, whose transactions inTx runs
// (*store.DB's InTx).
func New[T Tx](db Store, inTx txn.Runner[T], workers Workers, cfg Config) *Service {
	s := &Service{db: db, inTx: txn.Narrow(inTx, func(t T) Tx { return t }), workers: workers, rules: cfg.Rules, org: cfg.Org, cal: cfg.Calendar,
		clock: cfg.Clock, logger: cfg.Logger, managers: cfg.Org.Holders(servicebot.RoleServiceManager),
		formURL: cfg.FormURL}
	if s.rules.Location == nil {
		s.rules.Location = cfg.Calendar.Location()
	}
	if s.clock == nil {
		s.clock = servicebot.SystemClock{}
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	return s
}

// Rules are the follow-up rules in force.
func (s *Service) Rules() servicebot.FollowUpRules { return s.rules }

// engineerOf is who keeps in touch with c (R-VIS-1): its own engineer,
// named or given to it before (roundRobin records the choice); "" when
// it has none yet.
func (s *Service) engineerOf(c servicebot.Customer, _ []servicebot.Member) string {
	return c.Engineer
}

// roundRobin picks the engineer of a customer that has none (R-ORG-2,
// issue 16 item 6): of the engineers of its region (all engineers when the
// region has none), the one with the fewest customers, ties by userid. The
// choice is recorded on the customer, so it stays and can be explained.
func (s *Service) roundRobin(ctx context.Context, tx Tx, c servicebot.Customer, engineers []servicebot.Member) (string, error) {
	counts, err := tx.CustomersPerEngineer(ctx)
	if err != nil {
		return "", err
	}
	var region []string
	for _, m := range engineers {
		if s.org.RegionOf(m.UserID) == c.Region {
			region = append(region, m.UserID)
		}
	}
	if len(region) == 0 {
		for _, m := range engineers {
			region = append(region, m.UserID)
		}
	}
	if len(region) == 0 {
		return "", nil
	}
	slices.SortFunc(region, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[a], counts[b]), cmp.Compare(a, b))
	})
	return region[0], nil
}

// nameOf is how a text people read calls userID: their name in the synced
// address book, or the userid when the address book does not know them.
// It reads through the open transaction, never the pool: on SQLite the
// transaction holds the write lock a pool read would wait for.
func nameOf(ctx context.Context, tx Tx, userID string) (string, error) {
	m, err := tx.GetMember(ctx, userID)
	switch {
	case errors.Is(err, servicebot.ErrNotFound):
		return userID, nil
	case err != nil:
		return "", fmt.Errorf("aftersales: name of %s: %w", userID, err)
	case m.Name == "":
		return userID, nil
	}
	return m.Name, nil
}

// tell enqueues a text to users, once per key.
func tell(ctx context.Context, tx Tx, key string, users []string, text string, now time.Time) error {
	if len(users) == 0 {
		return nil
	}
	to, err := wecommsg.Recipients(users)
	if err != nil {
		return fmt.Errorf("aftersales: %s: %w", key, err)
	}
	rows, err := wecommsg.Texts(servicebot.OutboxMessage{DedupKey: key, ToUsers: to, CreatedAt: now}, text)
	if err != nil {
		return fmt.Errorf("aftersales: %s: %w", key, err)
	}
	for _, m := range rows {
		if _, _, err := tx.EnqueueOutbox(ctx, m); err != nil {
			return fmt.Errorf("aftersales: enqueue %s: %w", key, err)
		}
	}
	return nil
}

// clock formats t as 15:04 in the rules' zone.
func (s *Service) hhmm(t time.Time) string { return t.In(s.rules.Location).Format("15:04") }

// monthDay formats t as 11月16日 in the rules' zone.
func (s *Service) monthDay(t time.Time) string {
	return servicebot.DateOf(t.In(s.rules.Location)).MonthDay()
}

// returnVisitLink is the line linking job's 电话回访跟踪问卷表 with the job
// filled in, or "" when the pages are off.
func (s *Service) returnVisitLink(jobID int64) string {
	if s.formURL == nil {
		return ""
	}
	return "填写电话回访跟踪问卷表（已关联工单）：" + s.formURL(forms.PhoneReturnVisit, jobID)
}
