package wecomsim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The simulator's validation held against samples from WeCom's documentation
// (testdata/contract, sources in SOURCES.md): every documented sample is
// accepted, every known-bad request refused.
func TestContractSamplesFromTheDocumentation(t *testing.T) {
	files, err := filepath.Glob("testdata/contract/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no samples: %v", err)
	}
	apis := map[string]string{"send": "message/send", "update": "message/update_template_card",
		"appchat": "appchat/send", "webhook": "webhook/send"}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		parts := strings.SplitN(name, "-", 3)
		api, known := apis[parts[1]]
		if !known {
			t.Fatalf("%s: unknown endpoint %q", name, parts[1])
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckRequest(api, body)
		switch parts[0] {
		case "ok":
			if err != nil {
				t.Errorf("%s: the documented sample is refused: %v", name, err)
			}
		case "bad":
			if err == nil {
				t.Errorf("%s: accepted, but the documentation does not allow it", name)
			} else {
				t.Logf("%s: refused: %v", name, err)
			}
		default:
			t.Fatalf("%s: name must start with ok- or bad-", name)
		}
	}
}
