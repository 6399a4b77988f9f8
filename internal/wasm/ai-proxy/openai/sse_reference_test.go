package openai

import (
	"bytes"
	"testing"

	"github.com/tidwall/gjson"
)

// refStream is the first, simpler Stream (every event parsed, every chunk copied): what the
// faster one must do, byte for byte, for any stream cut anywhere.
type refStream struct {
	Usage Usage
	// Started is set once a chunk with choices has passed: the first token.
	Started bool
	carry   []byte
	out     []byte
}

// Feed takes the next chunk of the body and returns what to forward now; last flushes what is
// held back. started reports whether this chunk carried the first token.
func (s *refStream) Feed(chunk []byte, last bool) (out []byte, started bool) {
	data := chunk
	if len(s.carry) > 0 {
		s.carry = append(s.carry, chunk...)
		data = s.carry
	}
	s.out = s.out[:0]
	wasStarted := s.Started
	for {
		end, sep := refEventEnd(data)
		if end < 0 {
			break
		}
		event := data[:end+sep]
		if s.keep(data[:end]) {
			s.out = append(s.out, event...)
		}
		data = data[end+sep:]
	}
	switch {
	case last || len(data) > MaxEvent:
		s.out = append(s.out, data...)
		if last {
			s.keep(data)
		}
		// The stream is over: let the buffers go with it.
		out := s.out
		s.out, s.carry = nil, nil
		return out, s.Started && !wasStarted
	default:
		// Keep the incomplete rest; copy first, as data may point into carry itself.
		rest := append([]byte(nil), data...)
		s.carry = append(s.carry[:0], rest...)
	}
	return s.out, s.Started && !wasStarted
}

// eventEnd finds the end of the first event and the length of the blank line ending it.
func refEventEnd(data []byte) (int, int) {
	lf := bytes.Index(data, []byte("\n\n"))
	crlf := bytes.Index(data, []byte("\r\n\r\n"))
	switch {
	case lf < 0 && crlf < 0:
		return -1, 0
	case crlf >= 0 && (lf < 0 || crlf < lf):
		return crlf, 4
	}
	return lf, 2
}

// keep reads one event and reports whether to forward it.
func (s *refStream) keep(event []byte) bool {
	for len(event) > 0 {
		line := event
		if i := bytes.IndexByte(event, '\n'); i >= 0 {
			line, event = event[:i], event[i+1:]
		} else {
			event = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		payload, ok := bytes.CutPrefix(line, []byte("data:"))
		if !ok {
			continue
		}
		payload = bytes.TrimSpace(payload)
		if len(payload) == 0 || payload[0] != '{' || !gjson.ValidBytes(payload) {
			continue
		}
		v := gjson.ParseBytes(payload)
		choices := v.Get("choices")
		hasChoices := choices.IsArray() && len(choices.Array()) > 0
		if hasChoices {
			s.Started = true
		}
		if u, ok := refUsageOf(v); ok {
			s.Usage = u
		} else if s.Usage.Model == "" {
			s.Usage.Model = v.Get("model").Str
		}
	}
	return true
}

func refUsageOf(v gjson.Result) (Usage, bool) {
	u := v.Get("usage")
	if !u.IsObject() {
		return Usage{}, false
	}
	return refUsage(v.Get("model").Str, u), true
}

// refUsage reads a usage object with gjson's Get.
func refUsage(model string, u gjson.Result) Usage {
	cached, reasoning := u.Get("prompt_tokens_details.cached_tokens"), u.Get("completion_tokens_details.reasoning_tokens")
	return Usage{
		Model:        model,
		Input:        u.Get("prompt_tokens").Int(),
		Output:       u.Get("completion_tokens").Int(),
		Cached:       cached.Int(),
		Reasoning:    reasoning.Int(),
		Found:        u.Get("prompt_tokens").Exists() || u.Get("completion_tokens").Exists(),
		HasCached:    cached.Exists(),
		HasReasoning: reasoning.Exists(),
	}
}

func FuzzStreamMatchesReference(f *testing.F) {
	f.Add([]byte(sseStream), uint16(7), uint16(40))
	f.Add([]byte("data: {\"choices\":[]}\r\n\r\ndata: {\"usage\" : {\"prompt_tokens\":1},\"choices\":[]}\n\n"), uint16(3), uint16(9))
	f.Add([]byte("data: {\"model\":\"m\",\"choices\":[{}]}\n\ndata: {\"model\":\"m\",\"choices\":[{\"x\":\"\\\"usage\\\":{\"}]}\n\n"), uint16(20), uint16(60))
	f.Fuzz(func(t *testing.T, data []byte, cut1, cut2 uint16) {
		a, b := int(cut1)%(len(data)+1), int(cut2)%(len(data)+1)
		if a > b {
			a, b = b, a
		}
		pieces := [][]byte{data[:a], data[a:b], data[b:]}
		fast, ref := &Stream{}, &refStream{}
		var got, want bytes.Buffer
		for i, p := range pieces {
			// Feed may return the chunk itself: give each call its own copy, as the host does.
			o, s1 := fast.Feed(bytes.Clone(p), i == len(pieces)-1)
			got.Write(o)
			o2, s2 := ref.Feed(bytes.Clone(p), i == len(pieces)-1)
			want.Write(o2)
			if s1 != s2 {
				t.Fatalf("piece %d: started %v, reference %v", i, s1, s2)
			}
		}
		if got.String() != want.String() || fast.Usage != ref.Usage || fast.Started != ref.Started {
			t.Fatalf("cuts %d %d:\n%q %+v\nreference\n%q %+v", a, b, got.String(), fast.Usage, want.String(), ref.Usage)
		}
	})
}
