package metrics

import (
	"bufio"
	"fmt"
	"slices"
	"sync"
)

// CounterVec is a counter per label combination.
type CounterVec struct {
	name, help string
	labels     labelSet
	mu         sync.Mutex
	values     map[string]float64
}

// NewCounterVec registers a counter family. By convention its name ends in _total.
func (r *Registry) NewCounterVec(name, help string, labels ...string) *CounterVec {
	c := &CounterVec{name: name, help: help, labels: labelSet{names: labels},
		values: map[string]float64{}}
	r.register(c)
	return c
}

// Add adds n, which must not be negative, to the series of labelValues.
func (c *CounterVec) Add(n float64, labelValues ...string) {
	if n < 0 {
		panic(fmt.Sprintf("metrics: counter %s decreased by %v", c.name, n))
	}
	key := c.labels.key(labelValues)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.values[key]; !ok && len(c.values) >= MaxSeries {
		key = c.labels.overflowKey()
	}
	c.values[key] += n
}

// Inc adds one to the series of labelValues.
func (c *CounterVec) Inc(labelValues ...string) { c.Add(1, labelValues...) }

// Value returns the series of labelValues, 0 when it does not exist.
func (c *CounterVec) Value(labelValues ...string) float64 {
	key := c.labels.key(labelValues)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.values[key]
}

func (c *CounterVec) header() (string, string, string) { return c.name, c.help, "counter" }

func (c *CounterVec) write(w *bufio.Writer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, key := range sortedKeys(c.values) {
		fmt.Fprintf(w, "%s%s %s\n", c.name, c.labels.format(key), formatValue(c.values[key]))
	}
}

// DefaultLatencyBuckets are upper bounds in seconds for call latencies, from 5 ms to a
// minute.
var DefaultLatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
	10, 30, 60}

// HistogramVec is a histogram per label combination.
type HistogramVec struct {
	name, help string
	labels     labelSet
	buckets    []float64
	mu         sync.Mutex
	series     map[string]*histogram
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    float64
}

// NewHistogramVec registers a histogram family with the given bucket upper bounds, which
// must be sorted in increasing order. The +Inf bucket is implied.
func (r *Registry) NewHistogramVec(name, help string, buckets []float64,
	labels ...string) *HistogramVec {
	if !slices.IsSorted(buckets) {
		panic(fmt.Sprintf("metrics: buckets of %s are not sorted", name))
	}
	h := &HistogramVec{name: name, help: help, labels: labelSet{names: labels},
		buckets: slices.Clone(buckets), series: map[string]*histogram{}}
	r.register(h)
	return h
}

// Observe records v in the series of labelValues.
func (h *HistogramVec) Observe(v float64, labelValues ...string) {
	key := h.labels.key(labelValues)
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.series[key]
	if !ok {
		if len(h.series) >= MaxSeries {
			key = h.labels.overflowKey()
		}
		if s, ok = h.series[key]; !ok {
			s = &histogram{counts: make([]uint64, len(h.buckets))}
			h.series[key] = s
		}
	}
	// The first bucket whose upper bound is at least v counts it; write makes the counts
	// cumulative.
	if i, _ := slices.BinarySearch(h.buckets, v); i < len(h.buckets) {
		s.counts[i]++
	}
	s.count++
	s.sum += v
}

// Count returns the number of observations in the series of labelValues.
func (h *HistogramVec) Count(labelValues ...string) uint64 {
	key := h.labels.key(labelValues)
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.series[key]; ok {
		return s.count
	}
	return 0
}

func (h *HistogramVec) header() (string, string, string) { return h.name, h.help, "histogram" }

func (h *HistogramVec) write(w *bufio.Writer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, key := range sortedKeys(h.series) {
		s := h.series[key]
		var cumulative uint64
		for i, le := range h.buckets {
			cumulative += s.counts[i]
			fmt.Fprintf(w, "%s_bucket%s %d\n", h.name,
				h.labels.format(key, "le", formatValue(le)), cumulative)
		}
		fmt.Fprintf(w, "%s_bucket%s %d\n", h.name, h.labels.format(key, "le", "+Inf"), s.count)
		fmt.Fprintf(w, "%s_sum%s %s\n", h.name, h.labels.format(key), formatValue(s.sum))
		fmt.Fprintf(w, "%s_count%s %d\n", h.name, h.labels.format(key), s.count)
	}
}

// Sample is one series of a function-backed family: its label values and its value.
type Sample struct {
	LabelValues []string
	Value       float64
}

// funcFamily is a gauge or counter family whose samples a function returns at each scrape.
type funcFamily struct {
	name, help, kind string
	labels           labelSet
	collect          func() []Sample
}

// NewGaugeFunc registers a gauge family whose samples collect returns at each scrape.
// collect runs on the scraping goroutine and must be quick and safe for concurrent use.
func (r *Registry) NewGaugeFunc(name, help string, labels []string, collect func() []Sample) {
	r.register(&funcFamily{name: name, help: help, kind: "gauge",
		labels: labelSet{names: labels}, collect: collect})
}

// NewCounterFunc registers a counter family whose samples collect returns at each scrape,
// for components that keep their own counts, such as a Stats method. The values must
// never decrease while the process runs.
func (r *Registry) NewCounterFunc(name, help string, labels []string,
	collect func() []Sample) {
	r.register(&funcFamily{name: name, help: help, kind: "counter",
		labels: labelSet{names: labels}, collect: collect})
}

func (f *funcFamily) header() (string, string, string) { return f.name, f.help, f.kind }

func (f *funcFamily) write(w *bufio.Writer) {
	samples := f.collect()
	byKey := make(map[string]float64, len(samples))
	for _, s := range samples {
		byKey[f.labels.key(s.LabelValues)] += s.Value
	}
	for _, key := range sortedKeys(byKey) {
		fmt.Fprintf(w, "%s%s %s\n", f.name, f.labels.format(key), formatValue(byKey[key]))
	}
}
