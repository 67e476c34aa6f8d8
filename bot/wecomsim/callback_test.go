package wecomsim_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/servicebot/servicebot/bot/wecomsim"
)

// The receiving side below is written from WECOM.md with the standard
// library only, independent of the silenceper code the simulator uses, so a
// shared mistake cannot hide.

func sign(parts ...string) string {
	sorted := slices.Clone(parts)
	slices.Sort(sorted)
	sum := sha1.Sum([]byte(strings.Join(sorted, "")))
	return hex.EncodeToString(sum[:])
}

// decrypt undoes WeCom's encryption: base64, AES-256-CBC with IV = key[:16],
// PKCS#7 padding to 32, then random(16) + len(4, BE) + msg + receiveid.
func decrypt(encodingAESKey, encrypted string) (msg []byte, receiveID string, err error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, "", fmt.Errorf("bad key: %v", err)
	}
	ciphertext, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, "", err
	}
	if len(ciphertext) == 0 || len(ciphertext)%32 != 0 {
		return nil, "", fmt.Errorf("ciphertext length %d is not a multiple of 32", len(ciphertext))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, "", err
	}
	plain := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, ciphertext)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 {
		return nil, "", fmt.Errorf("padding %d out of 1..32", pad)
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, "", errors.New("inconsistent PKCS#7 padding")
		}
	}
	plain = plain[:len(plain)-pad]
	n := int(binary.BigEndian.Uint32(plain[16:20]))
	if 20+n > len(plain) {
		return nil, "", fmt.Errorf("length %d beyond plaintext", n)
	}
	return plain[20 : 20+n], string(plain[20+n:]), nil
}

type envelope struct {
	ToUserName string
	AgentID    string
	Encrypt    string
}

type callbackMsg struct {
	ToUserName, FromUserName, MsgType, Content, MsgId, AgentID string
	CreateTime                                                 int64
	Location_X, Location_Y                                     string
	Label, PicUrl, MediaId                                     string
	Event, EventKey, TaskId, CardType, ResponseCode            string
}

type received struct {
	method, rawQuery string
	body             []byte
	plaintext        []byte
	msg              callbackMsg
}

// receiver is a minimal bot callback endpoint: it checks the signature and
// the receive id, decrypts, and answers the URL check.
type receiver struct {
	t      *testing.T
	mu     sync.Mutex
	got    []received
	status int    // answer for POSTs; 200 by default
	suffix string // appended to the echostr answer, to test a wrong one
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var encrypted string
	var body []byte
	if r.Method == http.MethodGet {
		encrypted = q.Get("echostr")
	} else {
		body, _ = io.ReadAll(r.Body)
		var env envelope
		if err := xml.Unmarshal(body, &env); err != nil {
			rc.t.Errorf("envelope: %v: %s", err, body)
			http.Error(w, "bad xml", http.StatusBadRequest)
			return
		}
		if env.ToUserName != testCorpID || env.AgentID != strconv.Itoa(testAgentID) {
			rc.t.Errorf("envelope ToUserName %q AgentID %q", env.ToUserName, env.AgentID)
		}
		encrypted = env.Encrypt
	}
	if want := sign(testToken, q.Get("timestamp"), q.Get("nonce"), encrypted); q.Get("msg_signature") != want {
		rc.t.Errorf("msg_signature %q, want %q", q.Get("msg_signature"), want)
		http.Error(w, "bad signature", http.StatusForbidden)
		return
	}
	plain, receiveID, err := decrypt(testAESKey, encrypted)
	if err != nil {
		rc.t.Errorf("decrypt: %v", err)
		http.Error(w, "bad payload", http.StatusBadRequest)
		return
	}
	if receiveID != testCorpID {
		rc.t.Errorf("receiveid %q, want the corp id", receiveID)
	}
	if r.Method == http.MethodGet {
		_, _ = w.Write(append(plain, rc.suffix...))
		return
	}
	var msg callbackMsg
	if err := xml.Unmarshal(plain, &msg); err != nil {
		rc.t.Errorf("plaintext: %v: %s", err, plain)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, received{method: r.Method, rawQuery: r.URL.RawQuery, body: body, plaintext: plain, msg: msg})
	status := rc.status
	rc.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
	}
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func (rc *receiver) last(t *testing.T) received {
	t.Helper()
	got := rc.all()
	if len(got) == 0 {
		t.Fatal("the bot received nothing")
	}
	return got[len(got)-1]
}

func withReceiver(t *testing.T, f *fixture) *receiver {
	t.Helper()
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	f.sim.SetCallbackURL(srv.URL + "/wecom/callback?tenant=demo")
	return rc
}

func TestCallbacksDecryptAndVerify(t *testing.T) {
	f := newFixture(t)
	rc := withReceiver(t, f)
	ctx := context.Background()
	created := f.clock.Now().Unix()

	tests := []struct {
		name  string
		send  func() (wecomsim.Delivery, error)
		check func(t *testing.T, m callbackMsg)
	}{
		{"text", func() (wecomsim.Delivery, error) {
			return f.sim.SendText(ctx, "zhangwei", "今天在成都调试 2 台设备，明天去重庆")
		}, func(t *testing.T, m callbackMsg) {
			if m.MsgType != "text" || m.Content != "今天在成都调试 2 台设备，明天去重庆" || m.MsgId == "" {
				t.Errorf("text callback = %+v", m)
			}
		}},
		{"text with XML specials", func() (wecomsim.Delivery, error) {
			return f.sim.SendText(ctx, "zhangwei", "a]]>b <c> & \"d\"")
		}, func(t *testing.T, m callbackMsg) {
			if m.Content != "a]]>b <c> & \"d\"" {
				t.Errorf("content = %q", m.Content)
			}
		}},
		{"location", func() (wecomsim.Delivery, error) {
			return f.sim.SendLocation(ctx, "liqiang", 30.572815, 104.066801, "成都市武侯区")
		}, func(t *testing.T, m callbackMsg) {
			if m.MsgType != "location" || m.Location_X != "30.572815" || m.Location_Y != "104.066801" ||
				m.Label != "成都市武侯区" || m.MsgId == "" {
				t.Errorf("location callback = %+v", m)
			}
		}},
		{"image", func() (wecomsim.Delivery, error) {
			return f.sim.SendImage(ctx, "wangjun", "https://example.com/p.jpg", "media-1")
		}, func(t *testing.T, m callbackMsg) {
			if m.MsgType != "image" || m.PicUrl != "https://example.com/p.jpg" || m.MediaId != "media-1" {
				t.Errorf("image callback = %+v", m)
			}
		}},
		{"card click", func() (wecomsim.Delivery, error) {
			return f.sim.ClickButton(ctx, "sunli", "apv-7", "approve", "code-7", "button_interaction")
		}, func(t *testing.T, m callbackMsg) {
			if m.MsgType != "event" || m.Event != "template_card_event" || m.EventKey != "approve" ||
				m.TaskId != "apv-7" || m.ResponseCode != "code-7" || m.CardType != "button_interaction" || m.MsgId != "" {
				t.Errorf("click callback = %+v", m)
			}
		}},
		{"enter agent", func() (wecomsim.Delivery, error) {
			return f.sim.EnterAgent(ctx, "chenhao")
		}, func(t *testing.T, m callbackMsg) {
			if m.MsgType != "event" || m.Event != "enter_agent" {
				t.Errorf("enter_agent callback = %+v", m)
			}
		}},
		{"raw", func() (wecomsim.Delivery, error) {
			return f.sim.Deliver(ctx, []byte("<xml><ToUserName><![CDATA["+testCorpID+"]]></ToUserName>"+
				"<FromUserName><![CDATA[xuli]]></FromUserName><CreateTime>1</CreateTime>"+
				"<MsgType><![CDATA[video]]></MsgType></xml>"))
		}, func(t *testing.T, m callbackMsg) {
			if m.MsgType != "video" || m.FromUserName != "xuli" {
				t.Errorf("raw callback = %+v", m)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := tt.send()
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != http.StatusOK || len(d.Request) == 0 || d.Query.Get("msg_signature") == "" || len(d.Plaintext) == 0 {
				t.Fatalf("delivery = %+v", d)
			}
			got := rc.last(t)
			if got.method != http.MethodPost || !strings.Contains(got.rawQuery, "tenant=demo") {
				t.Fatalf("%s ?%s: want a POST keeping the callback URL's own query", got.method, got.rawQuery)
			}
			if !bytes.Equal(got.body, d.Request) {
				t.Fatal("Delivery.Request is not what was posted")
			}
			if tt.name != "raw" && (got.msg.ToUserName != testCorpID || got.msg.CreateTime != created) {
				t.Fatalf("ToUserName %q CreateTime %d, want the corp id and the clock's %d",
					got.msg.ToUserName, got.msg.CreateTime, created)
			}
			tt.check(t, got.msg)
		})
	}
}

func TestMsgIDsIncrease(t *testing.T) {
	f := newFixture(t)
	rc := withReceiver(t, f)
	for range 5 {
		if _, err := f.sim.SendText(context.Background(), "zhangwei", "同一秒"); err != nil {
			t.Fatal(err)
		}
	}
	var prev int64
	for _, got := range rc.all() {
		id, err := strconv.ParseInt(got.msg.MsgId, 10, 64)
		if err != nil || id <= prev {
			t.Fatalf("MsgId %q after %d: want increasing integers", got.msg.MsgId, prev)
		}
		prev = id
	}
}

func TestReplayPostsTheSameRequest(t *testing.T) {
	f := newFixture(t)
	rc := withReceiver(t, f)
	d, err := f.sim.SendText(context.Background(), "zhangwei", "日报：完成安装")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(5 * time.Second) // a retry comes later; it must still be the same request
	again, err := f.sim.Replay(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	got := rc.all()
	if len(got) != 2 || got[0].rawQuery != got[1].rawQuery || !bytes.Equal(got[0].body, got[1].body) {
		t.Fatalf("replay differs from the original: %+v", got)
	}
	if again.Status != http.StatusOK || got[1].msg.MsgId != got[0].msg.MsgId {
		t.Fatalf("replay: status %d, MsgId %q vs %q", again.Status, got[1].msg.MsgId, got[0].msg.MsgId)
	}
}

func TestDeliveryReportsTheBotsAnswer(t *testing.T) {
	f := newFixture(t)
	rc := withReceiver(t, f)
	rc.status = http.StatusServiceUnavailable
	d, err := f.sim.SendText(context.Background(), "zhangwei", "数据库挂了")
	if err != nil {
		t.Fatalf("a non-200 answer is a result, not an error: %v", err)
	}
	if d.Status != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", d.Status)
	}

	bare := wecomsim.New(wecomsim.Options{CorpID: testCorpID, Token: testToken, EncodingAESKey: testAESKey})
	if _, err := bare.SendText(context.Background(), "zhangwei", "x"); err == nil {
		t.Fatal("sending without a callback URL must fail")
	}
	broken := wecomsim.New(wecomsim.Options{CorpID: testCorpID, Token: testToken, EncodingAESKey: "short",
		CallbackURL: "http://127.0.0.1:1/cb"})
	if _, _, err := broken.BuildCallback([]byte("<xml/>")); err == nil {
		t.Fatal("an invalid EncodingAESKey must fail to encrypt")
	}
}

func TestBuildCallbackPadding(t *testing.T) {
	f := newFixture(t)
	// Message lengths around the 32-byte block, including ones needing a full block of padding.
	for n := range 70 {
		plain := []byte(strings.Repeat("x", n))
		q, body, err := f.sim.BuildCallback(plain)
		if err != nil {
			t.Fatal(err)
		}
		var env envelope
		if err := xml.Unmarshal(body, &env); err != nil {
			t.Fatal(err)
		}
		if want := sign(testToken, q.Get("timestamp"), q.Get("nonce"), env.Encrypt); q.Get("msg_signature") != want {
			t.Fatalf("length %d: bad signature", n)
		}
		if q.Get("timestamp") != strconv.FormatInt(f.clock.Now().Unix(), 10) {
			t.Fatalf("timestamp %q is not the clock's", q.Get("timestamp"))
		}
		got, receiveID, err := decrypt(testAESKey, env.Encrypt)
		if err != nil || !bytes.Equal(got, plain) || receiveID != testCorpID {
			t.Fatalf("length %d: decrypt = %q, %q, %v", n, got, receiveID, err)
		}
	}
}

func TestVerifyURL(t *testing.T) {
	f := newFixture(t)
	rc := withReceiver(t, f)
	d, err := f.sim.VerifyURL(context.Background())
	if err != nil {
		t.Fatalf("VerifyURL against a correct endpoint: %v", err)
	}
	if d.Query.Get("echostr") == "" || string(d.Body) != string(d.Plaintext) {
		t.Fatalf("delivery = %+v", d)
	}

	rc.suffix = "\n"
	if _, err := f.sim.VerifyURL(context.Background()); !errors.Is(err, wecomsim.ErrURLCheck) {
		t.Fatalf("answer with a newline: err = %v, want ErrURLCheck", err)
	}
}
