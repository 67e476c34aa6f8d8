// Package bot is the WeCom (企业微信) edge of servicebot: it verifies,
// decrypts and parses the callbacks WeCom posts to the self-built app
// (Crypto, ParseEvent), and calls the WeCom API to send messages, cards and
// card updates, manage app group chats and read the address book (Client).
//
// It is built on github.com/silenceper/wechat/v2 and imports only its util,
// cache, credential and work/... packages: the root package's init
// reconfigures logrus for the whole process.
package bot
