package servicebot

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Fen is an amount of money in fen (分, 1/100 yuan). Money is counted in
// integers so sums and thresholds (R-KPI-10, R-APV-2) are exact.
type Fen int64

// String writes f in yuan with two decimals: "1234.50".
func (f Fen) String() string {
	sign, v := "", uint64(f)
	if f < 0 {
		sign, v = "-", uint64(-f)
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// ErrInvalidAmount: a text is not an amount of money ParseFen understands.
var ErrInvalidAmount = errors.New("invalid amount")

// ParseFen reads an amount of yuan the way people type it: "3000", "3,000",
// "3000.5", "3000元", "3000块", "￥3000", "¥3,000.00", "1.2万", "1.2万元", "3千".
// Fractions of a fen are rounded half up.
func ParseFen(s string) (Fen, error) {
	m := fenWholeRe.FindStringSubmatch(normalizeWidth(strings.TrimSpace(s)))
	if m == nil {
		return 0, fmt.Errorf("parse amount %q: %w", s, ErrInvalidAmount)
	}
	f, err := fenOf(m[1], m[2], m[3])
	if err != nil {
		return 0, fmt.Errorf("parse amount %q: %w", s, err)
	}
	return f, nil
}

// fenDigits matches a number of yuan with optional thousands separators:
// group 1 the integer part, group 2 the fraction (with its dot).
const fenDigits = `(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?`

var (
	fenWholeRe = regexp.MustCompile(`^(?i:[￥¥]|rmb)?\s*` + fenDigits + `\s*(万|千)?\s*(?:元整|元|块钱|块|圆)?$`)

	// fenInTextRe finds candidate amounts inside a sentence. Groups: 1 a
	// word announcing a total, 2 a currency sign, 3 integer, 4 fraction,
	// 5 万/千, 6 a yuan suffix.
	fenInTextRe = regexp.MustCompile(`(合计|共计|总计|小计|共)?\s*((?i:[￥¥]|rmb))?\s*` + fenDigits + `\s*(万|千)?\s*(元|块|圆)?`)
)

// fenOf converts the parts of a matched amount into fen without floating
// point: "1.25" "万" → 12500 yuan → 1250000 fen.
func fenOf(intPart, frac, unit string) (Fen, error) {
	frac = strings.TrimPrefix(frac, ".")
	digits := strings.ReplaceAll(intPart, ",", "") + frac
	scale := len(frac)
	// 12 digits keep digits*10_000*100 far inside int64.
	if len(strings.TrimLeft(digits, "0")) > 12 || scale > 6 {
		return 0, ErrInvalidAmount
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, ErrInvalidAmount
	}
	mult := int64(100) // yuan → fen
	switch unit {
	case "万":
		mult *= 10000
	case "千":
		mult *= 1000
	}
	num, den := n*mult, int64(1)
	for range scale {
		den *= 10
	}
	return Fen((num + den/2) / den), nil
}

// Amounts of money as engineers write them in a sentence about a sale
// (R-PRT-1, R-KPI-10): "1.2万", "3k", "1k5", "8.5k", "1.2w", "3万2",
// "两千五", "三千五百元", "一万零四百", "壹万贰仟元", "8000块", "￥15,800".

// chineseDigits are the values of Chinese numerals, everyday and formal.
var chineseDigits = map[rune]int64{
	'零': 0, '〇': 0, '一': 1, '壹': 1, '二': 2, '两': 2, '贰': 2, '三': 3, '叁': 3, '四': 4, '肆': 4,
	'五': 5, '伍': 5, '六': 6, '陆': 6, '七': 7, '柒': 7, '八': 8, '捌': 8, '九': 9, '玖': 9,
}

var chineseUnits = map[rune]int64{'十': 10, '拾': 10, '百': 100, '佰': 100, '千': 1000, '仟': 1000, '万': 10000}

// parseChineseNumber reads a Chinese numeral in yuan. A digit left after
// the last unit counts in the next unit down, as people say it: 两千五 is
// 2500, 一万二 12000, 三千二 3200 (but 一万零四百 is 10400).
func parseChineseNumber(s string) (int64, bool) {
	var total, section, digit int64
	lastUnit := int64(0)
	sawDigit, zero := false, false
	for _, r := range s {
		if d, ok := chineseDigits[r]; ok {
			digit, sawDigit = d, true
			if d == 0 {
				zero = true
			}
			continue
		}
		u, ok := chineseUnits[r]
		if !ok {
			return 0, false
		}
		if u == 10000 {
			section = (section + digit) * u
			total += section
			section, digit = 0, 0
			lastUnit, zero = u, false
			sawDigit = false
			continue
		}
		if digit == 0 && u == 10 {
			digit = 1 // 十五 is 15
		}
		section += digit * u
		digit, lastUnit, zero, sawDigit = 0, u, false, false
	}
	if sawDigit && digit > 0 {
		if lastUnit >= 10 && !zero {
			digit *= lastUnit / 10
		}
		section += digit
	}
	total += section
	return total, total > 0 || strings.ContainsAny(s, "零〇")
}

var (
	// A sum in digits with its marks: group 1 currency sign, 2 the number,
	// 3 a multiplier (万 w 千 k), 4 a digit after the multiplier (3万2,
	// 1k5), 5 a yuan word.
	digitMoneyRe = regexp.MustCompile(`((?i:[￥¥]|rmb))?\s*(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(万|千|[kKwW])?(\d)?\s*(元整|元|块钱|块|圆)?`)
	// A sum in Chinese numerals; group 2 a yuan word.
	hanMoneyRe = regexp.MustCompile(`([零〇一壹二两贰三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万]+)\s*(元整|元|块钱|块|圆)?`)
	// Words announcing a total: 合计, 共计, 总计, 共.
	totalWordRe = regexp.MustCompile(`(?:合计|共计|总计|一共|总共|共|金额|价格|货款)[:：]?\s*$`)
	// Units that make a number a count, not money: 油封2个, 200米, 十二个.
	countUnitRe = regexp.MustCompile(`^\s*(?:个|台|套|件|只|条|根|副|片|批|米|吨|公斤|kg|KG|mm|号|次|天|人|位|家|组|支|对|把|桶|箱|卷|节|块[^钱，,。；;\s]|年|月|日|小时|h|%|％)`)
	// Approximate or unknown figures nobody can book: 一万多, 若干, 待定.
	vagueAfterRe = regexp.MustCompile(`^\s*(?:多|来|左右|余|几)`)
)

// moneyIn is one amount found in a sentence.
type moneyIn struct {
	fen   Fen
	total bool
	start int
}

// amountsIn finds the sums of money in s, a sentence about a sale. A
// number counts when something marks it as money (a currency sign, 元/块,
// 万/千/k/w, a word announcing a total) or, with labelled, when it stands
// alone after a 配件销售 label. It reports vague when a sum is there but
// cannot be read exactly (一万多, 3千左右).
func amountsIn(s string, labelled bool) (found []moneyIn, vague bool) {
	taken := make([]bool, len(s)+1)
	for _, m := range digitMoneyRe.FindAllStringSubmatchIndex(s, -1) {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		sign, num, mult, extra, yuan := g(1), g(2), g(3), g(4), g(5)
		end := m[1]
		if mult != "" && mult != "万" && mult != "千" && m[7] < len(s) {
			if r, _ := utf8.DecodeRuneInString(s[m[7]:]); r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				mult, extra, yuan, end = "", "", "", m[6] // 3kg, 5kw: not money
			}
		}
		before := s[:m[0]]
		// a number glued to letters is a model or a part number (6316, M20)
		if prev, _ := utf8.DecodeLastRuneInString(s[:m[4]]); prev == '.' || prev == '-' || (prev >= 'a' && prev <= 'z') || (prev >= 'A' && prev <= 'Z') {
			continue
		}
		after := s[end:]
		if mult == "" && yuan == "" && countUnitRe.MatchString(after) {
			continue
		}
		if yuan == "块" && mult == "" && len(num) <= 2 {
			continue // 30块篦板: pieces, not yuan
		}
		total := totalWordRe.MatchString(before)
		marked := sign != "" || yuan != "" || mult != "" || total || labelled
		if !marked {
			continue
		}
		if vagueAfterRe.MatchString(after) {
			vague = true
			continue
		}
		unit := ""
		switch strings.ToLower(mult) {
		case "万", "w":
			unit = "万"
		case "千", "k":
			unit = "千"
		}
		intPart, frac, _ := strings.Cut(num, ".")
		if frac != "" {
			frac = "." + frac
		}
		f, err := fenOf(intPart, frac, unit)
		if err != nil {
			continue
		}
		if extra != "" && frac == "" {
			// 3万2 → 32000, 1k5 → 1500
			step := Fen(1000 * 100)
			if unit == "千" {
				step = 100 * 100
			}
			f += Fen(int64(extra[0]-'0')) * step
		}
		found = append(found, moneyIn{fen: f, total: total, start: m[0]})
		for i := m[0]; i < end && i < len(taken); i++ {
			taken[i] = true
		}
	}
	for _, m := range hanMoneyRe.FindAllStringSubmatchIndex(s, -1) {
		if taken[m[0]] {
			continue
		}
		num := s[m[2]:m[3]]
		yuan := ""
		if m[4] >= 0 {
			yuan = s[m[4]:m[5]]
		}
		after := s[m[1]:]
		hasUnit := strings.ContainsAny(num, "十拾百佰千仟万")
		if !hasUnit && yuan == "" {
			continue // 两个, 一套: counts
		}
		if yuan == "" && countUnitRe.MatchString(after) {
			continue // 十二个台车轮
		}
		if vagueAfterRe.MatchString(after) {
			vague = true
			continue
		}
		v, ok := parseChineseNumber(num)
		if !ok {
			continue
		}
		if v < 100 && yuan != "元" {
			continue // 三十块篦板, 十分: not a sale's sum
		}
		found = append(found, moneyIn{fen: Fen(v * 100), total: totalWordRe.MatchString(s[:m[0]]), start: m[0]})
	}
	return found, vague
}

// sumAmounts is what a sentence's amounts add up to: the last total
// announced (合计…) wins over adding the single sales.
func sumAmounts(found []moneyIn) Fen {
	var sum Fen
	var total *moneyIn
	for i := range found {
		sum += found[i].fen
		if found[i].total && (total == nil || found[i].start > total.start) {
			total = &found[i]
		}
	}
	if total != nil && len(found) > 1 {
		return total.fen
	}
	return sum
}
