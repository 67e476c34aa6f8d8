package wecomsim

import (
	"bytes"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
)

func elementNames(t *testing.T, raw []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(raw))
	var names []string
	depth := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				names = append(names, el.Name.Local)
			}
		case xml.EndElement:
			depth--
		}
	}
	slices.Sort(names)
	return names
}

// The simulator sends voice the way WeCom documents it (bot/testdata/callback
// voice.xml, from 接收消息 90239): the same elements, Recognition not among them.
func TestSimVoiceMatchesTheDocumentedCallback(t *testing.T) {
	doc, err := os.ReadFile("../testdata/callback/voice.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Options{CorpID: "ww1", AgentID: 1000002})
	got, want := elementNames(t, s.voiceXML("zhangwei", "m1")), elementNames(t, doc)
	if !slices.Equal(got, want) {
		t.Errorf("simulator voice elements %v, documented %v", got, want)
	}
	if slices.Contains(got, "Recognition") {
		t.Error("the simulator invents Recognition")
	}
}

// Temporary media live three days.
func TestMediaExpiresAfterThreeDays(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	s := New(Options{CorpID: "ww1", AgentID: 1000002, Clock: servicebot.ClockFunc(func() time.Time { return now })})
	id := s.UploadMedia([]byte("photo"), "image/jpeg")
	get := func() any {
		r, _ := http.NewRequest("GET", "/cgi-bin/media/get?media_id="+id, nil)
		return s.mediaGet(r, nil)
	}
	if f, ok := get().(mediaFile); !ok || string(f.data) != "photo" || f.contentType != "image/jpeg" {
		t.Fatalf("fresh media: %+v", get())
	}
	now = now.Add(72*time.Hour - time.Second)
	if _, ok := get().(mediaFile); !ok {
		t.Fatal("media gone before three days")
	}
	now = now.Add(time.Second)
	if st, ok := get().(status); !ok || st.ErrCode != codeInvalidMediaID {
		t.Fatalf("after three days: %+v, want 40007", get())
	}
}
