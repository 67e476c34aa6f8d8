package wecomsim

import (
	"context"
	"net/http"
	"path"
	"slices"
	"strings"
)

// mediaFile is an answer of media/get that is the file itself, not JSON.
type mediaFile struct {
	data        []byte
	contentType string
	name        string
}

// UploadMedia keeps a file as WeCom keeps what a member sends (a photo, a
// voice message) and returns its media_id. Like WeCom's temporary media it
// can be fetched with media/get for three days (by the simulator's clock),
// then never again.
func (s *Sim) UploadMedia(data []byte, contentType string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := "sim-media-" + strings.ToLower(randomID())
	s.media[id] = &storedMedia{data: slices.Clone(data), contentType: contentType, created: s.now()}
	return id
}

// mediaGet is media/get (素材管理 · 获取临时素材): the file with its content
// type, or errcode 40007 for an unknown or expired media_id.
func (s *Sim) mediaGet(r *http.Request, _ []byte) any {
	id := r.URL.Query().Get("media_id")
	s.mu.Lock()
	defer s.mu.Unlock()
	m, found := s.media[id]
	if !found || !s.now().Before(m.created.Add(mediaTTL)) {
		return fail(codeInvalidMediaID, "invalid media_id")
	}
	ext := ".jpg"
	switch {
	case m.contentType == "audio/amr":
		ext = ".amr"
	case m.contentType == "image/png":
		ext = ".png"
	}
	return mediaFile{data: slices.Clone(m.data), contentType: m.contentType, name: path.Base(id) + ext}
}

// voiceXML is a voice message as WeCom sends it to a self-built app
// (接收消息 90239): MediaId and Format, and no Recognition.
func (s *Sim) voiceXML(fromUser, mediaID string) []byte {
	return newCallbackXML(s.corpID, fromUser, s.now().Unix(), "voice").
		cdata("MediaId", mediaID).cdata("Format", "amr").
		number("MsgId", s.nextMsgID()).number("AgentID", s.agentIDString()).bytes()
}

// SendVoice delivers a voice message whose audio is media mediaID (see
// UploadMedia).
func (s *Sim) SendVoice(ctx context.Context, fromUser, mediaID string) (Delivery, error) {
	return s.deliver(ctx, s.voiceXML(fromUser, mediaID), fromUser, "voice", "[语音]")
}
