package handlers

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Issue 15: the bearer scheme is case-insensitive; the token is not.
func TestRequireBearer(t *testing.T) {
	t.Parallel()
	const token = "0123456789abcdef-token"
	h := RequireBearer(token, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, tt := range []struct {
		header string
		want   int
	}{
		{"Bearer " + token, http.StatusNoContent},
		{"bearer " + token, http.StatusNoContent},
		{"BEARER " + token, http.StatusNoContent},
		{"Bearer  " + token, http.StatusNoContent},
		{"Bearer " + token + "x", http.StatusUnauthorized},
		{"Bearer 0123456789ABCDEF-TOKEN", http.StatusUnauthorized},
		{"Basic " + token, http.StatusUnauthorized},
		{token, http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/requests", nil)
		if tt.header != "" {
			r.Header.Set("Authorization", tt.header)
		}
		w := httptest.NewRecorder()
		h(w, r)
		if w.Code != tt.want {
			t.Errorf("Authorization %q: %d, want %d", tt.header, w.Code, tt.want)
		}
	}
}
