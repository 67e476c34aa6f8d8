package servicebot

import "time"

// Daily report statuses (R-DAY-1, R-DAY-3): a report filed by the day's
// deadline is on time; one filed after it, or for a past day (补报), is late.
const (
	ReportOnTime = "on_time"
	ReportLate   = "late"
)

// Where a stored revision of a daily report came from.
const (
	ReportSourceChat     = "chat"      // a report typed in chat on its day
	ReportSourceFollowUp = "follow_up" // a reply that supplied a missing section
	ReportSourceBackfill = "补报"        // a report for a past day (补报 11月25日 …)
)

// ReportMark is that one engineer filed a report for one day, and how
// (ReportOnTime or ReportLate), without its contents: a month's grid of a
// large department reads thousands of them.
type ReportMark struct {
	UserID string
	Day    Date
	Status string
}

// ReportState is what the reminders need to know of one engineer's report
// for one day: whether there is one, when it came and whether it is whole.
// A day with no report has no ReportState at all.
type ReportState struct {
	Status      string    // ReportOnTime or ReportLate
	SubmittedAt time.Time // when the current revision was filed
	// Complete is true when the report has both today's work and the plan
	// (Report.Missing is empty): an incomplete report still counts as filed,
	// but the bot keeps asking for the missing part.
	Complete bool
}

// DailyReport is one stored revision of an engineer's report for a day.
type DailyReport struct {
	UserID   string
	Day      Date
	Revision int // 1 for the first report of the day; each later one adds 1
	Status   string
	Source   string
	Report   // the sections, as parsed (and merged with a follow-up)
	// Raw is the text as the engineer typed it; a follow-up's text is
	// appended to the text it completes, so nothing typed is lost.
	Raw         string
	SubmittedAt time.Time
}

// State is the summary of r the reminders read.
func (r DailyReport) State() ReportState {
	return ReportState{Status: r.Status, SubmittedAt: r.SubmittedAt, Complete: len(r.Missing) == 0}
}

// Kinds of report attachments.
const (
	AttachImage    = "image"
	AttachVoice    = "voice"    // audio (amr) WeCom cannot transcribe for an app: kept, not read
	AttachLocation = "location" // a check-in (签到): where the engineer was, and when
)

// VoiceText answers a voice message. A self-built app gets the audio only
// (MediaId and Format amr, 接收消息 90239); WeCom's Recognition field belongs
// to WeChat Official Accounts and never arrives, so the bot cannot read what
// was said and asks for text.
const VoiceText = "收到语音，但企业微信不会把语音转成文字发给应用，机器人听不懂语音。" +
	"请长按输入框的语音按钮说话，松开前上滑选「转文字」后发送文字，或直接打字。"

// ReportAttachment is a photo or a location sent in chat, attached to the
// report of the day it was sent.
type ReportAttachment struct {
	ID      int64
	UserID  string
	Day     Date
	Kind    string // AttachImage, AttachVoice or AttachLocation
	MediaID string // image, voice: valid at WeCom for three days
	PicURL  string // image
	Format  string // voice: amr
	// BlobKey names the kept copy of an image or voice in the blob store,
	// once fetched with media/get; "" until then.
	BlobKey     string
	ContentType string // of the kept copy
	Lat, Lng    float64
	Label       string // location: the place's name
	At          time.Time
}

// Kinds of PendingQuestion.
const (
	PendingReport = "report" // 这是今天的日报吗？回复「是」保存 — Payload is the text
	PendingLeave  = "leave"  // 要登记请假吗？ — Payload is "YYYY-MM-DD YYYY-MM-DD reason"
)

// PendingQuestion is the one yes/no question the bot waits an answer to
// from a member: the next 是 settles it, anything else drops it.
type PendingQuestion struct {
	UserID  string
	Kind    string
	Payload string
	At      time.Time
}
