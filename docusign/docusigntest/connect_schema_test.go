package docusigntest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// connectSamplePath is Docusign's Connect 2.0 message skeleton: an instance with
// placeholder values, not a JSON Schema, in the shared reference beside the repository.
var connectSamplePath = filepath.Join("..", "..", "..", "shared", "reference", "docusign",
	"samples", "schemas", "connect.schema-v2.json")

// TestConnectMatchesDocusignSkeleton checks every JSON SIM message against Docusign's
// skeleton: the top level and data carry only keys the skeleton has, and every key the
// skeleton has, at any depth, has the skeleton's JSON type (strings where Docusign sends
// strings). Keys the skeleton lacks inside envelopeSummary are allowed, because real
// messages carry more, such as expireDateTime and recipientIdGuid.
func TestConnectMatchesDocusignSkeleton(t *testing.T) {
	raw, err := os.ReadFile(connectSamplePath)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("Docusign's Connect skeleton is not at %s", connectSamplePath)
	}
	if err != nil {
		t.Fatalf("read %s: %v", connectSamplePath, err)
	}
	var sample map[string]any
	if err := json.Unmarshal(raw, &sample); err != nil {
		t.Fatalf("decode %s: %v", connectSamplePath, err)
	}

	rc := newReceiver(t, nil)
	s, _ := newSim(t, Options{Connect: &ConnectConfig{URL: rc.url(),
		IncludeData: []string{"recipients", "tabs", "custom_fields", "documents"}}})
	_, envelopeID := sentEnvelope(t, s)
	if _, err := s.AttachFile(envelopeID, "1", "", nil); err != nil {
		t.Fatalf("AttachFile: %v", err)
	}
	if err := s.SignAll(envelopeID); err != nil {
		t.Fatalf("SignAll: %v", err)
	}
	waitConnect(t, s)

	for _, m := range rc.accepted() {
		msg := decodeSIM(t, m.body)
		name := eventKey(t, m.body)
		for _, problem := range shapeProblems("", msg, sample, 2) {
			t.Errorf("%s: %s", name, problem)
		}
		for _, key := range []string{"event", "apiVersion", "uri", "retryCount",
			"configurationId", "generatedDateTime", "data"} {
			if _, ok := msg[key]; !ok {
				t.Errorf("%s: missing top-level key %s", name, key)
			}
		}
	}
}

// shapeProblems compares got with the skeleton. Maps at depth strict and above (the top
// level is 2) may hold only the skeleton's keys.
func shapeProblems(path string, got, sample any, strict int) []string {
	if got == nil || sample == nil {
		return nil
	}
	if kind(got) != kind(sample) {
		return []string{fmt.Sprintf("%s is a %s, Docusign sends a %s", path, kind(got),
			kind(sample))}
	}
	switch g := got.(type) {
	case map[string]any:
		return mapProblems(path, g, sample.(map[string]any), strict)
	case []any:
		var out []string
		items := sample.([]any)
		if len(items) == 0 {
			return nil
		}
		for i, item := range g {
			out = append(out, shapeProblems(fmt.Sprintf("%s[%d]", path, i), item, items[0],
				0)...)
		}
		return out
	}
	return nil
}

func mapProblems(path string, got, sample map[string]any, strict int) []string {
	var out []string
	keys := make([]string, 0, len(got))
	for key := range got {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		child := path + "." + key
		want, ok := sample[key]
		if !ok {
			if strict > 0 {
				out = append(out, fmt.Sprintf("%s is not in Docusign's message", child))
			}
			continue
		}
		out = append(out, shapeProblems(child, got[key], want, strict-1)...)
	}
	return out
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return fmt.Sprintf("%T", v)
}
