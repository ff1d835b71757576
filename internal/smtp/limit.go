package smtp

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// connLimits refuses connections beyond the configured maximum, in all
// and per client IP, with a 421 reply, and ends every connection after
// the session timeout, so that a flood of clients or of slow clients
// cannot take every slot.
type connLimits struct {
	server         *Server
	maxTotal       int
	maxPerIP       int
	sessionTimeout time.Duration

	mu    sync.Mutex
	total int
	perIP map[string]int
}

// limitListener applies connLimits to the connections it accepts.
type limitListener struct {
	net.Listener
	limits *connLimits
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		if reason := l.limits.acquire(ip); reason != "" {
			l.limits.server.log.Warn("connection refused", "remote", c.RemoteAddr().String(), "reason", reason)
			_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_, _ = c.Write([]byte("421 4.7.0 Too many connections, try again later\r\n"))
			_ = c.Close()
			continue
		}
		cc := &countedConn{Conn: c, limits: l.limits, ip: ip}
		if d := l.limits.sessionTimeout; d > 0 {
			cc.timer.Store(time.AfterFunc(d, func() {
				l.limits.server.log.Info("session timeout, closing connection",
					"remote", c.RemoteAddr().String(), "timeout", d.String())
				_ = cc.Close()
			}))
		}
		return cc, nil
	}
}

// acquire counts a new connection from ip, or returns why it is refused.
func (l *connLimits) acquire(ip string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.maxTotal > 0 && l.total >= l.maxTotal:
		return "max_connections reached"
	case l.maxPerIP > 0 && l.perIP[ip] >= l.maxPerIP:
		return "max_connections_per_ip reached"
	}
	l.total++
	l.perIP[ip]++
	return ""
}

func (l *connLimits) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
}

func remoteIP(c net.Conn) string {
	host, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return host
}

// countedConn releases its slot once when closed.
type countedConn struct {
	net.Conn
	limits *connLimits
	ip     string
	// timer is set after the connection is handed out, while its own
	// callback may already read it, hence the atomic.
	timer atomic.Pointer[time.Timer]
	once  sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		if t := c.timer.Load(); t != nil {
			t.Stop()
		}
		c.limits.release(c.ip)
	})
	return c.Conn.Close()
}
