// Package usagetest writes realistic Higress gateway access logs for tests and benchmarks, and
// keeps the truth of what it wrote, so results can be checked against something computed
// without the parser.
package usagetest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"
)

// names are the consumers, models and routes the generator uses; "llama-local" has no built-in
// price and "" is a request without a consumer.
func names() (consumers, models, routes []string) {
	return []string{"alice", "bob", "data-team", "ci", "research", "support", ""},
		[]string{"gpt-4o", "gpt-4o-mini", "deepseek-chat", "qwen-plus", "gpt-4o-2024-08-06", "llama-local"},
		[]string{"gpt-4o", "team-a/deepseek", "qwen"}
}

// Totals are what the generator wrote for one consumer and model.
type Totals struct {
	Requests, Errors, Input, Output, Cached, Reasoning int64
}

// Truth is what the generator wrote, by consumer and model ("" for either when the line had
// none: usage.Missing), and the lines that are not requests.
type Truth struct {
	ByConsumerModel map[[2]string]*Totals
	Skipped         int // lines that are not JSON objects
	Blank           int
	Lines           int
}

// Start returns the time of the first request.
func Start() time.Time { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC) }

// Gen writes logs; the zero Gen writes the requests of a handful of named consumers.
type Gen struct {
	// Consumers, when set, is how many consumers the requests come from (consumer-00000,
	// consumer-00001...): a report with many groups.
	Consumers int
}

// Write writes n lines (requests, plus a few blank and garbage lines) and returns the truth.
func Write(w io.Writer, n int, seed uint64) (Truth, error) { return Gen{}.Write(w, n, seed) }

// Write writes n lines (requests, plus a few blank and garbage lines) and returns the truth.
func (g Gen) Write(w io.Writer, n int, seed uint64) (Truth, error) {
	consumers, models, routes := names()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 1<<20)
	truth := Truth{ByConsumerModel: map[[2]string]*Totals{}}
	t := Start()
	for i := 0; i < n; i++ {
		truth.Lines++
		switch x := rng.IntN(1000); {
		case x == 0:
			truth.Blank++
			bw.WriteString("\n")
			continue
		case x == 1:
			truth.Skipped++
			bw.WriteString("[warning][wasm] some envoy line that is not JSON\n")
			continue
		case x == 2:
			truth.Skipped++
			bw.WriteString(`{"truncated": "line` + "\n")
			continue
		}
		t = t.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
		var consumer string
		if g.Consumers > 0 {
			consumer = fmt.Sprintf("consumer-%05d", rng.IntN(g.Consumers))
		} else {
			consumer = consumers[rng.IntN(len(consumers))]
		}
		model := models[rng.IntN(len(models))]
		status := 200
		switch x := rng.IntN(100); {
		case x < 3:
			status = 429
		case x < 5:
			status = 500
		case x < 6:
			status = 401
		}
		entry := map[string]string{
			"authority": "ai.example.com", "bytes_received": fmt.Sprint(200 + rng.IntN(5000)), "bytes_sent": fmt.Sprint(rng.IntN(20000)),
			"downstream_local_address": "10.0.0.5:80", "downstream_remote_address": "10.1.2.3:51234",
			"duration": fmt.Sprint(50 + rng.IntN(30000)), "istio_policy_status": "-", "method": "POST", "path": "/v1/chat/completions",
			"protocol": "HTTP/1.1", "request_id": fmt.Sprintf("%08x-1c2d-4e5f-8a9b-%012x", rng.Uint32(), rng.Uint64()&0xffffffffffff),
			"requested_server_name": "-", "response_code": fmt.Sprint(status), "response_flags": "-",
			"route_name": routes[rng.IntN(len(routes))], "start_time": t.Format("2006-01-02T15:04:05.000Z"), "trace_id": "-",
			"upstream_cluster": "outbound|443||llm-openai.internal.dns", "upstream_host": "104.18.7.192:443",
			"upstream_local_address": "10.0.0.5:40112", "upstream_service_time": fmt.Sprint(40 + rng.IntN(30000)),
			"upstream_transport_failure_reason": "-", "user_agent": "OpenAI/Python 1.52.0", "x_forwarded_for": "10.1.2.3",
			"response_code_details": "via_upstream",
		}
		key := [2]string{"", ""}
		var tot Totals
		tot.Requests = 1
		if status >= 400 {
			tot.Errors = 1
		}
		switch x := rng.IntN(100); {
		case x < 4 || status == 401:
			// A gateway before v2.0.5 (or a request refused before any AI plugin): no ai_log.
		case x < 6:
			entry["ai_log"] = "-"
		default:
			key = [2]string{consumer, model}
			in, out := int64(rng.IntN(4000)), int64(rng.IntN(1500))
			if status >= 400 {
				in, out = 0, 0
			}
			cachedTokens := int64(0)
			if in > 0 && rng.IntN(4) == 0 {
				cachedTokens = int64(rng.IntN(int(in)))
			}
			ai := map[string]any{"model": model, "response_type": "normal", "llm_service_duration": 40 + rng.IntN(30000),
				"chat_id": fmt.Sprintf("chatcmpl-%x", rng.Uint64()), "api": "chat_completions"}
			switch {
			case consumer == "":
			case rng.IntN(5) == 0:
				// The consumer attribute with as_separate_log_field: a top-level field.
				entry["consumer"] = consumer
			default:
				ai["consumer"] = consumer
			}
			if rng.IntN(10) < 3 {
				// Older ai-statistics wrote counts as strings.
				ai["input_token"], ai["output_token"], ai["total_token"] = fmt.Sprint(in), fmt.Sprint(out), fmt.Sprint(in+out)
			} else {
				ai["input_token"], ai["output_token"], ai["total_token"] = in, out, in+out
			}
			if cachedTokens > 0 {
				// ai-statistics 2.2 writes input_token_details as a JSON string; cached_tokens only
				// when configured (then both, the same count).
				details := fmt.Sprintf(`{"cached_tokens":%d}`, cachedTokens)
				switch rng.IntN(3) {
				case 0:
					ai["cached_tokens"] = cachedTokens
				case 1:
					ai["input_token_details"] = details
				default:
					ai["cached_tokens"], ai["input_token_details"] = cachedTokens, details
				}
			}
			reasoning := int64(0)
			if out > 0 && rng.IntN(5) == 0 {
				reasoning = int64(rng.IntN(int(out)))
				ai["output_token_details"] = fmt.Sprintf(`{"reasoning_tokens":%d}`, reasoning)
			}
			if rng.IntN(2) == 0 {
				ai["response_type"] = "stream"
				ai["llm_first_token_duration"] = 100 + rng.IntN(3000)
			}
			b, err := json.Marshal(ai)
			if err != nil {
				return truth, err
			}
			entry["ai_log"] = string(b)
			tot.Input, tot.Output, tot.Cached, tot.Reasoning = in, out, cachedTokens, reasoning
		}
		line, err := json.Marshal(entry)
		if err != nil {
			return truth, err
		}
		bw.Write(line)
		bw.WriteByte('\n')
		acc := truth.ByConsumerModel[key]
		if acc == nil {
			acc = &Totals{}
			truth.ByConsumerModel[key] = acc
		}
		acc.Requests += tot.Requests
		acc.Errors += tot.Errors
		acc.Input += tot.Input
		acc.Output += tot.Output
		acc.Cached += tot.Cached
		acc.Reasoning += tot.Reasoning
	}
	return truth, bw.Flush()
}
