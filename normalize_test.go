package servicebot

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// traditionalOnly must hold only characters the conversion changes: a
// simplified character there would make every text pay for the conversion.
func TestTraditionalOnlyAreTraditional(t *testing.T) {
	for _, r := range traditionalOnly {
		out, err := t2s().Convert(string(r))
		if err != nil || out == string(r) {
			t.Errorf("%c is not converted (%q, %v)", r, out, err)
		}
	}
}

// Whatever the reader takes apart, every section stays valid UTF-8 (a cut
// inside a character made a reply WeCom refuses).
func TestReportReader_SectionsAreValidUTF8(t *testing.T) {
	for _, c := range loadCorpus(t) {
		r := ParseReport(c.Text)
		for _, s := range slices.Concat(r.Done, r.Plan, r.Issues, r.Unlabelled, []string{r.Customer, r.Location}) {
			if !utf8.ValidString(s) {
				t.Errorf("%s %s: %q is not UTF-8", c.File, c.ID, s)
			}
		}
	}
}
