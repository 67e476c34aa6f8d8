package servicebot_test

import (
	"errors"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
)

// R-KPI-13: the month's stages open → drafted → appeal window → published
// → corrected, each step allowed or refused by the state machine.
func TestKPIMonthStages_R_KPI_13(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	state := func(latest servicebot.KPIRevision, before bool) servicebot.KPIMonthState {
		s, err := servicebot.NewKPIMonthState("2026-11", loc, latest, before)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	draft := servicebot.KPIRevision{ID: 1, Month: "2026-11", Revision: 1, CreatedAt: at("2026-12-01 09:00"),
		AppealUntil: at("2026-12-03 09:00")}
	published := draft
	published.PublishedAt = at("2026-12-04 10:00")
	correction := servicebot.KPIRevision{ID: 2, Month: "2026-11", Revision: 2, CreatedAt: at("2026-12-05 10:00"),
		AppealUntil: draft.AppealUntil, PublishedAt: at("2026-12-05 10:00")}

	tests := []struct {
		name    string
		state   servicebot.KPIMonthState
		now     string
		stage   servicebot.KPIStage
		draft   error // CanDraft
		appeal  error // CanAppeal
		publish error // CanPublish(revision 1)
	}{
		{"a month not over: a draft is refused (a preview records nothing)", state(servicebot.KPIRevision{}, false), "2026-11-20 10:00",
			servicebot.KPIStageOpen, servicebot.ErrKPIMonthNotEnded, servicebot.ErrKPINotDrafted, servicebot.ErrKPINotDrafted},
		{"months ahead: refused", state(servicebot.KPIRevision{}, false), "2026-09-01 10:00",
			servicebot.KPIStageOpen, servicebot.ErrKPIMonthNotEnded, servicebot.ErrKPINotDrafted, servicebot.ErrKPINotDrafted},
		{"the last minute of the month: still refused", state(servicebot.KPIRevision{}, false), "2026-11-30 23:59",
			servicebot.KPIStageOpen, servicebot.ErrKPIMonthNotEnded, servicebot.ErrKPINotDrafted, servicebot.ErrKPINotDrafted},
		{"over, nothing drafted: the draft is due", state(servicebot.KPIRevision{}, false), "2026-12-01 00:00",
			servicebot.KPIStageOpen, nil, servicebot.ErrKPINotDrafted, servicebot.ErrKPINotDrafted},
		{"bot down on the 1st: on the 3rd the draft is still due", state(servicebot.KPIRevision{}, false), "2026-12-03 11:00",
			servicebot.KPIStageOpen, nil, servicebot.ErrKPINotDrafted, servicebot.ErrKPINotDrafted},
		{"drafted: the appeal window", state(draft, false), "2026-12-02 10:00",
			servicebot.KPIStageAppealWindow, nil, nil, nil},
		{"window over, not published: drafted", state(draft, false), "2026-12-03 09:01",
			servicebot.KPIStageDrafted, nil, servicebot.ErrKPIAppealClosed, nil},
		{"published", state(published, false), "2026-12-04 11:00",
			servicebot.KPIStagePublished, nil, servicebot.ErrKPIAppealClosed, servicebot.ErrKPIPublished},
		{"a correction after publishing", state(correction, true), "2026-12-05 11:00",
			servicebot.KPIStageCorrected, nil, servicebot.ErrKPIAppealClosed, servicebot.ErrKPIStaleRevision},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := at(tt.now)
			if got := tt.state.Stage(now); got != tt.stage {
				t.Errorf("stage %s, want %s", got, tt.stage)
			}
			for _, c := range []struct {
				what      string
				got, want error
			}{{"draft", tt.state.CanDraft(now), tt.draft}, {"appeal", tt.state.CanAppeal(now), tt.appeal},
				{"publish", tt.state.CanPublish(1, now), tt.publish}} {
				if (c.want == nil) != (c.got == nil) || (c.want != nil && !errors.Is(c.got, c.want)) {
					t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
				}
				var ce *servicebot.KPIMonthError
				if c.got != nil && (!errors.As(c.got, &ce) || ce.Text == "") {
					t.Errorf("%s: %v says nothing in Chinese", c.what, c.got)
				}
			}
		})
	}
	// A card of revision 1 after revision 2 was drafted is stale (issue 11 item 11).
	r2 := servicebot.KPIRevision{ID: 2, Month: "2026-11", Revision: 2, AppealUntil: draft.AppealUntil}
	if err := state(r2, false).CanPublish(1, at("2026-12-02 12:00")); !errors.Is(err, servicebot.ErrKPIStaleRevision) {
		t.Errorf("stale card: %v", err)
	}
	if err := state(r2, false).CanPublish(2, at("2026-12-02 12:00")); err != nil {
		t.Errorf("newest card: %v", err)
	}
}
