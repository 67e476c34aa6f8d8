package bot

import (
	"encoding/xml"
	"fmt"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
)

// callbackXML is every field of the callbacks the bot understands (WeCom
// docs 90239 messages, 90240 events, 90241 template_card_event). One flat
// struct decodes them all in a single pass: fields a type does not carry
// stay zero, exactly as in wecommsg.Event.
type callbackXML struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      string   `xml:"MsgType"`
	AgentID      int64    `xml:"AgentID"`

	// Messages.
	MsgID     string  `xml:"MsgId"`
	Content   string  `xml:"Content"`    // text
	PicURL    string  `xml:"PicUrl"`     // image, link
	MediaID   string  `xml:"MediaId"`    // image, voice, video
	Format    string  `xml:"Format"`     // voice
	LocationX float64 `xml:"Location_X"` // location: latitude
	LocationY float64 `xml:"Location_Y"` // location: longitude
	Scale     int     `xml:"Scale"`      // location
	Label     string  `xml:"Label"`      // location
	Title     string  `xml:"Title"`      // link
	URL       string  `xml:"Url"`        // link

	// Events.
	Event         string            `xml:"Event"`
	EventKey      string            `xml:"EventKey"`
	TaskID        string            `xml:"TaskId"`
	CardType      string            `xml:"CardType"`
	ResponseCode  string            `xml:"ResponseCode"`
	SelectedItems []selectedItemXML `xml:"SelectedItems>SelectedItem"`
	ChangeType    string            `xml:"ChangeType"` // change_contact: create_user, update_user, delete_user, …
	UserID        string            `xml:"UserID"`     // change_contact: the member changed
	PartyID       string            `xml:"Id"`         // change_contact: the department changed
	Latitude      float64           `xml:"Latitude"`   // LOCATION event
	Longitude     float64           `xml:"Longitude"`  // LOCATION event
}

type selectedItemXML struct {
	QuestionKey string   `xml:"QuestionKey"`
	OptionIDs   []string `xml:"OptionIds>OptionId"`
}

// ParseEvent parses a decrypted callback into a wecommsg.Event. A message
// or event type the bot does not know parses without error, with the common
// fields set and the whole XML in Raw, so it is stored rather than lost.
// Errors wrap servicebot.ErrMalformed: XML that does not parse (including a
// number field holding text), or a callback without FromUserName or MsgType.
func ParseEvent(plaintext []byte) (wecommsg.Event, error) {
	var x callbackXML
	if err := xml.Unmarshal(plaintext, &x); err != nil {
		return wecommsg.Event{}, fmt.Errorf("bot: parse callback: %w: %w", servicebot.ErrMalformed, err)
	}
	if x.FromUserName == "" || x.MsgType == "" {
		return wecommsg.Event{}, fmt.Errorf("bot: parse callback: FromUserName or MsgType missing: %w", servicebot.ErrMalformed)
	}
	ev := wecommsg.Event{
		ToUserName:   x.ToUserName,
		FromUserName: x.FromUserName,
		CreateTime:   x.CreateTime,
		MsgType:      x.MsgType,
		AgentID:      x.AgentID,
		MsgID:        x.MsgID,
		Content:      x.Content,
		PicURL:       x.PicURL,
		MediaID:      x.MediaID,
		Format:       x.Format,
		Scale:        x.Scale,
		Label:        x.Label,
		Title:        x.Title,
		URL:          x.URL,
		Event:        x.Event,
		EventKey:     x.EventKey,
		TaskID:       x.TaskID,
		CardType:     x.CardType,
		ResponseCode: x.ResponseCode,
		ChangeType:   x.ChangeType,
		ChangedUser:  x.UserID,
		ChangedParty: x.PartyID,
		Raw:          plaintext,
	}
	// A location message and a LOCATION event carry the same coordinates
	// under different names.
	switch {
	case x.MsgType == wecommsg.MsgLocation:
		ev.Latitude, ev.Longitude = x.LocationX, x.LocationY
	case x.MsgType == wecommsg.MsgEvent && x.Event == wecommsg.EventLocation:
		ev.Latitude, ev.Longitude = x.Latitude, x.Longitude
	}
	for _, it := range x.SelectedItems {
		ev.SelectedItems = append(ev.SelectedItems, wecommsg.SelectedItem{
			QuestionKey: it.QuestionKey,
			OptionIDs:   it.OptionIDs,
		})
	}
	return ev, nil
}
