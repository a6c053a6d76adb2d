package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// errPoolClosed is returned by acquire after close.
var errPoolClosed = errors.New("connection pool is closed")

// pool is a small connection pool over pgx.Conn.
//
// pgxpool would do, but it needs github.com/jackc/puddle/v2, which the
// module does not require yet; this keeps the backend on the modules in
// go.mod. It holds at most max connections, pings one that sat idle for
// more than a second before handing it out, drops connections that broke
// or were left inside a transaction, and reset discards every connection
// after the server dropped them (restart, pg_terminate_backend).
type pool struct {
	cfg *pgx.ConnConfig
	sem chan struct{} // one token per open or opening connection

	mu     sync.Mutex
	idle   []idleConn
	gen    int // bumped by reset; older connections are not reused
	closed bool
}

type idleConn struct {
	c    *pgx.Conn
	gen  int
	used time.Time
}

// conn is a connection lent by acquire; give it back with release.
type conn struct {
	*pgx.Conn
	gen int
}

func newPool(cfg *pgx.ConnConfig, max int) *pool {
	return &pool{cfg: cfg, sem: make(chan struct{}, max)}
}

func (p *pool) acquire(ctx context.Context) (conn, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return conn{}, ctx.Err()
	}
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			<-p.sem
			return conn{}, errPoolClosed
		}
		if n := len(p.idle); n > 0 {
			ic := p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.mu.Unlock()
			if ic.c.IsClosed() {
				continue
			}
			if time.Since(ic.used) > time.Second {
				if err := ic.c.Ping(ctx); err != nil {
					closeConn(ic.c)
					if ctx.Err() != nil {
						<-p.sem
						return conn{}, ctx.Err()
					}
					continue
				}
			}
			return conn{ic.c, ic.gen}, nil
		}
		gen := p.gen
		p.mu.Unlock()
		c, err := pgx.ConnectConfig(ctx, p.cfg)
		if err != nil {
			<-p.sem
			return conn{}, err
		}
		return conn{c, gen}, nil
	}
}

func (p *pool) release(c conn) {
	p.mu.Lock()
	keep := !p.closed && c.gen == p.gen && !c.IsClosed() && c.PgConn().TxStatus() == 'I'
	if keep {
		p.idle = append(p.idle, idleConn{c.Conn, c.gen, time.Now()})
	}
	p.mu.Unlock()
	if !keep {
		closeConn(c.Conn)
	}
	<-p.sem
}

// reset closes the idle connections; those in use are closed on release.
func (p *pool) reset() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.gen++
	p.mu.Unlock()
	for _, ic := range idle {
		closeConn(ic.c)
	}
}

// close closes the pool: idle connections now, the others on release.
func (p *pool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.reset()
}

func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.Close(ctx)
}
