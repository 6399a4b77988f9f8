package suggest

import "testing"

func TestClosest(t *testing.T) {
	t.Parallel()
	names := []string{"alice", "bob", "data-team", "gpt-4o", "team-a/deepseek"}
	cases := []struct {
		name, want string
		ok         bool
	}{
		{"alcie", "alice", true},
		{"Alice", "alice", true},
		{"gpt4o", "gpt-4o", true},
		{"team-a/deepsek", "team-a/deepseek", true},
		{"mallory", "", false},
		{"alice", "", false}, // the name itself is no suggestion
		{"bo", "bob", true},
		{"x", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Closest(tc.name, names)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("Closest(%q) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
			}
		})
	}
}
