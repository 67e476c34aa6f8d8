package servicebot

import (
	_ "embed"
	"strings"
	"sync"
	"unicode/utf8"
)

// gazetteerData is China's administrative divisions (issue 9): one line per
// province and prefecture with its counties and districts. See the file's
// header for its source.
//
//go:embed gazetteer_cn.txt
var gazetteerData string

// Levels of a Place.
const (
	PlaceProvince   = 1 // 省, 自治区, 直辖市
	PlacePrefecture = 2 // 地级市, 地区, 自治州, 盟
	PlaceCounty     = 3 // 县, 县级市, 区, 旗
)

// Place is one administrative division.
type Place struct {
	Name   string // as officially written: 蚌埠市, 怀远县
	Short  string // as people say it: 蚌埠, 怀远 ("" when the name is too short to shorten)
	Level  int
	Parent *Place // the division it belongs to; nil for a province
}

// Prefecture is the prefecture-level division p belongs to (p itself for a
// prefecture), or its province for the counties of a municipality (重庆市江津区
// → 重庆): the "city" of an address.
func (p *Place) Prefecture() *Place {
	for q := p; q != nil; q = q.Parent {
		if q.Level <= PlacePrefecture {
			return q
		}
	}
	return p
}

// Display is the name people write: the short form when there is one.
func (p *Place) Display() string {
	if p.Short != "" {
		return p.Short
	}
	return p.Name
}

// isAncestorOf reports whether p contains q.
func (p *Place) isAncestorOf(q *Place) bool {
	for a := q.Parent; a != nil; a = a.Parent {
		if a == p {
			return true
		}
	}
	return false
}

// Gazetteer finds the places of China named in a text: provinces,
// prefecture-level cities, counties and districts, under their official
// names and the short forms people use (蚌埠市 → 蚌埠, 内蒙古自治区 → 内蒙古,
// 黔南布依族苗族自治州 → 黔南). It is read-only once built and safe for
// concurrent use.
type Gazetteer struct {
	places []*Place
	// names maps every official name and accepted short form to its places
	// (a name can be several: 朝阳 is a city in 辽宁 and districts elsewhere).
	names   map[string][]*Place
	maxName int // in runes
}

// DefaultGazetteer is the gazetteer of the embedded divisions, built once.
var DefaultGazetteer = sync.OnceValue(func() *Gazetteer { return NewGazetteer(gazetteerData) })

// ethnicWords start the part of an autonomous region's or prefecture's name
// people leave out: 黔南布依族苗族自治州 → 黔南, 宁夏回族自治区 → 宁夏.
var ethnicWords = []string{"布依族", "苗族", "侗族", "朝鲜族", "土家族", "藏族", "羌族", "彝族", "哈尼族", "壮族",
	"傣族", "白族", "景颇族", "傈僳族", "回族", "维吾尔", "蒙古族", "蒙古", "哈萨克", "柯尔克孜", "自治"}

// shortStop are short forms that are everyday words or too generic to be
// read as a place on their own (the full name still is): 和平区, 新华区,
// 城关区, 东方市, 通道侗族自治县, 平安区, 开发区…
var shortStop = map[string]bool{
	"和平": true, "新华": true, "长安": true, "城关": true, "东方": true, "通道": true, "平安": true,
	"开发": true, "高新": true, "城中": true, "城东": true, "城西": true, "城南": true, "城北": true,
	"市中": true, "郊区": true, "矿区": true, "新区": true, "中山": true, "鼓楼": true, "长城": true,
	"白云": true, "永和": true, "安全": true, "文化": true, "江南": true, "江北": true,
	"河东": true, "河西": true, "南开": true, "长白": true, "向阳": true,
	"前进": true, "红旗": true, "东风": true, "胜利": true, "友谊": true, "先锋": true, "新城": true,
	"宝山": true, "普陀": true, "和顺": true, "安定": true, "永安": true, "万全": true, "大方": true,
	"正安": true, "金川": true, "兴业": true, "合作": true, "太平": true, "大安": true, "新兴": true,
	"同心": true, "光明": true, "龙华": true, "中原": true, "振兴": true, "城区": true, "东区": true,
	"西区": true, "南区": true, "北区": true, "清河": true, "桥西": true, "桥东": true,
	"安顺": false, "仁和": true, "和龙": true, "新市": true, "东港": true, "榆树": true, "青山": true,
	"铁山": true, "西山": true, "东山": true, "南山": true, "北山": true, "红山": true, "大通": true,
	"古城": true, "江口": true, "石门": true, "天长": true, "长丰": true,
}

// NewGazetteer builds a gazetteer from data in the format of gazetteer_cn.txt.
func NewGazetteer(data string) *Gazetteer {
	g := &Gazetteer{names: map[string][]*Place{}}
	provinces := map[string]*Place{}
	for _, line := range strings.Split(data, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "|", 3)
		if len(f) != 3 {
			continue
		}
		prov := provinces[f[0]]
		if prov == nil {
			prov = g.add(f[0], PlaceProvince, nil)
			provinces[f[0]] = prov
		}
		parent := prov
		if f[1] != "" {
			parent = g.add(f[1], PlacePrefecture, prov)
		}
		for _, c := range strings.Fields(f[2]) {
			g.add(c, PlaceCounty, parent)
		}
	}
	return g
}

func (g *Gazetteer) add(name string, level int, parent *Place) *Place {
	p := &Place{Name: name, Short: shortPlaceName(name, level), Level: level, Parent: parent}
	g.places = append(g.places, p)
	g.index(name, p)
	if p.Short != "" && !shortStop[p.Short] {
		g.index(p.Short, p)
	}
	return p
}

func (g *Gazetteer) index(name string, p *Place) {
	if n := utf8.RuneCountInString(name); n > g.maxName {
		g.maxName = n
	}
	g.names[name] = append(g.names[name], p)
}

// shortPlaceName is the name without its administrative suffix, or "" when
// that would leave a single character (the 县 of 泾县 is part of the name).
func shortPlaceName(name string, level int) string {
	s := name
	for _, w := range ethnicWords {
		if i := strings.Index(s, w); i > 0 {
			s = s[:i]
			break
		}
	}
	for _, suf := range []string{"特别行政区", "地区", "林区", "特区", "新区", "省", "市", "县", "区", "旗", "盟", "州"} {
		if t, ok := strings.CutSuffix(s, suf); ok && t != "" {
			s = t
			break
		}
	}
	if s == name || utf8.RuneCountInString(s) < 2 {
		return ""
	}
	return s
}

// PlaceMention is a place found in a text, at byte offsets [Start, End).
type PlaceMention struct {
	Start, End int
	Place      *Place
}

// Find returns the places named in s, left to right, longest name first.
// A district or county named by its short form alone (宣化 for 宣化区) counts
// only right after its city (张家口宣化), because many short forms of
// districts are ordinary words; a county-level city or county's short form
// (武安, 怀远) counts anywhere. Where a name is several places, the one under
// the place just mentioned wins, else the highest level.
func (g *Gazetteer) Find(s string) []PlaceMention { return g.find(s, false) }

// FindLenient is Find where a district's short form counts anywhere: for
// text known to name places (the 地点 of a report, a name's prefix).
func (g *Gazetteer) FindLenient(s string) []PlaceMention { return g.find(s, true) }

func (g *Gazetteer) find(s string, lenient bool) []PlaceMention {
	var out []PlaceMention
	var prev *PlaceMention
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isHan(r) {
			i += size
			continue
		}
		m, ok := g.matchAt(s, i, prev, lenient)
		if !ok {
			i += size
			continue
		}
		out = append(out, m)
		prev = &out[len(out)-1]
		i = m.End
	}
	return out
}

// matchAt finds the longest acceptable place name starting at byte i.
func (g *Gazetteer) matchAt(s string, i int, prev *PlaceMention, lenient bool) (PlaceMention, bool) {
	// byte offsets of the ends of 1..maxName runes from i
	var ends [24]int
	n, j := 0, i
	for n < g.maxName && n < len(ends) && j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if !isHan(r) {
			break
		}
		j += size
		ends[n] = j
		n++
	}
	for k := n; k >= 2; k-- {
		word := s[i:ends[k-1]]
		cands := g.names[word]
		if len(cands) == 0 {
			continue
		}
		adjacent := prev != nil && prev.End == i
		var best *Place
		for _, c := range cands {
			short := c.Short == word
			if adjacent && prev.Place.isAncestorOf(c) {
				best = c
				break
			}
			// A district's short form needs its city right before it, or a
			// word saying someone is there or goes there (在江津, 去沾益).
			if short && !lenient && c.Level == PlaceCounty && strings.HasSuffix(c.Name, "区") {
				pr, _ := utf8.DecodeLastRuneInString(s[:i])
				if !strings.ContainsRune("在去到回赴往至从", pr) {
					continue
				}
			}
			if best == nil || c.Level < best.Level {
				best = c
			}
		}
		if best != nil {
			return PlaceMention{Start: i, End: ends[k-1], Place: best}, true
		}
	}
	return PlaceMention{}, false
}

// isHan reports Chinese characters.
func isHan(r rune) bool {
	return r >= 0x3400 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0x20000 && r <= 0x2FA1F
}

// PlaceOf is the most specific place in an address ("安徽省蚌埠市怀远县…"),
// or nil when it names none.
func (g *Gazetteer) PlaceOf(address string) *Place {
	var best *Place
	for _, m := range g.Find(address) {
		if best == nil || best.isAncestorOf(m.Place) {
			best = m.Place
		}
	}
	return best
}
