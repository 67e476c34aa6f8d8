package wecomsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// beijing is the time WeCom members in China read (UTC+8, no daylight
// saving): the page shows every time in it.
var beijing = time.FixedZone("北京时间", 8*3600)

// ClockPresets are the jumps the page's clock control offers, in order.
func ClockPresets() []string {
	return []string{"20:00", "21:30", "22:00", "next-09:00", "first", "+24h", "+48h"}
}

// PresetTime is where a preset moves the clock from now, in Beijing time:
// "20:00", "21:30" and "22:00" the next time of that day (today if still
// ahead); "next-09:00" 09:00 the next day; "first" 09:00 on the 1st of the
// next month (when last month's KPI is drafted); "+24h", "+48h" that much
// later. Moving is always forward: the bot's records are never dated before
// what it has already done.
func PresetTime(now time.Time, preset string) (time.Time, error) {
	n := now.In(beijing)
	at := func(d time.Time, h, m int) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, beijing)
	}
	next := func(h, m int) time.Time {
		t := at(n, h, m)
		if !t.After(n) {
			t = at(n.AddDate(0, 0, 1), h, m)
		}
		return t
	}
	switch preset {
	case "20:00":
		return next(20, 0), nil
	case "21:30":
		return next(21, 30), nil
	case "22:00":
		// A minute past: the day closes after its deadline.
		return next(22, 1), nil
	case "next-09:00":
		return at(n.AddDate(0, 0, 1), 9, 0), nil
	case "first":
		return time.Date(n.Year(), n.Month()+1, 1, 9, 0, 0, 0, beijing), nil
	case "+24h":
		return now.Add(24 * time.Hour), nil
	case "+48h":
		return now.Add(48 * time.Hour), nil
	}
	return time.Time{}, fmt.Errorf("unknown preset %q", preset)
}

// clockView is the page's clock line.
type clockView struct {
	Enabled bool     `json:"enabled"`
	Now     string   `json:"now"` // "2026-11-27 周五 19:58"
	Presets []string `json:"presets,omitempty"`
}

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

func (s *Sim) clockView() clockView {
	now := s.clock.Now().In(beijing)
	v := clockView{Enabled: s.moveClock != nil,
		Now: fmt.Sprintf("%s %s %s", now.Format("2006-01-02"), weekdays[now.Weekday()], now.Format("15:04"))}
	if v.Enabled {
		v.Presets = ClockPresets()
	}
	return v
}

func (s *Sim) apiClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.clockView())
}

// apiMoveClock moves the demo's clock to a preset and answers when the jobs
// due at the new time have run: what they sent is then in the chats.
func (s *Sim) apiMoveClock(w http.ResponseWriter, r *http.Request) {
	if s.moveClock == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "这里的时间不能调整（只有演示可以）"})
		return
	}
	var req struct {
		Preset string `json:"preset"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&req); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "请求格式不正确"})
		return
	}
	to, err := PresetTime(s.clock.Now(), req.Preset)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if err := s.moveClock(r.Context(), to); err != nil {
		s.log.Error("wecomsim: move clock", "to", to, "err", err)
		msg := "调整时间失败：" + err.Error()
		if errors.Is(err, r.Context().Err()) {
			msg = "调整时间被中断"
		}
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": msg})
		return
	}
	s.mu.Lock()
	s.notifyLocked()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, s.clockView())
}
