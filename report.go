package servicebot

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Report is what ParseReport understood of an engineer's daily report
// (R-DAY-1): the manual's evening SMS with today's work and the next step.
// Empty sections are nil.
type Report struct {
	Done       []string // 今日工作: what was done today, one item per entry
	Plan       []string // 明日计划: the next step
	Customer   string   // 客户/单位; several mentions joined with "；"
	Location   string   // 地点/位置/地址; several mentions joined with "；"
	Issues     []string // 问题/需协调/困难/需支持
	PartsSales *Fen     // 配件销售 (R-PRT-1); nil when the report does not mention it, 0 when it says 无
	// PartsUnread: a sale is mentioned but its sum cannot be read (一万多,
	// 金额待定); the reply says so.
	PartsUnread bool
	// CustomerID links Customer to the department's customer list; 0 when
	// the customer is not on it (or none was named).
	CustomerID int64
	// PlanWhen is the day word the plan opened with when it is not simply
	// the next day: 后天, 周五, 下周一, 下周…; PlanDate dates it by the work
	// calendar. "" is the next working day.
	PlanWhen   string
	Unlabelled []string // lines that fit no section (kept so nothing is lost)
	Missing    []string // essential sections not found: MissingDone, MissingPlan, in that order
}

// Names of the essential sections, as listed in Report.Missing.
const (
	MissingDone = "今日工作"
	MissingPlan = "明日计划"
)

// IsReport tells a report from chit-chat ("你好", "在吗", "帮助", "?"): it is
// a report when it has today's work, or content under any label. Unlabelled
// lines alone are not a report.
func (r Report) IsReport() bool {
	return len(r.Done) > 0 || len(r.Plan) > 0 || len(r.Issues) > 0 ||
		r.Customer != "" || r.Location != "" || r.PartsSales != nil
}

// reportSection is where a labelled piece of a report goes.
type reportSection int

const (
	secNone reportSection = iota
	secDone
	secPlan
	secCustomer
	secLocation
	secIssues
	secParts
)

// singleValued sections take one value: after it, following lines go back
// to the list section that was open before ("客户：某厂" then more work lines).
func (s reportSection) singleValued() bool {
	return s == secCustomer || s == secLocation || s == secParts
}

// reportLabels are the words people put before each section, as regular
// expressions (RE2 tries alternatives in order, so longer forms come first
// where it matters). Each becomes a named group in the label patterns below.
var reportLabels = []struct {
	group string
	sec   reportSection
	re    string
}{
	{"done", secDone, `今[天日]的?(?:工作|已?完成|进展)?(?:内容|情况|总结|汇报)?|(?:当[天日]|本日)的?工作(?:内容|情况)?|工作(?:内容|情况|进展)?|已?完成(?:情况|内容|工作)?|进展`},
	{"plan", secPlan, `(?:明[天日]|` + laterDay + `)的?(?:工作)?(?:计划|安排|打算)?|下一?步(?:工作)?(?:计划|安排|打算)?|后续(?:工作)?(?:计划|安排)?|次日(?:工作)?(?:计划|安排)?|(?:工作)?计划|工作安排`},
	{"customer", secCustomer, `客户(?:名称|单位)?|(?:用户|服务)?单位(?:名称)?|用户|服务对象`},
	{"location", secLocation, `(?:工作|服务|所在|当前|现场)?(?:地点|位置|地址)|所在地|所在城市`},
	{"issues", secIssues, `需要|(?:存在|遇到|发现|现场)?的?问题(?:描述|说明)?(?:及|和|与)?(?:需?协调|建议)?(?:事项)?|需要?(?:公司|领导|厂家|厂里)?(?:协调|支持|帮助|帮忙|解决)的?(?:事项|问题)?|协调事项|困难`},
	{"parts", secParts, `(?:备品|零)?(?:配件|备件)(?:销售)?(?:金?额|收入|情况)?|销售(?:金?额|收入)`},
}

// strongDoneLabel and strongPlanLabel are the day words that can open a
// section with no colon at all ("今天在成都安装调试", "今日完成xxx；明日计划yyy"): only today/tomorrow
// forms, because a bare 问题/客户/完成 glued to text is ordinary prose.
const strongDoneLabel = `今[天日]的?(?:工作|已?完成|进展)?(?:内容|情况)?`
const strongPlanLabel = `(?:明[天日]|` + laterDay + `)的?(?:工作)?(?:计划|安排|打算)?|下一?步(?:工作)?(?:计划|安排|打算)?`

// laterDay are the words for a day after tomorrow that open a plan (issue 9):
// 后天, 大后天, 周五, 下周一, 星期一, 下礼拜一, 下周, 周末. They are dated by the
// work calendar (PlanDate).
const laterDay = `大?后天|(?:下个?|本|这个?)?(?:周|星期|礼拜)[一二三四五六日天末]|下个?(?:周|星期|礼拜)`

func labelAlternatives() string {
	parts := make([]string, len(reportLabels))
	for i, l := range reportLabels {
		parts[i] = `(?P<` + l.group + `>` + l.re + `)`
	}
	return `(?:` + strings.Join(parts, "|") + `)`
}

// The forms a label takes, tried in this order on a piece of a line.
var (
	// 【今日工作】…, [明日计划] …
	labelBracketRe = regexp.MustCompile(`^[【\[〔]\s*` + labelAlternatives() + `\s*(?:如下)?\s*[】\]〕]\s*[:：]?\s*(?P<rest>.*)$`)
	// 今日工作：…, 明天: …, 今日工作如下：, 今日工作（11.27）：
	labelColonRe = regexp.MustCompile(`^` + labelAlternatives() + `\s*(?:[(（][^)）]{0,12}[)）])?\s*(?:如下|为|是)?\s*[:：]\s*(?P<rest>.*)$`)
	// a label alone on its line; the content follows on the next lines
	labelAloneRe = regexp.MustCompile(`^` + labelAlternatives() + `\s*(?:如下)?$`)
	// 今天 在成都安装调试: Chinese puts no spaces between words, so a space
	// right after a label word is a deliberate separator.
	labelSpaceRe = regexp.MustCompile(`^` + labelAlternatives() + `\s+(?P<rest>\S.*)$`)
	// 今日完成xxx, 明天去重庆: day words glued to the text (see strongDoneLabel)
	labelGluedRe = regexp.MustCompile(`^(?:(?P<done>` + strongDoneLabel + `)|(?P<plan>` + strongPlanLabel + `))[了的，,\s]*(?P<rest>.+)$`)
	// 客户是晋钢集团, 地点伊川: the customer and the place said in a sentence
	labelIsRe = regexp.MustCompile(`^(?:(?P<customer>客户(?:名称)?(?:是|为))|(?P<location>(?:工作|服务)?地点(?:是|为|在)?))\s*(?P<rest>\p{Han}.*)$`)

	strongLabelRe = regexp.MustCompile(`^(?:今[天日]|明[天日]|下一?步|` + laterDay + `)`)
	bareDayRe     = regexp.MustCompile(`^(?:今[天日]|明[天日]|下一?步|` + laterDay + `)的?$`)
	// a plan's day word, when it is not simply tomorrow
	laterDayRe = regexp.MustCompile(`^(?:` + laterDay + `)`)
)

type labelForm int

const (
	formBracket labelForm = iota
	formColon
	formAlone
	formSpace
	formGlued
	formIs
)

// labelHit is a label found at the start of a piece of a line.
type labelHit struct {
	sec     reportSection
	form    labelForm
	strong  bool // a day word (今天/明天…), trusted even in the middle of a line
	bare    bool // glued and nothing but a day word: 今天xxx, 明天xxx
	label   string
	content string
}

// labelForms is the order in which the forms are tried: the most explicit
// first, so "今天：…" is a colon label and not a glued one.
var labelForms = []struct {
	re   *regexp.Regexp
	form labelForm
}{
	{labelBracketRe, formBracket},
	{labelColonRe, formColon},
	{labelAloneRe, formAlone},
	{labelSpaceRe, formSpace},
	{labelGluedRe, formGlued},
	{labelIsRe, formIs},
}

// labelFirst are the characters a label can start with: a piece starting
// with anything else is no label, and the patterns need not run.
const labelFirst = "今当本工已完进明后大下周星礼这次计客用服单地位所现存遇发问需协困配备零销【[〔"

// matchLabel finds the label s starts with, if any.
func matchLabel(s string) (labelHit, bool) {
	if r, _ := utf8.DecodeRuneInString(s); !strings.ContainsRune(labelFirst, r) {
		return labelHit{}, false
	}
	for _, f := range labelForms {
		m := f.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		hit := labelHit{form: f.form}
		label := ""
		for _, l := range reportLabels {
			if i := f.re.SubexpIndex(l.group); i >= 0 && m[i] != "" {
				hit.sec, label = l.sec, m[i]
				break
			}
		}
		if i := f.re.SubexpIndex("rest"); i >= 0 {
			hit.content = strings.TrimSpace(m[i])
		}
		hit.label = label
		hit.strong = strongLabelRe.MatchString(label)
		if f.form == formGlued {
			hit.bare = bareDayRe.MatchString(label)
			// "今天有空吗" is a question to the bot, not a report.
			if isQuestion(hit.content) {
				return labelHit{}, false
			}
		}
		return hit, true
	}
	return labelHit{}, false
}

// allowedMidLine says whether a label may start a new section in the middle
// of a line. Brackets and colons are unambiguous; a label without them is
// trusted mid-line only when it is a day word ("…，明天回公司").
func (h labelHit) allowedMidLine() bool {
	switch h.form {
	case formBracket, formColon, formIs:
		return true
	case formSpace, formGlued:
		return h.strong
	default:
		return false
	}
}

// parseSections finds the sections of a daily report (R-DAY-1). It is
// deterministic and works line by line:
//
//  1. Clean up: Windows newlines, full-width digits and letters, emoji and
//     WeChat stickers ("[强]") become spaces; list markers (1. 1、 ① (1) 一、
//     - • ·) are dropped; titles ("11.27日报"), dates, greetings ("领导好")
//     and sign-offs ("以上，谢谢") are not content.
//  2. Find labels (see reportLabels) at the start of a line, or in the
//     middle after a separator (space ， ； 。) when they carry a colon or
//     brackets or are a day word, so "今天：… 明天：…" on one line splits.
//     A bare day word glued to its text ("明天去重庆") counts only when the
//     text looks like work or the message has another label.
//  3. Content belongs to the last label until the next one; a label alone on
//     its line takes the lines below it. List sections split into items at
//     line breaks, list markers and semicolons.
//  4. Lines before any label become today's work when they look like work
//     (a work verb such as 安装/调试/维修, and not a question) and no 今日工作
//     label was given; otherwise they are kept as Unlabelled. A text with no
//     label at all is taken as today's work only when it has two or more
//     lines and most of them look like work; otherwise it is chit-chat.
func parseSections(text string, names func(string) bool) (Report, []string) {
	pieces := splitReportPieces(cleanReportLines(text))

	b := reportBuilder{names: names}
	for _, p := range pieces {
		if p.hit != nil {
			b.label(*p.hit)
		} else {
			b.text(p.text)
		}
	}
	return b.finish(), b.parts
}

// cleanReportLines applies step 1 of ParseReport.
func cleanReportLines(text string) []string {
	text = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(text)
	text = keycapRe.ReplaceAllString(text, "$1.")
	text = normalizeWidth(text)
	text = stickerRe.ReplaceAllStringFunc(text, func(s string) string {
		if labelAloneRe.MatchString(strings.Trim(s, "[]")) {
			return s // [今日工作] is a header, not a sticker
		}
		return " "
	})
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(spacesRe.ReplaceAllString(line, " "))
		line = strings.TrimSpace(stripListMarker(line))
		// "领导好，今天在…": the greeting is not content, what follows is.
		line = strings.TrimSpace(salutationRe.ReplaceAllString(line, ""))
		line = salutationGluedRe.ReplaceAllString(line, "$1")
		if line == "" || isNoiseLine(line) {
			continue
		}
		lines = append(lines, line)
	}
	return lines
}

var (
	spacesRe = regexp.MustCompile(`\s+`)
	// 1️⃣ is "1" + VS16 + combining keycap: keep it as the list marker it is.
	keycapRe = regexp.MustCompile(`([0-9])\x{FE0F}?\x{20E3}`)
	// WeChat/WeCom stickers arrive as text: [微笑] [强] [OK] [666].
	stickerRe = regexp.MustCompile(`\[(?:\p{Han}{1,4}|OK|NO|666|Emm)\]`)
)

// normalizeWidth folds full-width digits and letters to ASCII, turns odd
// spaces into plain ones, drops zero-width characters and replaces emoji by a
// space (an emoji between a label and its text still separates them).
// Full-width punctuation is left alone: it is part of the user's text.
func normalizeWidth(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			b.WriteRune(r - 0xFEE0)
		case r == '\u3000', r == '\u00A0', r == '\t':
			b.WriteByte(' ')
		case r == '\u200B', r == '\u200C', r == '\u200D', r == '\uFEFF', r == '\uFE0E', r == '\uFE0F':
			// zero-width joiners and variation selectors: drop
		case isEmoji(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isEmoji reports the pictographs people sprinkle over chat messages. The
// dingbat digits ❶…❿ (U+2776…U+2793) are kept: they are list markers.
func isEmoji(r rune) bool {
	switch {
	case r >= 0x1F000 && r <= 0x1FAFF: // emoticons, pictographs, flags, …
		return true
	case r >= 0x2776 && r <= 0x2793:
		return false
	case r >= 0x2600 && r <= 0x27BF: // ☀ ✅ ✔ ❤ ➡ …
		return true
	case r >= 0x2B00 && r <= 0x2BFF: // ⬆ ⭐ ⭕
		return true
	case r == 0x231A, r == 0x231B, r >= 0x23E9 && r <= 0x23FA: // ⌚ ⏰ ⏳
		return true
	case r >= 0xE000 && r <= 0xF8FF: // private use: old phone emoji
		return true
	}
	return false
}

var (
	listMarkerRe = regexp.MustCompile(`^(?:` +
		`\d{1,2}\s*[、)）]` + // 1、 1)
		`|[(（]\s*\d{1,2}\s*[)）]` + // (1)
		`|[\x{2460}-\x{249B}\x{2776}-\x{2793}]` + // ① ⑴ ⒈ ❶
		`|[一二三四五六七八九十]{1,3}\s*[、.．]` + // 一、
		`|[(（][一二三四五六七八九十]{1,3}[)）]` + // (一)
		`)\s*`)
	// 1. is a marker only when no digit follows: "1.5吨" is a quantity.
	listDotRe    = regexp.MustCompile(`^\d{1,2}\s*[.．]`)
	listBulletRe = regexp.MustCompile(`^[-–—•·・●○■□◆◇▪▸▶►>*※]+\s*`)
)

// stripListMarker removes a leading list marker or bullet.
func stripListMarker(s string) string {
	s, _ = cutListMarker(s)
	return s
}

// cutListMarker removes a leading list marker or bullet; numbered reports
// whether it was a number (1. ① 一、), which may also start an item in the
// middle of a line.
func cutListMarker(s string) (rest string, numbered bool) {
	if loc := listMarkerRe.FindStringIndex(s); loc != nil {
		return strings.TrimSpace(s[loc[1]:]), true
	}
	if loc := listDotRe.FindStringIndex(s); loc != nil {
		r, _ := utf8.DecodeRuneInString(s[loc[1]:])
		if !unicode.IsDigit(r) {
			return strings.TrimSpace(s[loc[1]:]), true
		}
	}
	if loc := listBulletRe.FindStringIndex(s); loc != nil {
		return strings.TrimSpace(s[loc[1]:]), false
	}
	return s, false
}

var (
	// "11月27日 周五", "2026.11.27", "11/27"
	dateTokenRe = regexp.MustCompile(`\d{4}\s*[年./-]\s*\d{1,2}\s*[月./-]\s*\d{1,2}\s*[日号]?|\d{1,2}\s*月\s*\d{1,2}\s*[日号]?|\d{1,2}[./]\d{1,2}[日号]?|(?:周|星期|礼拜)[一二三四五六日天1-7]`)
	// "11.27日报", "张三的日报", "今日工作汇报：", "【日报】"
	titleRe = regexp.MustCompile(`^(?:\p{Han}{0,4}的?)?(?:工作)?(?:日报|汇报|日志|周报)(?:如下)?(?:\p{Han}{2,4})?$`)
	// "各位领导好", "王总，您好", also in front of the first line's content
	salutationRe = regexp.MustCompile(`^(?:各位)?(?:领导|经理|老板|大家|同事|\p{Han}{1,2}(?:总|经理|主任|部长))们?[,，\s]*(?:好|你好|您好|早|早上好|晚上好|辛苦了)(?:[!！。.,，~～\s]+|$)`)
	// "领导好今天在…": dictation glues the greeting to the report
	salutationGluedRe = regexp.MustCompile(`^(?:各位)?(?:领导|经理|老板|大家|\p{Han}{1,2}(?:总|经理))们?(?:好|你好|您好|晚上好|辛苦了)(今[天日])`)
	// "以上，谢谢", "汇报完毕"
	signOffRe    = regexp.MustCompile(`^(?:以上(?:是|为)?(?:今[天日])?的?(?:工作)?(?:汇报|日报)?(?:完毕)?|汇报完毕|谢谢|谢谢领导|辛苦了|请(?:领导)?(?:审阅|查阅|指示|指正))(?:[,，\s]*(?:谢谢|请审阅|请指示))?[!！。.,，~～]*$`)
	titlePunctRe = regexp.MustCompile(`[\s#【】\[\]〔〕()（）<>《》「」:：,，.。\-—_~～!！]+`)
)

// isNoiseLine reports lines that carry no report content: titles, dates,
// sign-offs (greetings are cut before).
func isNoiseLine(line string) bool {
	if signOffRe.MatchString(line) {
		return true
	}
	bare := titlePunctRe.ReplaceAllString(dateTokenRe.ReplaceAllString(line, ""), "")
	if bare == "" { // only a date
		return true
	}
	// A title has no colon in its middle: "日报：今天安装" is content.
	if strings.ContainsAny(strings.TrimRight(line, ":： "), ":：") {
		return false
	}
	return titleRe.MatchString(bare)
}

// reportPiece is a stretch of a line: either labelled or plain text.
type reportPiece struct {
	text string
	hit  *labelHit
}

// splitReportPieces applies step 2 of ParseReport.
func splitReportPieces(lines []string) []reportPiece {
	// First cut every line where a label may start, keeping the raw text so
	// a cut that turns out not to be a label can be undone exactly.
	var cut [][]reportPiece
	anyFirm, anyWorkBare := false, false
	for _, line := range lines {
		var spans []reportPiece
		starts := labelStarts(line)
		for i, start := range starts {
			end := len(line)
			if i+1 < len(starts) {
				end = starts[i+1]
			}
			p := reportPiece{text: line[start:end]}
			if hit, ok := matchLabel(pieceText(p.text)); ok && (start == 0 || hit.allowedMidLine()) {
				p.hit = &hit
				switch {
				case !hit.bare:
					anyFirm = true
				case soundsLikeWorkDay(hit.content):
					anyWorkBare = true
				}
			}
			spans = append(spans, p)
		}
		cut = append(cut, spans)
	}

	// A bare day word glued to text ("明天去重庆") is a label when its text
	// sounds like a working day, or when the message has another label, or a
	// line that looks like work, to vouch for it.
	vouched := anyFirm || anyWorkBare
	for _, spans := range cut {
		if len(spans) > 0 && spans[0].hit == nil && looksLikeWork(spans[0].text) {
			vouched = true
		}
	}
	for _, spans := range cut {
		for i := range spans {
			// "明天再说吧" puts nothing off to a plan
			if h := spans[i].hit; h != nil && h.bare && putOffRe.MatchString(h.content) {
				spans[i].hit = nil
			}
		}
	}
	var pieces []reportPiece
	for _, spans := range cut {
		var line []reportPiece
		for _, p := range spans {
			if p.hit != nil && p.hit.bare && !vouched {
				p.hit = nil
			}
			if p.hit == nil && len(line) > 0 {
				// Not a label after all: glue it back to what precedes it.
				prev := &line[len(line)-1]
				prev.text += p.text
				if prev.hit != nil {
					if hit, ok := matchLabel(pieceText(prev.text)); ok {
						prev.hit = &hit
					}
				}
				continue
			}
			line = append(line, p)
		}
		for _, p := range line {
			p.text = pieceText(p.text)
			pieces = append(pieces, p)
		}
	}
	return pieces
}

// pieceText is the text of a piece without surrounding space or list marker.
func pieceText(raw string) string {
	return stripListMarker(strings.TrimSpace(raw))
}

// labelStarts returns the byte offsets in line where a labelled piece may
// begin: 0, and after a separator or at an opening bracket, where a label
// allowed mid-line starts.
//
// Dictation has no punctuation ("今天在淄博安装搅拌器明天调试后天培训"), so a
// day word that opens a plan (明天, 后天, 周五, 下周一) starts a piece even
// glued to the text before it — unless it ends a word (说明天车, 昆明天气,
// 然后天车) or belongs to a date or a past day (上周五, 每周一, 一周一次).
func labelStarts(line string) []int {
	starts := []int{0}
	prev, prev2 := rune(0), rune(0)
	for i, r := range line {
		if i > 0 {
			sep := isPieceSeparator(prev) || prev == ':' || prev == '：' || r == '【' || r == '[' || r == '〔' || isCircledNumber(r)
			glued := !sep && isHan(prev) && strings.ContainsRune("明后大下周星礼本这", r) &&
				planWordStartRe.MatchString(line[i:]) && !notPlanStart(line[i:], prev, prev2)
			if sep || glued {
				if hit, ok := matchLabel(pieceText(line[i:])); ok && hit.allowedMidLine() {
					starts = append(starts, i)
				}
			}
		}
		prev2, prev = prev, r
	}
	return starts
}

// planWordStartRe: a day word that may open a plan in mid-sentence.
var planWordStartRe = regexp.MustCompile(`^(?:明[天日]|` + laterDay + `)`)

// notPlanStart reports characters that, right before a day word, make it
// part of another word or of a past or recurring day.
func notPlanStart(s string, prev, prev2 rune) bool {
	switch {
	case strings.HasPrefix(s, "明"):
		return strings.ContainsRune("说表证声查发注标阐透照光聪文清昆黎分简英指鲜", prev)
	case strings.HasPrefix(s, "后"):
		return strings.ContainsRune("然之以随最先落前背身", prev)
	case strings.HasPrefix(s, "大后"):
		return strings.ContainsRune("最", prev)
	}
	// 周五, 下周一, 星期一: not in 上周五, 每周一, 本周一, 一周一次, 11月3日周四
	return strings.ContainsRune("上下个每本这日号一二两三四五六七八九十几", prev)
}

// isCircledNumber: ① ⑴ ⒈ ❶ … mark a new item even glued to the text before
// them ("检修①更换轴承②调整皮带"); nobody writes them inside a sentence.
func isCircledNumber(r rune) bool {
	return r >= 0x2460 && r <= 0x249B || r >= 0x2776 && r <= 0x2793
}

func isPieceSeparator(r rune) bool {
	return unicode.IsSpace(r) || strings.ContainsRune("；;。，,！!？?", r)
}

// reportBuilder applies step 3 and 4 of ParseReport.
type reportBuilder struct {
	// names reports whether a text names a customer or a place: a single
	// unlabelled line that looks like work and names one is a report.
	names     func(string) bool
	r         Report
	cur       reportSection // where plain text goes now
	lastList  reportSection // the list section open before a single-valued one
	orphans   []string      // text before any label
	anyLabel  bool
	doneLabel bool
	parts     []string // content under 配件销售 labels
}

func (b *reportBuilder) label(h labelHit) {
	// "今天客户是龙门水泥": the day word introduces another label.
	if h.bare && h.content != "" {
		if inner, ok := matchLabel(h.content); ok && !inner.strong && (inner.sec == secCustomer || inner.sec == secLocation) {
			h = inner
		}
	}
	if h.sec == secPlan {
		when := laterDayRe.FindString(h.label)
		if b.r.PlanWhen == "" {
			b.r.PlanWhen = when
		}
		// "周五去攀枝花": the day stays in the plan's text, it says when.
		if when != "" && (h.form == formGlued || h.form == formSpace) && h.content != "" {
			h.content = h.label + h.content
		}
	}
	b.anyLabel = true
	if h.sec == secDone {
		b.doneLabel = true
	}
	b.cur = h.sec
	if !h.sec.singleValued() {
		b.lastList = h.sec
	}
	if h.content != "" {
		b.text(h.content)
	}
}

func (b *reportBuilder) text(s string) {
	switch b.cur {
	case secNone:
		b.orphans = append(b.orphans, s)
		return
	case secDone:
		b.r.Done = append(b.r.Done, splitItems(s)...)
	case secPlan:
		b.r.Plan = append(b.r.Plan, splitItems(s)...)
	case secIssues:
		b.r.Issues = append(b.r.Issues, withoutNone(splitItems(s))...)
	case secCustomer:
		b.r.Customer = joinNonEmpty(b.r.Customer, strings.Join(withoutNone(splitItems(s)), "；"))
	case secLocation:
		b.r.Location = joinNonEmpty(b.r.Location, strings.Join(withoutNone(splitItems(s)), "；"))
	case secParts:
		b.parts = append(b.parts, s)
	}
	if b.cur.singleValued() {
		b.cur = b.lastList
	}
}

func (b *reportBuilder) finish() Report {
	r := &b.r

	// Step 4: text before any label.
	if b.anyLabel {
		for _, o := range b.orphans {
			if !b.doneLabel && looksLikeWork(o) {
				r.Done = append(r.Done, splitItems(o)...)
			} else {
				r.Unlabelled = append(r.Unlabelled, cleanItem(o))
			}
		}
	} else {
		work := 0
		for _, o := range b.orphans {
			if looksLikeWork(o) {
				work++
			}
		}
		single := len(b.orphans) == 1 && work == 1 && b.names != nil && b.names(b.orphans[0])
		for _, o := range b.orphans {
			if single || len(b.orphans) >= 2 && 2*work > len(b.orphans) {
				r.Done = append(r.Done, splitItems(o)...)
			} else {
				r.Unlabelled = append(r.Unlabelled, cleanItem(o))
			}
		}
	}

	if len(r.Done) == 0 {
		r.Missing = append(r.Missing, MissingDone)
	}
	if len(r.Plan) == 0 {
		r.Missing = append(r.Missing, MissingPlan)
	}
	return *r
}

// splitItems cuts a stretch of text into list items: at semicolons and at
// list markers that follow a separator ("1.安装 2.调试"). Commas do not cut:
// they join the clauses of one item.
func splitItems(s string) []string {
	var items []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '；' || r == ';' }) {
		start, prev := 0, rune(0)
		for i, r := range part {
			if i > 0 && (isPieceSeparator(prev) || isCircledNumber(r)) {
				if _, numbered := cutListMarker(part[i:]); numbered {
					items = appendItem(items, part[start:i])
					start = i
				}
			}
			prev = r
		}
		items = appendItem(items, part[start:])
	}
	return items
}

func appendItem(items []string, s string) []string {
	if s = cleanItem(stripListMarker(strings.TrimSpace(s))); s != "" {
		items = append(items, s)
	}
	return items
}

// cleanItem trims separators people leave at either end of an item.
func cleanItem(s string) string {
	s = strings.TrimLeft(s, " ，,、；;。:：")
	return strings.TrimRight(s, " ，,、；;。.！!")
}

// noneWords say "nothing to report" under 问题/客户/地点.
var noneWords = map[string]bool{"无": true, "没有": true, "暂无": true, "无问题": true, "没问题": true, "没有问题": true, "正常": true, "/": true, "-": true}

func withoutNone(items []string) []string {
	var out []string
	for _, it := range items {
		if !noneWords[it] {
			out = append(out, it)
		}
	}
	return out
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	default:
		return a + "；" + b
	}
}

// workWords mark a line as field work (step 4 of ParseReport): the verbs of
// the manual's service work (安装调试, 质量故障处理, 回访, 培训, 配件销售) and
// the words engineers use around them.
var workWords = []string{
	"安装", "调试", "维修", "修复", "修好", "检修", "维护", "保养", "更换", "换件",
	"培训", "回访", "巡检", "点检", "拜访", "走访", "处理", "排查", "排除", "检查",
	"检测", "测试", "试车", "试机", "试运行", "验收", "交接", "清点", "验货", "装机",
	"接线", "整改", "指导", "对接", "拆卸", "拆装", "焊接", "调整", "校准", "标定",
	"故障", "现场", "售后", "设备", "报价", "发货", "配件", "备件", "出差", "到达",
	"赶往", "返回", "返程", "签字", "签收", "开机",
	// what engineers say of the same work in chat (issue 9)
	"换", "修", "装", "拆", "调好", "搞", "标定", "对中", "平衡", "保养", "张紧", "润滑", "紧固", "盘点",
	"整理", "资料", "报告", "路途", "路上", "考察", "验收", "试运行", "大修", "巡查", "换油", "配合",
	"查", "测量", "试压", "硫化", "粘",
}

// dayWords are what a day of work sounds like besides the work itself:
// going somewhere, coming back, going on (明天去成都, 明天继续, 后天回公司).
var dayWords = []string{"去", "回", "到", "赶", "出发", "出差", "继续", "接着", "同上", "一样", "待命",
	"在", "跟", "开会", "述职", "改", "办事处", "客户", "公司", "厂", "现场", "卖", "销售"}

// putOffRe: words after a day word that plan nothing (明天再说吧, 看情况).
var putOffRe = regexp.MustCompile(`^(?:再说|再看|看看|看情况|不一定|不确定|再定|说吧|聊)`)

// soundsLikeWorkDay: text after 今天/明天 that is about a working day, not a
// question or small talk (今天好冷啊, 明天放假吗).
func soundsLikeWorkDay(s string) bool {
	if isQuestion(s) {
		return false
	}
	if looksLikeWork(s) {
		return true
	}
	for _, w := range dayWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// looksLikeWork: a work word, and not a question to the bot.
func looksLikeWork(s string) bool {
	if isQuestion(s) {
		return false
	}
	for _, w := range workWords {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

var questionStartRe = regexp.MustCompile(`^(?:请问|怎么|怎样|如何|为什么|为啥|能否|能不能|可不可以|是否)`)

// isQuestion: ends with a question mark or a question particle, or starts
// with a question word.
func isQuestion(s string) bool {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "?") || strings.HasSuffix(s, "？") {
		return true
	}
	t := strings.TrimRight(s, " 。.！!~～")
	for _, p := range []string{"吗", "呢", "么", "嘛"} {
		if strings.HasSuffix(t, p) {
			return true
		}
	}
	if questionStartRe.MatchString(s) {
		return true
	}
	for _, w := range []string{"怎么样", "多少", "几点", "什么时候", "为什么", "吗？", "怎么办"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// partsSaleRe: a line about selling spare parts.
var partsSaleRe = regexp.MustCompile(`(?:配件|备件|零件).*(?:销售|售出|卖|出售)|(?:销售|售出|卖|出售).*(?:配件|备件|零件)`)

type foundAmount struct {
	fen   Fen
	total bool // announced as a total: 合计/共计/总计
}

// markedAmounts finds the amounts of money in s. A number counts only when
// something marks it as money: ￥ before it, 元/块 after it, 万/千 not
// followed by another unit (3千米 is a distance), or a word announcing a
// total (合计300). Plain numbers are counts: "油封2个", "3台".
func markedAmounts(s string) []foundAmount {
	var out []foundAmount
	for _, m := range fenInTextRe.FindAllStringSubmatchIndex(s, -1) {
		group := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		total, sign, unit, suffix := group(1), group(2), group(5), group(6)
		next, _ := utf8.DecodeRuneInString(s[m[1]:])
		unitOK := suffix != "" || !unicode.IsLetter(next)
		marked := suffix != "" || sign != "" || (unit != "" && unitOK) || (total != "" && unitOK)
		if !marked {
			continue
		}
		f, err := fenOf(group(3), group(4), unit)
		if err != nil {
			continue
		}
		out = append(out, foundAmount{fen: f, total: total != ""})
	}
	return out
}

// partsAmount reads the figure under a 配件销售 label: "无" is zero; a bare
// number is yuan; otherwise the amounts marked as money, where a total
// (合计…) wins over summing the single sales.
func partsAmount(s string) (Fen, bool) {
	s = cleanItem(strings.TrimSpace(s))
	if s == "无" || s == "没有" || s == "暂无" || s == "零" {
		return 0, true
	}
	if f, err := ParseFen(s); err == nil {
		return f, true
	}
	amounts := markedAmounts(s)
	if len(amounts) == 0 {
		return 0, false
	}
	var sum Fen
	for _, a := range amounts {
		sum += a.fen
	}
	for i := len(amounts) - 1; i >= 0; i-- {
		if amounts[i].total {
			return amounts[i].fen, true
		}
	}
	return sum, true
}

// FormatReportConfirmation is what the bot answers to a report (R-DAY-1):
// the date it was filed under, each section it understood, and a request
// for whatever essential section is missing. For a text that is not a
// report it explains the expected form instead.
func FormatReportConfirmation(r Report, date time.Time) string {
	var b strings.Builder
	if !r.IsReport() {
		b.WriteString("没有识别出日报内容。请按下面的样子发送今天的日报：\n")
		b.WriteString("今天：完成的工作\n明天：明天的计划\n")
		b.WriteString("还可以写：客户、地点、问题、配件销售。")
		return b.String()
	}
	fmt.Fprintf(&b, "已收到%s（%s）的日报：\n", DateOf(date).MonthDay(), DateOf(date).WeekdayName())
	writeList := func(title string, items []string) {
		switch len(items) {
		case 0:
		case 1:
			fmt.Fprintf(&b, "%s：%s\n", title, items[0])
		default:
			fmt.Fprintf(&b, "%s：\n", title)
			for i, it := range items {
				fmt.Fprintf(&b, "%d. %s\n", i+1, it)
			}
		}
	}
	writeList("今日工作", r.Done)
	writeList("明日计划", r.Plan)
	// The diary's 客户 and 地点 columns (R-DAY-5) come from here: say so
	// when they are empty, so the engineer can add them in a reply.
	customer, location := r.Customer, r.Location
	if customer == "" {
		customer = "未识别"
	}
	if location == "" {
		location = "未识别"
	}
	fmt.Fprintf(&b, "客户：%s\n地点：%s\n", customer, location)
	writeList("问题/需协调", r.Issues)
	switch {
	case r.PartsSales != nil:
		fmt.Fprintf(&b, "配件销售：%s元\n", strings.TrimSuffix(r.PartsSales.String(), ".00"))
	case r.PartsUnread:
		b.WriteString("配件销售：提到了销售，但没看懂金额，请回复「配件销售 金额」，例如「配件销售 3000元」\n")
	}
	writeList("其他", r.Unlabelled)

	switch {
	case len(r.Done) == 0 && len(r.Plan) == 0:
		b.WriteString("还缺少今日工作和明日计划，请直接回复今天完成的工作和明天的安排，我会补进今天的日报。")
	case len(r.Done) == 0:
		b.WriteString("还缺少今日工作，请直接回复今天完成的工作，我会补进今天的日报。")
	case len(r.Plan) == 0:
		b.WriteString("还缺少明日计划，请直接回复明天的安排，我会补进今天的日报。")
	case r.Customer == "" || r.Location == "":
		b.WriteString("客户或地点没认出来，可以回复「客户 名称」或「地点 城市」补上。")
	}
	return strings.TrimRight(b.String(), "\n")
}
