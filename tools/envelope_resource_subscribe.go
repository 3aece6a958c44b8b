package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
	"github.com/ys88io/docusign-mcp/store"
)

// maxSubscriptionsPerSession bounds the envelope subscriptions of one client session, so a
// client cannot grow the server's memory without bound.
const maxSubscriptionsPerSession = 256

// subscriberKey names a subscribed client. A 2025-revision client is named by its session id,
// and a 2026-07-28 client's subscriptions/listen stream, which has no session id, by its
// session value.
type subscriberKey struct {
	sessionID string
	stream    server.ClientSession
}

// subscription is one client's subscription to an envelope: the principal that subscribed,
// whose policy decides each update, and the URI as the client wrote it, which the update
// names.
type subscription struct {
	principal string
	uri       string
}

// envelopeSubscriptions sends notifications/resources/updated to the clients subscribed to an
// envelope whenever the store commits a change of its state.
type envelopeSubscriptions struct {
	mcp *server.MCPServer
	d   *Deps

	mu sync.Mutex
	// byURI maps each subscribed envelope URI, with the id in lower case, to its subscribers.
	byURI map[string]map[subscriberKey]subscription
	// pending are the URIs changed since the sender last ran.
	pending map[string]bool
	sending bool
}

// registerEnvelopeResource adds the envelope resource template to s and, when the store
// reports changes, declares the resources subscribe capability and installs the hooks that
// track subscriptions and end the waits of closed sessions.
// NOTE: it adds to the hooks s has; a later server.WithHooks on s would drop them.
func registerEnvelopeResource(s *server.MCPServer, d *Deps) {
	s.AddResourceTemplates(envelopeResourceTemplate(d))
	hooks := s.GetHooks()
	if hooks == nil {
		hooks = &server.Hooks{}
		server.WithHooks(hooks)(s)
	}
	hooks.AddOnUnregisterSession(func(_ context.Context, session server.ClientSession) {
		d.waits.endSession(session.SessionID())
	})
	watcher, ok := d.Envelopes.(envelopeWatcher)
	if !ok {
		return
	}
	subs := &envelopeSubscriptions{mcp: s, d: d,
		byURI: map[string]map[subscriberKey]subscription{}, pending: map[string]bool{}}
	server.WithResourceCapabilities(true, false)(s)
	hooks.AddOnRequestInitialization(subs.authorize)
	hooks.AddAfterSubscribe(subs.afterSubscribe)
	hooks.AddAfterUnsubscribe(subs.afterUnsubscribe)
	hooks.AddBeforeSubscriptionsListen(subs.beforeListen)
	hooks.AddOnUnregisterSession(subs.unregister)
	watcher.OnEnvelopeChange(subs.changed)
}

// authorize rejects a resources/subscribe or subscriptions/listen request for a URI that is
// not an envelope, or an envelope the caller may not read. mcp-go returns the rejection as
// JSON-RPC -32600 with the error's text.
func (e *envelopeSubscriptions) authorize(ctx context.Context, _ any, message any) error {
	raw, ok := message.(json.RawMessage)
	if !ok {
		return nil
	}
	uris, ok := subscribedURIs(raw)
	if !ok {
		return nil
	}
	if key, ok := subscriberOf(ctx); ok && e.count(key)+len(uris) > maxSubscriptionsPerSession {
		return fmt.Errorf("this session already has %d envelope subscriptions, the max: "+
			"unsubscribe from envelopes that reached a final status", maxSubscriptionsPerSession)
	}
	for _, uri := range uris {
		if err := e.check(ctx, uri); err != nil {
			return err
		}
	}
	return nil
}

// subscribedURIs returns the resource URIs that a resources/subscribe or subscriptions/listen
// message subscribes to, or false for any other message.
func subscribedURIs(raw json.RawMessage) ([]string, bool) {
	// Every request passes here, create_envelope's documents included, so a byte search
	// spares the others a second parse.
	if !bytes.Contains(raw, []byte(`"resources/subscribe"`)) &&
		!bytes.Contains(raw, []byte(`"subscriptions/listen"`)) {
		return nil, false
	}
	var msg struct {
		Method mcp.MCPMethod `json:"method"`
		Params struct {
			URI           string                 `json:"uri"`
			Notifications mcp.SubscriptionFilter `json:"notifications"`
		} `json:"params"`
	}
	if json.Unmarshal(raw, &msg) != nil {
		return nil, false
	}
	switch msg.Method {
	case mcp.MethodResourcesSubscribe:
		return []string{msg.Params.URI}, true
	case mcp.MethodSubscriptionsListen:
		return msg.Params.Notifications.ResourceSubscriptions, true
	}
	return nil, false
}

// check returns why the caller may not subscribe to uri, or nil.
func (e *envelopeSubscriptions) check(ctx context.Context, uri string) error {
	if slices.Contains(e.d.Options.ExtraSubscriptions, uri) {
		return nil
	}
	envelopeID, ok := envelopeIDFromURI(uri)
	if !ok {
		return fmt.Errorf("cannot subscribe to %q: only envelope resources such as %s "+
			"send updates", truncate(uri, 100), envelopeURITemplate)
	}
	terr := checkGUID("uri", envelopeID, "envelope id")
	if terr == nil {
		terr = e.d.decide(ctx, envelopeReadTool, true, envelopeID)
	}
	if terr != nil {
		return fmt.Errorf("cannot subscribe to %s: %s", truncate(uri, 100), terr.json())
	}
	return nil
}

// subscriberOf returns the subscriber that ctx's request comes from.
func subscriberOf(ctx context.Context) (subscriberKey, bool) {
	session := server.ClientSessionFromContext(ctx)
	if session == nil {
		return subscriberKey{}, false
	}
	if id := session.SessionID(); id != "" {
		return subscriberKey{sessionID: id}, true
	}
	return subscriberKey{stream: session}, true
}

func (e *envelopeSubscriptions) afterSubscribe(ctx context.Context, _ any,
	req *mcp.SubscribeRequest, _ *mcp.EmptyResult) {
	if key, ok := subscriberOf(ctx); ok {
		e.add(key, policy.PrincipalFrom(ctx), req.Params.URI)
	}
}

func (e *envelopeSubscriptions) afterUnsubscribe(ctx context.Context, _ any,
	req *mcp.UnsubscribeRequest, _ *mcp.EmptyResult) {
	if key, ok := subscriberOf(ctx); ok {
		e.remove(key, req.Params.URI)
	}
}

// beforeListen records the envelope URIs of a subscriptions/listen stream for as long as the
// stream's request runs.
func (e *envelopeSubscriptions) beforeListen(ctx context.Context, _ any,
	req *mcp.SubscriptionsListenRequest) {
	key, ok := subscriberOf(ctx)
	uris := req.Params.Notifications.ResourceSubscriptions
	if !ok || len(uris) == 0 {
		return
	}
	for _, uri := range uris {
		e.add(key, policy.PrincipalFrom(ctx), uri)
	}
	context.AfterFunc(ctx, func() { e.drop(key) })
}

func (e *envelopeSubscriptions) unregister(_ context.Context, session server.ClientSession) {
	if id := session.SessionID(); id != "" {
		e.drop(subscriberKey{sessionID: id})
	}
}

// canonicalURI returns an envelope URI with its id in lower case, as Docusign and the store
// write envelope ids, and any other URI as it is.
func canonicalURI(uri string) string {
	if id, ok := envelopeIDFromURI(uri); ok {
		return envelopeURI(strings.ToLower(id))
	}
	return uri
}

func (e *envelopeSubscriptions) add(key subscriberKey, principal, uri string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	canonical := canonicalURI(uri)
	if e.byURI[canonical] == nil {
		e.byURI[canonical] = map[subscriberKey]subscription{}
	}
	e.byURI[canonical][key] = subscription{principal: principal, uri: uri}
}

func (e *envelopeSubscriptions) remove(key subscriberKey, uri string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	canonical := canonicalURI(uri)
	delete(e.byURI[canonical], key)
	if len(e.byURI[canonical]) == 0 {
		delete(e.byURI, canonical)
	}
}

// drop removes every subscription of key.
func (e *envelopeSubscriptions) drop(key subscriberKey) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for uri, subscribers := range e.byURI {
		delete(subscribers, key)
		if len(subscribers) == 0 {
			delete(e.byURI, uri)
		}
	}
}

// count returns the number of subscriptions of key.
func (e *envelopeSubscriptions) count(key subscriberKey) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, subscribers := range e.byURI {
		if _, ok := subscribers[key]; ok {
			n++
		}
	}
	return n
}

// changed is the store's listener. It runs on the writer's goroutine, so it only marks the
// URI and leaves the sending to a goroutine of its own.
func (e *envelopeSubscriptions) changed(state store.EnvelopeState) {
	uri := envelopeURI(strings.ToLower(state.EnvelopeID))
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.byURI[uri]) == 0 {
		return
	}
	e.pending[uri] = true
	if !e.sending {
		e.sending = true
		go e.sendPending()
	}
}

// sendPending sends the updates of the pending URIs until none is left. Changes of one URI
// that arrive while it sends coalesce into one more update.
func (e *envelopeSubscriptions) sendPending() {
	for {
		e.mu.Lock()
		if len(e.pending) == 0 {
			e.sending = false
			e.mu.Unlock()
			return
		}
		var batch []subscriberUpdate
		for uri := range e.pending {
			for key, sub := range e.byURI[uri] {
				batch = append(batch, subscriberUpdate{key: key, sub: sub})
			}
		}
		clear(e.pending)
		e.mu.Unlock()
		for _, update := range batch {
			e.notify(update.key, update.sub)
		}
	}
}

// subscriberUpdate is one update that sendPending sends.
type subscriberUpdate struct {
	key subscriberKey
	sub subscription
}

// notify sends one update, after the policy confirms that the subscriber may still read the
// envelope: the policy may have been reloaded since the subscription.
func (e *envelopeSubscriptions) notify(key subscriberKey, sub subscription) {
	envelopeID, _ := envelopeIDFromURI(sub.uri)
	principal := sub.principal
	ctx := policy.WithPrincipal(context.Background(), principal)
	if terr := e.d.decide(ctx, envelopeReadTool, true, envelopeID); terr != nil {
		e.d.Logger.Info("not sending an envelope update that the policy now denies",
			"envelope_id", envelopeID, "principal", principal)
		return
	}
	params := map[string]any{"uri": sub.uri}
	var err error
	if key.stream != nil {
		err = sendToStream(key.stream, params)
	} else {
		err = e.mcp.SendNotificationToSpecificClient(key.sessionID,
			string(mcp.MethodNotificationResourceUpdated), params)
	}
	if errors.Is(err, server.ErrSessionNotFound) {
		e.drop(key)
	}
	if err != nil {
		e.d.Logger.Warn("sending an envelope update failed", "envelope_id", envelopeID,
			"principal", principal, "err", err)
		return
	}
	e.d.Logger.Debug("sent an envelope update", "envelope_id", envelopeID,
		"principal", principal)
}

// sendToStream queues a resources/updated notification on a subscriptions/listen stream,
// which mcp-go can only reach by broadcasting to every client.
func sendToStream(session server.ClientSession, params map[string]any) error {
	notification := mcp.JSONRPCNotification{JSONRPC: mcp.JSONRPC_VERSION,
		Notification: mcp.Notification{Method: string(mcp.MethodNotificationResourceUpdated),
			Params: mcp.NotificationParams{AdditionalFields: params}}}
	select {
	case session.NotificationChannel() <- notification:
		return nil
	default:
		return server.ErrNotificationChannelBlocked
	}
}
