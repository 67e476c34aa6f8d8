// Package bot is the WeCom (企业微信) edge of servicebot: it verifies,
// decrypts and parses the callbacks WeCom posts to the self-built app
// (Crypto, ParseEvent), and calls the WeCom API to send messages, cards and
// card updates, manage app group chats and read the address book (Client).
//
// It is built on github.com/silenceper/wechat/v2 and imports only its util,
// cache and credential packages: the root package's init reconfigures logrus
// for the whole process. Every call goes through the SDK's context-aware
// util helpers to the app's own API host (ClientConfig.APIBase), so nothing
// of the SDK's process-global settings (URI modifier, default HTTP client)
// is changed, and several apps, each with its own host, share one process.
package bot
