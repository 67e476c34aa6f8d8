package servicebot

import (
	"strings"
	"unicode/utf8"
)

// CustomerName is what the report reader knows of a listed customer: its
// record, the address its city comes from, and the spellings engineers
// confirmed for it (learned aliases).
type CustomerName struct {
	ID      int64
	Name    string
	Address string
	Aliases []string
}

// legalSuffixes end a registered company name; nobody types them in chat.
var legalSuffixes = []string{"股份有限公司", "有限责任公司", "集团有限公司", "集团股份有限公司", "有限公司", "股份公司",
	"总公司", "分公司", "公司"}

// industryWords name what an organisation does; they end its name as
// people say it (丰源重工, 皖北水泥) and, in text, mark a name the customer
// list does not know (organisation-name patterns, see orgSuffixes).
var industryWords = []string{"散货码头", "集装箱码头", "重工机械", "机械制造", "稀土材料", "钢铁集团", "水泥厂", "钢铁厂", "化工厂",
	"冶炼厂", "发电厂", "热电厂", "电厂", "钢厂", "水泥", "钢铁", "矿业", "煤业", "化工", "磷化工", "港务", "港口", "码头",
	"焦化", "热电", "发电", "铝业", "钒钛", "稀土", "煤化工", "重工", "机械", "集团", "电力", "冶金", "煤矿", "铁矿", "金矿"}

// CustomerDirectory finds the department's customers (the imported list)
// in a text under their full name, their name without the legal suffix,
// without the city or province in front, the core name people say
// (安徽皖北水泥有限公司 → 皖北水泥, 皖北), and the aliases engineers
// confirmed. A spelling two customers share names neither. Read-only once
// built; safe for concurrent use.
type CustomerDirectory struct {
	customers []CustomerName
	places    []*Place         // each customer's place, from its address or name
	spell     map[string][]int // spelling → customers
	maxLen    int              // longest spelling in runes
}

// NewCustomerDirectory indexes cs; g finds the places in names and addresses.
func NewCustomerDirectory(cs []CustomerName, g *Gazetteer) *CustomerDirectory {
	d := &CustomerDirectory{customers: cs, places: make([]*Place, len(cs)), spell: map[string][]int{}}
	for i, c := range cs {
		d.places[i] = g.PlaceOf(c.Address)
		if d.places[i] == nil {
			d.places[i] = g.PlaceOf(c.Name)
		}
		seen := map[string]bool{}
		for _, s := range customerSpellings(c.Name, g) {
			if !seen[s] {
				seen[s] = true
				d.add(s, i)
			}
		}
		for _, a := range c.Aliases {
			a = NormalizeText(strings.TrimSpace(a))
			if utf8.RuneCountInString(a) >= 2 && !seen[a] {
				seen[a] = true
				d.add(a, i)
			}
		}
	}
	return d
}

func (d *CustomerDirectory) add(s string, i int) {
	if n := utf8.RuneCountInString(s); n > d.maxLen {
		d.maxLen = n
	}
	d.spell[s] = append(d.spell[s], i)
}

// Len is the number of customers listed.
func (d *CustomerDirectory) Len() int {
	if d == nil {
		return 0
	}
	return len(d.customers)
}

// customerSpellings are the ways people write a listed name.
func customerSpellings(name string, g *Gazetteer) []string {
	name = NormalizeText(strings.TrimSpace(name))
	out := []string{name}
	base := name
	for _, suf := range legalSuffixes {
		if t, ok := strings.CutSuffix(base, suf); ok && t != "" {
			base = t
			break
		}
	}
	out = append(out, base)
	// Without the places in front: 张家口宣化恒通矿业 → 宣化恒通矿业 → 恒通矿业.
	rest := base[leadingPlaces(g, base):]
	for _, m := range g.Find(base) {
		if m.End > len(base)-len(rest) {
			break
		}
		out = append(out, base[m.End:])
	}
	// The core without what the organisation does, and the core with each
	// industry word the name carries: 港华散货码头 → 港华, 港华码头.
	core := rest
	for changed := true; changed; {
		changed = false
		for _, w := range industryWords {
			if t, ok := strings.CutSuffix(core, w); ok && utf8.RuneCountInString(t) >= 2 {
				core, changed = t, true
				break
			}
		}
	}
	if core != rest {
		if utf8.RuneCountInString(core) >= 2 && len(g.names[core]) == 0 {
			out = append(out, core)
		}
		for _, w := range industryWords {
			if strings.Contains(rest[len(core):], w) {
				out = append(out, core+w)
			}
		}
	}
	return out
}

// leadingPlaces is the length in bytes of the places a name starts with
// (张家口宣化恒通矿业 → 张家口宣化), as long as what remains keeps a name of
// its own: the 柳北 of 柳州柳北钢铁 and the 龙门 of 龙门水泥 are part of the
// name, not where the customer is.
func leadingPlaces(g *Gazetteer, name string) int {
	n := 0
	for _, m := range g.FindLenient(name) {
		if m.Start != n || utf8.RuneCountInString(coreName(name[m.End:])) < 2 {
			break
		}
		n = m.End
	}
	return n
}

// coreName is a name without the industry words it ends with
// (港华散货码头 → 港华).
func coreName(s string) string {
	for changed := true; changed; {
		changed = false
		for _, w := range industryWords {
			if t, ok := strings.CutSuffix(s, w); ok {
				s, changed = t, true
				break
			}
		}
	}
	return s
}

// CustomerMention is a listed customer found in a text at [Start, End).
type CustomerMention struct {
	Start, End int
	Index      int // into the directory's list
}

// Find returns the listed customers named in s, left to right, longest
// spelling first.
func (d *CustomerDirectory) Find(s string) []CustomerMention {
	if d == nil || len(d.spell) == 0 {
		return nil
	}
	var out []CustomerMention
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isHan(r) && !isASCIIAlnum(r) {
			i += size
			continue
		}
		var ends [40]int
		n, j := 0, i
		for n < d.maxLen && n < len(ends) && j < len(s) {
			r, sz := utf8.DecodeRuneInString(s[j:])
			if !isHan(r) && !isASCIIAlnum(r) {
				break
			}
			j += sz
			ends[n] = j
			n++
		}
		found := false
		for k := n; k >= 2; k-- {
			if idx := d.spell[s[i:ends[k-1]]]; len(idx) == 1 {
				out = append(out, CustomerMention{Start: i, End: ends[k-1], Index: idx[0]})
				i = ends[k-1]
				found = true
				break
			}
		}
		if !found {
			i += size
		}
	}
	return out
}

// Customer is the listed customer at index i.
func (d *CustomerDirectory) Customer(i int) CustomerName { return d.customers[i] }

// Place is where the customer at index i is, or nil when unknown.
func (d *CustomerDirectory) Place(i int) *Place { return d.places[i] }

func isASCIIAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
}
