package bot

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/silenceper/wechat/v2/util"

	"github.com/servicebot/servicebot"
)

// Framing of a decrypted callback (WeCom doc 90968):
// random(16) + msg_len(4, big endian) + msg + receiveid, PKCS#7-padded to a
// multiple of 32 bytes and encrypted with AES-256-CBC, IV = key[:16].
const (
	randomLen      = 16
	headerLen      = randomLen + 4
	maxPadding     = 32
	encodedKeyLen  = 43
	decodedKeyLen  = 32
	callbackIVSize = aes.BlockSize
)

// Crypto verifies and decrypts the callbacks WeCom sends to one self-built
// app, and encrypts passive replies. It is safe for concurrent use.
type Crypto struct {
	token  string
	corpID string
	key    []byte
	block  cipher.Block
}

// NewCrypto takes the app's callback settings from the admin console
// (接收消息 → 设置API接收): the Token, the 43-character EncodingAESKey, and
// the corp id, which every callback must name as its receiver.
func NewCrypto(token, encodingAESKey, corpID string) (*Crypto, error) {
	if token == "" {
		return nil, errors.New("bot: callback crypto: empty token")
	}
	if corpID == "" {
		return nil, errors.New("bot: callback crypto: empty corp id")
	}
	if len(encodingAESKey) != encodedKeyLen {
		return nil, fmt.Errorf("bot: callback crypto: EncodingAESKey must be %d characters, got %d", encodedKeyLen, len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != decodedKeyLen {
		// The key itself is a secret: say what is wrong, never echo it.
		return nil, errors.New("bot: callback crypto: EncodingAESKey is not base64 for 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("bot: callback crypto: %w", err)
	}
	return &Crypto{token: token, corpID: corpID, key: key, block: block}, nil
}

// VerifyURL answers WeCom's URL check (GET with echostr): it verifies the
// signature over echostr, decrypts it and returns the plaintext, which the
// caller writes back as the whole response body (no quotes, no newline).
// The arguments are the query parameters, already URL-decoded.
func (c *Crypto) VerifyURL(msgSignature, timestamp, nonce, echostr string) ([]byte, error) {
	if err := c.verify(msgSignature, timestamp, nonce, echostr); err != nil {
		return nil, fmt.Errorf("bot: verify url: %w", err)
	}
	plain, err := c.decrypt(echostr)
	if err != nil {
		return nil, fmt.Errorf("bot: verify url: %w", err)
	}
	return plain, nil
}

// callbackBody is the body of a callback POST. WeCom also sends ToUserName and
// AgentID in clear; only Encrypt is trusted, after its signature is checked.
type callbackBody struct {
	XMLName xml.Name `xml:"xml"`
	Encrypt string   `xml:"Encrypt"`
}

// DecryptBody verifies and decrypts the body of a callback POST and returns
// the plaintext XML, ready for ParseEvent. Errors wrap
// servicebot.ErrMalformed, servicebot.ErrBadSignature or
// servicebot.ErrWrongReceiver. It never panics, whatever the input.
func (c *Crypto) DecryptBody(msgSignature, timestamp, nonce string, body []byte) ([]byte, error) {
	var env callbackBody
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("bot: decrypt callback: %w: %w", servicebot.ErrMalformed, err)
	}
	if env.Encrypt == "" {
		return nil, fmt.Errorf("bot: decrypt callback: no Encrypt element: %w", servicebot.ErrMalformed)
	}
	// The signature is checked before anything is decrypted, so a forger
	// learns nothing from how decryption fails.
	if err := c.verify(msgSignature, timestamp, nonce, env.Encrypt); err != nil {
		return nil, fmt.Errorf("bot: decrypt callback: %w", err)
	}
	plain, err := c.decrypt(env.Encrypt)
	if err != nil {
		return nil, fmt.Errorf("bot: decrypt callback: %w", err)
	}
	return plain, nil
}

// verify checks msg_signature = hex(sha1(sort(token, timestamp, nonce, encrypted))).
func (c *Crypto) verify(msgSignature, timestamp, nonce, encrypted string) error {
	want := util.Signature(c.token, timestamp, nonce, encrypted)
	if subtle.ConstantTimeCompare([]byte(want), []byte(msgSignature)) != 1 {
		return servicebot.ErrBadSignature
	}
	return nil
}

// decrypt opens one base64 ciphertext and checks that it is addressed to
// our corp id.
//
// It is written on crypto/aes rather than util.DecryptMsg/AESDecryptMsg
// because the SDK's version (v2.1.10) reports a wrong receiver and a broken
// ciphertext as the same untyped text error (telling them apart would need
// string matching), turns panics into errors with recover instead of
// preventing them, checks only the last padding byte, and computes
// 20+msg_len in int, which overflows on 32-bit platforms and then slices out
// of range. Here every length is checked before it is used.
func (c *Crypto) decrypt(encoded string) ([]byte, error) {
	if encoded == "" {
		return nil, fmt.Errorf("empty ciphertext: %w", servicebot.ErrMalformed)
	}
	ciphertext, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("ciphertext is not base64: %w", servicebot.ErrMalformed)
	}
	if len(ciphertext) == 0 || len(ciphertext)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("ciphertext of %d bytes is not a whole number of blocks: %w", len(ciphertext), servicebot.ErrMalformed)
	}
	plain := make([]byte, len(ciphertext))
	cipher.NewCBCDecrypter(c.block, c.key[:callbackIVSize]).CryptBlocks(plain, ciphertext)

	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > maxPadding || pad > len(plain) {
		return nil, fmt.Errorf("bad padding: %w", servicebot.ErrMalformed)
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, fmt.Errorf("bad padding: %w", servicebot.ErrMalformed)
		}
	}
	plain = plain[:len(plain)-pad]

	if len(plain) < headerLen {
		return nil, fmt.Errorf("plaintext of %d bytes has no header: %w", len(plain), servicebot.ErrMalformed)
	}
	// Compared as uint64 so that no platform's int can overflow.
	msgLen := binary.BigEndian.Uint32(plain[randomLen:headerLen])
	if uint64(msgLen) > uint64(len(plain)-headerLen) {
		return nil, fmt.Errorf("length field %d exceeds the %d bytes left: %w", msgLen, len(plain)-headerLen, servicebot.ErrMalformed)
	}
	msgEnd := headerLen + int(msgLen)
	if receiver := plain[msgEnd:]; string(receiver) != c.corpID {
		return nil, fmt.Errorf("receiveid %q is not our corp id: %w", receiver, servicebot.ErrWrongReceiver)
	}
	return plain[headerLen:msgEnd:msgEnd], nil
}

// passiveReply is the encrypted envelope WeCom's own libraries
// (WXBizMsgCrypt.EncryptMsg) build for a passive reply. DecryptBody reads it
// too, since it needs only Encrypt.
type passiveReply struct {
	XMLName      xml.Name `xml:"xml"`
	Encrypt      cdata    `xml:"Encrypt"`
	MsgSignature cdata    `xml:"MsgSignature"`
	TimeStamp    string   `xml:"TimeStamp"`
	Nonce        cdata    `xml:"Nonce"`
}

type cdata struct {
	Value string `xml:",cdata"`
}

// Encrypt encrypts plaintext for our corp id as WeCom does and returns the
// envelope with its signature: a passive reply, or (in tests and the
// simulator) a callback body whose msg_signature goes in the query string.
func (c *Crypto) Encrypt(plaintext []byte, timestamp, nonce string) (envelope []byte, msgSignature string, err error) {
	random := make([]byte, randomLen)
	if _, err := rand.Read(random); err != nil {
		return nil, "", fmt.Errorf("bot: encrypt: %w", err)
	}
	// util.AESEncryptMsg panics only on a bad key, which NewCrypto ruled out.
	encrypted := base64.StdEncoding.EncodeToString(util.AESEncryptMsg(random, plaintext, c.corpID, c.key))
	msgSignature = util.Signature(c.token, timestamp, nonce, encrypted)
	envelope, err = xml.Marshal(passiveReply{
		Encrypt:      cdata{encrypted},
		MsgSignature: cdata{msgSignature},
		TimeStamp:    timestamp,
		Nonce:        cdata{nonce},
	})
	if err != nil {
		return nil, "", fmt.Errorf("bot: encrypt: %w", err)
	}
	return envelope, msgSignature, nil
}
