package usage

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Metric names ai-statistics exports from the gateway (port 15020, /stats/prometheus).
const (
	MetricInputTokens  = "route_upstream_model_consumer_metric_input_token"
	MetricOutputTokens = "route_upstream_model_consumer_metric_output_token"
	MetricRequests     = "route_upstream_model_consumer_metric_llm_duration_count"
)

// promLabel is the metrics' label for a dimension; ok is false for those they do not carry.
func promLabel(d Dim) (label string, ok bool) {
	switch d {
	case ByConsumer:
		return "ai_consumer", true
	case ByModel:
		return "ai_model", true
	case ByRoute:
		return "ai_route", true
	}
	return "", false
}

// Prometheus reads usage from the ai-statistics metrics a Prometheus server scraped from the
// gateways: for fleets whose logs are too many to read. Over a window (since..until) each counter
// is read as increase(counter[window]) per series, then summed by the chosen labels, so a gateway
// that restarted inside the window counts from zero again rather than going negative; Prometheus
// extrapolates to the window's edges, so totals are estimates rounded to whole tokens and
// requests. Without since, the counters' current values are read: totals since each gateway
// started. The metrics carry no errors, latencies or cached tokens.
type Prometheus struct {
	URL    string
	Client *http.Client
}

// Query returns one group per label combination, as the aggregator would.
func (p Prometheus) Query(ctx context.Context, by []Dim, since, until time.Time, prices *Prices) ([]*Group, error) {
	var labels []string
	for _, d := range by {
		l, ok := promLabel(d)
		if !ok {
			return nil, fmt.Errorf("--prometheus cannot group by %s: the metrics are labelled by consumer, model and route only", d)
		}
		labels = append(labels, l)
	}
	if prices == nil {
		prices = BuiltinPrices()
	}
	// Cost needs the model even when not grouped by it: query by the model too, then fold.
	queryLabels := labels
	if !slices.Contains(labels, "ai_model") {
		queryLabels = append(slices.Clone(labels), "ai_model")
	}
	var window time.Duration
	if !since.IsZero() {
		if window = until.Sub(since); window < time.Millisecond {
			return nil, fmt.Errorf("the window %s..%s is empty", since.Format(time.RFC3339), until.Format(time.RFC3339))
		}
	}
	type sample struct {
		input, output, requests float64
		tokens                  bool // a token counter was there
	}
	series := map[string]*sample{}
	keysOf := map[string][]string{}
	for _, m := range []struct {
		name string
		set  func(*sample, float64)
	}{
		{MetricInputTokens, func(s *sample, v float64) { s.input, s.tokens = v, true }},
		{MetricOutputTokens, func(s *sample, v float64) { s.output, s.tokens = v, true }},
		{MetricRequests, func(s *sample, v float64) { s.requests = v }},
	} {
		expr := fmt.Sprintf("sum by (%s) (%s)", strings.Join(queryLabels, ", "), m.name)
		if !since.IsZero() {
			expr = fmt.Sprintf("sum by (%s) (increase(%s[%dms]))", strings.Join(queryLabels, ", "), m.name, window.Milliseconds())
		}
		samples, err := p.instant(ctx, expr, until)
		if err != nil {
			return nil, err
		}
		for _, s := range samples {
			k := s.key(queryLabels)
			if series[k] == nil {
				series[k] = &sample{}
				keysOf[k] = s.values(queryLabels)
			}
			m.set(series[k], s.value)
		}
	}
	groups := map[string]*Group{}
	for k, s := range series {
		vals := keysOf[k]
		model := vals[slices.Index(queryLabels, "ai_model")]
		keys := vals[:len(labels)]
		gk := strings.Join(keys, "\x00")
		g := groups[gk]
		if g == nil {
			g = &Group{Keys: keys}
			groups[gk] = g
		}
		req, in, out := count(s.requests), count(s.input), count(s.output)
		if req == 0 && in == 0 && out == 0 {
			continue
		}
		g.Requests = addSat(g.Requests, req)
		g.InputTokens = addSat(g.InputTokens, in)
		g.OutputTokens = addSat(g.OutputTokens, out)
		// As from the log: a model without a price, or requests without token counters, are
		// unpriced; known tokens of a priced model are priced, 0 included.
		switch price, ok := prices.Lookup(model); {
		case s.tokens && ok:
			g.CostPico = addSat(g.CostPico, price.costPico(in, 0, out))
			g.PricedRequests += max(req, 1)
		default:
			g.UnpricedRequests += max(req, 1)
		}
	}
	out := make([]*Group, 0, len(groups))
	for _, g := range groups {
		if g.Requests > 0 || g.InputTokens > 0 || g.OutputTokens > 0 {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(x, y *Group) int { return compareKeys(x.Keys, y.Keys) })
	return out, nil
}

// count is a counter's value as a whole count: rounded, 0 below 0 (increase() never is), and
// math.MaxInt64 beyond it.
func count(v float64) int64 {
	v = math.Round(v)
	switch {
	case v <= 0 || math.IsNaN(v):
		return 0
	case v >= math.MaxInt64:
		return math.MaxInt64
	}
	return int64(v)
}

type promSample struct {
	metric map[string]string
	value  float64
}

func (s promSample) values(labels []string) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		v := s.metric[l]
		if l == "ai_consumer" && v == "none" {
			// What ai-statistics labels a request without X-Mse-Consumer.
			v = Missing
		}
		out[i] = v
	}
	return out
}

func (s promSample) key(labels []string) string { return strings.Join(s.values(labels), "\x00") }

// instant runs an instant query through Prometheus's HTTP API.
func (p Prometheus) instant(ctx context.Context, expr string, at time.Time) ([]promSample, error) {
	base, err := url.Parse(p.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("invalid --prometheus %q: give the server's URL, e.g. http://prometheus:9090", p.URL)
	}
	q := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	u := base.JoinPath("api/v1/query")
	u.RawQuery = q.Encode()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	client := p.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if ok := asURLError(err, &ue); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("cannot reach Prometheus at %s: %v", base.Host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("reading Prometheus's answer: %w", err)
	}
	var ans struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, fmt.Errorf("Prometheus at %s answered HTTP %d with something that is not its API's JSON", base.Host, resp.StatusCode)
	}
	if ans.Status != "success" {
		return nil, fmt.Errorf("Prometheus refused the query: %s", ans.Error)
	}
	out := make([]promSample, 0, len(ans.Data.Result))
	for _, r := range ans.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) {
			continue
		}
		out = append(out, promSample{metric: r.Metric, value: v})
	}
	return out, nil
}
