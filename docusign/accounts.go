package docusign

import (
	"context"
	"net/http"
)

// Get returns the account that the client's calls go to (Accounts:get,
// GET /v2.1/accounts/{accountId}).
func (s *AccountsService) Get(ctx context.Context) (*AccountInformation, *Response, error) {
	ep := &endpoint{
		operation:    "Accounts:get",
		method:       http.MethodGet,
		pathTemplate: "/v2.1/accounts/{accountId}",
		mode:         modeIdempotent,
	}
	var out AccountInformation
	resp, err := s.client.call(ctx, ep, nil, decodeJSON(&out, maxJSONBody))
	if err != nil {
		return nil, resp, err
	}
	return &out, resp, nil
}
