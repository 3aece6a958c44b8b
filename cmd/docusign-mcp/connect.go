package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/ys88io/docusign-mcp/connect"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
	"github.com/ys88io/docusign-mcp/store"
)

// connectHMACKeysEnv names the Connect HMAC keys, comma-separated literal strings as the
// Docusign admin page shows them. It has no flag because keys are secrets.
const connectHMACKeysEnv = "DOCUSIGN_CONNECT_HMAC_KEYS"

// connectPath is the HTTP path of the Connect receiver.
const connectPath = "/connect"

// connectPruneInterval is the time between prunes of old Connect delivery records.
const connectPruneInterval = time.Hour

// connectBodyTimeout bounds the time a /connect request's body takes to arrive after its
// headers. Docusign sends each message whole, so only a stalled or hostile client needs
// longer, and the server's ReadHeaderTimeout does not cover the body.
const connectBodyTimeout = 30 * time.Second

// connectState is the Connect receiver of a running server.
type connectState struct {
	// receiver is nil when no HMAC key is configured, and /connect is then not mounted.
	receiver *connect.Receiver
	// simulatorKey is the key generated for the embedded simulator, empty otherwise. It is
	// a secret: never log it.
	simulatorKey string
}

// startConnect builds the Connect receiver from the configured keys, or in simulator mode
// from a generated key, and starts pruning its delivery records.
func (a *app) startConnect(cfg serveConfig) error {
	a.connect = &connectState{}
	keys, source, err := a.receiverKeys(cfg)
	if err != nil {
		return err
	}
	switch {
	case len(keys) == 0 && cfg.HTTP.Addr == "":
		a.logger.Debug("Connect receiver is off, because serve runs over stdio")
		return nil
	case len(keys) == 0:
		a.logger.Info("Connect receiver is off, so " + connectPath + " is not served: set " +
			connectHMACKeysEnv + " or import " + store.SecretConnectHMACKey +
			" into the secret file")
		return nil
	}

	verifier, err := connect.NewVerifier(keys)
	if err != nil {
		return fmt.Errorf("configure Connect receiver: %w", err)
	}
	a.connect.receiver, err = connect.NewReceiver(connect.ReceiverOptions{
		Verifier: verifier, Store: a.store, Audit: a.audit,
		Logger: a.logger.With("component", "connect")})
	if err != nil {
		return fmt.Errorf("configure Connect receiver: %w", err)
	}

	if cfg.HTTP.Addr == "" {
		a.logger.Warn("Connect keys are set but serve runs over stdio, so nothing receives "+
			"Connect messages: add --http to serve "+connectPath, "keys_from", source)
	}
	a.logger.Info("Connect receiver configured", "keys_from", source,
		"key_ids", verifier.KeyIDs())
	a.startConnectPruning()
	return nil
}

// receiverKeys returns the configured keys and their source. In simulator mode over HTTP
// without keys, it generates one and keeps it for publishConnect.
func (a *app) receiverKeys(cfg serveConfig) ([]connect.Key, string, error) {
	keys, source, err := connectKeys(cfg)
	if err != nil || len(keys) > 0 || !cfg.Simulator || cfg.HTTP.Addr == "" {
		return keys, source, err
	}
	a.connect.simulatorKey, err = generateConnectKey()
	if err != nil {
		return nil, "", err
	}
	return connect.ParseKeys(a.connect.simulatorKey), "generated for the simulator", nil
}

// connectKeys returns the HMAC keys from DOCUSIGN_CONNECT_HMAC_KEYS or the secret file, and
// where they came from. Setting both is an error, so no key is used by mistake.
func connectKeys(cfg serveConfig) ([]connect.Key, string, error) {
	fromEnv := connect.ParseKeys(cfg.ConnectHMACKeys)
	var fromFile []connect.Key
	if cfg.SecretsFile != "" {
		f, _, problem := openSecretFile(cfg.SecretsFile, cfg.SecretsKeyFile, cfg.SecretsKeyHex)
		if problem != "" {
			return nil, "", errors.New(problem)
		}
		if value, ok := f.Get(store.SecretConnectHMACKey); ok {
			fromFile = connect.ParseKeys(string(value))
		}
	}
	switch {
	case len(fromEnv) > 0 && len(fromFile) > 0:
		return nil, "", fmt.Errorf("both %s and the secret file's %s contain Connect HMAC "+
			"keys: keep one of them", connectHMACKeysEnv, store.SecretConnectHMACKey)
	case len(fromEnv) > 0:
		return fromEnv, connectHMACKeysEnv, nil
	case len(fromFile) > 0:
		return fromFile, "secret " + store.SecretConnectHMACKey, nil
	}
	return nil, "", nil
}

// generateConnectKey returns a random key in the shape of a Docusign Connect key.
func generateConnectKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate Connect HMAC key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// startConnectPruning deletes delivery records older than the retention every
// connectPruneInterval until the app closes.
func (a *app) startConnectPruning() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		ticker := time.NewTicker(connectPruneInterval)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				a.pruneConnectRecords(ctx)
			}
		}
	}()
	a.closers = append(a.closers, func() {
		cancel()
		<-done
	})
}

func (a *app) pruneConnectRecords(ctx context.Context) {
	n, err := a.connect.receiver.PruneRecords(ctx)
	if err != nil && ctx.Err() == nil {
		a.logger.Error("pruning Connect delivery records failed", "pruned", n, "err", err)
		return
	}
	if n > 0 {
		a.logger.Info("pruned Connect delivery records", "pruned", n)
	}
}

// mountConnect adds the receiver to routes, which the HTTP listener serves outside bearer
// authentication and the MCP session layer, because Connect authenticates by HMAC. The
// body limit still applies.
func (a *app) mountConnect(routes map[string]http.Handler, maxBodyBytes int64) {
	if a.connect == nil || a.connect.receiver == nil || routes == nil {
		return
	}
	routes[connectPath] = bodyDeadline(connectBodyTimeout,
		limitBody(maxBodyBytes, a.connect.receiver))
}

// bodyDeadline sets a read deadline of d on the connection of each request, and clears it
// once next has read the body to its end. A client that sends its body too slowly then
// fails the body read, and the receiver rejects the request.
func bodyDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// A ResponseWriter without deadlines, such as a test recorder, returns
		// http.ErrNotSupported, and the request is then served without one.
		if err := rc.SetReadDeadline(time.Now().Add(d)); err == nil && r.Body != nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
		next.ServeHTTP(w, r)
	})
}

// deadlineBody clears the connection's read deadline when the body is read to its end, so
// the deadline does not cut the handler's later work. After any other error the deadline
// stays, because the server reads the rest of an unread body before it responds.
type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	cleared bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if errors.Is(err, io.EOF) && !b.cleared {
		b.cleared = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// publishConnect points the embedded simulator's Connect at this server's /connect, signed
// with the generated key, once the MCP endpoint's URL is known. It does nothing for a
// real account.
func (a *app) publishConnect(mcpURL string) {
	if a.sim == nil || a.connect == nil || a.connect.simulatorKey == "" {
		return
	}
	target, err := loopbackConnectURL(mcpURL)
	if err != nil {
		a.logger.Warn("the simulator does not publish Connect messages", "err", err)
		return
	}
	err = a.sim.SetConnect(docusigntest.ConnectConfig{URL: target,
		HMACKeys: []string{a.connect.simulatorKey}, IncludeData: []string{"recipients"}})
	if err != nil {
		a.logger.Warn("the simulator does not publish Connect messages", "url", target,
			"err", err)
		return
	}
	a.logger.Info("the simulator publishes Connect messages to this server", "url", target)
}

// loopbackConnectURL returns the /connect URL on the loopback address of the listener that
// serves mcpURL. The simulator posts only to loopback addresses.
func loopbackConnectURL(mcpURL string) (string, error) {
	u, err := url.Parse(mcpURL)
	if err != nil {
		return "", fmt.Errorf("parse MCP URL %q: %w", mcpURL, err)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		return "", fmt.Errorf("parse MCP URL %q: %w", mcpURL, err)
	}
	ip := net.ParseIP(host)
	switch {
	case ip != nil && ip.IsUnspecified():
		host = "127.0.0.1"
	case !isLoopbackHost(host):
		return "", fmt.Errorf("the HTTP listener %s is not on a loopback address: bind "+
			"127.0.0.1 or 0.0.0.0 to receive the simulator's Connect messages", u.Host)
	}
	return "http://" + net.JoinHostPort(host, port) + connectPath, nil
}
