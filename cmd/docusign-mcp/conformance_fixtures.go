package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// The fixtures below have the names, arguments and behaviour that the scenarios of the
// conformance suite 0.1.16 call. Their texts are ours.

// fixturePNG is a base64-encoded 1x1 PNG image and fixtureWAV a base64-encoded WAV
// file of one silent 16-bit sample, the payloads of the image and audio fixtures.
var (
	fixturePNG = base64.StdEncoding.EncodeToString(onePixelPNG())
	fixtureWAV = base64.StdEncoding.EncodeToString(silentWAV())
)

// onePixelPNG encodes a 1x1 white image as PNG.
func onePixelPNG() []byte {
	img := image.NewGray(image.Rect(0, 0, 1, 1))
	img.Pix[0] = 0xff
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // encoding to memory cannot fail
	return buf.Bytes()
}

// silentWAV returns a RIFF WAVE file of one silent sample: mono, 16-bit PCM at 8 kHz.
func silentWAV() []byte {
	const sampleRate, channels, bitsPerSample = 8000, 1, 16
	const blockAlign = channels * bitsPerSample / 8
	le := binary.LittleEndian
	var b []byte
	b = append(b, "RIFF"...)
	b = le.AppendUint32(b, 36+blockAlign) // size of the rest of the file
	b = append(b, "WAVEfmt "...)
	b = le.AppendUint32(b, 16) // size of the fmt chunk
	b = le.AppendUint16(b, 1)  // PCM
	b = le.AppendUint16(b, channels)
	b = le.AppendUint32(b, sampleRate)
	b = le.AppendUint32(b, sampleRate*blockAlign) // bytes per second
	b = le.AppendUint16(b, blockAlign)
	b = le.AppendUint16(b, bitsPerSample)
	b = append(b, "data"...)
	b = le.AppendUint32(b, blockAlign)
	return append(b, make([]byte, blockAlign)...)
}

// fixtureTool returns a tool annotated read-only and closed-world, so that a --read-only
// policy still lists it.
func fixtureTool(name, description string, opts ...mcp.ToolOption) mcp.Tool {
	opts = append([]mcp.ToolOption{mcp.WithDescription(description),
		mcp.WithReadOnlyHintAnnotation(true), mcp.WithOpenWorldHintAnnotation(false)}, opts...)
	return mcp.NewTool(name, opts...)
}

// constantResult returns a tool handler that always returns result.
func constantResult(result *mcp.CallToolResult) server.ToolHandlerFunc {
	return func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return result, nil
	}
}

// registerConformanceContentTools registers the tools that return each content type.
func registerConformanceContentTools(s *server.MCPServer) {
	embedded := mcp.NewEmbeddedResource(mcp.TextResourceContents{
		URI: "test://embedded-resource", MIMEType: "text/plain",
		Text: "Text of a resource embedded in a tool result."})
	s.AddTool(fixtureTool("test_simple_text", "Returns one text block."),
		constantResult(mcp.NewToolResultText("Plain text from the conformance fixture.")))
	s.AddTool(fixtureTool("test_image_content", "Returns one PNG image."),
		constantResult(&mcp.CallToolResult{Content: []mcp.Content{
			mcp.NewImageContent(fixturePNG, "image/png")}}))
	s.AddTool(fixtureTool("test_audio_content", "Returns one WAV audio clip."),
		constantResult(&mcp.CallToolResult{Content: []mcp.Content{
			mcp.NewAudioContent(fixtureWAV, "audio/wav")}}))
	s.AddTool(fixtureTool("test_embedded_resource", "Returns one embedded text resource."),
		constantResult(&mcp.CallToolResult{Content: []mcp.Content{embedded}}))
	s.AddTool(fixtureTool("test_multiple_content_types",
		"Returns a text block, an image and an embedded JSON resource."),
		constantResult(&mcp.CallToolResult{Content: []mcp.Content{
			mcp.NewTextContent("Three content types follow this text."),
			mcp.NewImageContent(fixturePNG, "image/png"),
			mcp.NewEmbeddedResource(mcp.TextResourceContents{URI: "test://mixed-content",
				MIMEType: "application/json", Text: `{"fixture":"mixed","count":3}`}),
		}}))
	s.AddTool(fixtureTool("test_error_handling", "Always returns a tool error."),
		constantResult(mcp.NewToolResultError("The fixture failed on purpose.")))
}

// registerConformanceNotificationTools registers the tools that send log and progress
// notifications while they run.
func registerConformanceNotificationTools(s *server.MCPServer) {
	s.AddTool(fixtureTool("test_tool_with_logging",
		"Sends three info log messages 50 ms apart, then returns."),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var messages []map[string]any
			for _, text := range []string{"Tool execution started", "Tool processing data",
				"Tool execution completed"} {
				messages = append(messages, map[string]any{"level": "info",
					"logger": "conformance-fixture", "data": text})
			}
			err := sendNotifications(ctx, string(mcp.MethodNotificationMessage),
				50*time.Millisecond, messages)
			if err != nil {
				return nil, fmt.Errorf("send log notification: %w", err)
			}
			return mcp.NewToolResultText("Sent three log messages."), nil
		})
	s.AddTool(fixtureTool("test_tool_with_progress",
		"Reports progress 0, 50 and 100 of 100 when the call has a progress token."),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if req.Params.Meta == nil || req.Params.Meta.ProgressToken == nil {
				return mcp.NewToolResultText("No progress token, so no progress sent."), nil
			}
			var updates []map[string]any
			for _, p := range []int{0, 50, 100} {
				updates = append(updates, map[string]any{
					"progressToken": req.Params.Meta.ProgressToken, "progress": p, "total": 100})
			}
			err := sendNotifications(ctx, string(mcp.MethodNotificationProgress),
				50*time.Millisecond, updates)
			if err != nil {
				return nil, fmt.Errorf("send progress notification: %w", err)
			}
			return mcp.NewToolResultText("Reported progress to 100."), nil
		})
}

// registerConformanceClientRequestTools registers the tools that send a sampling or an
// elicitation request to the client and return its response.
func registerConformanceClientRequestTools(s *server.MCPServer) {
	s.AddTool(fixtureTool("test_sampling", "Asks the client's model to answer a prompt.",
		mcp.WithString("prompt", mcp.Description("prompt for the model"), mcp.Required())),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return sampleFixture(ctx, s, req.GetString("prompt", ""))
		})
	s.AddTool(fixtureTool("test_elicitation", "Asks the user for a username and an email.",
		mcp.WithString("message", mcp.Description("message shown to the user"),
			mcp.Required())),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return elicitFixture(ctx, s, req.GetString("message", ""), map[string]any{
				"username": map[string]any{"type": "string", "description": "user name"},
				"email":    map[string]any{"type": "string", "description": "email address"},
			}, "username", "email")
		})
	s.AddTool(fixtureTool("test_elicitation_sep1034_defaults",
		"Asks for values of five types, each with a default."),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return elicitFixture(ctx, s, "Confirm or change the defaults.", defaultsSchema())
		})
	s.AddTool(fixtureTool("test_elicitation_sep1330_enums",
		"Asks for single and multiple choices from titled and untitled enums."),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return elicitFixture(ctx, s, "Choose the options.", enumsSchema())
		})
}

// defaultsSchema returns elicitation properties of each primitive type with a default.
func defaultsSchema() map[string]any {
	return map[string]any{
		"name":  map[string]any{"type": "string", "default": "John Doe"},
		"age":   map[string]any{"type": "integer", "default": 30},
		"score": map[string]any{"type": "number", "default": 95.5},
		"status": map[string]any{"type": "string", "default": "active",
			"enum": []string{"active", "inactive", "pending"}},
		"verified": map[string]any{"type": "boolean", "default": true},
	}
}

// enumsSchema returns elicitation properties in each enum form: untitled and titled
// single choice, the legacy enumNames form, and untitled and titled multiple choice.
func enumsSchema() map[string]any {
	titled := []any{map[string]any{"const": "value1", "title": "Value One"},
		map[string]any{"const": "value2", "title": "Value Two"}}
	return map[string]any{
		"untitledSingle": map[string]any{"type": "string", "enum": []string{"option1", "option2"}},
		"titledSingle":   map[string]any{"type": "string", "oneOf": titled},
		"legacyEnum": map[string]any{"type": "string", "enum": []string{"opt1", "opt2"},
			"enumNames": []string{"Option One", "Option Two"}},
		"untitledMulti": map[string]any{"type": "array", "items": map[string]any{
			"type": "string", "enum": []string{"option1", "option2"}}},
		"titledMulti": map[string]any{"type": "array", "items": map[string]any{
			"anyOf": titled}},
	}
}

// sampleFixture sends prompt to the client's model and returns the text of its response.
func sampleFixture(ctx context.Context, s *server.MCPServer, prompt string) (
	*mcp.CallToolResult, error) {
	result, err := s.RequestSampling(ctx, mcp.CreateMessageRequest{
		Request: mcp.Request{Method: string(mcp.MethodSamplingCreateMessage)},
		CreateMessageParams: mcp.CreateMessageParams{MaxTokens: 100,
			Messages: []mcp.SamplingMessage{{Role: mcp.RoleUser,
				Content: mcp.NewTextContent(prompt)}}},
	})
	if err != nil {
		return mcp.NewToolResultError("sampling request failed: " + err.Error()), nil
	}
	text := "(no text in the answer)"
	if content, ok := result.Content.(mcp.TextContent); ok {
		text = content.Text
	}
	return mcp.NewToolResultText("LLM response: " + text), nil
}

// elicitFixture requests from the client an object with properties and returns the action
// and content of the response.
func elicitFixture(ctx context.Context, s *server.MCPServer, message string,
	properties map[string]any, required ...string) (*mcp.CallToolResult, error) {
	schema := map[string]any{"type": "object", "properties": properties}
	if len(required) > 0 {
		schema["required"] = required
	}
	result, err := s.RequestElicitation(ctx, mcp.ElicitationRequest{
		Request: mcp.Request{Method: string(mcp.MethodElicitationCreate)},
		Params:  mcp.ElicitationParams{Message: message, RequestedSchema: schema},
	})
	if err != nil {
		return mcp.NewToolResultError("elicitation request failed: " + err.Error()), nil
	}
	content, _ := json.Marshal(result.Content)
	return mcp.NewToolResultText(fmt.Sprintf("User response: action=%s, content=%s",
		result.Action, content)), nil
}

// registerConformanceResources registers the static, template and subscribable
// resources.
func registerConformanceResources(s *server.MCPServer) {
	textResource := func(uri, text string) server.ResourceHandlerFunc {
		return func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: uri,
				MIMEType: "text/plain", Text: text}}, nil
		}
	}
	s.AddResource(mcp.NewResource("test://static-text", "static-text",
		mcp.WithResourceDescription("A fixed text resource."), mcp.WithMIMEType("text/plain")),
		textResource("test://static-text", "Fixed text of the conformance fixture."))
	s.AddResource(mcp.NewResource("test://watched-resource", "watched-resource",
		mcp.WithResourceDescription("A text resource that clients may subscribe to."),
		mcp.WithMIMEType("text/plain")),
		textResource("test://watched-resource", "Text of the watched resource."))
	s.AddResource(mcp.NewResource("test://static-binary", "static-binary",
		mcp.WithResourceDescription("A fixed PNG image."), mcp.WithMIMEType("image/png")),
		func(context.Context, mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			return []mcp.ResourceContents{mcp.BlobResourceContents{URI: "test://static-binary",
				MIMEType: "image/png", Blob: fixturePNG}}, nil
		})
	s.AddResourceTemplate(mcp.NewResourceTemplate("test://template/{id}/data", "template",
		mcp.WithTemplateDescription("JSON data for the id in the URI."),
		mcp.WithTemplateMIMEType("application/json")),
		func(_ context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
			id := strings.TrimSuffix(strings.TrimPrefix(req.Params.URI, "test://template/"),
				"/data")
			data, _ := json.Marshal(map[string]any{"id": id, "templateTest": true,
				"data": "Data for ID: " + id})
			return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI,
				MIMEType: "application/json", Text: string(data)}}, nil
		})
}

// registerConformancePrompts registers prompts without arguments, with arguments, with
// an embedded resource and with an image.
func registerConformancePrompts(s *server.MCPServer) {
	user := func(content mcp.Content) mcp.PromptMessage {
		return mcp.PromptMessage{Role: mcp.RoleUser, Content: content}
	}
	prompt := func(messages ...mcp.PromptMessage) *mcp.GetPromptResult {
		return &mcp.GetPromptResult{Messages: messages}
	}
	s.AddPrompt(mcp.NewPrompt("test_simple_prompt",
		mcp.WithPromptDescription("A prompt without arguments.")),
		func(context.Context, mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return prompt(user(mcp.NewTextContent("A fixed prompt text."))), nil
		})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_arguments",
		mcp.WithPromptDescription("A prompt that repeats its two arguments."),
		mcp.WithArgument("arg1", mcp.ArgumentDescription("first argument"),
			mcp.RequiredArgument()),
		mcp.WithArgument("arg2", mcp.ArgumentDescription("second argument"),
			mcp.RequiredArgument())),
		func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			text := fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'",
				req.Params.Arguments["arg1"], req.Params.Arguments["arg2"])
			return prompt(user(mcp.NewTextContent(text))), nil
		})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_embedded_resource",
		mcp.WithPromptDescription("A prompt that embeds the resource it is given."),
		mcp.WithArgument("resourceUri", mcp.ArgumentDescription("URI of the resource"),
			mcp.RequiredArgument())),
		func(_ context.Context, req mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return prompt(user(mcp.NewEmbeddedResource(mcp.TextResourceContents{
				URI: req.Params.Arguments["resourceUri"], MIMEType: "text/plain",
				Text: "Embedded resource text."})),
				user(mcp.NewTextContent("Summarise the resource above."))), nil
		})
	s.AddPrompt(mcp.NewPrompt("test_prompt_with_image",
		mcp.WithPromptDescription("A prompt with an image.")),
		func(context.Context, mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return prompt(user(mcp.NewImageContent(fixturePNG, "image/png")),
				user(mcp.NewTextContent("Describe the image above."))), nil
		})
}
