package bot

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "SDK non-200 error",
			in:   "http post error : uri=http://127.0.0.1:8080/cgi-bin/message/send?access_token=Zx9_a-b.c , statusCode=502",
			want: "http post error : uri=http://127.0.0.1:8080/cgi-bin/message/send?access_token=REDACTED , statusCode=502",
		},
		{
			name: "url.Error of gettoken",
			in:   `Get "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=s3cr3t-XY": dial tcp: i/o timeout`,
			want: `Get "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=REDACTED": dial tcp: i/o timeout`,
		},
		{
			name: "token not first in the query",
			in:   "GET /cgi-bin/user/list?department_id=2&access_token=abc&x=1",
			want: "GET /cgi-bin/user/list?department_id=2&access_token=REDACTED&x=1",
		},
		{
			name: "group robot key",
			in:   `Post "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx": EOF`,
			want: `Post "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=REDACTED": EOF`,
		},
		{
			name: "every occurrence",
			in:   "access_token=a then access_token=b",
			want: "access_token=REDACTED then access_token=REDACTED",
		},
		{
			name: "a word ending in key is no credential",
			in:   "EventKey=approve",
			want: "EventKey=approve",
		},
		{
			name: "nothing secret",
			in:   "wecom message/send: errcode 45009: api freq out of limit",
			want: "wecom message/send: errcode 45009: api freq out of limit",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redact(tt.in); got != tt.want {
				t.Errorf("redact(%q) =\n%q\nwant\n%q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactErrKeepsTheChain(t *testing.T) {
	err := redactErr(fmt.Errorf("Post \"http://x/cgi-bin/message/send?access_token=abc\": %w", context.DeadlineExceeded))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(%v, DeadlineExceeded) = false", err)
	}
	if want := `Post "http://x/cgi-bin/message/send?access_token=REDACTED": context deadline exceeded`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}
	if redactErr(nil) != nil {
		t.Error("redactErr(nil) != nil")
	}
}
