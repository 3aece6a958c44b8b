package docusign

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxTemplateSearchText is Docusign's limit on Templates:list search_text, in characters.
const maxTemplateSearchText = 48

// List returns the account's templates matching opts, one page at a time (Templates:list,
// GET /v2.1/accounts/{accountId}/templates). Docusign returns at most 2,000 templates. A nil
// opts lists with Docusign's defaults.
func (s *TemplatesService) List(ctx context.Context, opts *ListTemplatesOptions) (
	*EnvelopeTemplateResults, *Response, error) {
	query, err := opts.query()
	if err != nil {
		return nil, nil, err
	}
	ep := &endpoint{
		operation:    "Templates:list",
		method:       http.MethodGet,
		pathTemplate: "/v2.1/accounts/{accountId}/templates",
		mode:         modeIdempotent,
	}
	var out EnvelopeTemplateResults
	resp, err := s.client.call(ctx, ep, query, decodeJSON(&out, maxJSONBody))
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// query validates opts and encodes them as query parameters.
func (opts *ListTemplatesOptions) query() (url.Values, error) {
	q := url.Values{}
	if opts == nil {
		return q, nil
	}
	if n := utf8.RuneCountInString(opts.SearchText); n > maxTemplateSearchText {
		return nil, fmt.Errorf("docusign Templates:list: SearchText has %d characters: "+
			"shorten it to at most %d", n, maxTemplateSearchText)
	}
	if opts.Count < 0 || opts.StartPosition < 0 {
		return nil, fmt.Errorf("docusign Templates:list: Count %d or StartPosition %d is "+
			"negative: pass 0 or more", opts.Count, opts.StartPosition)
	}
	setString(q, "search_text", opts.SearchText)
	setInt(q, "count", opts.Count)
	setInt(q, "start_position", opts.StartPosition)
	setList(q, "folder_ids", opts.FolderIDs)
	setList(q, "include", opts.Include)
	setString(q, "order", opts.Order)
	setString(q, "order_by", opts.OrderBy)
	setString(q, "user_filter", opts.UserFilter)
	return q, nil
}

// Get returns one template with its documents, recipient roles and their tabs (Templates:get,
// GET /v2.1/accounts/{accountId}/templates/{templateId}). Docusign leaves tabs and document
// details out unless the include parameter names them, so Get always sends
// include=documents,tabs.
func (s *TemplatesService) Get(ctx context.Context, templateID string) (*EnvelopeTemplate,
	*Response, error) {
	if err := checkID("Templates:get", "template id", templateID); err != nil {
		return nil, nil, err
	}
	ep := &endpoint{
		operation:    "Templates:get",
		method:       http.MethodGet,
		pathTemplate: "/v2.1/accounts/{accountId}/templates/{templateId}",
		mode:         modeIdempotent,
	}
	var out EnvelopeTemplate
	query := url.Values{"include": {"documents,tabs"}}
	resp, err := s.client.call(ctx, ep, query, decodeJSON(&out, maxJSONBody), templateID)
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}

// checkID rejects an id that is not a GUID before any request is sent.
func checkID(operation, what, id string) error {
	if isGUID(id) {
		return nil
	}
	if id == "" {
		return fmt.Errorf("docusign %s: %s is missing: pass the GUID that Docusign returned",
			operation, what)
	}
	return fmt.Errorf("docusign %s: %s %q is not a GUID: pass the GUID that Docusign returned",
		operation, what, truncate(id, 60))
}

func setString(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

func setInt(q url.Values, key string, value int) {
	if value != 0 {
		q.Set(key, strconv.Itoa(value))
	}
}

// setList sends values as one comma-separated parameter, leaving out empty entries.
func setList(q url.Values, key string, values []string) {
	kept := make([]string, 0, len(values))
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			kept = append(kept, v)
		}
	}
	if len(kept) > 0 {
		q.Set(key, strings.Join(kept, ","))
	}
}
