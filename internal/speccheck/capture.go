package speccheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// CaptureEnv names the environment variable that turns capture on: the directory that
// receives the capture files. .ci/run sets it for the whole test run.
const CaptureEnv = "DOCUSIGN_MCP_SPEC_CAPTURE"

// maxCapturedBody bounds each captured body. A longer body is recorded as skipped, so
// that a test sending many large documents cannot fill the disk.
const maxCapturedBody = 16 << 20

// Record is one request and its response, one line of a capture file. Bodies that are
// not JSON are left out and counted by their content type.
type Record struct {
	// UserAgent distinguishes the clients under test (docusign-mcp, the official SDK)
	// from the raw HTTP calls of tests that send invalid requests on purpose.
	UserAgent    string          `json:"userAgent,omitempty"`
	Method       string          `json:"method"`
	Path         string          `json:"path"`
	Query        []string        `json:"query,omitempty"` // parameter names
	Status       int             `json:"status"`
	RequestType  string          `json:"requestType,omitempty"`
	Request      json.RawMessage `json:"request,omitempty"`
	ResponseType string          `json:"responseType,omitempty"`
	Response     json.RawMessage `json:"response,omitempty"`
	// Skipped names a body that was not recorded: "request too large" or
	// "response too large".
	Skipped []string `json:"skipped,omitempty"`
}

// Capture returns h unchanged unless DOCUSIGN_MCP_SPEC_CAPTURE names a directory. Then it
// returns a handler that records each REST request and response of h in that directory.
// The OAuth and simulator control endpoints are not recorded: they are no part of the
// REST API, and OAuth bodies contain tokens.
func Capture(h http.Handler) http.Handler {
	dir := os.Getenv(CaptureEnv)
	if dir == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/restapi/") {
			h.ServeHTTP(w, r)
			return
		}
		rec := Record{Method: r.Method, Path: r.URL.Path,
			UserAgent:   truncate(r.Header.Get("User-Agent"), 100),
			RequestType: r.Header.Get("Content-Type")}
		for name := range r.URL.Query() {
			rec.Query = append(rec.Query, name)
		}
		r.Body = captureRequest(r.Body, &rec)
		cw := &captureWriter{ResponseWriter: w}
		h.ServeHTTP(cw, r)
		rec.Status = cw.status
		rec.ResponseType = cw.Header().Get("Content-Type")
		rec.Response, rec.Skipped = jsonBody(rec.ResponseType, cw.body.Bytes(), cw.overflow,
			"response too large", rec.Skipped)
		writeRecord(dir, rec)
	})
}

// captureRequest reads the request body up to the capture limit, records it, and
// returns a body that yields the same bytes to the handler.
func captureRequest(body io.ReadCloser, rec *Record) io.ReadCloser {
	if body == nil || body == http.NoBody {
		return body
	}
	head, _ := io.ReadAll(io.LimitReader(body, maxCapturedBody+1))
	overflow := len(head) > maxCapturedBody
	if !overflow {
		rec.Request, rec.Skipped = jsonBody(rec.RequestType, head, false,
			"request too large", rec.Skipped)
	} else {
		rec.Skipped = append(rec.Skipped, "request too large")
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(head), body), body}
}

// jsonBody returns body when it is JSON, and adds reason to skipped when it overflowed.
func jsonBody(contentType string, body []byte, overflow bool, reason string,
	skipped []string) (json.RawMessage, []string) {
	if overflow {
		return nil, append(skipped, reason)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 || !strings.Contains(contentType, "json") {
		return nil, skipped
	}
	if !json.Valid(body) {
		// Keep the bytes as a JSON string, so that the check reports invalid JSON.
		quoted, _ := json.Marshal(string(body))
		return json.RawMessage(`{"invalidJSON":` + string(quoted) + `}`), skipped
	}
	return json.RawMessage(body), skipped
}

// captureWriter copies what the handler writes, up to the capture limit.
type captureWriter struct {
	http.ResponseWriter
	status   int
	body     bytes.Buffer
	overflow bool
}

func (w *captureWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *captureWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if !w.overflow && w.body.Len()+len(p) <= maxCapturedBody {
		w.body.Write(p)
	} else {
		w.overflow = true
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection, which the simulator's
// dropped-connection faults hijack.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

var (
	captureMu sync.Mutex
	// captureFiles are this process's open capture files, by directory. They stay open
	// until the process exits, and each record is one unbuffered write.
	captureFiles = map[string]*os.File{}
)

// writeRecord appends rec to this process's capture file in dir, which it creates on
// first use. Capture is a test aid, so a failure is printed to stderr and the record
// dropped.
func writeRecord(dir string, rec Record) {
	line, err := json.Marshal(rec)
	if err != nil {
		fmt.Fprintf(os.Stderr, "speccheck: encode capture record: %v\n", err)
		return
	}
	captureMu.Lock()
	defer captureMu.Unlock()
	f := captureFiles[dir]
	if f == nil {
		if f, err = openCaptureFile(dir); err != nil {
			fmt.Fprintf(os.Stderr, "speccheck: %v\n", err)
			return
		}
		captureFiles[dir] = f
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		fmt.Fprintf(os.Stderr, "speccheck: write capture record: %v\n", err)
	}
}

// openCaptureFile creates a capture file in dir whose name no other process uses.
func openCaptureFile(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create capture directory: %w", err)
	}
	name := fmt.Sprintf("capture-%d-%d.jsonl", os.Getpid(), time.Now().UnixNano())
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open capture file: %w", err)
	}
	return f, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
