package docusigntest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const maxListCount = 1000

// listQuery is a parsed listStatusChanges query.
type listQuery struct {
	from, to     time.Time
	hasFrom      bool
	fromToStatus string
	statuses     map[string]bool
	envelopeIDs  map[string]bool
	byIDs        bool
	fieldName    string
	fieldValue   string
	searchText   string
	page         pageQuery
	descending   bool
	orderBy      string
	include      map[string]bool
}

// pageQuery is count and start_position, shared by envelopes and templates.
type pageQuery struct {
	count int // -1 when absent
	start int
}

func (s *Server) listStatusChanges(_ http.ResponseWriter, c *restCall) (int, any, *Error) {
	q, err := parseListQuery(c.r.URL.Query(), s.now())
	if err != nil {
		return 0, nil, err
	}
	var matched []*envelope
	for _, e := range s.state.sortedEnvelopes(c.account.id) {
		s.expireIfDue(e, s.now())
		if q.matches(e) {
			matched = append(matched, e)
		}
	}
	q.sort(matched)
	pageItems, info := paginate(matched, q.page, maxListCount, c.r.URL)
	envelopes := make([]map[string]any, 0, len(pageItems))
	for _, e := range pageItems {
		envelopes = append(envelopes, s.envelopeOut(e, q.include))
	}
	info["lastQueriedDateTime"] = formatTime(s.now())
	if len(envelopes) > 0 {
		info["envelopes"] = envelopes
	}
	return http.StatusOK, info, nil
}

func parseListQuery(v url.Values, now time.Time) (*listQuery, *Error) {
	q := &listQuery{to: now, statuses: map[string]bool{}, envelopeIDs: map[string]bool{},
		include: includeSet(v.Get("include")), orderBy: strings.ToLower(v.Get("order_by"))}
	for _, id := range splitList(v.Get("envelope_ids")) {
		q.envelopeIDs[id] = true
		q.byIDs = true
	}
	if v.Get("from_date") == "" && !q.byIDs && v.Get("transaction_ids") == "" {
		return nil, invalidParameter(
			"from_date, envelope_ids or transaction_ids must be specified.")
	}

	if err := q.parseDates(v); err != nil {
		return nil, err
	}
	q.fromToStatus = strings.ToLower(v.Get("from_to_status"))
	if q.fromToStatus == "" {
		q.fromToStatus = "changed"
	}
	if _, ok := statusTimes[q.fromToStatus]; !ok {
		return nil, invalidParameter(fmt.Sprintf("from_to_status %q is not supported.",
			v.Get("from_to_status")))
	}
	for _, st := range splitList(strings.ToLower(v.Get("status"))) {
		q.statuses[st] = true
	}
	if cf := v.Get("custom_field"); cf != "" {
		name, value, ok := strings.Cut(cf, "=")
		if !ok {
			return nil, invalidParameter(fmt.Sprintf(
				"custom_field %q must have the form Name=Value.", cf))
		}
		q.fieldName, q.fieldValue = name, value
	}

	q.searchText = strings.ToLower(strings.TrimSpace(v.Get("search_text")))
	q.descending = strings.EqualFold(v.Get("order"), "desc")
	page, err := parsePage(v, maxListCount)
	q.page = page
	return q, err
}

func (q *listQuery) parseDates(v url.Values) *Error {
	if raw := v.Get("from_date"); raw != "" {
		t, err := parseDate(raw)
		if err != nil {
			return invalidParameter(fmt.Sprintf("from_date %q is not a valid date.", raw))
		}
		q.from, q.hasFrom = t, true
	}
	if raw := v.Get("to_date"); raw != "" {
		t, err := parseDate(raw)
		if err != nil {
			return invalidParameter(fmt.Sprintf("to_date %q is not a valid date.", raw))
		}
		q.to = t
	}
	return nil
}

func parsePage(v url.Values, limit int) (pageQuery, *Error) {
	page := pageQuery{count: -1}
	if raw := v.Get("count"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > limit {
			return page, invalidParameter(fmt.Sprintf(
				"count %q must be an integer from 0 to %d.", raw, limit))
		}
		page.count = n
	}
	if raw := v.Get("start_position"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 {
			return page, invalidParameter(fmt.Sprintf(
				"start_position %q must be a non-negative integer.", raw))
		}
		page.start = n
	}
	return page, nil
}

// dateLayouts are the date forms accepted for from_date and to_date. Docusign accepts any
// form .NET parses. Times without an offset are taken as UTC here.
var dateLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02T15:04",
	"2006-01-02", "01/02/2006 15:04:05", "01/02/2006",
}

func parseDate(raw string) (time.Time, error) {
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, raw); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("unknown date format %q", raw)
}

func splitList(value string) []string {
	var out []string
	for _, part := range strings.Split(value, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// statusTimes picks the time that from_to_status tests. "changed" uses the last
// modification, so recipient events count as changes too.
var statusTimes = map[string]func(*envelope) time.Time{
	"changed":   func(e *envelope) time.Time { return e.lastModified },
	"created":   func(e *envelope) time.Time { return e.created },
	"sent":      func(e *envelope) time.Time { return e.sent },
	"delivered": func(e *envelope) time.Time { return e.delivered },
	"signed":    func(e *envelope) time.Time { return e.completed },
	"completed": func(e *envelope) time.Time { return e.completed },
	"declined":  func(e *envelope) time.Time { return e.declined },
	"voided":    func(e *envelope) time.Time { return e.voided },
	"deleted":   func(*envelope) time.Time { return time.Time{} },
	"timedout":  func(*envelope) time.Time { return time.Time{} },
	"processing": func(*envelope) time.Time {
		return time.Time{}
	},
}

func (q *listQuery) matches(e *envelope) bool {
	if q.byIDs && !q.envelopeIDs[e.id] {
		return false
	}
	if q.hasFrom {
		t := statusTimes[q.fromToStatus](e)
		if t.IsZero() || t.Before(q.from) || t.After(q.to) {
			return false
		}
	}
	if len(q.statuses) > 0 && !q.statuses["any"] && !q.statuses[e.status] {
		return false
	}
	if q.fieldName != "" && !hasCustomField(e, q.fieldName, q.fieldValue) {
		return false
	}
	return q.searchText == "" || matchesText(e, q.searchText)
}

func hasCustomField(e *envelope, name, value string) bool {
	for _, f := range e.textFields {
		if string(f.Name) == name && string(f.Value) == value {
			return true
		}
	}
	for _, f := range e.listFields {
		if string(f.Name) == name && string(f.Value) == value {
			return true
		}
	}
	return false
}

// matchesText searches the subject, the recipients' names and emails and the custom
// field values, ignoring case.
func matchesText(e *envelope, text string) bool {
	fields := []string{e.subject, e.sender.name}
	for _, r := range e.recipients {
		fields = append(fields, r.name, r.email)
	}
	for _, f := range e.textFields {
		fields = append(fields, string(f.Value))
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), text) {
			return true
		}
	}
	return false
}

func (q *listQuery) sort(list []*envelope) {
	key := statusTimes["changed"]
	switch q.orderBy {
	case "created", "sent", "completed":
		key = statusTimes[q.orderBy]
	case "status_changed":
		key = func(e *envelope) time.Time { return e.statusChanged }
	}
	sort.SliceStable(list, func(i, j int) bool {
		if q.descending {
			return key(list[j]).Before(key(list[i]))
		}
		return key(list[i]).Before(key(list[j]))
	})
}

// paginate cuts one page from items and returns it with the paging fields of the response.
// nextUri and previousUri repeat the request's query with another start_position.
func paginate[T any](items []T, page pageQuery, limit int, u *url.URL) ([]T, map[string]any) {
	count := page.count
	if count < 0 {
		count = limit
	}
	start := min(page.start, len(items))
	end := min(start+count, len(items))
	out := items[start:end]
	info := map[string]any{
		"resultSetSize": itoa(len(out)), "totalSetSize": itoa(len(items)),
		"startPosition": itoa(page.start), "endPosition": itoa(max(page.start, end-1)),
	}
	if len(out) == 0 {
		info["endPosition"] = itoa(page.start)
	}
	// An empty page (count=0) gets no nextUri, because one at the same start_position would
	// send a client that follows nextUri into a loop.
	// NOTE: Docusign's own response to count=0 is not documented.
	if end < len(items) && end > start {
		info["nextUri"] = pageURI(u, end)
	}
	if start > 0 {
		info["previousUri"] = pageURI(u, max(0, start-count))
	}
	return out, info
}

// pageURI returns the request path relative to the account, with start_position replaced.
func pageURI(u *url.URL, start int) string {
	q := u.Query()
	q.Set("start_position", strconv.Itoa(start))
	rel := u.Path
	if i := strings.Index(rel, "/accounts/"); i >= 0 {
		rest := rel[i+len("/accounts/"):]
		if j := strings.Index(rest, "/"); j >= 0 {
			rel = rest[j:]
		}
	}
	return rel + "?" + q.Encode()
}
