// Package wecomsim is a WeCom (企业微信) simulator for end-to-end tests and
// `servicebot demo`.
//
// It plays both sides of the protocol the bot speaks:
//   - a real HTTP server for the WeCom API (gettoken, message/send with
//     duplicate check and the silent per-member limit, update_template_card,
//     appchat, group robots, the address book and OAuth), recording every
//     message and able to inject faults;
//   - a client that encrypts and signs callbacks exactly as WeCom does and
//     posts them to the bot's callback URL;
//   - a chat page at /sim where a person picks a member of the directory,
//     talks to the bot and clicks the buttons of its cards; with
//     KeepHistory (as `servicebot demo` does) what it shows outlives a
//     restart.
//
// Time comes from the injected clock, so tests can move past a rate window,
// a duplicate-check interval or a response_code's 72 hours without sleeping.
package wecomsim

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/servicebot/servicebot"
)

// Limits and lifetimes WeCom applies (WECOM.md).
const (
	defaultTokenTTL          = 7200 * time.Second
	defaultDuplicateInterval = 1800 * time.Second
	maxDuplicateInterval     = 4 * time.Hour
	perMemberPerMinute       = 30
	perMemberPerHour         = 1000
	robotPerMinute           = 20
	responseCodeTTL          = 72 * time.Hour
	mediaTTL                 = 72 * time.Hour // 临时素材: three days
	oauthCodeTTL             = 5 * time.Minute
	textLimit                = 2048
	appMarkdownLimit         = 2048 // message/send and appchat/send
	robotMarkdownLimit       = 4096 // webhook/send
	maxRecipients            = 1000
	callbackTimeout          = 5 * time.Second // WeCom gives up on a callback after 5 s
)

// Member is one person in the simulated address book.
type Member struct {
	UserID      string
	Name        string
	Departments []int64
	Position    string
	Mobile      string
}

// Department is one node of the simulated address book; the root's ParentID is 0.
type Department struct {
	ID, ParentID int64
	Name         string
}

// Options configure a Sim. CorpID, Secret, AgentID, Token and EncodingAESKey
// must match the bot's configuration.
type Options struct {
	CorpID         string
	Secret         string
	AgentID        int64
	Token          string
	EncodingAESKey string
	// CallbackURL is where callbacks are posted (the bot's /wecom/callback);
	// it can be set later with SetCallbackURL.
	CallbackURL string
	Members     []Member
	Departments []Department
	// Clock defaults to the system clock.
	Clock servicebot.Clock
	// Logger defaults to discarding.
	Logger *slog.Logger
	// TokenTTL is the access_token lifetime; WeCom's is 7200 s (the default).
	TokenTTL time.Duration
	// HTTPClient posts callbacks; the default gives up after 5 s, as WeCom does.
	HTTPClient *http.Client
	// MoveClock, when set, puts a clock control on the /sim page: it moves
	// the time of the bot and the simulator forward to the given instant
	// and returns when the jobs due then have run. Only `servicebot demo`
	// sets it; real WeCom has no such thing.
	MoveClock func(ctx context.Context, to time.Time) error
}

// Sent is one message the bot sent through the API, as the simulator recorded it.
// Its slices are shared with the simulator: read them, do not modify them.
type Sent struct {
	Seq int
	// API is "message/send", "message/update_template_card", "appchat/send" or "webhook/send".
	API string
	// ToUsers are the valid recipients (for appchat/send: the chat's members).
	ToUsers []string
	ChatID  string // appchat/send
	Robot   string // webhook/send: the robot's name
	// MsgType is text, markdown or template_card; "update_button" for an
	// update_template_card that only relabels the buttons.
	MsgType string
	// Content is the text or markdown; a card's main title; an update_button's replace_name.
	Content      string
	Card         json.RawMessage // template_card, as sent
	Body         json.RawMessage // the whole request body
	MsgID        string
	ResponseCode string
	TaskID       string // template cards and their updates
	// Duplicate: accepted, but suppressed by enable_duplicate_check.
	Duplicate bool
	// Dropped: accepted, but WeCom silently dropped it for every recipient
	// (more than 30 a minute or 1000 an hour to a member).
	Dropped bool
	// DroppedUsers are the recipients the message was silently dropped for.
	DroppedUsers []string
	At           time.Time
}

// deliveredTo reports whether the message reached user.
func (m Sent) deliveredTo(user string) bool {
	return !m.Duplicate && !m.Dropped &&
		slices.Contains(m.ToUsers, user) && !slices.Contains(m.DroppedUsers, user)
}

// Fault is an injected failure of one API: it answers errcode ErrCode (when
// non-zero), with HTTP status HTTPStatus (when non-zero), after Latency, for
// the next Times calls (at least one). A fault with only Latency delays the
// call and then lets it proceed.
type Fault struct {
	ErrCode    int64
	ErrMsg     string
	HTTPStatus int
	Latency    time.Duration
	Times      int
	// Until, when set, makes the fault answer every call until the
	// simulator's clock reaches it (Times is then ignored): "60020 for ten
	// minutes".
	Until time.Time
}

// Sim is a simulated WeCom: API server, callback client and chat page.
// All its methods are safe for concurrent use.
type Sim struct {
	corpID   string
	secret   string
	agentID  int64
	token    string
	aesKey   string
	clock    servicebot.Clock
	log      *slog.Logger
	tokenTTL time.Duration
	client   *http.Client
	mux      *http.ServeMux
	// moveClock is Options.MoveClock.
	moveClock func(ctx context.Context, to time.Time) error

	members     map[string]Member
	memberOrder []string
	departments []Department

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every change; see WaitFor
	callbackURL string
	robots      map[string]string // key → name
	chats       map[string]*appChat
	chatOrder   []string
	tokens      map[string]*issuedToken
	current     string // the token gettoken hands out while it is valid
	calls       map[string]int
	faults      map[string][]*Fault
	rev         int // the last sequence number used by a record or a change
	sent        []Sent
	dupes       map[string]dupEntry
	recent      map[string][]time.Time // member → delivery times in the last hour
	robotRecent map[string][]time.Time // robot key → sends in the last minute
	codes       map[string]*cardCode   // response_code → what it may update
	tasks       map[string]*cardState  // task_id → the card as the member now sees it
	oauthCodes  map[string]*oauthCode
	lastMsgID   int64
	inbound     []*inboundEntry
	rejections  []Rejection
	media       map[string]*storedMedia // media_id → file, as media/get serves it
	// hist keeps what the page shows across restarts (KeepHistory);
	// histQueue is what is still to be written, histWake wakes the writer.
	hist      History
	histQueue []histRecord
	histWake  chan struct{}
}

// storedMedia is a temporary media file: WeCom keeps it three days.
type storedMedia struct {
	data        []byte
	contentType string
	created     time.Time
}

type issuedToken struct {
	expires time.Time
	revoked bool
}

type dupEntry struct {
	at           time.Time
	interval     time.Duration
	msgID        string
	responseCode string
}

type appChat struct {
	ID, Name, Owner string
	Members         []string
}

// cardCode is a response_code: one use, within 72 hours, for one task's card.
type cardCode struct {
	taskID string
	users  []string
	issued time.Time
	used   bool
}

// cardState is what the page draws for a task's card: the latest version,
// and which members' buttons are greyed out after a click.
type cardState struct {
	cardType string
	card     json.RawMessage
	replaced map[string]string // member → grey text replacing the buttons
}

type oauthCode struct {
	userID string
	issued time.Time
	used   bool
}

// New returns a simulator; mount Handler on an HTTP server.
func New(opts Options) *Sim {
	s := &Sim{
		corpID:      opts.CorpID,
		secret:      opts.Secret,
		agentID:     opts.AgentID,
		token:       opts.Token,
		aesKey:      opts.EncodingAESKey,
		clock:       opts.Clock,
		log:         opts.Logger,
		tokenTTL:    opts.TokenTTL,
		client:      opts.HTTPClient,
		members:     make(map[string]Member, len(opts.Members)),
		departments: slices.Clone(opts.Departments),
		changed:     make(chan struct{}),
		callbackURL: opts.CallbackURL,
		robots:      make(map[string]string),
		chats:       make(map[string]*appChat),
		tokens:      make(map[string]*issuedToken),
		codes:       make(map[string]*cardCode),
		tasks:       make(map[string]*cardState),
		oauthCodes:  make(map[string]*oauthCode),
		moveClock:   opts.MoveClock,
		media:       make(map[string]*storedMedia),
	}
	if s.clock == nil {
		s.clock = servicebot.SystemClock{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = defaultTokenTTL
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: callbackTimeout}
	}
	for _, m := range opts.Members {
		if _, dup := s.members[m.UserID]; !dup {
			s.memberOrder = append(s.memberOrder, m.UserID)
		}
		s.members[m.UserID] = m
	}
	s.resetTrafficLocked()
	s.mux = s.routes()
	return s
}

// Handler serves the WeCom API under /cgi-bin/, the OAuth page under
// /connect/oauth2/authorize and the chat page under /sim/.
func (s *Sim) Handler() http.Handler { return s.mux }

func (s *Sim) now() time.Time { return s.clock.Now() }

// SetCallbackURL sets where callbacks are posted.
func (s *Sim) SetCallbackURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.callbackURL = u
}

// AddRobot makes a group robot known: webhook/send?key=key posts to it.
func (s *Sim) AddRobot(key, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.robots[key] = name
}

// Sent returns every message recorded so far, oldest first.
func (s *Sim) Sent() []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sent)
}

// Delivered returns the messages that reached userID: neither suppressed as a
// duplicate nor silently dropped. Group chat messages count for every member
// of the chat.
func (s *Sim) Delivered(userID string) []Sent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sent
	for _, m := range s.sent {
		if m.deliveredTo(userID) {
			out = append(out, m)
		}
	}
	return out
}

// TokenCalls is the number of gettoken calls, successful or not.
func (s *Sim) TokenCalls() int { return s.Calls("gettoken") }

// Calls is the number of calls of one API ("message/send", "gettoken",
// "oauth2/authorize", ...), whatever their outcome.
func (s *Sim) Calls(api string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[normalizeAPI(api)]
}

// WaitFor blocks until cond holds over the messages sent so far, or ctx ends.
// cond is evaluated once now and again after every change, never by polling.
func (s *Sim) WaitFor(ctx context.Context, cond func([]Sent) bool) error {
	for {
		s.mu.Lock()
		snapshot := slices.Clone(s.sent)
		changed := s.changed
		s.mu.Unlock()
		if cond(snapshot) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wecomsim: wait for messages: %w", ctx.Err())
		case <-changed:
		}
	}
}

// Reset forgets the traffic: recorded messages, call counts, pending faults,
// the duplicate-check history, rate windows and the log of callbacks. The
// world stays: members, robots, group chats, tokens, card response codes,
// OAuth codes and the callback URL. Sequence numbers keep increasing.
func (s *Sim) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetTrafficLocked()
	s.notifyLocked()
}

func (s *Sim) resetTrafficLocked() {
	s.sent = nil
	s.calls = make(map[string]int)
	s.faults = make(map[string][]*Fault)
	s.dupes = make(map[string]dupEntry)
	s.recent = make(map[string][]time.Time)
	s.robotRecent = make(map[string][]time.Time)
	s.inbound = nil
}

// InjectFault makes the next f.Times calls of api ("message/send",
// "gettoken", ...) fail as f says. Faults queue up in the order injected.
// They apply to the /cgi-bin/ APIs, not to the OAuth page or /sim.
func (s *Sim) InjectFault(api string, f Fault) {
	if f.Times < 1 {
		f.Times = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := normalizeAPI(api)
	s.faults[key] = append(s.faults[key], &f)
}

// ExpireTokens makes every access_token issued so far answer 42001, as when
// WeCom invalidates tokens early; the next gettoken issues a new one.
func (s *Sim) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.revoked = true
	}
	s.current = ""
}

// normalizeAPI turns "/cgi-bin/message/send" and "message/send" into "message/send".
func normalizeAPI(api string) string {
	api = strings.TrimPrefix(api, "/")
	api = strings.TrimPrefix(api, "cgi-bin/")
	return strings.TrimPrefix(api, "connect/")
}

// recordLocked appends a message with the next sequence number and wakes waiters.
func (s *Sim) recordLocked(m Sent) Sent {
	s.rev++
	m.Seq = s.rev
	s.sent = append(s.sent, m)
	s.keepSentLocked(m)
	s.notifyLocked()
	return m
}

func (s *Sim) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// member looks a member up. The directory never changes after New, so this
// needs no lock and may be called with or without s.mu held.
func (s *Sim) member(userID string) (Member, bool) {
	m, ok := s.members[userID]
	return m, ok
}
