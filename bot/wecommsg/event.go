package wecommsg

import (
	"strconv"
	"strings"
	"time"
)

// Message types (MsgType) of WeCom callbacks for a self-built app.
const (
	MsgText     = "text"
	MsgImage    = "image"
	MsgVoice    = "voice"
	MsgVideo    = "video"
	MsgLocation = "location"
	MsgLink     = "link"
	MsgEvent    = "event"
)

// Event names (Event, when MsgType is "event").
const (
	EventTemplateCard = "template_card_event"
	EventEnterAgent   = "enter_agent"
	EventClick        = "click"
	EventView         = "view"
	EventSubscribe    = "subscribe"
	EventLocation     = "LOCATION"
)

// Event is one decrypted, parsed callback from WeCom: a message a member sent
// to the app, or an event (card click, menu click, entering the app). Fields a
// given type does not carry stay zero. Raw keeps the decrypted XML so that an
// unknown type is stored whole and can be handled by a later version.
type Event struct {
	ToUserName   string // the corp id
	FromUserName string // the member's userid
	CreateTime   int64  // unix seconds, as WeCom sent it
	MsgType      string
	AgentID      int64

	// Messages.
	MsgID     string
	Content   string  // text
	PicURL    string  // image
	MediaID   string  // image, voice, video
	Format    string  // voice: amr, speex
	Latitude  float64 // location: Location_X
	Longitude float64 // location: Location_Y
	Scale     int     // location
	Label     string  // location: the place's name
	Title     string  // link
	URL       string  // link

	// Events.
	Event         string
	EventKey      string // button key (template_card_event), menu key (click)
	TaskID        string // template_card_event
	CardType      string // template_card_event
	ResponseCode  string // template_card_event: one use, for update_template_card
	SelectedItems []SelectedItem
	// change_contact (通讯录变更, from sys): what changed, and whom.
	ChangeType   string
	ChangedUser  string // UserID
	ChangedParty string // Id of a department

	Raw []byte
}

// SelectedItem is one answer of a vote or multiple-choice card.
type SelectedItem struct {
	QuestionKey string
	OptionIDs   []string
}

// Time is CreateTime as a time.Time.
func (e Event) Time() time.Time { return time.Unix(e.CreateTime, 0) }

// Kind names the event for storage and routing: the MsgType, or
// "event:<Event>" for events ("event:template_card_event").
func (e Event) Kind() string {
	if e.MsgType == MsgEvent {
		return MsgEvent + ":" + e.Event
	}
	return e.MsgType
}

// DedupKey is the inbox's unique key for this delivery (DESIGN, flow 1):
// the MsgId for a message; for an event, FromUserName + CreateTime + Event +
// EventKey + TaskId, because different events can share a user and a second.
func (e Event) DedupKey() string {
	if e.MsgID != "" {
		return "msg:" + e.MsgID
	}
	key := strings.Join([]string{
		"evt", e.FromUserName, strconv.FormatInt(e.CreateTime, 10), e.MsgType, e.Event, e.EventKey, e.TaskID,
	}, ":")
	if e.ChangeType != "" {
		// change_contact events all come from sys: two changes in one
		// second differ only in what changed and whom (WECOM.md).
		key += ":" + e.ChangeType + ":" + e.ChangedUser + ":" + e.ChangedParty
	}
	return key
}
