package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"time"

	"github.com/invopop/jsonschema"

	"github.com/ys88io/docusign-mcp/docusign"
)

const (
	defaultPageSize = 25
	maxPageSize     = 100
	// defaultListWindow is how far back list_envelopes looks when from is not given.
	defaultListWindow = 30 * 24 * time.Hour
)

// unixEpoch is the earliest from time that list_envelopes sends to Docusign.
var unixEpoch = time.Unix(0, 0).UTC()

var envelopeStatuses = []string{"created", "sent", "delivered", "signed", "completed",
	"declined", "voided"}

type listEnvelopesInput struct {
	Status   []string `json:"status,omitempty"`
	From     string   `json:"from,omitempty"`
	To       string   `json:"to,omitempty"`
	PageSize int      `json:"page_size,omitempty" jsonschema:"minimum=1,maximum=100"`
	Cursor   string   `json:"cursor,omitempty"`

	from, to time.Time
	start    int
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (listEnvelopesInput) JSONSchemaExtend(s *jsonschema.Schema) {
	setEnum(s, "status", envelopeStatuses...)
	describe(s, map[string]string{
		"status": "Current statuses to include. Default: all.",
		"from": "RFC 3339 time; envelopes whose status changed at or after it. " +
			"Default: 30 days ago.",
		"to":        "RFC 3339 time; envelopes whose status changed before it. Default: now.",
		"page_size": "Envelopes per page, at most 100. Default 25.",
		"cursor":    "next_cursor of the previous page, with the same filters.",
	})
}

type listEnvelopesOutput struct {
	Envelopes  []envelopeItem `json:"envelopes"`
	Truncated  bool           `json:"truncated"`
	NextCursor string         `json:"next_cursor,omitempty"`
	Total      int            `json:"total"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (listEnvelopesOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"truncated": "True when more envelopes match, or the page stopped at the last " +
			"whole item within the result size budget: call again with next_cursor.",
		"total": "Number of matching envelopes, as Docusign counts them.",
	})
}

type envelopeItem struct {
	EnvelopeID   string `json:"envelope_id"`
	Status       string `json:"status"`
	EmailSubject string `json:"email_subject,omitempty"`
	SentAt       string `json:"sent_at,omitempty"`
	ChangedAt    string `json:"status_changed_at,omitempty"`
}

// listCursor is the decoded cursor. It pins the query, including a defaulted from time, so the
// next page continues the same result set.
type listCursor struct {
	Start    int      `json:"p"`
	From     string   `json:"f,omitempty"`
	To       string   `json:"t,omitempty"`
	Status   []string `json:"s,omitempty"`
	Search   string   `json:"q,omitempty"`
	PageSize int      `json:"n,omitempty"`
}

func (c listCursor) encode() string {
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(s string) (listCursor, *ToolError) {
	var c listCursor
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(raw, &c)
	}
	if err != nil || c.Start < 0 {
		return listCursor{}, invalidArgument("cursor", "cursor is not one this server issued: "+
			"pass next_cursor from the previous page unchanged, or leave it out to start over")
	}
	return c, nil
}

func newListEnvelopes(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[listEnvelopesInput, listEnvelopesOutput]{
		name: "list_envelopes",
		description: "Reads only. Lists envelopes whose status changed in a time window " +
			"(default: the last 30 days), optionally filtered by status, as compact items. " +
			"Pages with page_size (at most 100) and next_cursor.",
		readOnly:   true,
		idempotent: true,
		validate:   func(in *listEnvelopesInput) *ToolError { return validateList(in, d.Now()) },
		run: func(ctx context.Context, in *listEnvelopesInput) (listEnvelopesOutput, []content,
			*ToolError) {
			return listEnvelopes(ctx, d, in)
		},
	})
}

func validateList(in *listEnvelopesInput, now time.Time) *ToolError {
	if in.Cursor == "" {
		return validateFilters(in, now)
	}
	c, terr := decodeCursor(in.Cursor)
	if terr != nil {
		return terr
	}
	if terr := cursorMatches(in, c); terr != nil {
		return terr
	}
	in.From, in.To, in.Status, in.PageSize, in.start = c.From, c.To, c.Status, c.PageSize,
		c.Start
	// The filters now come from the cursor, and any filter given with it must equal the
	// cursor's, so an invalid filter means the cursor was altered.
	if terr := validateFilters(in, now); terr != nil {
		return invalidArgument("cursor", "cursor is not one this server issued (%s): pass "+
			"next_cursor from the previous page unchanged, or leave it out to start over",
			terr.Message)
	}
	return nil
}

// validateFilters checks the status, page size and time window of a listing.
func validateFilters(in *listEnvelopesInput, now time.Time) *ToolError {
	for i, s := range in.Status {
		if !slices.Contains(envelopeStatuses, s) {
			return invalidArgument(indexed("status", i), "status %q is not a status to filter "+
				"on: use created, sent, delivered, signed, completed, declined or voided",
				truncate(s, 20))
		}
	}
	if terr := checkPageSize(&in.PageSize); terr != nil {
		return terr
	}
	return resolveWindow(in, now)
}

// cursorMatches rejects a cursor sent with filters other than those it was issued for.
func cursorMatches(in *listEnvelopesInput, c listCursor) *ToolError {
	same := (in.From == "" || in.From == c.From) && (in.To == "" || in.To == c.To) &&
		(len(in.Status) == 0 || slices.Equal(in.Status, c.Status)) &&
		(in.PageSize == 0 || in.PageSize == c.PageSize)
	if !same {
		return invalidArgument("cursor", "cursor belongs to a query with other filters: "+
			"repeat that query's filters, or leave cursor out to start a new one")
	}
	return nil
}

func checkPageSize(size *int) *ToolError {
	if *size == 0 {
		*size = defaultPageSize
	}
	if *size < 1 || *size > maxPageSize {
		return invalidArgument("page_size", "page_size is %d: pass 1 to %d", *size, maxPageSize)
	}
	return nil
}

func resolveWindow(in *listEnvelopesInput, now time.Time) *ToolError {
	var terr *ToolError
	in.from = now.Add(-defaultListWindow).UTC().Truncate(time.Second)
	if in.From != "" {
		if in.from, terr = parseTime("from", in.From); terr != nil {
			return terr
		}
		// The client reads Go's zero time as "no from_date", and no envelope predates the
		// Unix epoch, so earlier times list the same envelopes from the epoch on.
		if in.from.Before(unixEpoch) {
			in.from = unixEpoch
		}
	}
	if in.To != "" {
		if in.to, terr = parseTime("to", in.To); terr != nil {
			return terr
		}
		if !in.to.After(in.from) {
			return invalidArgument("to", "to %s is not after from %s: pass a later to, or "+
				"an earlier from", in.To, in.from.Format(time.RFC3339))
		}
	}
	in.From = in.from.Format(time.RFC3339)
	return nil
}

func listEnvelopes(ctx context.Context, d *Deps, in *listEnvelopesInput) (listEnvelopesOutput,
	[]content, *ToolError) {
	opts := &docusign.ListStatusChangesOptions{
		FromDate:      in.from,
		ToDate:        in.to,
		Status:        in.Status,
		Count:         in.PageSize,
		StartPosition: in.start,
		// Pages are offsets, so the order must not move an envelope between two pages. A
		// status change moves it in an order by status change, and skips or repeats others.
		// Creation times never change, and new envelopes join at the end in ascending order.
		// An older envelope whose status changes joins the window at its creation position,
		// which repeats one item on the next page but skips none.
		OrderBy: "created",
		Order:   "asc",
	}
	info, _, err := d.Docusign.Envelopes.ListStatusChanges(ctx, opts)
	if err != nil {
		return listEnvelopesOutput{}, nil, fromDocusign(err, "the envelope list", d.Now())
	}
	out := listEnvelopesOutput{Envelopes: []envelopeItem{}, Total: atoi(info.TotalSetSize)}
	// positions[i] is the offset in Docusign's page of out.Envelopes[i].
	var positions []int
	for i, env := range info.Envelopes {
		// listStatusChanges may return envelopes whose status changed in the window but
		// is not one of those asked for, so the status filter is applied again here.
		if len(in.Status) > 0 && !slices.Contains(in.Status, env.Status) {
			continue
		}
		out.Envelopes = append(out.Envelopes, envelopeItem{
			EnvelopeID: env.EnvelopeID, Status: env.Status, EmailSubject: env.EmailSubject,
			SentAt: formatTime(env.SentDateTime), ChangedAt: formatTime(env.StatusChangedDateTime),
		})
		positions = append(positions, i)
	}
	next := in.start + len(info.Envelopes)
	more := len(info.Envelopes) > 0 && (next < out.Total || info.NextURI != "")
	cursor := func(next int) string {
		return listCursor{Start: next, From: in.From, To: in.To, Status: in.Status,
			PageSize: in.PageSize}.encode()
	}
	all := out.Envelopes
	keep := fitItems(d.resultBudget(), len(all), func(k int) []byte {
		page := out
		page.Envelopes = all[:k]
		if k < len(all) || more {
			page.Truncated, page.NextCursor = true, cursor(next)
		}
		return mustJSON(page)
	})
	if keep < len(all) {
		out.Envelopes = all[:keep]
		next, more = in.start+positions[keep], true
	}
	if more {
		out.Truncated, out.NextCursor = true, cursor(next)
	}
	return out, nil, nil
}
