package openai

import (
	"bytes"

	"github.com/tidwall/gjson"
)

// MaxEvent bounds the bytes held back while an event is incomplete; a longer event is passed on
// as it comes, unread.
const MaxEvent = 1 << 20

// Stream follows a server-sent event stream of chat completion chunks as it passes: it forwards
// complete events, holding back only an incomplete last one, and takes the usage from the chunk
// that carries it. When the client did not ask for usage, the usage-only chunk the plugin asked
// for is dropped, so the client sees the stream it expects.
type Stream struct {
	// DropUsageOnly removes chunks that carry usage and no choices.
	DropUsageOnly bool
	Usage         Usage
	// Started is set once a chunk with choices has passed: the first token.
	Started bool
	carry   []byte
	out     []byte
}

// Feed takes the next chunk of the body and returns what to forward now; last flushes what is
// held back. started reports whether this chunk carried the first token.
func (s *Stream) Feed(chunk []byte, last bool) (out []byte, started bool) {
	data := chunk
	if len(s.carry) > 0 {
		s.carry = append(s.carry, chunk...)
		data = s.carry
	}
	s.out = s.out[:0]
	wasStarted := s.Started
	for {
		end, sep := eventEnd(data)
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
func eventEnd(data []byte) (int, int) {
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
func (s *Stream) keep(event []byte) bool {
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
		if u, ok := usageOf(v); ok {
			s.Usage = u
			if s.DropUsageOnly && !hasChoices {
				return false
			}
		} else if s.Usage.Model == "" {
			s.Usage.Model = v.Get("model").Str
		}
	}
	return true
}
