package main

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// tcpProxy stands between the bot and PostgreSQL so a test can take the
// database away (refusing and cutting connections) and bring it back.
type tcpProxy struct {
	t      *testing.T
	ln     net.Listener
	target string
	dsn    string // the database URL, pointing at the proxy

	mu    sync.Mutex
	isUp  bool
	conns []net.Conn
}

func startTCPProxy(t *testing.T, dsn string) *tcpProxy {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{t: t, ln: ln, target: u.Host, isUp: true}
	u.Host = ln.Addr().String()
	p.dsn = u.String()
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.down() })
	return p
}

func (p *tcpProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		up := p.isUp
		if up {
			p.conns = append(p.conns, c)
		}
		p.mu.Unlock()
		if !up {
			_ = c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *tcpProxy) pipe(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, s)
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
	_, _ = io.Copy(c, s)
	_ = c.Close()
}

// down cuts every open connection and refuses new ones: the database is gone.
func (p *tcpProxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.isUp = false
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// up lets connections through again.
func (p *tcpProxy) up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.isUp = true
}
