package servicebot

import (
	"errors"
	"fmt"
	"time"
)

// KPIStage is where a month is in its stages (R-KPI-13):
//
//	open → drafted → appeal window → published → corrected
//
// open: the month has not ended, or has ended and nothing is drafted yet;
// appeal window: a draft exists and engineers may still appeal; drafted:
// the window closed and the manager has not published; published: the
// newest revision is the first published one; corrected: a revision made
// after publishing (a correction) is the newest.
type KPIStage string

// The stages of a month.
const (
	KPIStageOpen         KPIStage = "open"
	KPIStageAppealWindow KPIStage = "appeal_window"
	KPIStageDrafted      KPIStage = "drafted"
	KPIStagePublished    KPIStage = "published"
	KPIStageCorrected    KPIStage = "corrected"
)

// Name is the stage in Chinese.
func (s KPIStage) Name() string {
	switch s {
	case KPIStageOpen:
		return "未起草"
	case KPIStageAppealWindow:
		return "申诉期"
	case KPIStageDrafted:
		return "待发布"
	case KPIStagePublished:
		return "已发布"
	case KPIStageCorrected:
		return "已更正"
	}
	return string(s)
}

// KPIMonthState is what the KPI month knows of a month: when it ends, its
// newest revision, and whether any revision was published before it.
type KPIMonthState struct {
	Month string
	// Ends is the first instant after the month, in the department's zone.
	Ends time.Time
	// Latest is the newest revision; zero before the first draft.
	Latest KPIRevision
	// PublishedBefore: a revision older than Latest was published.
	PublishedBefore bool
}

// NewKPIMonthState is month's state in loc, given its newest revision and
// whether an older one was published.
func NewKPIMonthState(month string, loc *time.Location, latest KPIRevision, publishedBefore bool) (KPIMonthState, error) {
	first, _, err := KPIMonthRange(month)
	if err != nil {
		return KPIMonthState{}, err
	}
	return KPIMonthState{Month: month, Ends: NewDate(first.Year, first.Month+1, 1).In(loc),
		Latest: latest, PublishedBefore: publishedBefore}, nil
}

// Ended reports whether the month is over at now.
func (s KPIMonthState) Ended(now time.Time) bool { return !now.Before(s.Ends) }

// Stage is the month's stage at now.
func (s KPIMonthState) Stage(now time.Time) KPIStage {
	switch {
	case s.Latest.ID == 0 && s.Latest.Revision == 0:
		return KPIStageOpen
	case s.Latest.Published() && s.PublishedBefore:
		return KPIStageCorrected
	case s.Latest.Published():
		return KPIStagePublished
	case !now.After(s.Latest.AppealUntil):
		return KPIStageAppealWindow
	}
	return KPIStageDrafted
}

// Errors of the month's stages; each wraps into a *KPIMonthError saying
// why in Chinese.
var (
	// ErrKPIMonthNotEnded: a month is drafted only once it is over (issue 11
	// item 1): an early draft would claim the month's place.
	ErrKPIMonthNotEnded = errors.New("kpi: month not ended")
	// ErrKPINotDrafted: nothing to publish or appeal yet.
	ErrKPINotDrafted = errors.New("kpi: month not drafted")
	// ErrKPIAppealClosed: the appeal window is over.
	ErrKPIAppealClosed = errors.New("kpi: appeal window closed")
	// ErrKPIStaleRevision: a card showed an older revision than the newest;
	// publishing from it would publish what it never showed.
	ErrKPIStaleRevision = errors.New("kpi: stale revision")
	// ErrKPIPublished: the revision is published already.
	ErrKPIPublished = errors.New("kpi: already published")
)

// KPIMonthError is a refused step of the month's stages, with the text for people.
type KPIMonthError struct {
	Err  error
	Text string
}

func (e *KPIMonthError) Error() string { return e.Err.Error() + ": " + e.Text }

// Unwrap returns the sentinel.
func (e *KPIMonthError) Unwrap() error { return e.Err }

func monthErr(err error, format string, args ...any) error {
	return &KPIMonthError{Err: err, Text: fmt.Sprintf(format, args...)}
}

// CanDraft says whether a revision may be recorded now: the first draft
// once the month is over (the job on the 1st, or by hand when the bot was
// down then), a re-draft in the appeal window or before publishing, and a
// correction after publishing (published at once, R-KPI-13). A month not
// yet over is refused: a preview may be computed but records nothing.
func (s KPIMonthState) CanDraft(now time.Time) error {
	if !s.Ended(now) {
		return monthErr(ErrKPIMonthNotEnded, "%s 尚未结束（%s 起才能起草），不能起草；可先预览，预览不记录、不通知任何人",
			s.Month, s.Ends.Format("2006-01-02 15:04"))
	}
	return nil
}

// CanAppeal says whether an engineer may appeal now: a draft exists and
// its window is open (published or not: an appeal accepted after
// publishing is a correction).
func (s KPIMonthState) CanAppeal(now time.Time) error {
	if s.Stage(now) == KPIStageOpen {
		return monthErr(ErrKPINotDrafted, "%s 的考核还没有起草", s.Month)
	}
	if now.After(s.Latest.AppealUntil) {
		return monthErr(ErrKPIAppealClosed, "%s 考核的申诉已截止", s.Month)
	}
	return nil
}

// CanPublish says whether revision (the one a card showed) may be
// published now: only the newest, and only once.
func (s KPIMonthState) CanPublish(revision int, now time.Time) error {
	switch {
	case s.Stage(now) == KPIStageOpen:
		return monthErr(ErrKPINotDrafted, "%s 的考核还没有起草", s.Month)
	case revision != s.Latest.Revision:
		return monthErr(ErrKPIStaleRevision, "此卡片是第 %d 版，已有第 %d 版，请在最新卡片上发布", revision, s.Latest.Revision)
	case s.Latest.Published():
		return monthErr(ErrKPIPublished, "第 %d 版已发布", revision)
	}
	return nil
}
