package tools

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// samplesDir contains real PDF and DOCX files from Docusign's public samples, when the
// shared reference folder sits beside the repository.
const samplesDir = "../../shared/reference/docusign/samples/documents"

func TestDecodeDocumentRealSamples(t *testing.T) {
	entries, err := os.ReadDir(samplesDir)
	if err != nil {
		t.Skipf("sample documents not available at %s: %v", samplesDir, err)
	}
	for _, entry := range entries {
		extension := strings.TrimPrefix(filepath.Ext(entry.Name()), ".")
		if extension != "pdf" && extension != "docx" {
			continue
		}
		t.Run(entry.Name(), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(samplesDir, entry.Name()))
			if err != nil {
				t.Fatalf("reading the sample failed: %v", err)
			}
			encoded := base64.StdEncoding.EncodeToString(data)
			if _, terr := decodeDocument("doc", extension, encoded); terr != nil {
				t.Errorf("decodeDocument rejected a real %s file: %s", extension, terr.Message)
			}
			other := map[string]string{"pdf": "docx", "docx": "pdf"}[extension]
			if _, terr := decodeDocument("doc", other, encoded); terr == nil {
				t.Errorf("decodeDocument accepted a %s file labelled %s", extension, other)
			}
		})
	}
}
