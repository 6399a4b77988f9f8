package openai

import (
	"bytes"
	"strings"

	"github.com/tidwall/gjson"
)

// MaxEvent bounds the bytes held back while an event is incomplete; a longer event is passed on
// as it comes, unread.
const MaxEvent = 1 << 20

// Stream follows a server-sent event stream of chat completion chunks as it passes: it forwards
// complete events as they came, holding back only an incomplete last one, and takes the usage
// from the chunk that carries it. The usage chunk is forwarded too, even when the plugin asked
// for it and the client did not: the plugins that see the answer after this one (Envoy runs
// response filters in reverse: ai-statistics at priority 900, ai-token-ratelimit at 600) count
// a stream's tokens from it, and OpenAI's clients accept it.
//
// It is on the path of every chunk, so it does as little as it can: events are not copied, and
// an event is parsed only while the first token or the model is still unknown, or when it has
// a usage object.
type Stream struct {
	Usage Usage
	// Started is set once a chunk with choices has passed: the first token.
	Started bool
	carry   []byte
}

// Feed takes the next chunk of the body and returns what to forward now; last flushes what is
// held back. started reports whether this chunk carried the first token. What it returns is
// valid until the next call.
func (s *Stream) Feed(chunk []byte, last bool) (out []byte, started bool) {
	wasStarted := s.Started
	data := chunk
	fromCarry := len(s.carry) > 0
	if fromCarry {
		s.carry = append(s.carry, chunk...)
		data = s.carry
	}
	// Once the first token and the model are known, only an event with usage has something to
	// tell: without one, only find where the events end.
	learn := !s.Started || s.Usage.Model == "" || mayHaveUsage(data)
	pos := 0
	for {
		end, sep := eventEnd(data[pos:])
		if end < 0 {
			break
		}
		if learn {
			s.read(data[pos : pos+end])
		}
		pos += end + sep
	}
	rest := data[pos:]
	if last || len(rest) > MaxEvent {
		if last {
			s.read(rest)
		}
		// The stream is over, or the event too long to hold: let the buffer go.
		s.carry = nil
		return data, s.Started && !wasStarted
	}
	if fromCarry {
		// What is forwarded points into carry: the rest goes to a new buffer.
		s.carry = append([]byte(nil), rest...)
	} else {
		s.carry = append(s.carry[:0], rest...)
	}
	return data[:pos], s.Started && !wasStarted
}

// eventEnd finds the end of the first event and the length of the blank line ending it: the
// first "\n\n" or "\r\n\r\n", in one pass.
func eventEnd(data []byte) (int, int) {
	for i := 0; ; {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			return -1, 0
		}
		i += j
		switch {
		case i+1 < len(data) && data[i+1] == '\n':
			return i, 2
		case i >= 1 && data[i-1] == '\r' && i+2 < len(data) && data[i+1] == '\r' && data[i+2] == '\n':
			return i - 1, 4
		}
		i++
	}
}

// read reads one event.
func (s *Stream) read(event []byte) {
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
		if len(payload) == 0 || payload[0] != '{' {
			continue
		}
		// Nothing to learn from a content chunk once the first token and the model are known.
		if s.Started && s.Usage.Model != "" && !mayHaveUsage(payload) {
			continue
		}
		if !gjson.ValidBytes(payload) {
			continue
		}
		var choices, usage, model gjson.Result
		gjson.Parse(str(payload)).ForEach(func(k, v gjson.Result) bool {
			switch k.Str {
			case "choices":
				first(&choices, v)
			case "usage":
				first(&usage, v)
			case "model":
				first(&model, v)
			}
			return true
		})
		if nonEmptyArray(choices) {
			s.Started = true
		}
		if usage.IsObject() {
			s.Usage = readUsage(bs(usage.Raw))
			s.Usage.Model = strings.Clone(model.Str)
		} else if s.Usage.Model == "" {
			s.Usage.Model = strings.Clone(model.Str)
		}
	}
}

// mayHaveUsage reports whether a chunk could have a usage object: "usage" followed by a colon
// and an opening brace. Chunks without usage say "usage":null or nothing. It looks for the g,
// rare in these chunks, rather than for the quote, which is everywhere in JSON.
func mayHaveUsage(data []byte) bool {
	for i := 0; ; i++ {
		j := bytes.IndexByte(data[i:], 'g')
		if j < 0 {
			return false
		}
		i += j
		if i < 4 || i+2 >= len(data) || string(data[i-4:i+2]) != `"usage` || data[i+2] != '"' {
			continue
		}
		k := i + 3
		for k < len(data) && isSpace(data[k]) {
			k++
		}
		if k < len(data) && data[k] == ':' {
			k++
			for k < len(data) && isSpace(data[k]) {
				k++
			}
			if k < len(data) && data[k] == '{' {
				return true
			}
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// nonEmptyArray reports whether v is an array with at least one element.
func nonEmptyArray(v gjson.Result) bool {
	if !v.IsArray() {
		return false
	}
	for i := 1; i < len(v.Raw); i++ {
		if !isSpace(v.Raw[i]) {
			return v.Raw[i] != ']'
		}
	}
	return false
}
