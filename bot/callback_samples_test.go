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
