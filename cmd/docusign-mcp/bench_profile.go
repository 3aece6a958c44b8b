package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// cpuSplit is the CPU time of a profile by the value of its "side" label. other is the
// time of goroutines without the label: the runtime's garbage collector and scheduler.
type cpuSplit struct {
	server, client, simulator, other time.Duration
}

// serverShare returns the server's CPU time plus its share of other, in proportion to the
// labelled time of the server and the client.
func (c cpuSplit) serverShare() time.Duration {
	return c.server + c.shareOfOther(c.server)
}

// clientShare returns the client's CPU time plus its share of other.
func (c cpuSplit) clientShare() time.Duration {
	return c.client + c.shareOfOther(c.client)
}

func (c cpuSplit) shareOfOther(part time.Duration) time.Duration {
	labelled := c.server + c.client + c.simulator
	if labelled == 0 {
		return 0
	}
	return time.Duration(float64(c.other) * float64(part) / float64(labelled))
}

// Field numbers of the profile.proto messages that cpuBySide reads
// (github.com/google/pprof, proto/profile.proto).
const (
	profileSampleType  = 1
	profileSample      = 2
	profileStringTable = 6
	valueTypeType      = 1
	sampleValue        = 2
	sampleLabel        = 3
	labelKey           = 1
	labelStr           = 2
)

// rawSample is a profile sample: its values and its labels as string table indexes.
type rawSample struct {
	values []int64
	labels map[int64]int64
}

// cpuBySide adds up the "cpu" values of a runtime/pprof CPU profile by the side label.
func cpuBySide(profile []byte) (cpuSplit, error) {
	zr, err := gzip.NewReader(bytes.NewReader(profile))
	if err != nil {
		return cpuSplit{}, fmt.Errorf("read CPU profile: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return cpuSplit{}, fmt.Errorf("read CPU profile: %w", err)
	}
	var strs []string
	var typeIndexes []int64
	var samples []rawSample
	err = eachField(raw, func(num protowire.Number, typ protowire.Type, value []byte,
		_ uint64) error {
		switch num {
		case profileSampleType:
			return eachField(value, func(num protowire.Number, _ protowire.Type, _ []byte,
				v uint64) error {
				if num == valueTypeType {
					typeIndexes = append(typeIndexes, int64(v))
				}
				return nil
			})
		case profileSample:
			s, err := parseSample(value)
			samples = append(samples, s)
			return err
		case profileStringTable:
			strs = append(strs, string(value))
		}
		return nil
	})
	if err != nil {
		return cpuSplit{}, fmt.Errorf("parse CPU profile: %w", err)
	}
	return splitSamples(strs, typeIndexes, samples)
}

// splitSamples adds up the samples' cpu values by side.
func splitSamples(strs []string, typeIndexes []int64, samples []rawSample) (cpuSplit,
	error) {
	cpuIndex := -1
	for i, t := range typeIndexes {
		if t >= 0 && int(t) < len(strs) && strs[t] == "cpu" {
			cpuIndex = i
		}
	}
	if cpuIndex < 0 {
		return cpuSplit{}, errors.New("parse CPU profile: no cpu sample type")
	}
	var split cpuSplit
	for _, s := range samples {
		if cpuIndex >= len(s.values) {
			continue
		}
		d := time.Duration(s.values[cpuIndex])
		side := ""
		for k, v := range s.labels {
			if int(k) < len(strs) && strs[k] == labelSide && int(v) < len(strs) {
				side = strs[v]
			}
		}
		switch side {
		case sideServer:
			split.server += d
		case sideClient:
			split.client += d
		case sideSimulator:
			split.simulator += d
		default:
			split.other += d
		}
	}
	return split, nil
}

// parseSample reads a Sample message: its values, packed or not, and its string labels.
func parseSample(b []byte) (rawSample, error) {
	s := rawSample{labels: map[int64]int64{}}
	err := eachField(b, func(num protowire.Number, typ protowire.Type, value []byte,
		v uint64) error {
		switch {
		case num == sampleValue && typ == protowire.BytesType:
			for len(value) > 0 {
				x, n := protowire.ConsumeVarint(value)
				if n < 0 {
					return protowire.ParseError(n)
				}
				s.values = append(s.values, int64(x))
				value = value[n:]
			}
		case num == sampleValue:
			s.values = append(s.values, int64(v))
		case num == sampleLabel:
			var key, str int64
			err := eachField(value, func(num protowire.Number, _ protowire.Type, _ []byte,
				v uint64) error {
				switch num {
				case labelKey:
					key = int64(v)
				case labelStr:
					str = int64(v)
				}
				return nil
			})
			if err != nil {
				return err
			}
			s.labels[key] = str
		}
		return nil
	})
	return s, err
}

// eachField calls fn with each field of a protobuf message: value for length-delimited
// fields, v for varints.
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, value []byte,
	v uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var value []byte
		var v uint64
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			value, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, value, v); err != nil {
			return err
		}
	}
	return nil
}

// resetPeakRSS resets the process's VmHWM to its current RSS (Linux 4.0 and later). Where
// that fails, the peak covers the whole process lifetime.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSSMiB returns VmHWM from /proc/self/status in MiB, 0 where it cannot be read.
func peakRSSMiB() float64 {
	kib := procStatusKiB("/proc/self/status", "VmHWM:")
	return float64(kib) / 1024
}

// procStatusKiB returns the value in KiB of field, such as "VmRSS:", in a
// /proc/PID/status file, or 0.
func procStatusKiB(path, field string) int64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		rest, ok := strings.CutPrefix(scanner.Text(), field)
		if !ok {
			continue
		}
		number, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		kib, _ := strconv.ParseInt(number, 10, 64)
		return kib
	}
	return 0
}

// loadAverage returns the first three fields of /proc/loadavg, or "unknown".
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	fields := strings.Fields(string(raw))
	if len(fields) < 3 {
		return "unknown"
	}
	return strings.Join(fields[:3], " ")
}
