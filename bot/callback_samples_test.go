package bot_test

import (
	"os"
	"testing"

	"github.com/servicebot/servicebot/bot"
)

// The documented voice and image callbacks parse into what the bot needs:
// the media id to fetch (and a voice's format); nothing else is promised.
func TestDocumentedMediaCallbacksParse(t *testing.T) {
	for file, want := range map[string]struct{ msgType, mediaID, format string }{
		"testdata/callback/voice.xml": {"voice", "media_id", "Format"},
		"testdata/callback/image.xml": {"image", "media_id", ""},
	} {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		ev, err := bot.ParseEvent(raw)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if ev.MsgType != want.msgType || ev.MediaID != want.mediaID || ev.Format != want.format || ev.MsgID == "" {
			t.Errorf("%s parsed as %+v", file, ev)
		}
	}
}

// Two change_contact events from sys in the same second (通讯录变更事件,
// 90970: FromUserName is sys) are two inbox rows, not one.
func TestChangeContactEventsInOneSecondStayDistinct(t *testing.T) {
	xml := func(change, user string) []byte {
		return []byte(`<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>` +
			`<CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>` +
			`<ChangeType>` + change + `</ChangeType><UserID><![CDATA[` + user + `]]></UserID></xml>`)
	}
	keys := map[string]bool{}
	for _, x := range [][]byte{xml("create_user", "zhangsan"), xml("create_user", "lisi"), xml("update_user", "zhangsan")} {
		ev, err := bot.ParseEvent(x)
		if err != nil {
			t.Fatal(err)
		}
		keys[ev.DedupKey()] = true
	}
	if len(keys) != 3 {
		t.Errorf("three changes in one second gave %d dedup keys: %v", len(keys), keys)
	}
}
