package tools

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"

	"github.com/invopop/jsonschema"

	"github.com/ys88io/docusign-mcp/docusign"
)

// maxSearchTextLen is Docusign's limit for Templates:list search_text.
const maxSearchTextLen = 48

type listTemplatesInput struct {
	SearchText string `json:"search_text,omitempty" jsonschema:"maxLength=48"`
	PageSize   int    `json:"page_size,omitempty" jsonschema:"minimum=1,maximum=100"`
	Cursor     string `json:"cursor,omitempty"`

	start int
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (listTemplatesInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"search_text": "Text to match in template names and fields.",
		"page_size":   "Templates per page, at most 100. Default 25.",
		"cursor":      "next_cursor of the previous page, with the same search_text.",
	})
}

type listTemplatesOutput struct {
	Templates  []templateItem `json:"templates"`
	Truncated  bool           `json:"truncated"`
	NextCursor string         `json:"next_cursor,omitempty"`
	Total      int            `json:"total"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (listTemplatesOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"truncated": "True when more templates match, or the page stopped at the last " +
			"whole item within the result size budget: call again with next_cursor.",
	})
}

type templateItem struct {
	TemplateID   string `json:"template_id"`
	Name         string `json:"name"`
	Description  string `json:"description,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

func newListTemplates(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[listTemplatesInput, listTemplatesOutput]{
		name: "list_templates",
		description: "Reads only. Lists the account's server templates by id, name and " +
			"description, optionally matching search_text. Pages with page_size (at most " +
			"100) and next_cursor.",
		readOnly:   true,
		idempotent: true,
		validate:   validateListTemplates,
		run: func(ctx context.Context, in *listTemplatesInput) (listTemplatesOutput, []content,
			*ToolError) {
			return listTemplates(ctx, d, in)
		},
	})
}

// templateCursor is the decoded list_templates cursor.
type templateCursor struct {
	Start    int    `json:"p"`
	Search   string `json:"q,omitempty"`
	PageSize int    `json:"n,omitempty"`
}

func validateListTemplates(in *listTemplatesInput) *ToolError {
	if in.Cursor != "" {
		var c templateCursor
		raw, err := base64.RawURLEncoding.DecodeString(in.Cursor)
		if err == nil {
			err = json.Unmarshal(raw, &c)
		}
		if err != nil || c.Start < 0 {
			return invalidArgument("cursor", "cursor is not one this server issued: pass "+
				"next_cursor from the previous page unchanged, or leave it out")
		}
		if (in.SearchText != "" && in.SearchText != c.Search) ||
			(in.PageSize != 0 && in.PageSize != c.PageSize) {
			return invalidArgument("cursor", "cursor belongs to another search: repeat its "+
				"search_text, or leave cursor out to start a new search")
		}
		in.SearchText, in.PageSize, in.start = c.Search, c.PageSize, c.Start
	}
	if terr := checkText("search_text", in.SearchText, false, maxSearchTextLen); terr != nil {
		return terr
	}
	return checkPageSize(&in.PageSize)
}

func listTemplates(ctx context.Context, d *Deps, in *listTemplatesInput) (listTemplatesOutput,
	[]content, *ToolError) {
	opts := &docusign.ListTemplatesOptions{SearchText: in.SearchText, Count: in.PageSize,
		StartPosition: in.start}
	result, _, err := d.Docusign.Templates.List(ctx, opts)
	if err != nil {
		return listTemplatesOutput{}, nil, fromDocusign(err, "the template list", d.Now())
	}
	out := listTemplatesOutput{Templates: []templateItem{}, Total: atoi(result.TotalSetSize)}
	for _, t := range result.EnvelopeTemplates {
		out.Templates = append(out.Templates, templateItem{TemplateID: t.TemplateID,
			Name: t.Name, Description: t.Description, LastModified: formatTime(t.LastModified)})
	}
	next := in.start + len(result.EnvelopeTemplates)
	more := len(result.EnvelopeTemplates) > 0 && (next < out.Total || result.NextURI != "")
	cursor := func(next int) string {
		raw, _ := json.Marshal(templateCursor{Start: next, Search: in.SearchText,
			PageSize: in.PageSize})
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	all := out.Templates
	keep := fitItems(d.resultBudget(), len(all), func(k int) []byte {
		page := out
		page.Templates = all[:k]
		if k < len(all) || more {
			page.Truncated, page.NextCursor = true, cursor(next)
		}
		return mustJSON(page)
	})
	if keep < len(all) {
		out.Templates = all[:keep]
		next, more = in.start+keep, true
	}
	if more {
		out.Truncated, out.NextCursor = true, cursor(next)
	}
	return out, nil, nil
}

type templateIDInput struct {
	TemplateID string `json:"template_id" jsonschema:"minLength=36,maxLength=36"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (templateIDInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"template_id": "Template GUID, as list_templates returns it.",
	})
}

type templateOutput struct {
	TemplateID   string             `json:"template_id"`
	Name         string             `json:"name"`
	Description  string             `json:"description,omitempty"`
	EmailSubject string             `json:"email_subject,omitempty"`
	Roles        []templateRole     `json:"roles"`
	Documents    []templateDocument `json:"documents"`
}

type templateRole struct {
	RoleName     string        `json:"role_name"`
	Type         string        `json:"type" jsonschema:"enum=signer,enum=carbon_copy"`
	RoutingOrder int           `json:"routing_order"`
	Tabs         []templateTab `json:"tabs"`
}

type templateTab struct {
	Type  string `json:"type"`
	Label string `json:"label"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (templateTab) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"type": "Tab type, such as sign_here or text.",
	})
}

type templateDocument struct {
	DocumentID string `json:"document_id"`
	Name       string `json:"name"`
	Pages      int    `json:"pages"`
}

func newGetTemplate(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[templateIDInput, templateOutput]{
		name: "get_template",
		description: "Reads only. Returns a server template's roles (with routing order and " +
			"tab labels per role, to fill with create_envelope) and its documents by name " +
			"and page count. Never returns document content.",
		readOnly:   true,
		idempotent: true,
		validate: func(in *templateIDInput) *ToolError {
			return checkGUID("template_id", in.TemplateID, "template id")
		},
		run: func(ctx context.Context, in *templateIDInput) (templateOutput, []content,
			*ToolError) {
			t, _, err := d.Docusign.Templates.Get(ctx, in.TemplateID)
			if err != nil {
				return templateOutput{}, nil, fromDocusign(err, "template "+in.TemplateID,
					d.Now())
			}
			return shapeTemplate(t), nil, nil
		},
	})
}

func shapeTemplate(t *docusign.EnvelopeTemplate) templateOutput {
	out := templateOutput{TemplateID: t.TemplateID, Name: t.Name, Description: t.Description,
		EmailSubject: t.EmailSubject, Roles: []templateRole{}, Documents: []templateDocument{}}
	if t.Recipients != nil {
		for _, s := range t.Recipients.Signers {
			out.Roles = append(out.Roles, templateRole{RoleName: s.RoleName, Type: "signer",
				RoutingOrder: atoi(s.RoutingOrder), Tabs: templateTabs(s.Tabs)})
		}
		for _, c := range t.Recipients.CarbonCopies {
			out.Roles = append(out.Roles, templateRole{RoleName: c.RoleName,
				Type: "carbon_copy", RoutingOrder: atoi(c.RoutingOrder),
				Tabs: templateTabs(c.Tabs)})
		}
	}
	for _, doc := range t.Documents {
		out.Documents = append(out.Documents, templateDocument{DocumentID: doc.DocumentID,
			Name: doc.Name, Pages: atoi(doc.Pages)})
	}
	return out
}

// templateTabs lists a role's tabs by type and label, in the order of tabKindList.
func templateTabs(tabs *docusign.Tabs) []templateTab {
	out := []templateTab{}
	lists := tabLists(tabs)
	for _, kind := range tabKindList {
		for _, tab := range lists[kind.name] {
			out = append(out, templateTab{Type: kind.name, Label: tab.TabLabel})
		}
	}
	return slices.Clip(out)
}
