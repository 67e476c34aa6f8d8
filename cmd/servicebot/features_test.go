package main

import (
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/store/storetest"
)

// demoApp wires the demo's app on a temporary SQLite file without serving it.
func demoApp(t *testing.T) *app {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	d, err := startDemo(ln, storetest.SQLite(t), servicebot.SystemClock{}, slog.New(slog.DiscardHandler), fastTuning, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.app.close(t.Context()) })
	return d.app
}

// 帮助 and "is this a command" come from the features' declarations: every
// declared command is listed by its first word, no word is declared by two
// features, and the help reply with the longest quote is still one WeCom
// text message (2048 bytes), or message/send refuses it.
func TestHelpAndCommandsFromDeclarations(t *testing.T) {
	t.Parallel()
	a := demoApp(t)
	help := a.router.HelpText()
	owner := map[string]string{}
	for _, f := range a.features {
		for _, c := range f.Commands {
			if len(c.Words) == 0 || c.Help == "" || c.Section == "" || c.Run == nil {
				t.Errorf("%s declares a command without words, help, section or handler: %+v", f.Name, c.Words)
				continue
			}
			if !strings.Contains(help, "· "+c.Words[0]) {
				t.Errorf("帮助 does not list %s's command %s:\n%s", f.Name, c.Words[0], help)
			}
			for _, w := range c.Words {
				if other, dup := owner[w]; dup {
					t.Errorf("%q is declared by both %s and %s", w, other, f.Name)
				}
				owner[w] = f.Name
			}
		}
	}
	if n := len(a.router.HelpReply(strings.Repeat("长", 100))); n > 2048 {
		t.Errorf("the help reply is %d bytes, WeCom takes at most 2048", n)
	}
}

// A rejecting approver's next message is the reason unless it is a command
// (R-APV-5's audit records the reason): a command word alone or set off by a
// space, a colon or a number is one; a sentence that starts with one is not.
func TestIsCommand(t *testing.T) {
	t.Parallel()
	a := demoApp(t)
	for text, want := range map[string]bool{
		"帮助":          true,
		"完成 12":       true,
		"完成12":        true,
		"我的待办":        true,
		"申诉 服务管理 已提交": true,
		"表单":          true,
		"请假 明天":       true,
		"完成度不够，请补充照片": false,
		"金额与合同不符":     false,
		"请假条没有附上":     false,
		"":            false,
	} {
		if got := a.router.IsCommand(text); got != want {
			t.Errorf("IsCommand(%q) = %v, want %v", text, got, want)
		}
	}
}
