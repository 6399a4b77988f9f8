// Package usage reads Higress's AI usage: it parses the gateway's access log (the ai_log field
// that ai-statistics and ai-proxy write) and its Prometheus metrics, aggregates requests, tokens,
// estimated cost and latency by consumer, model, route, day or status in bounded memory, and
// reads from files, pod logs or Prometheus, to the end or following. It prints nothing: the usage
// command and the dashboard present what it computes.
package usage

import (
	"bytes"
	"math"
	"strconv"
	"time"
)

// Missing is the value of a consumer, model, route, day or status the log did not give (empty,
// "-", or absent): never a name, so it cannot be mistaken for a consumer called "none" (which is
// what Higress's metrics call a missing consumer). Reports show it as "(none)" in tables, an
// empty cell in CSV and null in JSON.
const Missing = ""

// Record is one request of the access log.
type Record struct {
	Time     time.Time // start_time; zero when absent
	Consumer string
	Model    string
	Route    string
	Status   int // response_code; 0 when absent
	// Tokens from ai_log; 0 when absent. Input includes cached (prompt_tokens do), output
	// includes reasoning (completion_tokens do).
	InputTokens, OutputTokens, CachedTokens, ReasoningTokens int64
	// HasAILog is false for lines of gateways older than v2.0.5 (no ai_log at all) or an empty one.
	HasAILog bool
	// HasTokens says the tokens are known: ai_log has input_token or output_token (a count, 0
	// included). Without them the tokens are unknown, not 0.
	HasTokens bool
	// Duration is the request's duration in ms; FirstToken the time to the first token of a
	// streamed answer in ms. Negative when absent.
	Duration, FirstToken float64
}

// Error reports a request that failed: response_code >= 400.
func (r Record) Error() bool { return r.Status >= 400 }

// LineKind says what a line was.
type LineKind int

const (
	Request LineKind = iota // one request, counted
	Blank                   // empty or whitespace: ignored
	Skipped                 // not a JSON object: skipped and counted
)

// ParseLine reads one access-log line.
func ParseLine(line []byte) (Record, LineKind) {
	var p Parser
	return p.Parse(line)
}

// Parser reads access-log lines, reusing its buffers and (made by NewParser) the strings of names it
// has seen: one per goroutine. The zero Parser works too.
type Parser struct {
	scratch []byte
	details []byte
	names   map[string]string
}

// maxNames bounds the names a parser keeps.
const maxNames = 4096

// NewParser returns a parser that keeps the names it has seen.
func NewParser() *Parser { return &Parser{names: map[string]string{}} }

// name returns the string of b, from the parser's table when it has seen it.
func (p *Parser) name(b []byte) string {
	if s, ok := p.names[string(b)]; ok {
		return s
	}
	s := string(b)
	if p.names != nil && len(p.names) < maxNames {
		p.names[s] = s
	}
	return s
}

// nameValue is a string value, or Missing when it is empty, "-", or not a string.
func (p *Parser) nameValue(v []byte) string {
	s, ok := stringValue(v)
	if !ok || len(s) == 0 || (len(s) == 1 && s[0] == '-') {
		return Missing
	}
	return p.name(s)
}

// Parse reads one access-log line.
func (p *Parser) Parse(line []byte) (Record, LineKind) {
	if skipSpace(line, 0) == len(line) {
		return Record{}, Blank
	}
	r := Record{Duration: -1, FirstToken: -1}
	var aiLog, consumer []byte
	ok := eachField(line, func(key, value []byte) {
		switch string(key) {
		case "ai_log":
			aiLog = value
		case "consumer":
			// ai-statistics' consumer attribute with as_separate_log_field.
			consumer = value
		case "response_code":
			r.Status = int(intValue(value))
		case "route_name":
			r.Route = p.nameValue(value)
		case "duration":
			r.Duration = floatValue(value)
		case "start_time":
			if s, ok := stringValue(value); ok {
				r.Time = parseTime(s)
			}
		}
	})
	if !ok {
		return Record{}, Skipped
	}
	if aiLog != nil {
		p.parseAILog(&r, aiLog)
	}
	if r.Consumer == Missing && consumer != nil {
		r.Consumer = p.nameValue(consumer)
	}
	return r, Request
}

// parseAILog reads ai_log: an object encoded in a string (or, from other log formats, an object).
func (p *Parser) parseAILog(r *Record, value []byte) {
	obj := value
	if len(value) > 0 && value[0] == '"' {
		body := value[1 : len(value)-1]
		if bytes.IndexByte(body, '\\') >= 0 {
			p.scratch = appendUnescaped(p.scratch[:0], body)
			body = p.scratch
		}
		obj = body
	}
	var first float64 = -1
	var cached, detailsCached, reasoning, detailsReasoning int64
	valid := eachField(obj, func(key, v []byte) {
		switch string(key) {
		case "consumer":
			r.Consumer = p.nameValue(v)
		case "model":
			r.Model = p.nameValue(v)
		case "input_token":
			if n, ok := countValue(v); ok {
				r.InputTokens, r.HasTokens = n, true
			}
		case "output_token":
			if n, ok := countValue(v); ok {
				r.OutputTokens, r.HasTokens = n, true
			}
		case "cached_tokens":
			cached = intValue(v)
		case "reasoning_tokens":
			reasoning = intValue(v)
		case "input_token_details":
			detailsCached = p.detail(v, "cached_tokens")
		case "output_token_details":
			detailsReasoning = p.detail(v, "reasoning_tokens")
		case "llm_first_token_duration":
			first = floatValue(v)
		}
	})
	if !valid {
		// "-", "" or something else: as if the gateway wrote no ai_log.
		r.Consumer, r.Model, r.InputTokens, r.OutputTokens, r.HasTokens = Missing, Missing, 0, 0, false
		return
	}
	r.HasAILog = true
	r.FirstToken = first
	// The same count may come twice (cached_tokens is input_token_details.cached_tokens): once.
	r.CachedTokens = min(max(cached, detailsCached), r.InputTokens)
	r.ReasoningTokens = min(max(reasoning, detailsReasoning), r.OutputTokens)
}

// detail reads one count of a token-details value: an object, or a JSON string holding one
// (ai-statistics writes the latter); 0 when absent.
func (p *Parser) detail(v []byte, key string) int64 {
	if len(v) >= 2 && v[0] == '"' {
		// Unescaped into a buffer of its own: ai_log's is still being read.
		p.details = appendUnescaped(p.details[:0], v[1:len(v)-1])
		v = p.details
	}
	var n int64
	eachField(v, func(k, value []byte) {
		if string(k) == key {
			n = intValue(value)
		}
	})
	return n
}

// parseTime reads start_time: Envoy's 2026-11-20T10:00:00.123Z quickly, anything RFC 3339 otherwise.
func parseTime(s []byte) time.Time {
	if len(s) == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		d := func(i, n int) int {
			v := 0
			for _, c := range s[i : i+n] {
				if c < '0' || c > '9' {
					return -1
				}
				v = v*10 + int(c-'0')
			}
			return v
		}
		y, mo, dd, h, mi, sec, ms := d(0, 4), d(5, 2), d(8, 2), d(11, 2), d(14, 2), d(17, 2), d(20, 3)
		if y >= 0 && mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && sec >= 0 && sec < 60 && ms >= 0 {
			t := time.Date(y, time.Month(mo), dd, h, mi, sec, ms*1e6, time.UTC)
			if t.Day() == dd {
				return t
			}
		}
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, string(s))
	return t
}

// floatValue reads a number written as a JSON number or a string; -1 when absent or invalid.
func floatValue(v []byte) float64 {
	if s, ok := stringValue(v); ok {
		v = s
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return -1
	}
	return f
}

// maxCount bounds a count: anything larger is not a real token count or status.
const maxCount = 1e15

// intValue reads a count written as a JSON number or a string; 0 when absent or invalid.
func intValue(v []byte) int64 {
	n, _ := countValue(v)
	return n
}

// countValue reads a count written as a JSON number or a string; ok is false when v is not a
// count: not a number, negative, or larger than maxCount.
func countValue(v []byte) (int64, bool) {
	if s, ok := stringValue(v); ok {
		v = s
	}
	if len(v) == 0 || len(v) > 15 {
		return floatCount(v)
	}
	n := int64(0)
	for _, c := range v {
		if c < '0' || c > '9' {
			return floatCount(v)
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func floatCount(v []byte) (int64, bool) {
	f := floatValue(v)
	if f < 0 || f > maxCount {
		return 0, false
	}
	return int64(f), true
}
