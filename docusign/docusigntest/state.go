package docusigntest

import (
	"time"
)

// state is everything the simulator stores. Server.mu guards all of it.
type state struct {
	primaryUserID string
	accounts      []*account
	users         map[string]*user
	userOrder     []string        // user ids in the order Options listed them, primary first
	consent       map[string]bool // user id -> consented to signature impersonation
	tokens        map[string]*token
	envelopes     map[string]*envelope // by envelope id
	envelopeOrder []string             // creation order, for stable listing
	templates     []*template
	calls         map[string]int
	rates         map[string]*rateWindow // by account id
	frequentPolls map[string]int         // envelope id -> status GETs within 15 minutes
	lastStatusGet map[string]time.Time
	violations    Violations // rate-limit rejections, by limit
	faults        []*Fault
}

type account struct {
	id      string
	name    string
	created time.Time
}

type user struct {
	id         string
	name       string
	email      string
	accountIDs []string // first is the default
	created    time.Time
}

type token struct {
	userID  string
	expires time.Time
}

func newState(s *Server, opts Options) *state {
	now := s.now()
	st := &state{
		users:         map[string]*user{},
		consent:       map[string]bool{},
		tokens:        map[string]*token{},
		envelopes:     map[string]*envelope{},
		calls:         map[string]int{},
		rates:         map[string]*rateWindow{},
		frequentPolls: map[string]int{},
		lastStatusGet: map[string]time.Time{},
	}
	primary := &account{id: newGUID(), name: "Simulated Law Firm LLP", created: now}
	st.accounts = append(st.accounts, primary)
	defaultID := primary.id
	allIDs := []string{primary.id}
	for _, a := range opts.Accounts {
		acct := &account{id: a.ID, name: a.Name, created: now}
		if acct.id == "" {
			acct.id = newGUID()
		}
		if acct.name == "" {
			acct.name = "Simulated Account " + acct.id[:8]
		}
		st.accounts = append(st.accounts, acct)
		allIDs = append(allIDs, acct.id)
		if a.Default {
			defaultID = acct.id
		}
	}

	owner := &user{
		id: newGUID(), name: "Sam Sender", email: "sam.sender@example.com",
		accountIDs: moveFirst(allIDs, defaultID), created: now,
	}
	st.primaryUserID = owner.id
	st.users[owner.id] = owner
	st.userOrder = append(st.userOrder, owner.id)
	st.consent[owner.id] = true
	for _, u := range opts.Users {
		st.addUser(u, primary.id, now)
	}
	return st
}

func (st *state) addUser(u User, primaryID string, now time.Time) {
	extra := &user{id: u.ID, name: u.Name, email: u.Email, accountIDs: u.AccountIDs, created: now}
	if extra.id == "" {
		extra.id = newGUID()
	}
	if extra.name == "" {
		extra.name = "Simulated User"
	}
	if extra.email == "" {
		extra.email = "user-" + extra.id[:8] + "@example.com"
	}
	if len(extra.accountIDs) == 0 {
		extra.accountIDs = []string{primaryID}
	}
	st.users[extra.id] = extra
	st.userOrder = append(st.userOrder, extra.id)
	st.consent[extra.id] = !u.NoConsent
}

func moveFirst(ids []string, first string) []string {
	out := []string{first}
	for _, id := range ids {
		if id != first {
			out = append(out, id)
		}
	}
	return out
}

func (st *state) primaryAccountID() string {
	return st.users[st.primaryUserID].accountIDs[0]
}

func (st *state) account(id string) *account {
	for _, a := range st.accounts {
		if a.id == id {
			return a
		}
	}
	return nil
}

// UserIDs returns the ids of all users: the primary user, then Options.Users in order.
func (s *Server) UserIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.state.userOrder...)
}

// AccountIDs returns the ids of all accounts, the primary account first.
func (s *Server) AccountIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.state.accounts))
	for _, a := range s.state.accounts {
		ids = append(ids, a.id)
	}
	return ids
}

// Calls returns how many requests each operation served, keyed by the Op constants.
// Rejected requests count too.
func (s *Server) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.state.calls))
	for op, n := range s.state.calls {
		out[op] = n
	}
	return out
}

// ResetCalls sets every call count to zero.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.calls = map[string]int{}
}

// FrequentPolls returns, per envelope id, how many status GETs came less than 15 minutes
// after the previous one. Docusign does not fail these calls but counts them against an
// integration in its go-live review.
func (s *Server) FrequentPolls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.state.frequentPolls))
	for id, n := range s.state.frequentPolls {
		out[id] = n
	}
	return out
}
