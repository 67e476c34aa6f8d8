package handlers

import (
	"context"
	"strings"

	"github.com/servicebot/servicebot"
)

// FormsCommand is the chat command that answers with the link to the forms.
const FormsCommand = "表单"

// FormsLink answers FormsCommand with the page of forms (web.Server.HomeURL),
// before the report handler sees the text. Register it with
// router.First(servicebot.MsgText, FormsLink(...)).
func FormsLink(clock servicebot.Clock, homeURL string) FirstFunc {
	return func(ctx context.Context, tx Tx, ev servicebot.Event) (bool, error) {
		if strings.TrimSpace(ev.Content) != FormsCommand {
			return false, nil
		}
		text := "在手机上填写售后服务表单（申请表、备忘录、报告、回访问卷等），草稿会自动保留：\n" + homeURL
		return true, replyTo(ctx, tx, ev, text, clock.Now())
	}
}
