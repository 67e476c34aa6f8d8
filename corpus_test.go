package servicebot

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/servicebot/servicebot/internal/reportcorpus"
)

func loadCorpus(t testing.TB) []reportcorpus.Case {
	t.Helper()
	cases, err := reportcorpus.Load("testdata/reports")
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// loadCorpusCustomers reads testdata/reports/customers.csv, the imported
// customer list the corpus is read with.
func loadCorpusCustomers(t testing.TB) []CustomerName {
	t.Helper()
	rows, err := reportcorpus.LoadCustomers("testdata/reports")
	if err != nil {
		t.Fatal(err)
	}
	cs := make([]CustomerName, len(rows))
	for i, r := range rows {
		cs[i] = CustomerName{ID: int64(i + 1), Name: r.Name, Address: r.Address}
	}
	return cs
}

// corpusJudge says whether one field of a reading is what a person reads.
type corpusJudge struct {
	g     *Gazetteer
	names map[string]bool // listed customers
}

func (j corpusJudge) right(field, want string, r Report) bool {
	switch field {
	case "report":
		return r.IsReport() == (want == "y")
	case "work":
		return sectionRight(want, r.Done, r.Plan)
	case "plan":
		return sectionRight(want, r.Plan, r.Done)
	case "issue":
		if want == "-" {
			return len(r.Issues) == 0
		}
		return containsAll(strings.Join(r.Issues, "；"), want)
	case "customer":
		switch {
		case want == "-":
			return r.Customer == ""
		case j.names[want]:
			return r.Customer == want && r.CustomerID != 0
		default:
			return j.orgKey(r.Customer) == j.orgKey(want)
		}
	case "location":
		if want == "-" {
			return r.Location == ""
		}
		return j.placesRight(want, r.Location)
	case "parts":
		switch want {
		case "-":
			return r.PartsSales == nil && !r.PartsUnread
		case "?":
			return r.PartsSales == nil && r.PartsUnread
		}
		yuan, err := strconv.ParseInt(want, 10, 64)
		return err == nil && r.PartsSales != nil && *r.PartsSales == Fen(yuan*100)
	}
	return false
}

// sectionRight: every word of want is in the section, and none in the
// other (a plan glued into today's work is wrong).
func sectionRight(want string, section, other []string) bool {
	if want == "-" {
		return len(section) == 0
	}
	in, out := strings.Join(section, "；"), strings.Join(other, "；")
	for _, w := range strings.Split(want, "+") {
		if !strings.Contains(in, w) || strings.Contains(out, w) {
			return false
		}
	}
	return true
}

func containsAll(s, want string) bool {
	for _, w := range strings.Split(want, "+") {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// orgKey is an organisation's name without the places in front and the
// legal suffix: 安阳永兴钢铁有限公司 and 永兴钢铁 are one.
func (j corpusJudge) orgKey(s string) string {
	for {
		ms := j.g.FindLenient(s)
		if len(ms) == 0 || ms[0].Start != 0 || ms[0].End == len(s) {
			break
		}
		s = s[ms[0].End:]
	}
	for _, suf := range legalSuffixes {
		s = strings.TrimSuffix(s, suf)
	}
	return s
}

// placesRight: every expected place is found, and every place found is
// expected or contains one that is (曲靖 for 沾益).
func (j corpusJudge) placesRight(want, got string) bool {
	found := j.g.FindLenient(got)
	var wanted []*Place
	for _, w := range strings.Split(want, "+") {
		ok := false
		for _, m := range found {
			if m.Place.Name == w || m.Place.Display() == w {
				wanted, ok = append(wanted, m.Place), true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, m := range found {
		ok := false
		for _, w := range wanted {
			if m.Place == w || m.Place.isAncestorOf(w) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// corpusFloor is issue 9's bar: every field at least 95 % right, all fields
// of a message right in at least 92 % of messages.
const (
	corpusFieldFloor = 0.95
	corpusAllFloor   = 0.92
)

// TestCorpus reads the evaluation set with its customer list and prints
// the accuracy of each field and every miss (go test -run Corpus -v).
// Non-reports must never read as reports: they would be stored.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	customers := loadCorpusCustomers(t)
	g := DefaultGazetteer()
	rr := NewReportReader(g, NewCustomerDirectory(customers, g))
	judge := corpusJudge{g: g, names: map[string]bool{}}
	for _, c := range customers {
		judge.names[c.Name] = true
	}

	right := map[string]int{}
	total := map[string]int{}
	allRight, reports, nonReports := 0, 0, 0
	var misses []string
	for _, c := range cases {
		r := rr.Read(c.Text)
		fields := reportcorpus.Fields
		if c.Want["report"] == "n" {
			fields = []string{"report"}
			nonReports++
			if r.IsReport() {
				t.Errorf("%s %s: a non-report reads as a report and would be stored: %q", c.File, c.ID, c.Text)
			}
		} else {
			reports++
		}
		ok := true
		for _, f := range fields {
			total[f]++
			if judge.right(f, c.Want[f], r) {
				right[f]++
				continue
			}
			ok = false
			misses = append(misses, fmt.Sprintf("%-8s %-5s want %-22q got %s\n         %q", f, c.ID, c.Want[f], gotField(f, r), c.Text))
		}
		if ok {
			allRight++
		}
	}
	sort.Strings(misses)
	for _, m := range misses {
		t.Log("miss " + m)
	}
	t.Logf("corpus: %d messages (%d reports, %d non-reports), %d customers listed", len(cases), reports, nonReports, len(customers))
	for _, f := range reportcorpus.Fields {
		acc := float64(right[f]) / float64(total[f])
		t.Logf("  %-8s %5.1f %% (%d/%d)", f, 100*acc, right[f], total[f])
		if acc < corpusFieldFloor {
			t.Errorf("%s: %.1f %% right, below the floor of %.0f %%", f, 100*acc, 100*corpusFieldFloor)
		}
	}
	all := float64(allRight) / float64(len(cases))
	t.Logf("  all fields right: %5.1f %% (%d/%d)", 100*all, allRight, len(cases))
	if all < corpusAllFloor {
		t.Errorf("all fields right in %.1f %% of messages, below the floor of %.0f %%", 100*all, 100*corpusAllFloor)
	}
	if len(cases) < 300 {
		t.Errorf("the evaluation set has %d messages, want at least 300", len(cases))
	}
}

func gotField(f string, r Report) string {
	switch f {
	case "report":
		return fmt.Sprint(r.IsReport())
	case "work":
		return fmt.Sprintf("done=%q plan=%q", r.Done, r.Plan)
	case "plan":
		return fmt.Sprintf("plan=%q done=%q", r.Plan, r.Done)
	case "customer":
		return fmt.Sprintf("%q (id %d)", r.Customer, r.CustomerID)
	case "location":
		return fmt.Sprintf("%q", r.Location)
	case "parts":
		if r.PartsSales == nil {
			return fmt.Sprintf("nil unread=%v", r.PartsUnread)
		}
		return r.PartsSales.String()
	case "issue":
		return fmt.Sprintf("%q", r.Issues)
	}
	return ""
}
