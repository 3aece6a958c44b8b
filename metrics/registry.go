// Package metrics keeps counters, histograms and gauges in memory and writes them in the
// Prometheus text exposition format, version 0.0.4. It has no dependencies: the server
// exports a few dozen series, which do not need a client library.
package metrics

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// ContentType is the media type of the text exposition format.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// MaxSeries bounds the label combinations of one vector. Further combinations are counted
// under the label value OverflowLabel, so that a label fed by callers cannot grow memory
// without bound.
const MaxSeries = 500

// OverflowLabel replaces every label value of a series past MaxSeries.
const OverflowLabel = "other"

var namePattern = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// Registry is a set of metric families. It is safe for concurrent use.
type Registry struct {
	mu       sync.Mutex
	families map[string]family
}

// family is one metric family: its HELP and TYPE lines and its samples.
type family interface {
	header() (name, help, kind string)
	write(w *bufio.Writer)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{families: map[string]family{}}
}

// register adds f, and panics when its name is invalid or taken, which is a programming
// error found by the first test that builds the registry.
func (r *Registry) register(f family) {
	name, _, _ := f.header()
	if !namePattern.MatchString(name) {
		panic(fmt.Sprintf("metrics: invalid metric name %q", name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.families[name]; ok {
		panic(fmt.Sprintf("metrics: metric %q registered twice", name))
	}
	r.families[name] = f
}

// Registered reports whether a family of that name exists, so that an optional
// registration can run once.
func (r *Registry) Registered(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.families[name]
	return ok
}

// WriteText writes every family in the text exposition format, sorted by name.
func (r *Registry) WriteText(w io.Writer) error {
	r.mu.Lock()
	names := make([]string, 0, len(r.families))
	for name := range r.families {
		names = append(names, name)
	}
	families := make([]family, 0, len(names))
	slices.Sort(names)
	for _, name := range names {
		families = append(families, r.families[name])
	}
	r.mu.Unlock()

	bw := bufio.NewWriter(w)
	for _, f := range families {
		name, help, kind := f.header()
		fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, kind)
		f.write(bw)
	}
	return bw.Flush()
}

// Handler returns an http.Handler that serves the registry on GET and HEAD.
func (r *Registry) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", ContentType)
		w.Header().Set("Cache-Control", "no-store")
		_ = r.WriteText(w)
	})
}

// labelSet is the label names of a vector and the values of its series, keyed by the
// values joined with a zero byte.
type labelSet struct {
	names []string
}

// key checks the number of values and returns the series key.
func (l labelSet) key(values []string) string {
	if len(values) != len(l.names) {
		panic(fmt.Sprintf("metrics: %d label values for labels %v", len(values), l.names))
	}
	return strings.Join(values, "\x00")
}

// overflowKey is the key of the series that collects label combinations past MaxSeries.
func (l labelSet) overflowKey() string {
	values := make([]string, len(l.names))
	for i := range values {
		values[i] = OverflowLabel
	}
	return strings.Join(values, "\x00")
}

// format returns {a="x",b="y"} for the series key, with extra pairs appended, or "" when
// there are no labels at all.
func (l labelSet) format(key string, extra ...string) string {
	var pairs []string
	if len(l.names) > 0 {
		for i, v := range strings.Split(key, "\x00") {
			pairs = append(pairs, l.names[i]+`="`+escapeLabel(v)+`"`)
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		pairs = append(pairs, extra[i]+`="`+escapeLabel(extra[i+1])+`"`)
	}
	if len(pairs) == 0 {
		return ""
	}
	return "{" + strings.Join(pairs, ",") + "}"
}

// sortedKeys returns the keys of m in order, so that output is stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// formatValue writes a sample value the way Prometheus parses it.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
