package smtp

import (
	"net"
	"sync"
	"time"
)

// limitListener refuses connections beyond the configured maximum with a
// 421 reply, so that a flood of clients cannot exhaust memory.
type limitListener struct {
	net.Listener
	server *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		n := l.server.active.Add(1)
		if l.server.maxConns > 0 && n > l.server.maxConns {
			l.server.active.Add(-1)
			l.server.log.Warn("connection refused: too many connections",
				"remote", c.RemoteAddr().String(), "max_connections", l.server.maxConns)
			_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			_, _ = c.Write([]byte("421 4.7.0 Too many connections, try again later\r\n"))
			_ = c.Close()
			continue
		}
		return &countedConn{Conn: c, server: l.server}, nil
	}
}

// countedConn decrements the active count once when closed.
type countedConn struct {
	net.Conn
	server *Server
	once   sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.server.active.Add(-1) })
	return c.Conn.Close()
}
