package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"polysynergy/shared/local/cloud"
	"polysynergy/shared/local/datadir"
	"polysynergy/shared/local/oidc"
)

// serverFile records where the local cloud of a data dir listens, and its process while
// it runs (read by `dev token`).
const serverFile = "server.json"

// stopWait is how long a stop waits for the requests and runs still going before it
// cancels them.
const stopWait = 15 * time.Second

func cmdDev(ctx context.Context, env *Env, args []string) int {
	if len(args) > 0 && args[0] == "token" {
		return cmdDevToken(env, args[1:])
	}
	fs, u := newFlags(env, "dev", help{
		synopsis: "[--port 8090] [--data-dir .polysynergy] [--reset] [--dynamodb-endpoint URL] [--web web/dist] [-v]\npolysynergy dev token --user EMAIL [--data-dir .polysynergy]",
		about: `Runs the whole platform in this process, without AWS or Docker, until Ctrl-C: the editor
(web/dist, which 'make dev' or 'make web' builds), the REST API under /api/v1, the live
WebSocket, triggers on http://{project}-{stage}.localhost:PORT/… and schedules. Open the
editor and sign in on its dev sign-in page (pick a user or create one). Data is kept in
--data-dir and flushed on Ctrl-C. 'polysynergy dev token' prints a bearer token for scripts
('polysynergy dev token --help').`,
		examples: []string{
			"polysynergy dev",
			"polysynergy dev --port 9000 --data-dir /tmp/ps --reset",
			"polysynergy dev --dynamodb-endpoint http://localhost:8000",
		},
		exits: "0 stopped by Ctrl-C with the data saved, 1 it could not start (port or data dir in use…) or stop cleanly, 2 bad usage.",
	})
	port := fs.Int("port", 8090, "port for everything (editor, API, WebSocket, triggers)")
	dir := fs.String("data-dir", ".polysynergy", "where data, keys and dev users are kept")
	reset := fs.Bool("reset", false, "start with empty data (with --dynamodb-endpoint: delete and recreate the table there)")
	dynamoURL := fs.String("dynamodb-endpoint", "", "use the DynamoDB at this URL (e.g. DynamoDB Local, http://localhost:8000) instead of the embedded one; the table \""+cloud.Table+"\" is created there when missing")
	web := fs.String("web", filepath.Join("web", "dist"), "the built editor")
	faults := fs.Bool("allow-faults", false, "enable POST /_dev/faults to inject DynamoDB failures")
	verbose := fs.Bool("v", false, "log every function error and warning")
	pos, code, ok := u.parse(args)
	if !ok {
		return code
	}
	if err := checkDevFlags(pos, *port, *dynamoURL); err != nil {
		return u.bad("%v", err)
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelInfo
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	cloud.TuneGC()
	c, err := cloud.Start(ctx, cloud.Options{Port: *port, DataDir: *dir, Reset: *reset, DynamoEndpoint: *dynamoURL,
		WebDir: *web, AllowFaults: *faults, Log: log})
	if err != nil {
		env.errorf("%v", err)
		return ExitFailed
	}
	info, _ := json.Marshal(map[string]any{"url": c.URL(), "pid": os.Getpid(), "started": time.Now().UTC()})
	_ = os.WriteFile(filepath.Join(*dir, serverFile), info, 0o600)
	storage := "embedded DynamoDB, kept in " + *dir
	if *dynamoURL != "" {
		storage = *dynamoURL
	}
	editor := c.URL()
	if _, err := os.Stat(filepath.Join(*web, "index.html")); err != nil {
		// the editor's address answers a page saying so; the banner says it first
		editor += fmt.Sprintf("   (not built: %s has no index.html; run 'make web', or give --web)", *web)
	}
	fmt.Fprintf(env.Stdout, `
  PolySynergy is running (local cloud)

  Editor      %[6]s
  REST API    %[1]s/api/v1   (OpenAPI: %[1]s/api/v1/openapi.json)
  WebSocket   %[2]s/ws
  Triggers    http://{project}-{stage}.localhost:%[3]d/…
  Sign-in     open the editor, press Sign in, pick a dev user or create one
              (OpenID Connect: %[1]s/.well-known/openid-configuration)
  Scripts     TOKEN=$(%[5]s)   (a bearer token for the REST API)
  Storage     %[4]s

  Ctrl-C stops it; data is flushed first.
`, c.URL(), "ws://localhost:"+fmt.Sprint(c.Port()), c.Port(), storage, tokenCommand(*dir), editor)
	<-ctx.Done()
	// a second Ctrl-C stops waiting for the requests and runs still going: they are
	// cancelled (their callers get the router's answer) and the data is still saved
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	fmt.Fprintf(env.Stdout, "\nstopping… (waiting up to %s for requests and runs still going; Ctrl-C again cancels them)\n", stopWait)
	sctx, cancel := context.WithTimeout(context.Background(), stopWait)
	defer cancel()
	go func() {
		select {
		case <-again:
			fmt.Fprintln(env.Stdout, "cancelling the requests and runs still going; saving the data…")
			c.Cancel()
		case <-sctx.Done():
		}
	}()
	// kept, with no process: `dev token` then still knows the port this data dir's cloud uses
	stopped, _ := json.Marshal(map[string]any{"url": c.URL(), "pid": 0, "stopped": time.Now().UTC()})
	_ = os.WriteFile(filepath.Join(*dir, serverFile), stopped, 0o600)
	if err := c.Close(sctx); err != nil {
		env.errorf("stop: %v", err)
		return ExitFailed
	}
	fmt.Fprintln(env.Stdout, "stopped; data saved.")
	return ExitOK
}

func cmdDevToken(env *Env, args []string) int {
	fs, usg := newFlags(env, "dev token", help{
		synopsis: "--user EMAIL [--name NAME] [--data-dir .polysynergy] [--id]",
		about: `Prints a bearer token (valid one hour) of a dev user of the local cloud that keeps its data
in --data-dir: pass the --data-dir that 'polysynergy dev' was given. The user is created when
new; its workspace is made on its first API call (GET /api/v1/me).`,
		examples: []string{
			"TOKEN=$(polysynergy dev token --user you@example.com)",
			`curl -H "Authorization: Bearer $TOKEN" http://localhost:8090/api/v1/me`,
		},
		exits: "0 printed, 1 the token could not be made, 2 no local cloud data in --data-dir, an invalid --user, or bad usage.",
	})
	user := fs.String("user", "", "the dev user's e-mail (created when new)")
	name := fs.String("name", "", "the user's name when created")
	dir := fs.String("data-dir", ".polysynergy", "the local cloud's data dir")
	idToken := fs.Bool("id", false, "print the ID token instead of the access token")
	pos, code, ok := usg.parse(args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usg.bad("unexpected argument %q", pos[0])
	}
	if *user == "" {
		return usg.bad("missing --user EMAIL, the dev user to make a token for")
	}
	if err := datadir.Check(*dir); err != nil {
		env.errorf("--data-dir: %v", err)
		return ExitInvalid
	}
	issuer, running := devServer(*dir)
	if !running {
		fmt.Fprintf(env.Stderr, "polysynergy: note: no local cloud is running on %s; the token is for %s, so start it on that port to use it\n", *dir, issuer)
	}
	p, err := oidc.New(oidc.Config{Issuer: issuer, ClientID: cloud.ClientID, Dir: *dir})
	if err != nil {
		env.errorf("%v", err)
		return ExitFailed
	}
	u, err := p.EnsureUser(*user, *name)
	if err != nil {
		flag := "--user"
		if ne := (*oidc.NameError)(nil); errors.As(err, &ne) {
			flag = "--name"
		}
		env.errorf("%s: %v", flag, err)
		return ExitInvalid
	}
	toks, err := p.Issue(u, "")
	if err != nil {
		env.errorf("%v", err)
		return ExitFailed
	}
	if *idToken {
		fmt.Fprintln(env.Stdout, toks.IDToken)
	} else {
		fmt.Fprintln(env.Stdout, toks.AccessToken)
	}
	return ExitOK
}

// tokenCommand is the `dev token` command line that works for this local cloud: the
// program as it was started (build/polysynergy under make) and a --data-dir other than
// the default.
func tokenCommand(dir string) string {
	prog := "polysynergy"
	if len(os.Args) > 0 && filepath.Base(os.Args[0]) == "polysynergy" {
		prog = os.Args[0]
	}
	cmd := prog + " dev token --user you@example.com"
	if dir != ".polysynergy" {
		cmd += " --data-dir " + shellQuote(dir)
	}
	return cmd
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:@,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// checkDevFlags refuses what `polysynergy dev` cannot start with, naming the flag.
func checkDevFlags(pos []string, port int, dynamoURL string) error {
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q (did you mean `polysynergy dev token`?)", pos[0])
	}
	if port < 0 || port > 65535 {
		return fmt.Errorf("--port: %d is not a port; use 1 to 65535, or 0 for any free one", port)
	}
	if dynamoURL != "" {
		u, err := url.Parse(dynamoURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--dynamodb-endpoint: %q is not an http(s) URL such as http://localhost:8000", dynamoURL)
		}
	}
	return nil
}

// devServer reads the address the local cloud on dir recorded when it started (the
// default one when none did) and whether that process is still running.
func devServer(dir string) (url string, running bool) {
	url = "http://localhost:8090"
	data, err := os.ReadFile(filepath.Join(dir, serverFile))
	if err != nil {
		return url, false
	}
	var info struct {
		URL string `json:"url"`
		PID int    `json:"pid"`
	}
	if json.Unmarshal(data, &info) != nil || info.URL == "" {
		return url, false
	}
	// signal 0 checks that the process exists without touching it
	return info.URL, info.PID > 0 && syscall.Kill(info.PID, 0) == nil
}
