// Package media keeps the photos and voice messages engineers send: WeCom
// gives them as media ids that expire after three days (素材管理 · 获取临时素材,
// media/get), so each is fetched as it arrives and kept in the blob store;
// exports, the diary and the pages link to the kept file.
package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/blob"
	"github.com/servicebot/servicebot/internal/need"
)

// Lifetime is how long WeCom keeps a temporary media id valid.
const Lifetime = 72 * time.Hour

// Store is the database's side: attachments waiting for their media.
type Store interface {
	MediaToFetch(ctx context.Context, now time.Time, limit int) ([]servicebot.ReportAttachment, error)
	// ClaimMediaFetch takes a due attachment for one fetch until leaseUntil;
	// false when another replica has it or it is kept already.
	ClaimMediaFetch(ctx context.Context, id int64, now, leaseUntil time.Time) (bool, error)
	// KeepMedia is false when the attachment was kept already.
	KeepMedia(ctx context.Context, id int64, key, contentType string) (bool, error)
	RetryMediaFetch(ctx context.Context, id int64, errText string, next time.Time) error
}

// Remover deletes a blob; a blob.Store that has it lets the fetcher remove
// a file it stored but lost the race to record.
type Remover interface {
	Delete(ctx context.Context, key string) error
}

// API downloads a temporary media file (bot.Client.GetMedia).
type API interface {
	GetMedia(ctx context.Context, mediaID string) (data []byte, contentType string, err error)
}

// Fetcher fetches due media into the blob store, retrying with backoff until
// the media id has expired.
type Fetcher struct {
	store  Store
	api    API
	blobs  blob.Store
	clock  servicebot.Clock
	logger *slog.Logger
	cfg    Config
	kick   chan struct{}
}

// Deps are what a Fetcher works with.
type Deps struct {
	Store Store
	API   API
	Blobs blob.Store
}

func (d Deps) validate() error {
	return need.Deps("media", map[string]bool{
		"Store": d.Store != nil,
		"API":   d.API != nil,
		"Blobs": d.Blobs != nil,
	})
}

// Config tunes a Fetcher. A zero field takes the default shown.
type Config struct {
	// Poll is the pause between looks; Backoff the first wait after a failed
	// fetch, doubling up to an hour. Defaults 1m and 1m.
	Poll, Backoff time.Duration
	// Lease is how long a claimed fetch is this replica's alone (media/get
	// and the blob store's Put must finish within it). Default 10m.
	Lease  time.Duration
	Clock  servicebot.Clock // default the system clock
	Logger *slog.Logger     // default: discarded
}

func (c Config) withDefaults() Config {
	if c.Poll <= 0 {
		c.Poll = time.Minute
	}
	if c.Backoff <= 0 {
		c.Backoff = time.Minute
	}
	if c.Lease <= 0 {
		c.Lease = 10 * time.Minute
	}
	if c.Clock == nil {
		c.Clock = servicebot.SystemClock{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// New makes a Fetcher.
func New(deps Deps, cfg Config) (*Fetcher, error) {
	if err := deps.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Fetcher{store: deps.Store, api: deps.API, blobs: deps.Blobs, clock: cfg.Clock, logger: cfg.Logger,
		cfg: cfg, kick: make(chan struct{}, 1)}, nil
}

// Kick makes Run look now (a photo just arrived).
func (f *Fetcher) Kick() {
	select {
	case f.kick <- struct{}{}:
	default:
	}
}

// Run fetches due media until ctx ends.
func (f *Fetcher) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-f.kick:
		}
		if _, err := f.FetchDue(ctx); err != nil && ctx.Err() == nil {
			f.logger.WarnContext(ctx, "media fetch pass failed", "err", err)
		}
		t.Reset(f.cfg.Poll)
	}
}

// FetchDue fetches every due media file once and reports how many it kept.
func (f *Fetcher) FetchDue(ctx context.Context) (int, error) {
	kept := 0
	for {
		due, err := f.store.MediaToFetch(ctx, f.clock.Now(), 20)
		if err != nil || len(due) == 0 {
			return kept, err
		}
		for _, a := range due {
			ok, err := f.fetch(ctx, a)
			if err != nil {
				return kept, err
			}
			if ok {
				kept++
			}
		}
	}
}

// fetch claims a, downloads its media and keeps it. Several replicas run a
// Fetcher on one database: the claim makes one of them fetch each file, so
// no two store it under two keys (one of them an orphan in the blob store).
func (f *Fetcher) fetch(ctx context.Context, a servicebot.ReportAttachment) (bool, error) {
	now := f.clock.Now()
	log := f.logger.With("attachment", a.ID, "kind", a.Kind, "user", a.UserID)
	claimed, err := f.store.ClaimMediaFetch(ctx, a.ID, now, now.Add(f.cfg.Lease))
	if err != nil || !claimed {
		return false, err
	}
	data, ctype, err := f.api.GetMedia(ctx, a.MediaID)
	if err == nil {
		key, kerr := Key(a, ctype)
		if kerr != nil {
			return false, kerr
		}
		if err = f.blobs.Put(ctx, key, data, ctype); err == nil {
			kept, err := f.store.KeepMedia(ctx, a.ID, key, ctype)
			if err != nil {
				return false, err
			}
			if !kept {
				// Kept meanwhile by a fetch whose lease this one outlived.
				f.remove(ctx, log, key)
				return false, nil
			}
			log.InfoContext(ctx, "media kept", "key", key, "bytes", len(data))
			return true, nil
		}
	}
	var next time.Time
	expires := a.At.Add(Lifetime)
	wait := f.cfg.Backoff
	if prev := now.Sub(a.At); prev > wait {
		wait = min(prev, time.Hour) // roughly doubling: each wait as long as all before, at most an hour
	}
	if now.Add(wait).Before(expires) {
		next = now.Add(wait)
		log.WarnContext(ctx, "media fetch failed, will retry", "err", err, "next", next)
	} else {
		log.ErrorContext(ctx, "media fetch failed and its media id expires: the file is lost", "err", err)
	}
	if rerr := f.store.RetryMediaFetch(ctx, a.ID, err.Error(), next); rerr != nil {
		return false, errors.Join(err, rerr)
	}
	return false, nil
}

func (f *Fetcher) remove(ctx context.Context, log *slog.Logger, key string) {
	r, ok := f.blobs.(Remover)
	if !ok {
		log.WarnContext(ctx, "media kept twice; this copy stays unreferenced in the blob store", "key", key)
		return
	}
	if err := r.Delete(ctx, key); err != nil {
		log.WarnContext(ctx, "media kept twice; removing this copy failed", "key", key, "err", err)
	}
}

// Key is where an attachment's media is kept: media/DAY/RANDOM.EXT. The
// random part (128 bits) is the only way to it, so a link to the kept file
// can be handed out like the diary's.
func Key(a servicebot.ReportAttachment, contentType string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("media: key: %w", err)
	}
	return fmt.Sprintf("media/%s/%s%s", a.Day.String(), hex.EncodeToString(b[:]), extension(a, contentType)), nil
}

func extension(a servicebot.ReportAttachment, contentType string) string {
	if a.Kind == servicebot.AttachVoice {
		if f := strings.ToLower(a.Format); f == "amr" || f == "speex" {
			return "." + f
		}
		return ".amr"
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	switch ct {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	}
	return ".jpg"
}
