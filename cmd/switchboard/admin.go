package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/internal/demobackend"
)

func init() {
	register(&command{name: "migrate", summary: "apply database migrations", run: runMigrate})
	register(&command{name: "bots", summary: "publish bots, list versions, roll back", run: runBots})
	register(&command{name: "demo-backend", summary: "run the demo webhook backend (fake accounts, parcels)", run: runDemoBackend})
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "migrate", "", `
Apply the database migrations embedded in the binary to the configured
database (they are also applied at start-up). Prints the versions applied.`)
	cfgPath := configFlag(fs)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg) // Open applies pending migrations
	if err != nil {
		return err
	}
	defer st.Close()
	m, ok := st.(interface {
		Migrate(context.Context) ([]int, error)
	})
	if !ok {
		return fmt.Errorf("the %s store has no migrations", cfg.Database.Driver)
	}
	applied, err := m.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s database %s is up to date (%d migrations applied now)\n", cfg.Database.Driver, redact(cfg.Database.DSN), len(applied))
	return nil
}

func redact(dsn string) string {
	for i := 0; i+3 < len(dsn); i++ {
		if dsn[i:i+3] == "://" {
			rest := dsn[i+3:]
			for j := 0; j < len(rest) && rest[j] != '/'; j++ {
				if rest[j] == '@' {
					return dsn[:i+3] + "***@" + rest[j+1:]
				}
			}
		}
	}
	return dsn
}

func runBots(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "bots", "publish DIR [--note N] | versions NAME | rollback NAME VERSION", `
Manage bot versions in the configured database.

  publish DIR [--note TEXT]   load and lint the bot in DIR, save it as the
                              draft and publish it as the next version
  versions NAME               list published versions (* marks the active one)
  rollback NAME VERSION       make an earlier version active again`)
	cfgPath := configFlag(fs)
	note := fs.String("note", "", "publish note")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) < 2 {
		fs.Usage()
		return errUsage
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	reg := conversation.NewRegistry(st, nil)
	switch rest[0] {
	case "publish":
		b, err := reg.LoadDir(ctx, rest[1])
		if err != nil {
			return err
		}
		v, err := reg.Publish(ctx, b.Name, *note)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "published %s version %d\n", b.Name, v)
	case "versions":
		rec, err := st.Bot(ctx, rest[1])
		if err != nil {
			return err
		}
		vs, err := st.Versions(ctx, rest[1])
		if err != nil {
			return err
		}
		for _, v := range vs {
			mark := " "
			if v.Version == rec.ActiveVersion {
				mark = "*"
			}
			fmt.Fprintf(e.stdout, "%s %3d  %s  %s\n", mark, v.Version, v.PublishedAt.Local().Format(time.DateTime), v.Note)
		}
	case "rollback":
		if len(rest) < 3 {
			fs.Usage()
			return errUsage
		}
		v, err := strconv.Atoi(rest[2])
		if err != nil {
			return fmt.Errorf("%w: version %q is not a number", errUsage, rest[2])
		}
		if err := reg.Rollback(ctx, rest[1], v); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: version %d is active\n", rest[1], v)
	default:
		fs.Usage()
		return errUsage
	}
	return nil
}

func runDemoBackend(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "demo-backend", "", `
Run the demo webhook backend on its own: fake bank accounts, cards, transfers,
top-ups and parcels that the sample bots' flows call. (switchboard serve also
serves it under /demo.)`)
	listen := fs.String("listen", "127.0.0.1:8090", "address to listen on")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: demobackend.New(nil), ReadHeaderTimeout: 5 * time.Second}
	fmt.Fprintf(e.stdout, "demo backend on http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}
