// Package reportcorpus reads the daily report evaluation set
// (testdata/reports, issue 9): messages as field engineers write them, each
// with what a person reading it understands. The root package's corpus test
// measures the parser on it; the reports feature's tests send it through
// the chat flow.
package reportcorpus

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Fields are the expectations a case carries, in the order they are printed.
var Fields = []string{"report", "work", "plan", "customer", "location", "parts", "issue"}

// Case is one message and what it means.
type Case struct {
	ID, File, Text string
	Want           map[string]string // field → expectation; "-" for none
}

// IsReport reports whether the message is (part of) a daily report.
func (c Case) IsReport() bool { return c.Want["report"] == "y" }

// Load reads every *.txt file of dir.
func Load(dir string) ([]Case, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("reportcorpus: no cases in %s: %v", dir, err)
	}
	var cases []Case
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reportcorpus: %w", err)
		}
		for _, block := range strings.Split(string(b), "=== ")[1:] {
			id, rest, _ := strings.Cut(block, "\n")
			text, expect, ok := strings.Cut(rest, "\n--- ")
			if !ok {
				return nil, fmt.Errorf("reportcorpus: %s %s: no --- line", f, id)
			}
			c := Case{ID: strings.TrimSpace(id), File: filepath.Base(f), Text: text, Want: map[string]string{}}
			for _, field := range Fields {
				c.Want[field] = "-"
			}
			for _, kv := range strings.Split(strings.TrimSpace(expect), "|") {
				k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
				if !ok || !slices.Contains(Fields, k) {
					return nil, fmt.Errorf("reportcorpus: %s %s: bad field %q", f, id, kv)
				}
				c.Want[k] = strings.TrimSpace(v)
			}
			cases = append(cases, c)
		}
	}
	return cases, nil
}

// Customer is a row of the corpus's customer list (customers.csv).
type Customer struct{ Name, Region, Address string }

// LoadCustomers reads dir/customers.csv, the imported customer list the
// corpus is read with.
func LoadCustomers(dir string) ([]Customer, error) {
	f, err := os.Open(filepath.Join(dir, "customers.csv"))
	if err != nil {
		return nil, fmt.Errorf("reportcorpus: %w", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reportcorpus: customers.csv: %w", err)
	}
	var out []Customer
	for _, r := range rows[1:] {
		out = append(out, Customer{Name: r[0], Region: r[1], Address: r[2]})
	}
	return out, nil
}
