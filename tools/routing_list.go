package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/invopop/jsonschema"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/ys88io/docusign-mcp/policy"
)

// RoutingProfilesURI is the resource that lists the routing profiles, the same list that
// list_routing_profiles returns.
const RoutingProfilesURI = "docusign://routing-profiles"

type listRoutingProfilesInput struct {
	Name string `json:"name,omitempty" jsonschema:"minLength=1,maxLength=64"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (listRoutingProfilesInput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"name": "Return only this profile. Default: all profiles.",
	})
}

type listRoutingProfilesOutput struct {
	Profiles []routingProfileOutput `json:"profiles"`
}

// routingProfileOutput is one profile as an agent needs it to fill create_envelope.
type routingProfileOutput struct {
	Name         string              `json:"name"`
	Description  string              `json:"description"`
	Source       string              `json:"source" jsonschema:"enum=documents,enum=template"`
	TemplateID   string              `json:"template_id,omitempty"`
	TemplateName string              `json:"template_name,omitempty"`
	Steps        []routingStepOutput `json:"steps"`
	CarbonCopies []routingCopyOutput `json:"carbon_copies"`
	MatterFields []matterFieldOutput `json:"matter_fields"`
	Subject      string              `json:"subject,omitempty"`
	Reminders    *policy.Reminders   `json:"reminders,omitempty"`
	Expiration   *policy.Expiration  `json:"expiration,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (routingProfileOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"source": "The create_envelope source to pass: template when the profile has a " +
			"template, else documents with your files.",
		"steps": "Signing steps in routing order. The roles of one step sign in parallel; " +
			"a step starts when the one before it is complete.",
		"carbon_copies": "Copies the profile adds. Fixed ones are added for you; the others " +
			"need a person in matter.parties under their role.",
		"matter_fields": "Matter fields to pass: matter_id as matter.id, matter_type as " +
			"matter.type, others in matter.fields.",
		"subject": "Email subject pattern; an explicit email_subject replaces it.",
	})
}

type routingStepOutput struct {
	RoutingOrder int                 `json:"routing_order"`
	Parallel     bool                `json:"parallel"`
	Roles        []routingRoleOutput `json:"roles"`
}

type routingRoleOutput struct {
	Role     string `json:"role"`
	Multiple bool   `json:"multiple"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (routingRoleOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"multiple": "Whether matter.parties may name a list of people for the role, who " +
			"then sign in parallel.",
	})
}

type routingCopyOutput struct {
	Role         string `json:"role,omitempty"`
	Fixed        bool   `json:"fixed"`
	Name         string `json:"name,omitempty"`
	Email        string `json:"email,omitempty"`
	RoutingOrder int    `json:"routing_order"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (routingCopyOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"fixed": "True for a copy the profile always adds, such as a records mailbox.",
		"email": "Address of a fixed copy, masked.",
	})
}

type matterFieldOutput struct {
	Name        string `json:"name"`
	CustomField string `json:"custom_field,omitempty"`
}

// JSONSchemaExtend adds property descriptions to the reflected schema.
func (matterFieldOutput) JSONSchemaExtend(s *jsonschema.Schema) {
	describe(s, map[string]string{
		"custom_field": "Envelope custom field that receives the value.",
	})
}

func newListRoutingProfiles(d *Deps) (serverTool, error) {
	return buildTool(d, toolSpec[listRoutingProfilesInput, listRoutingProfilesOutput]{
		name: "list_routing_profiles",
		description: "Lists the routing profiles that create_envelope and preview_envelope " +
			"accept as profile: for each, the signing steps with their roles (roles in one " +
			"step sign in parallel), the copies it adds, the matter fields it requires, its " +
			"template and subject. Pick a profile here instead of building recipients by " +
			"hand, then pass its name and the matter.",
		readOnly:   true,
		idempotent: true,
		run: func(_ context.Context, in *listRoutingProfilesInput) (
			listRoutingProfilesOutput, []content, *ToolError) {
			return listRoutingProfiles(d, in.Name)
		},
	})
}

func listRoutingProfiles(d *Deps, name string) (listRoutingProfilesOutput, []content,
	*ToolError) {
	profiles := policy.RoutingProfilesOf(d.Policy)
	out := listRoutingProfilesOutput{Profiles: []routingProfileOutput{}}
	for _, p := range profiles {
		if name == "" || p.Name == name {
			out.Profiles = append(out.Profiles, profileOutput(p))
		}
	}
	if name != "" && len(out.Profiles) == 0 {
		_, terr := findProfile(d, name)
		return out, nil, terr
	}
	return out, nil, nil
}

// profileOutput describes p. Fixed copy addresses come from the policy file and are masked,
// because every caller that may list the profiles receives them.
func profileOutput(p policy.RoutingProfile) routingProfileOutput {
	out := routingProfileOutput{Name: p.Name, Description: p.Description, Source: "documents",
		TemplateID: p.TemplateID, TemplateName: p.TemplateName, Subject: p.Subject,
		Reminders: p.Reminders, Expiration: p.Expiration,
		Steps: routingSteps(p), CarbonCopies: []routingCopyOutput{},
		MatterFields: []matterFieldOutput{{Name: policy.MatterFieldID}}}
	if p.TemplateID != "" {
		out.Source = "template"
	}
	for _, c := range p.CarbonCopies {
		copyOut := routingCopyOutput{Role: c.Role, Fixed: c.IsFixed(), Name: c.Name,
			RoutingOrder: p.CopyRoutingOrder(c)}
		if c.IsFixed() {
			copyOut.Email = maskEmail(c.Email)
		}
		out.CarbonCopies = append(out.CarbonCopies, copyOut)
	}
	for _, f := range p.MatterFields {
		if f.Name == policy.MatterFieldID {
			out.MatterFields[0].CustomField = f.CustomField
			continue
		}
		out.MatterFields = append(out.MatterFields, matterFieldOutput{Name: f.Name,
			CustomField: f.CustomField})
	}
	return out
}

// routingSteps groups the signer roles by routing order, lowest first.
func routingSteps(p policy.RoutingProfile) []routingStepOutput {
	var steps []routingStepOutput
	for _, r := range p.Signers {
		i := slices.IndexFunc(steps, func(s routingStepOutput) bool {
			return s.RoutingOrder == r.RoutingOrder
		})
		if i < 0 {
			steps = append(steps, routingStepOutput{RoutingOrder: r.RoutingOrder})
			i = len(steps) - 1
		}
		steps[i].Roles = append(steps[i].Roles, routingRoleOutput{Role: r.Role,
			Multiple: r.Multiple})
		steps[i].Parallel = len(steps[i].Roles) > 1 || r.Multiple
	}
	slices.SortStableFunc(steps, func(a, b routingStepOutput) int {
		return a.RoutingOrder - b.RoutingOrder
	})
	return steps
}

// RoutingProfilesResource returns the resource that lists the routing profiles as JSON. The
// policy decides on a read as on a list_routing_profiles call.
func RoutingProfilesResource(deps Deps) server.ServerResource {
	d := deps.withDefaults()
	resource := mcp.NewResource(RoutingProfilesURI, "routing_profiles",
		mcp.WithResourceDescription("The routing profiles that create_envelope accepts, as "+
			"list_routing_profiles returns them."),
		mcp.WithMIMEType("application/json"))
	return server.ServerResource{Resource: resource, Handler: d.readRoutingProfiles}
}

func (d *Deps) readRoutingProfiles(ctx context.Context, req mcp.ReadResourceRequest) (
	[]mcp.ResourceContents, error) {
	if terr := d.decide(ctx, "list_routing_profiles", true, ""); terr != nil {
		return nil, fmt.Errorf("read %s: %s", req.Params.URI, terr.Message)
	}
	out, _, _ := listRoutingProfiles(d, "")
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("read %s: encode the profiles: %w", req.Params.URI, err)
	}
	return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI,
		MIMEType: "application/json", Text: string(raw)}}, nil
}
