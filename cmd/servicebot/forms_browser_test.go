package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/forms"
	"github.com/servicebot/servicebot/store/storetest"
)

// Every form of the catalog, in a real browser
// signed in through the simulator's WeCom OAuth. A required field left
// empty shows its Chinese message and stores nothing; filled in and
// submitted, the stored record is what was typed.
func TestBrowser_EveryFormFilledAndSubmitted(t *testing.T) {
	t.Parallel()
	br := startBrowser(t)
	h := startHarness(t, storetest.SQLite(t))
	catalog, err := forms.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	photo := filepath.Join(t.TempDir(), "现场.png")
	if err := os.WriteFile(photo, samplePNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, def := range catalog.All() {
		t.Run(def.ID, func(t *testing.T) {
			t.Parallel() // each form has its own browser and its own rows
			ctx := br.tab(t)
			thrown := recordExceptions(t, ctx)
			b := &browserSteps{t: t, ctx: ctx}

			// A phone's screen, as inside WeCom; then WeCom's OAuth: the
			// simulator asks who is there.
			b.do("open the form on a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
				chromedp.Navigate(h.baseURL+"/web/forms/"+def.ID))
			b.do("sign in as "+engineer, chromedp.Click(chromedp.CSS(`a[href*="as=`+engineer+`"]`)),
				chromedp.WaitVisible(chromedp.CSS(`form[action="/web/forms/`+def.ID+`"]`)))

			typed, skipped := fillRequired(b, def, photo)
			msg := def.Validate(without(typed, skipped))[skipped]
			if msg == "" {
				t.Fatalf("leaving %s empty is not an error", skipped)
			}
			b.do("submit without "+skipped, chromedp.Click(chromedp.CSS(`button[value="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`#errors`)))
			shown := b.text("the field's message", chromedp.Text(chromedp.CSS(
				fmt.Sprintf(`[data-field="%s"] .error`, skipped))))
			if shown != msg {
				t.Errorf("the page says %q beside %s, want %q", shown, skipped, msg)
			}
			b.screenshot(def.ID + "-error.png")
			if subs, err := h.db.ListFormSubmissions(t.Context(), servicebot.FormFilter{FormID: def.ID}); err != nil || len(subs) != 0 {
				t.Fatalf("after the refused submit: %d stored (%v)", len(subs), err)
			}

			// The page shown again kept what was typed (photos are stored
			// already, and shown ticked): only the skipped field is filled now.
			fillField(b, def, fieldOf(def, skipped), photo, typed)
			b.do("submit", chromedp.Click(chromedp.CSS(`button[value="submit"]`)),
				chromedp.WaitVisible(chromedp.CSS(`.notice`)))
			if notice := b.text("the notice", chromedp.Text(chromedp.CSS(`.notice`))); !strings.HasPrefix(notice, "已提交") {
				t.Fatalf("after submitting the page says %q", notice)
			}
			b.screenshot(def.ID + "-submitted.png")
			subs, err := h.db.ListFormSubmissions(t.Context(), servicebot.FormFilter{FormID: def.ID})
			if err != nil || len(subs) != 1 {
				t.Fatalf("stored %d submissions (%v), want 1", len(subs), err)
			}
			got := subs[0]
			if got.UserID != engineer || got.Status != servicebot.SubmissionSubmitted || (def.Request != "") != (got.ApprovalID != 0) {
				t.Errorf("stored by %s, %s, approval %d", got.UserID, got.Status, got.ApprovalID)
			}
			for _, f := range def.Fields {
				if f.Type == servicebot.FieldPhoto {
					if n := len(got.Values.List(f.Name)); (typed[f.Name] != nil) != (n == 1) {
						t.Errorf("%s: %d photo(s) stored", f.Name, n)
					}
					continue
				}
				want, have := typed[f.Name], got.Values.Normalized(def)[f.Name]
				if !reflect.DeepEqual(want, have) {
					t.Errorf("%s (%s): stored %#v, typed %#v", f.Name, f.Label, have, want)
				}
			}
			if errs := thrown(); len(errs) > 0 {
				t.Errorf("the page's script threw:\n%s", strings.Join(errs, "\n"))
			}
		})
	}
}

// fillRequired fills every required field but the first, which it returns
// as skipped, and returns what it entered by field name.
func fillRequired(b *browserSteps, def servicebot.FormDef, photo string) (servicebot.FormValues, string) {
	typed := servicebot.FormValues{}
	skipped := ""
	for _, f := range def.Fields {
		if !f.Required {
			continue
		}
		if skipped == "" {
			skipped = f.Name
			continue
		}
		fillField(b, def, f, photo, typed)
	}
	return typed, skipped
}

// fillField enters a value fitting the field's type, as a person would:
// text into text boxes (typeText), a choice from lists, a file into a photo
// field.
func fillField(b *browserSteps, def servicebot.FormDef, f servicebot.FormField, photo string, typed servicebot.FormValues) {
	b.t.Helper()
	sel := "#f-" + f.Name
	switch f.Type {
	case servicebot.FieldSelect:
		b.do("choose "+f.Label, chromedp.SetValue(chromedp.CSS(sel), f.Options[0]))
		typed[f.Name] = f.Options[0]
	case servicebot.FieldMultiSelect:
		b.do("tick "+f.Label, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="%s"][value="%s"]`, f.Name, f.Options[0]))))
		typed[f.Name] = []string{f.Options[0]}
	case servicebot.FieldCheckbox:
		b.do("tick "+f.Label, chromedp.Click(chromedp.CSS(sel)))
		typed[f.Name] = servicebot.CheckboxTicked
	case servicebot.FieldPhoto:
		b.do("attach "+f.Label, chromedp.SetUploadFiles(chromedp.CSS(sel), []string{photo}))
		typed[f.Name] = []string{"photo"}
	case servicebot.FieldDate, servicebot.FieldDateTime:
		v := sample(f)
		b.do("pick "+f.Label, chromedp.SetValue(chromedp.CSS(sel), v))
		typed[f.Name] = v
	case servicebot.FieldTable:
		row := map[string]string{}
		for _, c := range f.Columns {
			cell := fmt.Sprintf(`[name="%s.0.%s"]`, f.Name, c.Name)
			v := sample(c)
			if c.Type == servicebot.FieldSelect {
				b.do("choose "+c.Label, chromedp.SetValue(chromedp.CSS(cell), v))
			} else {
				b.do("type "+c.Label, typeText(chromedp.CSS(cell), v))
			}
			row[c.Name] = v
		}
		typed[f.Name] = []map[string]string{row}
	default:
		v := sample(f)
		b.do("type "+f.Label, typeText(chromedp.CSS(sel), v))
		typed[f.Name] = v
	}
}

// sample is a valid value of the field's type, different per field.
func sample(f servicebot.FormField) string {
	switch f.Type {
	case servicebot.FieldNumber:
		return "3"
	case servicebot.FieldMoney:
		return "1200.50"
	case servicebot.FieldDate:
		return "2026-11-20"
	case servicebot.FieldDateTime:
		return "2026-11-20T09:30"
	case servicebot.FieldPhone:
		return "13800138000"
	case servicebot.FieldSelect:
		return f.Options[0]
	case servicebot.FieldSignature:
		return "张伟"
	}
	return "测试" + f.Label
}

func fieldOf(def servicebot.FormDef, name string) servicebot.FormField {
	f, _ := def.Field(name)
	return f
}

func without(v servicebot.FormValues, name string) servicebot.FormValues {
	out := servicebot.FormValues{}
	for k, x := range v {
		if k != name && !slices.Contains([]string{"photo"}, k) {
			out[k] = x
		}
	}
	return out
}

// samplePNG is a small blue square, a photo as far as the pages can tell.
func samplePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	draw.Draw(img, img.Bounds(), &image.Uniform{C: color.RGBA{R: 0x16, G: 0x77, B: 0xff, A: 0xff}}, image.Point{}, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// 表单 in chat answers with the link to the forms, which opens them.
func TestFormsCommandRepliesWithTheLink(t *testing.T) {
	t.Parallel()
	h := startHarness(t, storetest.SQLite(t))
	reply := h.ask(engineer, "表单", h.baseURL+"/web/")
	if !strings.Contains(reply, "表单") {
		t.Errorf("reply %q does not say what the link is", reply)
	}
}
