package servicebot

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// ReportReader reads daily reports with what the department knows: its
// customer list and China's places (issue 9). Customers and places are
// found in this order of trust: the department's customer list (full
// names, short names, names without city or suffix, learned spellings),
// the gazetteer of administrative divisions, then organisation-name
// patterns (…厂, …公司, …集团, …矿业, …水泥, …钢铁). It is pure and safe for
// concurrent use.
type ReportReader struct {
	places    *Gazetteer
	customers *CustomerDirectory
}

// NewReportReader returns a reader; customers may be nil (no list).
func NewReportReader(places *Gazetteer, customers *CustomerDirectory) *ReportReader {
	if places == nil {
		places = DefaultGazetteer()
	}
	return &ReportReader{places: places, customers: customers}
}

// ParseReport reads text with the gazetteer and no customer list; see
// ReportReader.Read.
func ParseReport(text string) Report {
	return NewReportReader(nil, nil).Read(text)
}

// ackLeadRe: a message that starts by acknowledging something.
var ackLeadRe = regexp.MustCompile(`^(?i:收到|好的|好嘞|明白|知道了|ok|嗯嗯?)[，,。.!！\s]`)

// supplementRe: a message that adds to the report already sent (补充一下：…).
var supplementRe = regexp.MustCompile(`^(?:补充|追加|另外|还有|更正|纠正|修改)(?:一下)?`)

// Read reads a daily report typed in chat (R-DAY-1): it normalises the text
// (traditional characters, full width, English labels), finds the sections
// (parseSections), then the customer and place of today's work, the parts
// sold anywhere in the message, and problems mentioned in passing.
func (rr *ReportReader) Read(text string) Report {
	text = translateLabels(NormalizeText(text))
	r, partsLabel := parseSections(text, rr.namesSomething)
	supplement := supplementRe.MatchString(strings.TrimSpace(text))
	if ackLeadRe.MatchString(strings.TrimSpace(text)) && len(r.Done) == 0 {
		// "收到，明天按时到" answers someone; it is no plan to file. The
		// handler asks when it is unsure.
		r.Unlabelled = append(r.Unlabelled, r.Plan...)
		r.Plan, r.PlanWhen = nil, ""
	}
	rr.readParts(&r, text, partsLabel, supplement)
	readIssues(&r)
	rr.readEntities(&r)
	r.Missing = nil
	if len(r.Done) == 0 {
		r.Missing = append(r.Missing, MissingDone)
	}
	if len(r.Plan) == 0 {
		r.Missing = append(r.Missing, MissingPlan)
	}
	return r
}

// namesSomething reports whether s names a listed customer, an
// organisation or a place.
func (rr *ReportReader) namesSomething(s string) bool {
	return len(rr.customers.Find(s)) > 0 || len(rr.places.Find(s)) > 0 || len(rr.orgs(s, nil)) > 0
}

// --- parts sales ---

var (
	// saleRe: a sentence about selling (卖了, 销售, 售出, 订单, 合同).
	saleRe = regexp.MustCompile(`卖|售出|出售|销售|订单|合同|(?i:\bsold\b|\bsales?\b)`)
	// saleFirmRe: words that say something was sold even with no sum.
	saleFirmRe = regexp.MustCompile(`卖|售出|出售|销售|(?i:\bsold\b)`)
	// inline 配件销售 label: "配件销售一万", "配件销售0", "配件销售额：8.5k"
	inlinePartsRe = regexp.MustCompile(`(?:配件|备件)销售(?:额|金额)?[:：]?\s*`)
	// no sale today: 今天没有配件销售, 无配件销售, 配件销售：无
	noSaleRe = regexp.MustCompile(`(?:没有|无|未|没)(?:配件|备件)?(?:销售|卖)|(?:配件|备件)?销售(?:额)?[:：]?\s*(?:无|没有|暂无|零|0(?:元)?)(?:$|[，,。；;\s])`)
	// sentences end at these; a sale and its sum may be split by a comma
	sentenceEndRe = regexp.MustCompile(`[。；;！!\n]+`)
)

// readParts finds the parts sales (R-PRT-1, R-KPI-10): under a 配件销售
// label, or in any sentence about a sale, wherever it stands in the
// message. A sale is never left glued into the plan: its clauses are taken
// out of it. When a sale is mentioned but its sum cannot be read,
// PartsUnread says so.
func (rr *ReportReader) readParts(r *Report, text string, labelled []string, supplement bool) {
	var sum Fen
	found, unread := false, false
	if len(labelled) > 0 {
		all := strings.Join(labelled, " ")
		if f, ok := partsAmount(all); ok {
			sum, found = f, true
		} else if amounts, _ := amountsIn(all, true); len(amounts) > 0 {
			sum, found = sumAmounts(amounts), true
		} else {
			// kept as written, and the reply says the sum was not read
			unread = true
			r.Unlabelled = append(r.Unlabelled, "配件销售："+cleanItem(all))
		}
	} else {
		for _, sentence := range sentenceEndRe.Split(text, -1) {
			if !saleRe.MatchString(sentence) {
				continue
			}
			if noSaleRe.MatchString(sentence) {
				found = true
				continue
			}
			seg := sentence
			labelledInline := false
			if loc := inlinePartsRe.FindStringIndex(sentence); loc != nil {
				seg, labelledInline = sentence[loc[1]:], true
			} else if loc := saleRe.FindStringIndex(sentence); loc != nil {
				seg = sentence[loc[0]:]
			}
			amounts, vague := amountsIn(seg, labelledInline)
			switch {
			case len(amounts) > 0:
				sum += sumAmounts(amounts)
				found = true
			case vague || saleFirmRe.MatchString(sentence):
				unread = true
			}
		}
	}
	if found {
		r.PartsSales = &sum
		unread = false
	}
	r.PartsUnread = unread

	// Take sales out of the plan; a supplement's sale is not today's work.
	r.Plan = withoutSales(r.Plan, &r.Unlabelled)
	if supplement {
		r.Done = withoutSales(r.Done, &r.Unlabelled)
	}
}

// clauseSepRe splits an item into clauses.
var clauseSepRe = regexp.MustCompile(`[，,、。\s]+`)

// saleLeadRe: what joins a sale to the clause before it in dictation
// (试运行另外卖了…).
var saleLeadRe = regexp.MustCompile(`(?:另外|还有|还|顺便|并且|同时|并)$`)

// withoutSales removes from items the clauses about a sale (and sums
// standing alone after them), moving them to other.
func withoutSales(items []string, other *[]string) []string {
	var out []string
	for _, it := range items {
		if !saleRe.MatchString(it) && !moneyOnly(it) {
			out = append(out, it)
			continue
		}
		clauses := clauseSepRe.Split(it, -1)
		cut := -1
		for i, c := range clauses {
			if saleRe.MatchString(c) || (i > 0 && moneyOnly(c)) {
				cut = i
				break
			}
		}
		if cut < 0 {
			out = append(out, it)
			continue
		}
		if cut == 0 {
			// no separator before the sale: cut at the sale word, and keep
			// what precedes it only when it is work of its own
			// (试运行另外卖了八个耙齿 → 试运行; 刮板链卖了3万2 → nothing).
			loc := saleRe.FindStringIndex(it)
			before := saleLeadRe.ReplaceAllString(it[:loc[0]], "")
			*other = append(*other, cleanItem(it))
			if looksLikeWork(before) {
				out = append(out, cleanItem(before))
			}
			continue
		}
		// keep the clauses before the sale, in their original spelling
		keep := strings.Join(clauses[:cut], "，")
		if i := indexClause(it, clauses, cut); i >= 0 {
			keep = cleanItem(it[:i])
			*other = append(*other, cleanItem(it[i:]))
		}
		if keep != "" {
			out = append(out, keep)
		}
	}
	return out
}

// indexClause is the byte offset in it where clause n of clauses starts.
func indexClause(it string, clauses []string, n int) int {
	off := 0
	for i, c := range clauses {
		j := strings.Index(it[off:], c)
		if j < 0 {
			return -1
		}
		if i == n {
			return off + j
		}
		off += j + len(c)
	}
	return -1
}

// moneyOnly: a clause that is nothing but a sum ("三万", "8000块").
func moneyOnly(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	amounts, _ := amountsIn(s, false)
	if len(amounts) != 1 {
		return false
	}
	rest := digitMoneyRe.ReplaceAllString(hanMoneyRe.ReplaceAllString(s, ""), "")
	return strings.Trim(rest, " 钱，,。") == ""
}

// --- issues in passing ---

// issueRe finds problems mentioned inside today's work: what needs the
// company (需要公司…, 请公司…, 需协调), parts missing or late (备件未到,
// 还没到, 库存不足, 缺…).
var issueRe = regexp.MustCompile(`需要?(?:公司|厂家|厂里|领导|技术部|技术)|请(?:公司|领导|厂家)|需要?协调|(?:还)?没到货?|未到|库存|不足|缺(?:少|一个|一套|件)?|老化|(?:支持|帮助)一下`)

// readIssues copies the clauses of today's work, the plan and the lines
// outside any section that raise a problem into Issues (the text stays
// where it was). A short item is the problem as a whole.
func readIssues(r *Report) {
	if len(r.Issues) > 0 {
		return
	}
	for _, d := range slices.Concat(r.Done, r.Plan, r.Unlabelled) {
		loc := issueRe.FindStringIndex(d)
		if loc == nil {
			continue
		}
		// the clause around the marker; in dictation, from a few characters
		// before it (the subject: 备件, 轴承)
		start := strings.LastIndexAny(d[:loc[0]], "，,；;。 ")
		if start < 0 {
			start = 0
		} else {
			_, size := utf8.DecodeRuneInString(d[start:])
			start += size // past the separator, whatever its width
		}
		if utf8.RuneCountInString(d) <= 30 {
			r.Issues = append(r.Issues, cleanItem(d))
			continue
		}
		if n := utf8.RuneCountInString(d[start:loc[0]]); n > 6 {
			b := loc[0]
			for k := 0; k < 4; k++ {
				_, size := utf8.DecodeLastRuneInString(d[:b])
				b -= size
			}
			start = b
		}
		end := len(d)
		if e := strings.IndexAny(d[loc[1]:], "，,；;。"); e >= 0 {
			end = loc[1] + e
		}
		r.Issues = append(r.Issues, cleanItem(d[start:end]))
	}
}

// --- customers and places ---

// negatedBefore: a mention right after these is what it was not (不是在长江化工).
var negatedBefore = []string{"不是在", "不是", "不在", "不去", "没去"}

// readEntities finds the customer and the place of today's work: the
// labelled ones first, else those named in today's work, in lines outside
// any section and in the problems — never in the plan, which is about
// another day. A listed customer links the report to its record; with no
// place named, the listed customer's city is where the work was.
func (rr *ReportReader) readEntities(r *Report) {
	if !r.IsReport() {
		return
	}
	var texts []string
	texts = append(texts, r.Done...)
	texts = append(texts, r.Unlabelled...)
	texts = append(texts, r.Issues...)

	custIdx := -1
	if r.Customer != "" {
		if ms := rr.customers.Find(r.Customer); len(ms) > 0 {
			custIdx = ms[0].Index
		} else if orgs := rr.orgs(r.Customer, rr.places.Find(r.Customer)); len(orgs) > 0 {
			r.Customer = r.Customer[orgs[0][0]:orgs[0][1]]
		}
	}
	var names []string
	var placeTexts []string
	for _, t := range texts {
		cms := rr.customers.Find(t)
		masked := t
		for _, m := range cms {
			// a place in front of the name (招远金岭矿业) is still where
			// the work was
			masked = maskSpan(masked, m.Start+leadingPlaces(rr.places, t[m.Start:m.End]), m.End)
			if negated(t, m.Start) {
				continue
			}
			if custIdx < 0 && r.Customer == "" {
				custIdx = m.Index
			}
		}
		pms := rr.places.Find(masked)
		for _, o := range rr.orgs(masked, pms) {
			if r.Customer == "" && custIdx < 0 && !negated(t, o[0]) {
				names = append(names, masked[o[0]:o[1]])
			}
			masked = maskSpan(masked, o[0], o[1])
		}
		placeTexts = append(placeTexts, masked)
	}
	if custIdx >= 0 {
		c := rr.customers.Customer(custIdx)
		r.Customer, r.CustomerID = c.Name, c.ID
	} else if r.Customer == "" && len(names) > 0 {
		r.Customer = names[0]
	}

	if r.Location != "" {
		return // as the engineer wrote it
	}
	var places []string
	for _, t := range placeTexts {
		if loc := formatPlaces(rr.places.Find(t)); loc != "" && !slices.Contains(places, loc) {
			places = append(places, loc)
		}
	}
	switch {
	case len(places) > 0:
		r.Location = strings.Join(places, "、")
	case custIdx >= 0:
		if p := rr.customers.Place(custIdx); p != nil {
			r.Location = p.Prefecture().Display()
		}
	}
}

// maskSpan blanks s[start:end] with spaces of the same byte length, so
// offsets stay valid and nothing inside is found twice.
func maskSpan(s string, start, end int) string {
	return s[:start] + strings.Repeat(" ", end-start) + s[end:]
}

func negated(s string, at int) bool {
	for _, w := range negatedBefore {
		if strings.HasSuffix(strings.TrimRight(s[:at], " "), w) {
			return true
		}
	}
	return false
}

// formatPlaces writes the places found in s: a city followed by its
// county reads as one (曲靖沾益), several places are joined with 、.
func formatPlaces(ms []PlaceMention) string {
	var parts []string
	for i := 0; i < len(ms); i++ {
		name := ms[i].Place.Display()
		for i+1 < len(ms) && ms[i+1].Start == ms[i].End && ms[i].Place.isAncestorOf(ms[i+1].Place) {
			i++
			if ms[i-1].Place.Level == PlaceProvince {
				name = ms[i].Place.Display()
			} else {
				name += ms[i].Place.Display()
			}
		}
		if !slices.Contains(parts, name) {
			parts = append(parts, name)
		}
	}
	return strings.Join(parts, "、")
}

// orgSuffixes end an organisation's name in a sentence, longest first.
var orgSuffixes = []string{"股份有限公司", "有限责任公司", "有限公司", "集团公司", "水泥厂", "钢铁厂", "化工厂", "冶炼厂",
	"发电厂", "热电厂", "机械厂", "选矿厂", "电厂", "钢厂", "集团", "公司", "矿业", "煤业", "钢铁", "水泥", "化工", "港务",
	"码头", "焦化", "热电", "铝业", "钢钒", "冶金", "煤矿", "铁矿", "金矿", "厂"}

// orgStops end the walk back from a suffix to the start of a name: words
// around a name in a sentence (在华丰钢铁, 去了宏达化工厂, 回公司).
const orgStops = "在去到从给帮和跟对是了的为与及或往回赴至于向替被把将由经上下午个台套件批些等需要返还也都就再又来并但而且该此其各某本我你他她它们这那旧原客户出"

// orgs finds organisation names by their suffix (华丰钢铁, 宏达化工厂):
// the name is the two characters before the suffix (the commonest length of
// a Chinese company's name), fewer when a place, a customer already found,
// punctuation or a word like 在/去 comes first. Returns byte spans.
func (rr *ReportReader) orgs(s string, places []PlaceMention) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isHan(r) {
			i += size
			continue
		}
		suf := ""
		for _, x := range orgSuffixes {
			if strings.HasPrefix(s[i:], x) {
				suf = x
				break
			}
		}
		if suf == "" {
			i += size
			continue
		}
		start, n := i, 0
		for n < 2 && start > 0 {
			pr, psize := utf8.DecodeLastRuneInString(s[:start])
			if !isHan(pr) || strings.ContainsRune(orgStops, pr) || placeEndsAt(places, start) {
				break
			}
			start -= psize
			n++
		}
		if n < 2 || placeEndsAt(places, i) && n == 0 {
			i += len(suf)
			continue
		}
		out = append(out, [2]int{start, i + len(suf)})
		i += len(suf)
	}
	return out
}

func placeEndsAt(ms []PlaceMention, at int) bool {
	for _, m := range ms {
		if m.End == at {
			return true
		}
	}
	return false
}

// workDayRe: words that make a text about a working day.
var workDayRe = regexp.MustCompile(`今[天日儿]|明[天日儿]|后天|下周|周[一二三四五六日末]|星期|上午|下午|现场|客户|出差`)

// MentionsWorkDay reports whether text talks about a day's work without
// being readable as a report (今天在现场, 明天看情况): the bot then asks
// whether it is the day's report instead of dropping it.
func MentionsWorkDay(text string) bool {
	t := NormalizeText(text)
	return workDayRe.MatchString(t) || looksLikeWork(t)
}
