package metrics

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// QueueStats is what the queue collector asks the store at each scrape.
type QueueStats interface {
	InboxStats(ctx context.Context) (pending int, oldest time.Time, err error)
	OutboxCounts(ctx context.Context) (map[string]int, error)
}

// QueueCollector reports inbox lag and outbox rows by status, read from the
// database at scrape time so every replica reports the same truth.
type QueueCollector struct {
	stats  QueueStats
	now    func() time.Time
	logger *slog.Logger

	inboxPending *prometheus.Desc
	inboxLag     *prometheus.Desc
	outbox       *prometheus.Desc
}

// NewQueueCollector makes the collector; register it with (*Metrics).MustRegister.
func NewQueueCollector(stats QueueStats, now func() time.Time, logger *slog.Logger) *QueueCollector {
	return &QueueCollector{
		stats: stats, now: now, logger: logger,
		inboxPending: prometheus.NewDesc("servicebot_inbox_pending", "Inbox rows not yet handled.", nil, nil),
		inboxLag: prometheus.NewDesc("servicebot_inbox_lag_seconds",
			"Age of the oldest inbox row not yet handled (0 when none).", nil, nil),
		outbox: prometheus.NewDesc("servicebot_outbox_rows", "Outbox rows by status (pending, sending, sent, failed).",
			[]string{"status"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.inboxPending
	ch <- c.inboxLag
	ch <- c.outbox
}

// Collect implements prometheus.Collector.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if pending, oldest, err := c.stats.InboxStats(ctx); err != nil {
		c.logger.Warn("metrics: inbox stats", "err", err)
	} else {
		lag := 0.0
		if pending > 0 && !oldest.IsZero() {
			lag = c.now().Sub(oldest).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(c.inboxPending, prometheus.GaugeValue, float64(pending))
		ch <- prometheus.MustNewConstMetric(c.inboxLag, prometheus.GaugeValue, lag)
	}
	counts, err := c.stats.OutboxCounts(ctx)
	if err != nil {
		c.logger.Warn("metrics: outbox counts", "err", err)
		return
	}
	for _, status := range []string{"pending", "sending", "sent", "failed"} {
		ch <- prometheus.MustNewConstMetric(c.outbox, prometheus.GaugeValue, float64(counts[status]), status)
	}
}
