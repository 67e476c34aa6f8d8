package reminders

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/servicebot/servicebot"
	"github.com/servicebot/servicebot/bot/wecommsg"
	"github.com/servicebot/servicebot/feature"
)

// ConfirmTx is what confirming a monthly submission needs of the transaction.
type ConfirmTx interface {
	EnqueueOutbox(ctx context.Context, m servicebot.OutboxMessage) (id int64, inserted bool, err error)
	GetObligation(ctx context.Context, key string) (servicebot.Obligation, error)
	SetObligationStatus(ctx context.Context, id int64, status, note string, now time.Time) error
	DocumentToken(ctx context.Context, userID, kind, period string) (string, error)
	// GetMember names the engineer to the archivist, read in this
	// transaction: on SQLite a read through the pool would wait on its lock.
	GetMember(ctx context.Context, userID string) (servicebot.Member, error)
}

// ConfirmMonthly handles the button of a monthly card (key
// "monthly:<kind>:<period>", R-DAY-5): the clicking engineer's submission is
// done (a late one stays counted late in the KPI), the archivist is handed
// the confirmed diary or told the raw records came, and the card's button is
// relabelled. fileURL makes a diary's link from its token (nil: no link).
func ConfirmMonthly(clock servicebot.Clock, prefix string, archivists []string, fileURL func(token string) string) func(ctx context.Context, tx ConfirmTx, ev wecommsg.Event) error {
	return func(ctx context.Context, tx ConfirmTx, ev wecommsg.Event) error {
		kind, period, ok := strings.Cut(strings.TrimPrefix(ev.EventKey, prefix), ":")
		if !ok {
			return nil // a key we never made
		}
		duty := servicebot.MonthlyDuty{Kind: kind, Period: period}
		ob, err := tx.GetObligation(ctx, duty.Key(ev.FromUserName))
		if errors.Is(err, servicebot.ErrNotFound) {
			return nil // not theirs to confirm
		}
		if err != nil {
			return fmt.Errorf("reminders: confirm monthly: %w", err)
		}
		now := clock.Now()
		label := "已确认"
		if ob.Status != servicebot.ObligationDone {
			note := "confirmed"
			if ob.Status == servicebot.ObligationOverdue {
				note, label = "confirmed after the due day", "已确认（逾期）"
			}
			if err := tx.SetObligationStatus(ctx, ob.ID, servicebot.ObligationDone, note, now); err != nil {
				return fmt.Errorf("reminders: confirm monthly: %w", err)
			}
			if err := handToArchivist(ctx, tx, duty, ev, archivists, fileURL, now); err != nil {
				return err
			}
		}
		if err := feature.Relabel(ctx, tx, ev, label, now); err != nil {
			return fmt.Errorf("reminders: confirm monthly: %w", err)
		}
		return nil
	}
}

// handToArchivist tells the archivists of a confirmed diary (with its link)
// or of raw records handed in; the monthly summary goes to nobody.
func handToArchivist(ctx context.Context, tx ConfirmTx, duty servicebot.MonthlyDuty, ev wecommsg.Event,
	archivists []string, fileURL func(string) string, now time.Time) error {
	if len(archivists) == 0 || duty.Kind == servicebot.ObligationMonthlySummary {
		return nil
	}
	engineer := ev.FromUserName
	switch m, err := tx.GetMember(ctx, ev.FromUserName); {
	case err == nil && m.Name != "":
		engineer = m.Name
	case err != nil && !errors.Is(err, servicebot.ErrNotFound):
		return fmt.Errorf("reminders: hand to archivist: %w", err)
	}
	text := fmt.Sprintf("【归档】%s 已确认提交%s，请查收归档。", engineer, duty.Title())
	if duty.Kind == servicebot.ObligationMonthlyDiary && fileURL != nil {
		token, err := tx.DocumentToken(ctx, ev.FromUserName, duty.Kind, duty.Period)
		if err != nil {
			return fmt.Errorf("reminders: confirm monthly: %w", err)
		}
		text += "\n下载：" + fileURL(token)
	}
	err := feature.EnqueueTexts(ctx, tx, servicebot.OutboxMessage{
		DedupKey: "archive:" + duty.Key(ev.FromUserName),
		ToUsers:  strings.Join(archivists, "|"), CreatedAt: now,
	}, text)
	if err != nil {
		return fmt.Errorf("reminders: hand to archivist: %w", err)
	}
	return nil
}

// Documents finds a compiled file by its token (store.DB).
type Documents interface {
	GetDocument(ctx context.Context, token string) (servicebot.Document, error)
}

// FilePath is where compiled files are served: FilePath + token. The token
// (260 random bits) is the only key: whoever holds the link may read the
// file, as with a WeCom 微盘 share link, so it is sent only to its owner and
// the archivist.
const FilePath = "/files/"

// ServeDocument serves GET /files/{token}.
func ServeDocument(docs Documents) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, err := docs.GetDocument(r.Context(), r.PathValue("token"))
		if errors.Is(err, servicebot.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, "暂时无法读取文件，请稍后再试", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", mimeAttachment(d.Filename))
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		_, _ = w.Write(d.Content)
	})
}

// mimeAttachment names a download, Chinese file names included (RFC 6266).
func mimeAttachment(name string) string {
	return fmt.Sprintf(`attachment; filename="diary.xlsx"; filename*=UTF-8''%s`, pathEscape(name))
}

func pathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
