package bot_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"testing"

	"github.com/silenceper/wechat/v2/util"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot"
)

// FuzzDecryptAndParse feeds the callback path arbitrary input and checks
// that it never panics and that every failure wraps one of the sentinels
// the handler maps to an answer (ErrMalformed, ErrBadSignature,
// ErrWrongReceiver).
//
// body is a POST body as it arrives; the harness signs whatever its Encrypt
// element holds, so the fuzzer gets past the signature check. frame is a
// decrypted frame (random, length, message, receiver, padding), which the
// harness encrypts and signs, so the fuzzer also controls the padding and
// length fields that sit behind AES.
//
//	go test -run '^$' -fuzz FuzzDecryptAndParse -fuzztime 60s ./bot/
func FuzzDecryptAndParse(f *testing.F) {
	c := newTestCrypto(f)
	key := testKey(f)
	for _, rt := range roundTrips {
		env, _, err := c.Encrypt([]byte(rt.xml), testTS, testNonce)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(env, frame([]byte(rt.xml), testCorpID))
		f.Add(post(encryptedField(f, env)).body, frame([]byte(rt.xml), "ww-other-corp"))
	}
	f.Add([]byte("<xml><Encrypt>!!!</Encrypt></xml>"), []byte{})
	f.Add([]byte("<xml><Encrypt><![CDATA[AAAA]]></Encrypt></xml>"), make([]byte, 32))
	f.Add([]byte(""), bytes.Repeat([]byte{0xff}, 48))

	f.Fuzz(func(t *testing.T, body, rawFrame []byte) {
		// 1. The body as posted, correctly signed.
		plain, err := c.DecryptBody(signatureOf(body), testTS, testNonce, body)
		checkOutcome(t, "DecryptBody", plain, err)

		// 2. The same body with a wrong signature never gets through.
		if _, err := c.DecryptBody("0000000000000000000000000000000000000000", testTS, testNonce, body); err == nil {
			t.Fatal("DecryptBody accepted a wrong signature")
		} else if !wrapsSentinel(err) {
			t.Fatalf("DecryptBody error %v wraps no sentinel", err)
		}

		// 3. An arbitrary frame behind valid encryption and signature.
		if sealed := wholeBlocks(rawFrame); len(sealed) > 0 {
			in := post(seal(key, sealed))
			plain, err := c.DecryptBody(in.sig, testTS, testNonce, in.body)
			checkOutcome(t, "DecryptBody(frame)", plain, err)
		}

		// 4. Arbitrary plaintext straight into the parser.
		if _, err := bot.ParseEvent(rawFrame); err != nil && !errors.Is(err, servicebot.ErrMalformed) {
			t.Fatalf("ParseEvent error %v does not wrap ErrMalformed", err)
		}
	})
}

// checkOutcome requires a sentinel on failure, and on success a plaintext
// that ParseEvent either parses (keeping it whole in Raw) or rejects as
// malformed.
func checkOutcome(t *testing.T, what string, plain []byte, err error) {
	t.Helper()
	if err != nil {
		if !wrapsSentinel(err) {
			t.Fatalf("%s error %v wraps no sentinel", what, err)
		}
		return
	}
	ev, err := bot.ParseEvent(plain)
	if err != nil {
		if !errors.Is(err, servicebot.ErrMalformed) {
			t.Fatalf("ParseEvent error %v does not wrap ErrMalformed", err)
		}
		return
	}
	if !bytes.Equal(ev.Raw, plain) || ev.FromUserName == "" || ev.MsgType == "" {
		t.Fatalf("ParseEvent(%q) = %+v: Raw differs or a required field is empty", plain, ev)
	}
}

func wrapsSentinel(err error) bool {
	return errors.Is(err, servicebot.ErrMalformed) ||
		errors.Is(err, servicebot.ErrBadSignature) ||
		errors.Is(err, servicebot.ErrWrongReceiver)
}

// signatureOf signs what body's Encrypt element holds, or anything when it
// has none (the body is then malformed whatever the signature).
func signatureOf(body []byte) string {
	var env struct {
		Encrypt string `xml:"Encrypt"`
	}
	_ = xml.Unmarshal(body, &env)
	return util.Signature(testToken, testTS, testNonce, env.Encrypt)
}

// wholeBlocks cuts b to a whole number of AES blocks, which CBC needs.
func wholeBlocks(b []byte) []byte {
	return b[:len(b)-len(b)%16]
}
