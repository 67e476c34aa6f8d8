package servicebot

import "testing"

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
