// Package nats is the NATS event bus: an embedded NATS server in the
// process (the default: nothing else to run on one machine, and other
// nodes may connect to it) or a client of an external NATS cluster.
//
//	b, err := nats.Open(ctx, nats.Config{})                                   // embedded, in-process only
//	b, err := nats.Open(ctx, nats.Config{Listen: "127.0.0.1:4222"})           // embedded, other nodes may join
//	b, err := nats.Open(ctx, nats.Config{URL: "nats://n1:4222,nats://n2:4222"}) // a cluster
package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsgo "github.com/nats-io/nats.go"

	"github.com/switchboard-voice/switchboard/events"
)

// errHeader carries a responder's error in a reply.
const errHeader = "Switchboard-Error"

// Config configures the bus.
type Config struct {
	// URL of an external NATS server or cluster (comma-separated). Empty:
	// start an embedded server.
	URL string
	// Listen is the embedded server's client address ("127.0.0.1:4222";
	// port 0 picks one). Empty: in-process connections only.
	Listen string
	// Name of this node's connection (shown by NATS monitoring).
	Name string
	// Token authenticates to the server (external), or is required from
	// clients of the embedded server when it listens.
	Token string
	// ConnectTimeout bounds the first connection (default 5 s).
	ConnectTimeout time.Duration
	// Logger for connection changes (default: discard).
	Logger *slog.Logger
}

// Bus is a NATS-backed events.Bus.
type Bus struct {
	nc     *natsgo.Conn
	srv    *server.Server // embedded server, nil for an external one
	log    *slog.Logger
	mu     sync.Mutex
	closed bool
}

var _ events.Bus = (*Bus)(nil)

// Open connects the bus: to cfg.URL, or to a new embedded server.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 5 * time.Second
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bus{log: log}
	opts := []natsgo.Option{
		natsgo.Name(cfg.Name),
		natsgo.Timeout(cfg.ConnectTimeout),
		natsgo.MaxReconnects(-1),
		natsgo.ReconnectWait(250 * time.Millisecond),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		natsgo.ReconnectHandler(func(c *natsgo.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrl()) }),
	}
	if cfg.Token != "" {
		opts = append(opts, natsgo.Token(cfg.Token))
	}
	url := cfg.URL
	if url == "" {
		srv, err := startServer(cfg)
		if err != nil {
			return nil, err
		}
		b.srv = srv
		opts = append(opts, natsgo.InProcessServer(srv))
	}
	nc, err := natsgo.Connect(url, opts...)
	if err != nil {
		if b.srv != nil {
			b.srv.Shutdown()
		}
		return nil, fmt.Errorf("events: nats connect %q: %w", url, err)
	}
	b.nc = nc
	return b, nil
}

// startServer runs an embedded NATS server.
func startServer(cfg Config) (*server.Server, error) {
	o := &server.Options{
		ServerName:    "switchboard",
		NoLog:         true,
		NoSigs:        true,
		DontListen:    cfg.Listen == "",
		Authorization: cfg.Token,
		MaxPayload:    4 << 20,
	}
	if cfg.Listen != "" {
		host, port, err := net.SplitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("events: listen %q: %w", cfg.Listen, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 65535 {
			return nil, fmt.Errorf("events: listen %q: bad port", cfg.Listen)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		o.Host, o.Port = host, p
	}
	srv, err := server.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("events: embedded nats: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(cfg.ConnectTimeout) {
		srv.Shutdown()
		return nil, fmt.Errorf("events: embedded nats did not start within %v", cfg.ConnectTimeout)
	}
	return srv, nil
}

// ClientURL is the embedded server's address for other nodes ("" when it
// does not listen or the bus is external).
func (b *Bus) ClientURL() string {
	if b.srv == nil || b.srv.Addr() == nil {
		return ""
	}
	return b.srv.ClientURL()
}

// Publish implements events.Bus.
func (b *Bus) Publish(subject string, data []byte) error {
	if err := events.ValidSubject(subject); err != nil {
		return err
	}
	return wrap(b.nc.Publish(subject, data))
}

// Subscribe implements events.Bus.
func (b *Bus) Subscribe(subject string, h events.Handler) (events.Subscription, error) {
	sub, err := b.nc.Subscribe(subject, func(m *natsgo.Msg) {
		h(events.Msg{Subject: m.Subject, Data: m.Data})
	})
	if err != nil {
		return nil, wrapSub(subject, err)
	}
	// Large enough for a burst of transcript segments; a subscriber this
	// far behind loses messages (NATS "slow consumer") rather than
	// holding up the connection.
	_ = sub.SetPendingLimits(65536, 64<<20)
	return sub, nil
}

// Request implements events.Bus.
func (b *Bus) Request(ctx context.Context, subject string, data []byte) ([]byte, error) {
	if err := events.ValidSubject(subject); err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	m, err := b.nc.RequestMsgWithContext(ctx, &natsgo.Msg{Subject: subject, Data: data})
	switch {
	case errors.Is(err, natsgo.ErrNoResponders):
		return nil, fmt.Errorf("%w: %s", events.ErrNoResponder, subject)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, natsgo.ErrTimeout):
		return nil, fmt.Errorf("%w: %s", events.ErrTimeout, subject)
	case err != nil:
		return nil, wrap(err)
	}
	if e := m.Header.Get(errHeader); e != "" {
		return nil, fmt.Errorf("%w: %s", events.ErrRemote, e)
	}
	return m.Data, nil
}

// Serve implements events.Bus.
func (b *Bus) Serve(subject, group string, r events.Responder) (events.Subscription, error) {
	h := func(m *natsgo.Msg) {
		out, err := r(events.Msg{Subject: m.Subject, Data: m.Data})
		reply := natsgo.NewMsg(m.Reply)
		if err != nil {
			reply.Header.Set(errHeader, err.Error())
		} else {
			reply.Data = out
		}
		if err := m.RespondMsg(reply); err != nil {
			b.log.Warn("nats reply", "subject", subject, "err", err)
		}
	}
	var sub *natsgo.Subscription
	var err error
	if group != "" {
		sub, err = b.nc.QueueSubscribe(subject, group, h)
	} else {
		sub, err = b.nc.Subscribe(subject, h)
	}
	if err != nil {
		return nil, wrapSub(subject, err)
	}
	return sub, nil
}

// Flush implements events.Bus.
func (b *Bus) Flush(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
	}
	return wrap(b.nc.FlushWithContext(ctx))
}

// Close implements events.Bus: it drains the connection and stops the
// embedded server.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	b.nc.Close()
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
	return nil
}

func wrap(err error) error {
	if errors.Is(err, natsgo.ErrConnectionClosed) {
		return fmt.Errorf("%w: %w", events.ErrClosed, err)
	}
	if errors.Is(err, natsgo.ErrBadSubject) {
		return fmt.Errorf("%w: %w", events.ErrSubject, err)
	}
	return err
}

func wrapSub(subject string, err error) error {
	if errors.Is(err, natsgo.ErrBadSubject) {
		return fmt.Errorf("%w: %q", events.ErrSubject, subject)
	}
	return wrap(err)
}
