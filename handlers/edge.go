package handlers

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxCheckedBody bounds the bodies RefuseNUL reads to look for NUL bytes;
// the APIs' own limits are far smaller (the form pages' photo uploads,
// multipart, are not read here).
const maxCheckedBody = 8 << 20

// RefuseNUL answers 400 to a request whose path, query, or JSON or
// url-encoded body holds a NUL byte (raw, %00 or \u0000), before any handler
// sees it. PostgreSQL cannot store NUL in text: such input used to reach the
// database and fail there with a 500 (or a 503 for /files/%00) and an ERROR
// log. Multipart form fields are checked where the pages parse them.
func RefuseNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.ContainsRune(r.URL.Path, 0) || strings.ContainsRune(r.URL.RawQuery, 0) ||
			strings.Contains(r.URL.RawQuery, "%00") || strings.Contains(r.URL.RawPath, "%00") {
			refuseNUL(w)
			return
		}
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		var escaped string
		switch mt {
		case "application/json":
			escaped = `\u0000`
		case "application/x-www-form-urlencoded":
			escaped = "%00"
		default:
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxCheckedBody+1))
		_ = r.Body.Close()
		if err != nil {
			http.Error(w, "cannot read body", http.StatusBadRequest)
			return
		}
		if len(body) > maxCheckedBody {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if bytes.IndexByte(body, 0) >= 0 || bytes.Contains(body, []byte(escaped)) {
			refuseNUL(w)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func refuseNUL(w http.ResponseWriter) {
	http.Error(w, "NUL bytes are not accepted", http.StatusBadRequest)
}
