// Package openai reads and rewrites OpenAI-protocol bodies: the request's model and stream flags,
// the usage in a response or in the last chunk of a server-sent event stream, and the errors the
// plugin answers itself.
package openai

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"
)

// Request is what the plugin reads of a request body.
type Request struct {
	Model        string
	Stream       bool
	IncludeUsage bool // stream_options.include_usage is true
}

// Errors a request body can have.
var (
	ErrNotJSON = errors.New("the request body is not a JSON object")
	ErrNoModel = errors.New("the request body names no model")
)

// ParseRequest reads a request body. A missing model is an error only when required.
func ParseRequest(body []byte, modelRequired bool) (Request, error) {
	if !gjson.ValidBytes(body) || !gjson.ParseBytes(body).IsObject() {
		return Request{}, ErrNotJSON
	}
	res := gjson.GetManyBytes(body, "model", "stream", "stream_options.include_usage")
	r := Request{Stream: res[1].Type == gjson.True, IncludeUsage: res[2].Type == gjson.True}
	switch {
	case res[0].Type == gjson.String && res[0].Str != "":
		r.Model = res[0].Str
	case res[0].Exists() && res[0].Type != gjson.Null:
		return r, ErrNoModel
	case modelRequired:
		return r, ErrNoModel
	}
	return r, nil
}

// RewriteRequest sets the model (when it changes) and, with askUsage, asks a stream for its
// usage; every other byte of the body stays as the client sent it.
func RewriteRequest(body []byte, r Request, model string, askUsage bool) ([]byte, error) {
	var err error
	if model != r.Model {
		if body, err = sjson.SetBytes(body, "model", model); err != nil {
			return nil, err
		}
	}
	if askUsage {
		if body, err = sjson.SetBytes(body, "stream_options.include_usage", true); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// Usage is what a response reports it cost.
type Usage struct {
	Model                 string
	Input, Output, Cached int64
	Found                 bool
}

// Total is input plus output tokens.
func (u Usage) Total() int64 { return u.Input + u.Output }

// usageOf reads usage from a parsed response or chunk.
func usageOf(v gjson.Result) (Usage, bool) {
	u := v.Get("usage")
	if !u.IsObject() {
		return Usage{}, false
	}
	return Usage{
		Model:  v.Get("model").Str,
		Input:  u.Get("prompt_tokens").Int(),
		Output: u.Get("completion_tokens").Int(),
		Cached: u.Get("prompt_tokens_details.cached_tokens").Int(),
		Found:  true,
	}, true
}

// UsageFromBody reads the usage of a whole (non-streamed) response.
func UsageFromBody(body []byte) Usage {
	if !gjson.ValidBytes(body) {
		return Usage{}
	}
	v := gjson.ParseBytes(body)
	u, ok := usageOf(v)
	if !ok {
		return Usage{Model: v.Get("model").Str}
	}
	return u
}

// AnswerText is the text of the first choice of a chat completion (prompt mode).
func AnswerText(body []byte) (string, bool) {
	v := gjson.GetBytes(body, "choices.0.message.content")
	return v.Str, v.Type == gjson.String
}

// PromptRequest is the chat completion a prompt-mode request becomes.
func PromptRequest(model, prompt string) []byte {
	type message struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	}
	b, _ := json.Marshal(struct {
		Model    string    `json:"model"`
		Messages []message `json:"messages"`
	}{model, []message{{"user", prompt}}})
	return b
}

// ErrorBody is an error in OpenAI's shape.
func ErrorBody(message, typ, code string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]any{"error": map[string]any{"message": message, "type": typ, "param": nil, "code": code}})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// ModelList is /v1/models' answer.
func ModelList(models []string, owner string) []byte {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := make([]model, len(models))
	for i, m := range models {
		list[i] = model{ID: m, Object: "model", OwnedBy: owner}
	}
	b, _ := json.Marshal(struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{"list", list})
	return b
}
