package wecomsim_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

// The page sends a location from its list of places, a photo from the file
// picker (kept and served under its MediaId) and a voice clip the way WeCom
// delivers voice: MediaId and Format, and no Recognition.
func TestPageSendsLocationPhotoAndVoiceFromThePage(t *testing.T) {
	f := newFixture(t)
	rc := withReceiver(t, f)

	status, a := pagePost(t, f, "/sim/api/location", map[string]string{"user": "zhangwei", "place": "成都"})
	if status != http.StatusOK || a.Status != http.StatusOK {
		t.Fatalf("location: %d %+v", status, a)
	}
	if m := rc.last(t).msg; m.MsgType != "location" || m.Label != "四川省成都市武侯区天府大道" || m.Location_X != "30.57" || m.Location_Y != "104.07" {
		t.Errorf("location callback %+v", m)
	}

	upload := func(kind, name, ctype string, data []byte) (int, string) {
		t.Helper()
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		_ = w.WriteField("user", "zhangwei")
		_ = w.WriteField("kind", kind)
		h := make(map[string][]string)
		h["Content-Disposition"] = []string{`form-data; name="file"; filename="` + name + `"`}
		h["Content-Type"] = []string{ctype}
		part, _ := w.CreatePart(h)
		_, _ = part.Write(data)
		_ = w.Close()
		res, err := http.Post(f.srv.URL+"/sim/api/media", w.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	png := []byte("\x89PNG\r\n\x1a\n0000")
	if code, body := upload("image", "现场.png", "image/png", png); code != http.StatusOK {
		t.Fatalf("image: %d %s", code, body)
	}
	img := rc.last(t).msg
	if img.MsgType != "image" || !strings.HasPrefix(img.MediaId, "sim-media-") || !strings.HasSuffix(img.PicUrl, "/sim/media/"+img.MediaId) {
		t.Fatalf("image callback %+v", img)
	}
	res, err := http.Get(f.srv.URL + "/sim/media/" + img.MediaId)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !bytes.Equal(got, png) || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("the kept photo: %q %s", got, res.Header.Get("Content-Type"))
	}

	if code, body := upload("voice", "语音.amr", "audio/amr", []byte("#!AMR\n0000")); code != http.StatusOK {
		t.Fatalf("voice: %d %s", code, body)
	}
	voice := rc.last(t)
	if voice.msg.MsgType != "voice" || !strings.HasPrefix(voice.msg.MediaId, "sim-media-") ||
		!bytes.Contains(voice.plaintext, []byte("<Format><![CDATA[amr]]></Format>")) || bytes.Contains(voice.plaintext, []byte("Recognition")) {
		t.Errorf("voice callback %s", voice.plaintext)
	}

	if code, _ := upload("image", "a.txt", "text/plain", []byte("not a photo")); code != http.StatusBadRequest {
		t.Errorf("a text file as a photo: %d", code)
	}
}
