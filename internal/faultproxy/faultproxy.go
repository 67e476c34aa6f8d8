// Package faultproxy is a TCP proxy for tests that stands between the bot and
// PostgreSQL or Redis and misbehaves on demand: it refuses new connections,
// hangs (accepts and keeps connections open but passes no byte either way),
// or cuts the open connections, and then lets traffic through again. The
// fault tests of issue 15 drive it; they need only the services CI starts.
package faultproxy

import (
	"net"
	"net/url"
	"sync"
	"testing"
)

// Mode is how the proxy treats traffic.
type Mode int

const (
	// Pass forwards every byte both ways.
	Pass Mode = iota
	// Refuse resets every new connection at once (the service is down).
	Refuse
	// Hang accepts connections but holds every byte, new or already open,
	// until the mode changes: a service that stopped answering.
	Hang
)

// Proxy forwards a local port to a target address.
type Proxy struct {
	ln     net.Listener
	target string

	mu       sync.Mutex
	changed  *sync.Cond // signalled when mode changes
	mode     Mode
	conns    map[net.Conn]struct{}
	accepted int
	closed   bool
}

// Start listens on an ephemeral local port and forwards to target
// ("host:port"). It is closed when the test ends.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faultproxy: %v", err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.changed = sync.NewCond(&p.mu)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// StartURL is Start for a service URL (postgres://…, redis://…): it proxies
// the URL's host and returns the same URL pointing at the proxy.
func StartURL(t testing.TB, rawURL string) (*Proxy, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("faultproxy: %v", err)
	}
	p := Start(t, u.Host)
	u.Host = p.Addr()
	return p, u.String()
}

// Addr is the proxy's "host:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Accepted is how many connections the proxy has accepted so far.
func (p *Proxy) Accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepted
}

// Open is how many client connections are open through the proxy now.
func (p *Proxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns) / 2 // each has its upstream twin
}

// Set changes the mode. Held bytes flow again when it becomes Pass.
func (p *Proxy) Set(m Mode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode = m
	p.changed.Broadcast()
}

// Pass lets traffic through again.
func (p *Proxy) Pass() { p.Set(Pass) }

// Refuse resets new connections; open ones are left as they are (Cut them).
func (p *Proxy) Refuse() { p.Set(Refuse) }

// Hang holds every byte, on open and new connections alike.
func (p *Proxy) Hang() { p.Set(Hang) }

// Cut closes every open connection; the mode stays as it is.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// Down refuses new connections and cuts the open ones: the service is gone.
func (p *Proxy) Down() {
	p.Refuse()
	p.Cut()
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() {
	_ = p.ln.Close()
	p.mu.Lock()
	p.closed = true
	p.changed.Broadcast()
	p.mu.Unlock()
	p.Cut()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.accepted++
		mode := p.mode
		p.mu.Unlock()
		if mode == Refuse {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // a reset, as from a closed port
			}
			_ = c.Close()
			continue
		}
		go p.serve(c)
	}
}

func (p *Proxy) serve(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		_ = c.Close()
		_ = s.Close()
		return
	}
	p.conns[c] = struct{}{}
	p.conns[s] = struct{}{}
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.pipe(s, c); close(done) }()
	p.pipe(c, s)
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// pipe copies from src to dst, holding each chunk while the proxy hangs.
// When either side fails both are closed.
func (p *Proxy) pipe(dst, src net.Conn) {
	defer func() { _ = dst.Close(); _ = src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.waitPass() {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF or a cut: either way this direction is done
		}
	}
}

// waitPass blocks while the proxy hangs; false when it was closed.
func (p *Proxy) waitPass() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.mode == Hang && !p.closed {
		p.changed.Wait()
	}
	return !p.closed
}
