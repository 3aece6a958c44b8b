package docusign

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// session is the account a user's calls go to and that account's REST base URL.
type session struct {
	accountID string
	// restBase is base_uri + "/restapi", without a trailing slash.
	restBase string
}

// sessionFlight is one userinfo request that every caller waiting for the same user shares.
type sessionFlight struct {
	done    chan struct{}
	session session
	err     error
}

// sessionCache keeps the account and REST base per user for the client's lifetime, because
// Docusign limits userinfo calls per user and integration key per hour.
type sessionCache struct {
	client   *Client
	mu       sync.Mutex
	sessions map[string]session
	flights  map[string]*sessionFlight
}

func newSessionCache(c *Client) *sessionCache {
	return &sessionCache{
		client:   c,
		sessions: make(map[string]session),
		flights:  make(map[string]*sessionFlight),
	}
}

// get returns user's session, calling /oauth/userinfo once per user.
func (sc *sessionCache) get(ctx context.Context, user string) (session, error) {
	sc.mu.Lock()
	if s, ok := sc.sessions[user]; ok {
		sc.mu.Unlock()
		return s, nil
	}
	flight, ok := sc.flights[user]
	if !ok {
		flight = &sessionFlight{done: make(chan struct{})}
		sc.flights[user] = flight
		go sc.fetch(context.WithoutCancel(ctx), user, flight)
	}
	sc.mu.Unlock()
	select {
	case <-flight.done:
		return flight.session, flight.err
	case <-ctx.Done():
		return session{}, fmt.Errorf("docusign: waiting for /oauth/userinfo: %w", ctx.Err())
	}
}

func (sc *sessionCache) fetch(ctx context.Context, user string, flight *sessionFlight) {
	s, err := sc.client.loadSession(ctx, user)
	sc.mu.Lock()
	if err == nil {
		sc.sessions[user] = s
	}
	delete(sc.flights, user)
	flight.session, flight.err = s, err
	sc.mu.Unlock()
	close(flight.done)
}

// UserInfo calls GET /oauth/userinfo for the user that ctx impersonates. The client calls it
// once per user by itself to find the account, but this method always sends a request.
func (c *Client) UserInfo(ctx context.Context) (*UserInfo, error) {
	user, err := c.userFrom(ctx)
	if err != nil {
		return nil, err
	}
	return c.fetchUserInfo(ctx, user)
}

func (c *Client) fetchUserInfo(ctx context.Context, user string) (*UserInfo, error) {
	ep := &endpoint{
		operation:    "OAuth:userinfo",
		method:       http.MethodGet,
		pathTemplate: "/oauth/userinfo",
		url:          c.authURL.String() + "/oauth/userinfo",
		auth:         true,
		mode:         modeIdempotent,
	}
	var info UserInfo
	if _, err := c.send(ctx, user, ep, decodeJSON(&info, maxTokenBody)); err != nil {
		return nil, err
	}
	return &info, nil
}

// loadSession fetches userinfo and picks the account.
func (c *Client) loadSession(ctx context.Context, user string) (session, error) {
	info, err := c.fetchUserInfo(ctx, user)
	if err != nil {
		return session{}, err
	}
	account, err := pickAccount(info.Accounts, c.cfg.AccountID)
	if err != nil {
		return session{}, err
	}
	base, err := restBase(account.BaseURI)
	if err != nil {
		return session{}, err
	}
	c.logger.Debug("docusign account selected", "account_id", account.AccountID,
		"rest_base", base)
	return session{accountID: account.AccountID, restBase: base}, nil
}

// pickAccount returns the account whose id is wanted or, when wanted is empty, the one marked
// is_default. It never falls back to the first account, because that would silently send
// envelopes from an account the user did not choose.
func pickAccount(accounts []UserInfoAccount, wanted string) (UserInfoAccount, error) {
	if len(accounts) == 0 {
		return UserInfoAccount{}, fmt.Errorf("docusign /oauth/userinfo: the user belongs to " +
			"no account: add the user to an eSignature account")
	}
	for _, a := range accounts {
		if wanted != "" && strings.EqualFold(a.AccountID, wanted) {
			return a, nil
		}
		if wanted == "" && bool(a.IsDefault) {
			return a, nil
		}
	}
	ids := make([]string, len(accounts))
	for i, a := range accounts {
		ids[i] = a.AccountID
	}
	if wanted != "" {
		return UserInfoAccount{}, fmt.Errorf("docusign /oauth/userinfo: AccountID %s is not "+
			"one of the user's accounts (%s): set AccountID to one of them",
			wanted, strings.Join(ids, ", "))
	}
	return UserInfoAccount{}, fmt.Errorf("docusign /oauth/userinfo: no account is marked "+
		"is_default among %s: set AccountID to one of them", strings.Join(ids, ", "))
}

// restBase turns a userinfo base_uri into the REST base URL: base_uri + "/restapi" exactly
// once, whether base_uri has a trailing slash or already ends in /restapi. Plain http is
// accepted only on loopback hosts.
func restBase(baseURI string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(baseURI))
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("docusign /oauth/userinfo: base_uri %q is not an absolute URL: "+
			"check that AuthServer is a Docusign OAuth server", truncate(baseURI, 80))
	}
	if err := checkScheme("base_uri from /oauth/userinfo", u); err != nil {
		return "", err
	}
	path := strings.TrimRight(u.Path, "/")
	path = strings.TrimSuffix(path, "/restapi")
	u.Path = strings.TrimRight(path, "/") + "/restapi"
	u.RawPath = ""
	return u.String(), nil
}
