package handlers

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Issue 15: NUL bytes are refused at the edge with 400; everything else
// reaches the handler with its body intact.
func TestRefuseNUL(t *testing.T) {
	t.Parallel()
	var got string
	h := RefuseNUL(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = string(b)
		w.WriteHeader(http.StatusNoContent)
	}))
	for _, tt := range []struct {
		name, target, contentType, body string
		want                            int
	}{
		{"file token with %00", "/files/%00", "", "", http.StatusBadRequest},
		{"query with %00", "/web/?x=a%00b", "", "", http.StatusBadRequest},
		{"JSON with \\u0000", "/api/requests", "application/json", `{"customer":"成都\u0000某厂"}`, http.StatusBadRequest},
		{"JSON with a raw NUL", "/api/kpi", "application/json; charset=utf-8", "[{\"note\":\"a\x00\"}]", http.StatusBadRequest},
		{"form with %00", "/web/kpi", "application/x-www-form-urlencoded", "note=a%00b", http.StatusBadRequest},
		{"plain JSON", "/api/requests", "application/json", `{"customer":"成都某厂"}`, http.StatusNoContent},
		{"plain form", "/web/kpi", "application/x-www-form-urlencoded", "note=%E5%A5%BD", http.StatusNoContent},
		{"callback XML", "/wecom/callback?msg_signature=x", "text/xml", "<xml><Encrypt>abc</Encrypt></xml>", http.StatusNoContent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got = ""
			r := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("%d, want %d", w.Code, tt.want)
			}
			if tt.want == http.StatusNoContent && got != tt.body {
				t.Errorf("handler read %q, want the body %q", got, tt.body)
			}
		})
	}
}
