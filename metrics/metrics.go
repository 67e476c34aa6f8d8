// Package metrics defines the Prometheus collectors servicebot exports at
// /metrics. One *Metrics is made per process on its own registry and passed to
// whoever records; a nil *Metrics records nothing, so tests may omit it.
package metrics

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds every collector. Create it with New.
type Metrics struct {
	Registry *prometheus.Registry

	callbacks   *prometheus.CounterVec
	inboxDone   *prometheus.CounterVec
	outboxSends *prometheus.CounterVec
	apiLatency  *prometheus.HistogramVec
	apiErrors   *prometheus.CounterVec
	redisFails  *prometheus.CounterVec
	configErrs  *prometheus.CounterVec
}

// New makes the collectors and registers them, with the Go and process
// collectors, on a fresh registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicebot_callbacks_total",
			Help: "WeCom callbacks by outcome (stored, duplicate, bad_signature, wrong_receiver, malformed, too_large, store_error, url_check).",
		}, []string{"outcome"}),
		inboxDone: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicebot_inbox_processed_total",
			Help: "Inbox rows handled by the worker, by result (done, retry, failed).",
		}, []string{"result"}),
		outboxSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicebot_outbox_deliveries_total",
			Help: "Outbox delivery attempts by result (sent, retry, failed, deferred, config_error).",
		}, []string{"result"}),
		apiLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "servicebot_wecom_api_seconds",
			Help:    "WeCom API call latency by API.",
			Buckets: prometheus.DefBuckets,
		}, []string{"api"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicebot_wecom_api_errors_total",
			Help: "WeCom API errors by API and errcode (\"http\" for transport failures).",
		}, []string{"api", "code"}),
		redisFails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicebot_redis_failures_total",
			Help: "Redis operations that failed, by component (token_cache, limiter, elector); each fell back to this process's own state.",
		}, []string{"component"}),
		configErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "servicebot_wecom_config_errors_total",
			Help: "Messages WeCom refused for the department's configuration (60020 trusted IP, 48002 permission, 60011 visibility, 40056 agentid...), by errcode; they wait for the fix.",
		}, []string{"code"}),
	}
	reg.MustRegister(m.callbacks, m.inboxDone, m.outboxSends, m.apiLatency, m.apiErrors, m.redisFails, m.configErrs,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Callback counts one callback with its outcome.
func (m *Metrics) Callback(outcome string) {
	if m != nil {
		m.callbacks.WithLabelValues(outcome).Inc()
	}
}

// InboxProcessed counts one inbox row handled with result done, retry or failed.
func (m *Metrics) InboxProcessed(result string) {
	if m != nil {
		m.inboxDone.WithLabelValues(result).Inc()
	}
}

// OutboxDelivery counts one outbox attempt with result sent, retry, failed or deferred.
func (m *Metrics) OutboxDelivery(result string) {
	if m != nil {
		m.outboxSends.WithLabelValues(result).Inc()
	}
}

// APICall records one WeCom API call: its latency and, when code is not 0,
// an error with that errcode. Use code -999 for a transport failure.
func (m *Metrics) APICall(api string, took time.Duration, code int64) {
	if m == nil {
		return
	}
	m.apiLatency.WithLabelValues(api).Observe(took.Seconds())
	switch code {
	case 0:
	case TransportFailure:
		m.apiErrors.WithLabelValues(api, "http").Inc()
	default:
		m.apiErrors.WithLabelValues(api, strconv.FormatInt(code, 10)).Inc()
	}
}

// RedisFailure counts one failed Redis operation of component, which then
// worked on this process's own state.
func (m *Metrics) RedisFailure(component string) {
	if m != nil {
		m.redisFails.WithLabelValues(component).Inc()
	}
}

// RedisFailures is the counter of component's failed Redis operations.
func (m *Metrics) RedisFailures(component string) prometheus.Counter {
	return m.redisFails.WithLabelValues(component)
}

// TransportFailure is the code APICall takes for a call that got no errcode
// (connection refused, timeout, non-200 status).
const TransportFailure = -999

// WeComConfigError counts a message WeCom refused for the department's
// configuration: an alert on it tells the admin to fix the console.
func (m *Metrics) WeComConfigError(code int64) {
	if m != nil {
		m.configErrs.WithLabelValues(strconv.FormatInt(code, 10)).Inc()
	}
}

// MustRegister adds collectors computed at scrape time (inbox lag, outbox
// counts) that the wiring in cmd/servicebot builds over the store.
func (m *Metrics) MustRegister(cs ...prometheus.Collector) {
	m.Registry.MustRegister(cs...)
}
