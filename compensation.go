package servicebot

import (
	"fmt"
	"strings"
)

// ToolClass is a class of service tools (R-TOOL-1).
type ToolClass string

// Tool classes.
const (
	ToolClass1     ToolClass = "class1"     // 一类耐用品: laptop, camera, vernier caliper 300, multimeter; ≥ 5 years
	ToolClass2     ToolClass = "class2"     // 二类耐用品: thermometer, USB drive, feeler gauge, wrenches…; ≥ 2 years
	ToolConsumable ToolClass = "consumable" // 消耗品: toolbox, work clothes, shoes, hose, tape; ≥ 1 year
)

// Name is the Chinese name.
func (c ToolClass) Name() string {
	switch c {
	case ToolClass1:
		return "一类耐用品"
	case ToolClass2:
		return "二类耐用品"
	case ToolConsumable:
		return "消耗品"
	}
	return string(c)
}

// ToolLoss is a tool lost or damaged by its holder.
type ToolLoss struct {
	Class  ToolClass `json:"class"`
	Name   string    `json:"name"`
	Price  Fen       `json:"price_fen"` // original price
	Months int       `json:"months"`    // months in use
	// Stated is the amount the service manager states for a consumable,
	// which has no rate in the manual (R-TOOL-2 interpretation); nil when
	// not stated.
	Stated *Fen `json:"amount_fen,omitempty"`
}

// ToolCompensation is what the holder pays for t (R-TOOL-2): the original
// price less the class's rate for each full half-year in use, never less than
// the floor; nothing once the tool has outlived its lifetime (manual 3.4: only
// loss or damage within the lifetime is charged). The note says why, in
// Chinese, for the engineer.
func (r ApprovalRules) ToolCompensation(t ToolLoss) (Fen, string, error) {
	r = r.WithDefaults()
	rule, ok := r.Tools[t.Class]
	switch {
	case !ok:
		return 0, "", fmt.Errorf("器械类别须为 class1（一类耐用品）、class2（二类耐用品）或 consumable（消耗品），而不是 %q", t.Class)
	case t.Price <= 0:
		return 0, "", fmt.Errorf("器械原价须大于 0")
	case t.Months < 0:
		return 0, "", fmt.Errorf("使用月数不能为负")
	}
	if rule.LifetimeMonths > 0 && t.Months >= rule.LifetimeMonths {
		return 0, fmt.Sprintf("%s已使用 %d 个月，超过使用寿命 %d 个月，不予赔偿（服务器械管理办法 3.4）",
			t.Class.Name(), t.Months, rule.LifetimeMonths), nil
	}
	if ok && rule.Stated {
		// R-TOOL-2 interpretation: the manual gives consumables no rate;
		// the service manager states the amount and the bot invents none.
		switch {
		case t.Stated == nil:
			return 0, "", fmt.Errorf("%s没有折旧规则，须由售后服务部经理填写赔偿金额（amount_fen）", t.Class.Name())
		case *t.Stated < 0:
			return 0, "", fmt.Errorf("赔偿金额不能为负")
		case t.Price > 0 && *t.Stated > t.Price:
			return 0, "", fmt.Errorf("赔偿金额 %s 元高于原价 %s 元", *t.Stated, t.Price)
		}
		return *t.Stated, fmt.Sprintf("%s无折旧规则，按售后服务部经理填写的金额 %s 元赔偿（R-TOOL-2）", t.Class.Name(), *t.Stated), nil
	}
	halfYears := t.Months / 6
	percent := max(100-rule.RatePercent*halfYears, rule.FloorPercent)
	amount := percentOf(t.Price, int64(percent))
	note := fmt.Sprintf("%s原价 %s 元，已使用 %d 个月（满 %d 个半年），每满半年折旧 %d%%，最低按原价 %d%% 赔偿：按原价 %d%% 赔偿 %s 元（R-TOOL-2）",
		t.Class.Name(), t.Price, t.Months, halfYears, rule.RatePercent, rule.FloorPercent, percent, amount)
	return amount, note, nil
}

// percentOf is p percent of f, rounded half up to the fen.
func percentOf(f Fen, p int64) Fen {
	return Fen((int64(f)*p + 50) / 100)
}

// FineBasis is what a liability fine is computed from: the complaints of a
// month (R-LIA-1) or the loss of a major accident (R-LIA-2).
type FineBasis struct {
	Month      string `json:"month,omitempty"` // "2026-11"
	Complaints int    `json:"complaints,omitempty"`
	Loss       Fen    `json:"loss_fen,omitempty"`
	// ComplaintEntries are the manager's complaint entries (KPI inputs)
	// the fine is for: each is one of Complaints, and the KPI counts it
	// once (R-LIA-0, R-KPI-6). The entry is linked back to the fine.
	ComplaintEntries []int64 `json:"complaint_entries,omitempty"`
	// ComplaintDates are the days the complaints not entered by the
	// manager happened: the KPI dates them so, not by the approval.
	ComplaintDates []Date `json:"complaint_dates,omitempty"`
}

// Problems of the complaint records of a fine, in Chinese.
func (b FineBasis) recordProblems() []string {
	var p []string
	if len(b.ComplaintEntries)+len(b.ComplaintDates) > b.Complaints {
		p = append(p, fmt.Sprintf("列出的投诉记录和日期共 %d 条，多于投诉次数 %d", len(b.ComplaintEntries)+len(b.ComplaintDates), b.Complaints))
	}
	seen := map[int64]bool{}
	for _, id := range b.ComplaintEntries {
		if seen[id] {
			p = append(p, fmt.Sprintf("投诉记录 #%d 重复", id))
		}
		seen[id] = true
	}
	for _, d := range b.ComplaintDates {
		if b.Month != "" && MonthOf(d) != b.Month {
			p = append(p, fmt.Sprintf("投诉日期 %s 不在 %s 月内", d, b.Month))
		}
	}
	return p
}

// Amount is the fine and why, in Chinese.
func (b FineBasis) Amount() (Fen, string, error) {
	switch {
	case b.Loss < 0 || b.Complaints < 0:
		return 0, "", fmt.Errorf("处罚依据不能为负")
	case b.Loss > 0 && b.Complaints > 0:
		return 0, "", fmt.Errorf("处罚依据只能是当月投诉次数或事故损失之一")
	case b.Loss > 0:
		fine, parts := AccidentFine(b.Loss)
		return fine, fmt.Sprintf("重大责任事故损失 %s 元，按累进制：%s = %s 元（R-LIA-2）",
			b.Loss, strings.Join(parts, " + "), fine), nil
	case b.Complaints > 0:
		fine := ComplaintFine(b.Complaints)
		return fine, fmt.Sprintf("%s 客户投诉 %d 次：%s 元（R-LIA-1）", b.Month, b.Complaints, fine), nil
	}
	return 0, "", fmt.Errorf("缺少处罚依据（当月投诉次数或事故损失）")
}

// ComplaintFine is the fine for n complaints in one month (R-LIA-1): 50 元
// for one; from two on 100 元 each (Interpretation: 2 → 200, 3 → 300).
func ComplaintFine(n int) Fen {
	switch {
	case n <= 0:
		return 0
	case n == 1:
		return 50_00
	}
	return Fen(n) * 100_00
}

// accidentBrackets are R-LIA-2's brackets: the rate applies to the part of
// the loss up to each bound. Interpretation: the manual's "+100000" for the
// last bracket is read as "above 10000".
var accidentBrackets = [...]struct {
	upTo    Fen // 0: no upper bound
	percent int64
}{
	{500_00, 30},
	{2000_00, 25},
	{5000_00, 20},
	{10000_00, 15},
	{0, 10},
}

// AccidentFine is the fine for a major accident's loss, progressive like a
// tax (R-LIA-2), with each bracket's share written out ("150.00") for the note.
func AccidentFine(loss Fen) (Fen, []string) {
	var sum int64 // fen × percent: rounded once, at the end
	var parts []string
	lower := Fen(0)
	for _, b := range accidentBrackets {
		if loss <= lower {
			break
		}
		upper := loss
		if b.upTo != 0 && b.upTo < loss {
			upper = b.upTo
		}
		share := int64(upper-lower) * b.percent
		sum += share
		parts = append(parts, fmt.Sprintf("%s×%d%%", upper-lower, b.percent))
		lower = b.upTo
		if b.upTo == 0 {
			break
		}
	}
	return Fen((sum + 50) / 100), parts
}
