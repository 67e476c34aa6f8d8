package bot_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/util"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

// The official sample of WeCom's callback documentation (doc 90968) and of
// its WXBizMsgCrypt libraries.
const (
	officialToken  = "QDG6eK"
	officialAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	officialCorpID = "wx5823bf96d3bd56c7"
)

// Settings of the self-generated cases.
const (
	testToken  = "sb-callback-token"
	testAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testCorpID = "ww0123456789abcdef"
	testTS     = "1717400000"
	testNonce  = "1320562132"
)

func newTestCrypto(t testing.TB) *bot.Crypto {
	t.Helper()
	c, err := bot.NewCrypto(testToken, testAESKey, testCorpID)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testKey(t testing.TB) []byte {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(testAESKey + "=")
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// frame builds a decrypted callback: random(16) + msg_len + msg + receiver,
// PKCS#7-padded to 32 bytes as WeCom does.
func frame(msg []byte, receiver string) []byte {
	var b bytes.Buffer
	b.Write(make([]byte, 16))
	_ = binary.Write(&b, binary.BigEndian, uint32(len(msg)))
	b.Write(msg)
	b.WriteString(receiver)
	pad := 32 - b.Len()%32
	b.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	return b.Bytes()
}

// seal encrypts raw bytes (a whole number of AES blocks, padding included)
// as WeCom does and returns the base64 text of an Encrypt element; the
// malformed cases use it to build what WeCom never would.
func seal(key, raw []byte) string {
	out := make([]byte, len(raw))
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, raw)
	return base64.StdEncoding.EncodeToString(out)
}

// signedBody is a callback POST body with the msg_signature of its query.
type signedBody struct {
	body []byte
	sig  string
}

// post builds a callback body around encrypted, as WeCom posts it, and
// signs it with testToken.
func post(encrypted string) signedBody {
	return signedBody{
		body: []byte("<xml><ToUserName><![CDATA[" + testCorpID + "]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID><Encrypt><![CDATA[" + encrypted + "]]></Encrypt></xml>"),
		sig:  util.Signature(testToken, testTS, testNonce, encrypted),
	}
}

// encryptedField returns the Encrypt element of an envelope made by Encrypt.
func encryptedField(t testing.TB, envelope []byte) string {
	t.Helper()
	var env struct {
		Encrypt string `xml:"Encrypt"`
	}
	if err := xml.Unmarshal(envelope, &env); err != nil {
		t.Fatal(err)
	}
	return env.Encrypt
}

func TestNewCrypto(t *testing.T) {
	tests := []struct {
		name                  string
		token, aesKey, corpID string
		ok                    bool
	}{
		{"valid", testToken, testAESKey, testCorpID, true},
		{"official sample", officialToken, officialAESKey, officialCorpID, true},
		{"empty token", "", testAESKey, testCorpID, false},
		{"empty corp id", testToken, testAESKey, "", false},
		{"key too short", testToken, testAESKey[:42], testCorpID, false},
		{"key too long", testToken, testAESKey + "A", testCorpID, false},
		{"key not base64", testToken, strings.Repeat("!", 43), testCorpID, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := bot.NewCrypto(tt.token, tt.aesKey, tt.corpID)
			if tt.ok != (err == nil) || tt.ok != (c != nil) {
				t.Fatalf("NewCrypto = %v, %v; want ok=%v", c, err, tt.ok)
			}
			if err != nil && strings.Contains(err.Error(), tt.aesKey) && tt.aesKey != "" {
				t.Errorf("error %q repeats the AES key", err)
			}
		})
	}
}

func TestOfficialVector(t *testing.T) {
	c, err := bot.NewCrypto(officialToken, officialAESKey, officialCorpID)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("url check", func(t *testing.T) {
		echo, err := c.VerifyURL("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
			"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
		if err != nil {
			t.Fatal(err)
		}
		if string(echo) != "1616140317555161061" {
			t.Errorf("echo = %q, want the sample's 1616140317555161061", echo)
		}
	})

	const (
		sig   = "477715d11cdb4164915debcba66cb864d751f3e6"
		ts    = "1409659813"
		nonce = "1372623149"
		body  = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
	)
	t.Run("message", func(t *testing.T) {
		plain, err := c.DecryptBody(sig, ts, nonce, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := bot.ParseEvent(plain)
		if err != nil {
			t.Fatal(err)
		}
		if ev.MsgType != wecommsg.MsgText || ev.Content != "hello" || ev.MsgID != "4561255354251345929" || ev.ToUserName != officialCorpID {
			t.Errorf("event = %+v, want the sample's text \"hello\", MsgId 4561255354251345929", ev)
		}
	})
	t.Run("forged signature", func(t *testing.T) {
		_, err := c.DecryptBody(strings.Repeat("0", 40), ts, nonce, []byte(body))
		if !errors.Is(err, servicebot.ErrBadSignature) {
			t.Errorf("err = %v, want ErrBadSignature", err)
		}
	})
	t.Run("other corp", func(t *testing.T) {
		other, err := bot.NewCrypto(officialToken, officialAESKey, "ww-other-corp")
		if err != nil {
			t.Fatal(err)
		}
		_, err = other.DecryptBody(sig, ts, nonce, []byte(body))
		if !errors.Is(err, servicebot.ErrWrongReceiver) {
			t.Errorf("err = %v, want ErrWrongReceiver", err)
		}
	})
}

func TestVerifyURL(t *testing.T) {
	c := newTestCrypto(t)
	env, _, err := c.Encrypt([]byte("8243711459163928"), testTS, testNonce)
	if err != nil {
		t.Fatal(err)
	}
	echostr := encryptedField(t, env)
	sig := util.Signature(testToken, testTS, testNonce, echostr)

	tests := []struct {
		name      string
		sig, ts   string
		echostr   string
		want      string
		wantError error
	}{
		{name: "valid", sig: sig, ts: testTS, echostr: echostr, want: "8243711459163928"},
		{name: "forged signature", sig: strings.Repeat("a", 40), ts: testTS, echostr: echostr, wantError: servicebot.ErrBadSignature},
		{name: "replayed with another timestamp", sig: sig, ts: "1717400001", echostr: echostr, wantError: servicebot.ErrBadSignature},
		{name: "empty signature", sig: "", ts: testTS, echostr: echostr, wantError: servicebot.ErrBadSignature},
		{name: "signed garbage", sig: util.Signature(testToken, testTS, testNonce, "%%%"), ts: testTS, echostr: "%%%", wantError: servicebot.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.VerifyURL(tt.sig, tt.ts, testNonce, tt.echostr)
			if tt.wantError != nil {
				if !errors.Is(err, tt.wantError) {
					t.Fatalf("err = %v, want %v", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The handler writes this as the whole body: exactly the
			// decrypted echostr, with no newline or quotes around it.
			if string(got) != tt.want {
				t.Errorf("VerifyURL = %q, want %q", got, tt.want)
			}
		})
	}
}

// roundTrips are callbacks as WeCom sends them (docs 90239, 90240, 90241),
// with the Event each must parse into (Raw is checked separately).
var roundTrips = []struct {
	name string
	xml  string
	want wecommsg.Event
}{
	{
		name: "text",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1717400000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[今天：成都 两台设备安装调试完成。明天：回访]]></Content><MsgId>1234567890123456</MsgId><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "zhangsan", CreateTime: 1717400000, MsgType: "text", AgentID: 1000002,
			MsgID: "1234567890123456", Content: "今天：成都 两台设备安装调试完成。明天：回访"},
	},
	{
		name: "image",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1717400001</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[https://wework.qpic.cn/wwpic/123/0]]></PicUrl><MediaId><![CDATA[media_img_1]]></MediaId><MsgId>1234567890123457</MsgId><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "lisi", CreateTime: 1717400001, MsgType: "image", AgentID: 1000002,
			MsgID: "1234567890123457", PicURL: "https://wework.qpic.cn/wwpic/123/0", MediaID: "media_img_1"},
	},
	{
		// As WeCom sends voice to a self-built app (接收消息 90239): MediaId and
		// Format, no Recognition (that is WeChat Official Accounts').
		name: "voice",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[wangwu]]></FromUserName><CreateTime>1717400002</CreateTime><MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media_voice_1]]></MediaId><Format><![CDATA[amr]]></Format><MsgId>1234567890123458</MsgId><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "wangwu", CreateTime: 1717400002, MsgType: "voice", AgentID: 1000002,
			MsgID: "1234567890123458", MediaID: "media_voice_1", Format: "amr"},
	},
	{
		name: "video",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[zhaoliu]]></FromUserName><CreateTime>1717400003</CreateTime><MsgType><![CDATA[video]]></MsgType><MediaId><![CDATA[media_video_1]]></MediaId><ThumbMediaId><![CDATA[thumb_1]]></ThumbMediaId><MsgId>1234567890123459</MsgId><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "zhaoliu", CreateTime: 1717400003, MsgType: "video", AgentID: 1000002,
			MsgID: "1234567890123459", MediaID: "media_video_1"},
	},
	{
		name: "location",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1717400004</CreateTime><MsgType><![CDATA[location]]></MsgType><Location_X>30.657</Location_X><Location_Y>104.066</Location_Y><Scale>15</Scale><Label><![CDATA[四川省成都市武侯区]]></Label><MsgId>1234567890123460</MsgId><AgentID>1000002</AgentID><AppType><![CDATA[wxwork]]></AppType></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "zhangsan", CreateTime: 1717400004, MsgType: "location", AgentID: 1000002,
			MsgID: "1234567890123460", Latitude: 30.657, Longitude: 104.066, Scale: 15, Label: "四川省成都市武侯区"},
	},
	{
		name: "link",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1717400005</CreateTime><MsgType><![CDATA[link]]></MsgType><Title><![CDATA[设备说明书]]></Title><Description><![CDATA[第三版]]></Description><Url><![CDATA[https://example.com/manual]]></Url><PicUrl><![CDATA[https://example.com/cover.png]]></PicUrl><MsgId>1234567890123461</MsgId><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "lisi", CreateTime: 1717400005, MsgType: "link", AgentID: 1000002,
			MsgID: "1234567890123461", Title: "设备说明书", URL: "https://example.com/manual", PicURL: "https://example.com/cover.png"},
	},
	{
		name: "template_card_event button",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[manager1]]></FromUserName><CreateTime>1717400006</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[approve]]></EventKey><TaskId><![CDATA[apv-42-1]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[rc_abc123]]></ResponseCode><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "manager1", CreateTime: 1717400006, MsgType: "event", AgentID: 1000002,
			Event: "template_card_event", EventKey: "approve", TaskID: "apv-42-1", CardType: "button_interaction", ResponseCode: "rc_abc123"},
	},
	{
		name: "template_card_event vote",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1717400007</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[submit]]></EventKey><TaskId><![CDATA[survey-7]]></TaskId><CardType><![CDATA[multiple_interaction]]></CardType><ResponseCode><![CDATA[rc_def456]]></ResponseCode><AgentID>1000002</AgentID><SelectedItems><SelectedItem><QuestionKey><![CDATA[q1]]></QuestionKey><OptionIds><OptionId><![CDATA[o1]]></OptionId><OptionId><![CDATA[o3]]></OptionId></OptionIds></SelectedItem><SelectedItem><QuestionKey><![CDATA[q2]]></QuestionKey><OptionIds><OptionId><![CDATA[o2]]></OptionId></OptionIds></SelectedItem></SelectedItems></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "zhangsan", CreateTime: 1717400007, MsgType: "event", AgentID: 1000002,
			Event: "template_card_event", EventKey: "submit", TaskID: "survey-7", CardType: "multiple_interaction", ResponseCode: "rc_def456",
			SelectedItems: []wecommsg.SelectedItem{{QuestionKey: "q1", OptionIDs: []string{"o1", "o3"}}, {QuestionKey: "q2", OptionIDs: []string{"o2"}}}},
	},
	{
		name: "enter_agent",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1717400008</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[enter_agent]]></Event><EventKey><![CDATA[]]></EventKey><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "lisi", CreateTime: 1717400008, MsgType: "event", AgentID: 1000002,
			Event: "enter_agent"},
	},
	{
		name: "click",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[wangwu]]></FromUserName><CreateTime>1717400009</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[click]]></Event><EventKey><![CDATA[menu_report]]></EventKey><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "wangwu", CreateTime: 1717400009, MsgType: "event", AgentID: 1000002,
			Event: "click", EventKey: "menu_report"},
	},
	{
		name: "view",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[wangwu]]></FromUserName><CreateTime>1717400010</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[view]]></Event><EventKey><![CDATA[https://bot.example.com/forms]]></EventKey><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "wangwu", CreateTime: 1717400010, MsgType: "event", AgentID: 1000002,
			Event: "view", EventKey: "https://bot.example.com/forms"},
	},
	{
		name: "LOCATION",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[zhaoliu]]></FromUserName><CreateTime>1717400011</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[LOCATION]]></Event><Latitude>29.563</Latitude><Longitude>106.551</Longitude><Precision>65.000000</Precision><AgentID>1000002</AgentID><AppType><![CDATA[wxwork]]></AppType></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "zhaoliu", CreateTime: 1717400011, MsgType: "event", AgentID: 1000002,
			Event: "LOCATION", Latitude: 29.563, Longitude: 106.551},
	},
	{
		name: "unknown message type",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>1717400012</CreateTime><MsgType><![CDATA[hologram]]></MsgType><Depth>3</Depth><MsgId>1234567890123462</MsgId><AgentID>1000002</AgentID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "lisi", CreateTime: 1717400012, MsgType: "hologram", AgentID: 1000002,
			MsgID: "1234567890123462"},
	},
	{
		// What changed and whom are read: they tell apart two changes from
		// sys in the same second (the dedup key).
		name: "change_contact event",
		xml:  `<xml><ToUserName><![CDATA[ww0123456789abcdef]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1717400013</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event><ChangeType><![CDATA[update_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID></xml>`,
		want: wecommsg.Event{ToUserName: testCorpID, FromUserName: "sys", CreateTime: 1717400013, MsgType: "event",
			Event: "change_contact", ChangeType: "update_user", ChangedUser: "zhangsan"},
	},
}

func TestRoundTrip(t *testing.T) {
	c := newTestCrypto(t)
	for _, tt := range roundTrips {
		t.Run(tt.name, func(t *testing.T) {
			env, sig, err := c.Encrypt([]byte(tt.xml), testTS, testNonce)
			if err != nil {
				t.Fatal(err)
			}
			if want := util.Signature(testToken, testTS, testNonce, encryptedField(t, env)); sig != want {
				t.Fatalf("signature = %s, want %s", sig, want)
			}
			// The callback WeCom posts carries the ciphertext in its own envelope.
			body := post(encryptedField(t, env)).body
			for name, b := range map[string][]byte{"passive reply envelope": env, "callback envelope": body} {
				plain, err := c.DecryptBody(sig, testTS, testNonce, b)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if string(plain) != tt.xml {
					t.Fatalf("%s: plaintext = %q, want %q", name, plain, tt.xml)
				}
			}
			ev, err := bot.ParseEvent([]byte(tt.xml))
			if err != nil {
				t.Fatal(err)
			}
			if string(ev.Raw) != tt.xml {
				t.Errorf("Raw = %q, want the plaintext", ev.Raw)
			}
			ev.Raw = nil
			if !reflect.DeepEqual(ev, tt.want) {
				t.Errorf("event =\n%+v\nwant\n%+v", ev, tt.want)
			}
		})
	}
}

// Two encryptions of one message differ (random prefix) and both decrypt.
func TestEncryptIsRandomized(t *testing.T) {
	c := newTestCrypto(t)
	a, _, err := c.Encrypt([]byte("<xml/>"), testTS, testNonce)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := c.Encrypt([]byte("<xml/>"), testTS, testNonce)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, b) {
		t.Error("two encryptions of the same plaintext are identical")
	}
}

func TestDecryptBodyRejects(t *testing.T) {
	c := newTestCrypto(t)
	key := testKey(t)
	msg := []byte(roundTrips[0].xml)
	valid := frame(msg, testCorpID)

	withLastByte := func(b byte) []byte {
		f := bytes.Clone(valid)
		f[len(f)-1] = b
		return f
	}
	inconsistentPadding := func() []byte {
		f := bytes.Clone(valid)
		pad := int(f[len(f)-1])
		if pad < 2 {
			t.Fatalf("test frame has %d padding bytes, needs two", pad)
		}
		f[len(f)-2] ^= 0xff
		return f
	}
	withLength := func(n uint32) []byte {
		f := bytes.Clone(valid)
		binary.BigEndian.PutUint32(f[16:20], n)
		return f
	}
	// The hand-built frame must decrypt, or every case below could fail
	// for a reason other than the one it names.
	sane := post(seal(key, valid))
	if plain, err := c.DecryptBody(sane.sig, testTS, testNonce, sane.body); err != nil || !bytes.Equal(plain, msg) {
		t.Fatalf("hand-built frame: DecryptBody = %q, %v; want the message", plain, err)
	}

	other, err := bot.NewCrypto(testToken, testAESKey, "ww-other-corp")
	if err != nil {
		t.Fatal(err)
	}
	otherEnv, otherSig, err := other.Encrypt(msg, testTS, testNonce)
	if err != nil {
		t.Fatal(err)
	}
	signedRaw := func(body, encrypted string) signedBody {
		return signedBody{[]byte(body), util.Signature(testToken, testTS, testNonce, encrypted)}
	}
	forged := post(seal(key, valid))
	forged.sig = strings.Repeat("f", 40)
	swapped := post(seal(key, valid))
	swapped.sig = post(seal(key, withLastByte(1))).sig

	tests := []struct {
		name string
		in   signedBody
		want error
	}{
		{"forged signature", forged, servicebot.ErrBadSignature},
		{"signature of another body", swapped, servicebot.ErrBadSignature},
		{"wrong corp id", signedBody{otherEnv, otherSig}, servicebot.ErrWrongReceiver},
		{"empty receiver", post(seal(key, frame(msg, ""))), servicebot.ErrWrongReceiver},
		{"not XML", signedBody{[]byte("hello"), "x"}, servicebot.ErrMalformed},
		{"empty body", signedBody{nil, "x"}, servicebot.ErrMalformed},
		{"wrong root element", signedRaw("<json><Encrypt>abc</Encrypt></json>", "abc"), servicebot.ErrMalformed},
		{"no Encrypt", signedRaw("<xml><ToUserName>x</ToUserName></xml>", ""), servicebot.ErrMalformed},
		{"empty Encrypt", signedRaw("<xml><Encrypt><![CDATA[]]></Encrypt></xml>", ""), servicebot.ErrMalformed},
		{"bad base64", post("not*base64"), servicebot.ErrMalformed},
		{"not whole blocks", post(base64.StdEncoding.EncodeToString(make([]byte, 33))), servicebot.ErrMalformed},
		{"shorter than a block", post("AAAA"), servicebot.ErrMalformed},
		{"zero padding", post(seal(key, withLastByte(0))), servicebot.ErrMalformed},
		{"padding over 32", post(seal(key, withLastByte(33))), servicebot.ErrMalformed},
		{"inconsistent padding", post(seal(key, inconsistentPadding())), servicebot.ErrMalformed},
		{"length field past the end", post(seal(key, withLength(uint32(len(msg)+len(testCorpID)+1)))), servicebot.ErrMalformed},
		{"length field 2^32-1", post(seal(key, withLength(1<<32-1))), servicebot.ErrMalformed},
		{"no room for the header", post(seal(key, bytes.Repeat([]byte{16}, 16))), servicebot.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, err := c.DecryptBody(tt.in.sig, testTS, testNonce, tt.in.body)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecryptBody = %q, %v; want %v", plain, err, tt.want)
			}
		})
	}
}

func TestParseEventRejects(t *testing.T) {
	tests := []struct {
		name string
		xml  string
	}{
		{"empty", ""},
		{"not XML", "text"},
		{"wrong root", `<msg><FromUserName>a</FromUserName><MsgType>text</MsgType></msg>`},
		{"no FromUserName", `<xml><ToUserName>ww</ToUserName><MsgType>text</MsgType><Content>hi</Content></xml>`},
		{"no MsgType", `<xml><ToUserName>ww</ToUserName><FromUserName>a</FromUserName><Content>hi</Content></xml>`},
		{"CreateTime not a number", `<xml><FromUserName>a</FromUserName><MsgType>text</MsgType><CreateTime>yesterday</CreateTime></xml>`},
		{"Location_X not a number", `<xml><FromUserName>a</FromUserName><MsgType>location</MsgType><Location_X>north</Location_X></xml>`},
		{"unclosed", `<xml><FromUserName>a</FromUserName><MsgType>text`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := bot.ParseEvent([]byte(tt.xml))
			if !errors.Is(err, servicebot.ErrMalformed) {
				t.Fatalf("ParseEvent = %+v, %v; want ErrMalformed", ev, err)
			}
		})
	}
}
