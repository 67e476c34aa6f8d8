package main

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob/blobtest"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/internal/testclock"
	"github.com/servicebot/servicebot/store"
	"github.com/servicebot/servicebot/store/storetest"
)

// Issue 10 must show 3: a photo and a voice message sent through the
// simulator are answered and kept; after the simulator has expired their
// media (three days), the export still opens the kept files — with the
// blobs in a directory and in an S3-compatible store, on both databases.
func TestE2E_PhotoAndVoiceOutliveTheirMediaIDs(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"dir", "s3"} {
		t.Run(kind, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				blobURL := t.TempDir()
				if kind == "s3" {
					blobURL = blobtest.FakeS3(t)
				}
				clock := testclock.At(shanghaiTime(t, "2026-11-27 10:00:00"))
				h := launchWithBlobs(t, db, nil, clock, blobURL)
				ctx := t.Context()

				photo := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 2000)...)
				voice := append([]byte("#!AMR\n"), bytes.Repeat([]byte{3}, 900)...)
				photoID := h.sim.UploadMedia(photo, "image/png")
				voiceID := h.sim.UploadMedia(voice, "audio/amr")

				n := len(h.sim.Delivered("liqiang"))
				if _, err := h.sim.SendImage(ctx, "liqiang", "https://wework.qpic.cn/wwpic/sim/0", photoID); err != nil {
					t.Fatal(err)
				}
				mustContain(t, h.waitDelivered("liqiang", n+1)[n].Content, "照片已保存")
				if _, err := h.sim.SendVoice(ctx, "liqiang", voiceID); err != nil {
					t.Fatal(err)
				}
				mustContain(t, h.waitDelivered("liqiang", n+2)[n+1].Content, "语音已保存", "转文字", "打字")

				day := servicebot.DateOf(clock.Now().In(h.demo.app.cfg.Location()))
				deadline := time.Now().Add(20 * time.Second)
				for {
					att, err := db.ListReportAttachments(ctx, day, day)
					if err != nil {
						t.Fatal(err)
					}
					kept := 0
					for _, a := range att {
						if a.BlobKey != "" {
							kept++
						}
					}
					if len(att) == 2 && kept == 2 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("media not kept within 20s: %+v", att)
					}
					time.Sleep(20 * time.Millisecond)
				}

				// Three days on, WeCom has forgotten both.
				clock.Set(clock.Now().Add(72*time.Hour + time.Minute))
				for _, id := range []string{photoID, voiceID} {
					_, _, err := h.demo.app.client.GetMedia(ctx, id)
					if apiErr, ok := errors.AsType[*wecommsg.APIError](err); !ok || apiErr.Code != 40007 {
						t.Fatalf("media %s three days on: %v, want errcode 40007", id, err)
					}
				}

				// The export links to the kept files, which still open.
				recs, err := newExporter(h.demo.app.cfg, db, h.demo.app.directory).Records(ctx, day, day, clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				opened := map[string][]byte{}
				for _, r := range recs {
					for _, a := range r.Attachments {
						if a.Kind == servicebot.AttachLocation {
							continue
						}
						if a.URL == "" {
							t.Fatalf("%s attachment without a kept link: %+v", a.Kind, a)
						}
						opened[a.Kind] = get(t, ctx, a.URL)
					}
				}
				if !bytes.Equal(opened[servicebot.AttachImage], photo) || !bytes.Equal(opened[servicebot.AttachVoice], voice) {
					t.Errorf("the export's links opened %d-byte photo and %d-byte voice, want the files sent (%d, %d)",
						len(opened[servicebot.AttachImage]), len(opened[servicebot.AttachVoice]), len(photo), len(voice))
				}
				// The manager's page of the day links both kept files too.
				resp, err := h.phone("sunli").Get(h.baseURL + "/web/today?d=" + day.String())
				if err != nil {
					t.Fatal(err)
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				for _, r := range recs {
					for _, a := range r.Attachments {
						if a.Kind != servicebot.AttachLocation && !strings.Contains(string(page), html.EscapeString(a.URL)) {
							t.Errorf("/web/today (%d) does not link the kept %s %s", resp.StatusCode, a.Kind, a.URL)
						}
					}
				}
			})
		})
	}
}

func get(t *testing.T, ctx context.Context, url string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return body
}
