package servicebot

import (
	"regexp"
	"strings"
	"sync"

	"github.com/longbridgeapp/opencc"
)

// t2s converts traditional characters to simplified ones (issue 9:
// engineers from Hong Kong, Taiwan and Guangdong, or with a phone set that
// way, write 明日計劃 / 客戶 / 地點). OpenCC's tables are embedded in the
// module; the converter is built once and only read afterwards.
var t2s = sync.OnceValue(func() *opencc.OpenCC {
	c, err := opencc.New("t2s")
	if err != nil {
		panic("servicebot: opencc t2s: " + err.Error()) // embedded tables: cannot fail at run time
	}
	return c
})

// traditionalOnly holds characters that only traditional text uses, the
// commonest ones of reports: a text without any of them skips the
// conversion (most reports are simplified; the conversion costs ~0.1 ms).
const traditionalOnly = "們個這來時會為說對於與後動從發經過間開關見現實體機電車務檢測試調換軸輪鋼鐵礦業廠產紀錄報計劃畫戶點區縣東門無問題應術層療據構維護設備歷歲萬號處銷組織總結壓運續單價錢貨費賣買進項還樣讓聯繫認識擊斷網絡線條質環節圍園場導較營變隊陽陰雲書長麼聽讀寫參擇選擴倉庫專齊幫遠邊達連約優勢幾豐鹽華遼寧瀋濟銀蘭煉熱燒爐鏈輥軋積輸閥屬錶監驗準確標舊損壞緊鬆擰頻議錫燈齒離貴傳資語別攪濃葉釩鈦鄉鎮"

// traditionalSet is traditionalOnly as a set, for a quick scan.
var traditionalSet = sync.OnceValue(func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range traditionalOnly {
		m[r] = true
	}
	return m
})

func isTraditionalOnly(r rune) bool { return r >= 0x4E00 && traditionalSet()[r] }

// NormalizeText prepares a chat text for reading: traditional characters
// become simplified, full-width letters and digits ASCII, odd spaces plain
// ones. Punctuation and emoji are left for ParseReport's clean-up.
func NormalizeText(s string) string {
	if strings.ContainsFunc(s, isTraditionalOnly) {
		if out, err := t2s().Convert(s); err == nil {
			s = out
		}
	}
	return dialectDays.Replace(foldWidth(s))
}

// dialectDays are the northern words for today and tomorrow (今儿在邯郸…,
// 明儿继续).
var dialectDays = strings.NewReplacer("今儿个", "今天", "明儿个", "明天", "今儿", "今天", "明儿", "明天")

// foldWidth turns full-width ASCII into ASCII and ideographic spaces into
// spaces, keeping full-width Chinese punctuation (，：；。) as written.
func foldWidth(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			b.WriteRune(r - 0xFEE0)
		case r == '\u3000':
			b.WriteByte(' ')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// englishLabelRe finds an English label (Today: … Tomorrow: …): group 1
// what precedes it, 2 the word, 3 the separator after it.
var englishLabelRe = regexp.MustCompile(`(?i)(^|[\s，,；;。])(today|work done|done|work|tomorrow|tmrw|tmr|next|plan|customer|client|location|place|site|issues|issue|problems|problem|parts sales|parts|sales)(\s*[:：]\s*|\s+-\s*|\s*-\s+|\s+)`)

var englishLabels = map[string]string{
	"today": "今天", "done": "今天", "work done": "今天", "work": "今天",
	"tomorrow": "明天", "tmr": "明天", "tmrw": "明天", "next": "明天", "plan": "明天",
	"customer": "客户", "client": "客户", "location": "地点", "place": "地点", "site": "地点",
	"issue": "问题", "issues": "问题", "problem": "问题", "problems": "问题",
	"parts sales": "配件销售", "parts": "配件销售", "sales": "配件销售",
}

// translateLabels rewrites English labels as the Chinese ones the parser
// knows: "Today: replace bearing" → "今天：replace bearing", "TODAY 金峰钢铁"
// → "今天：金峰钢铁". At the start of a line any separator will do; inside a
// line only a colon or a dash, so "sold parts 3K" stays a sentence.
func translateLabels(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		var b strings.Builder
		last := 0
		for _, m := range englishLabelRe.FindAllStringSubmatchIndex(line, -1) {
			lead, word, sep := line[m[2]:m[3]], strings.ToLower(line[m[4]:m[5]]), line[m[6]:m[7]]
			atStart := strings.TrimSpace(line[:m[4]]) == ""
			colon := strings.ContainsAny(sep, ":：-")
			if !atStart && !colon {
				continue
			}
			if !colon && m[1] == len(line) {
				continue // a lone word at the end of a line
			}
			b.WriteString(line[last:m[0]])
			b.WriteString(lead + englishLabels[word] + "：")
			last = m[1]
		}
		b.WriteString(line[last:])
		lines[i] = b.String()
	}
	return strings.Join(lines, "\n")
}
