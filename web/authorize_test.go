package web

import "testing"

// The OAuth link keeps WeCom's documented parameter order (91022).
func TestAuthorizeURLInDocumentedOrder(t *testing.T) {
	t.Parallel()
	got := authorizeURL("https://open.weixin.qq.com/connect/oauth2/authorize", "ww123",
		"https://bot.example.com/web/oauth?x=1", "st", 1000002)
	want := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww123" +
		"&redirect_uri=https%3A%2F%2Fbot.example.com%2Fweb%2Foauth%3Fx%3D1&response_type=code&scope=snsapi_base" +
		"&state=st&agentid=1000002#wechat_redirect"
	if got != want {
		t.Errorf("authorize URL\n got %s\nwant %s", got, want)
	}
}
