package wasmplugin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// DryRun is kubectl's --dry-run: none writes, client computes the change locally, server sends it
// to the API server to validate without persisting.
type DryRun string

const (
	DryRunNone   DryRun = "none"
	DryRunClient DryRun = "client"
	DryRunServer DryRun = "server"
)

// ParseDryRun reads a dry-run mode; "" is none.
func ParseDryRun(s string) (DryRun, error) {
	switch d := DryRun(s); d {
	case "":
		return DryRunNone, nil
	case DryRunNone, DryRunClient, DryRunServer:
		return d, nil
	}
	return "", fmt.Errorf("invalid dry-run mode %q: use none, client or server", s)
}

// Active reports a dry run: nothing is persisted.
func (d DryRun) Active() bool { return d == DryRunClient || d == DryRunServer }

// Result is what an edit did to the object.
type Result struct {
	Plugin  Plugin                     // the object after the edit (as the store returned it when written)
	Before  *unstructured.Unstructured // nil when the edit created the object
	Created bool
	Changed bool
	DryRun  DryRun
	store   k8s.Store // where the edit went, for Diff
}

// ErrNotFound is returned by Edit when the plugin is missing and the edit may not create it.
var ErrNotFound = errors.New("plugin not installed")

// EditOptions say what Edit works on and how.
type EditOptions struct {
	Target Target
	DryRun DryRun
	// Create builds the object to edit when the target has none (NewBuiltin for Higress's own
	// plugins); nil makes a missing plugin an ErrNotFound error.
	Create func(t Target) (Plugin, error)
}

// NewBuiltin is the Create hook of a built-in plugin: a fresh instance as the console installs it,
// named t.Resource when one is given.
func NewBuiltin(t Target) (Plugin, error) {
	b, ok := LookupBuiltin(t.Plugin)
	if !ok {
		return Plugin{}, fmt.Errorf("no %s wasmplugin in namespace %q: %w", t.Plugin, t.Namespace, ErrNotFound)
	}
	p := b.New(t.Namespace)
	if t.Resource != "" {
		p.Obj.SetName(t.Resource)
	}
	return p, nil
}

// Mutation changes a plugin in place and returns what it did. It may run more than once (after a
// conflict, on fresh data): only the value of the attempt that is written is returned, so it must
// have no other side effects. Returning an error aborts the edit and nothing is written.
type Mutation[T any] func(p Plugin) (T, error)

// maxAttempts bounds retries on conflict; with the jittered backoff below this rides out dozens of
// concurrent writers on one resource.
const maxAttempts = 60

// Edit reads the plugin instance of o.Target, applies mutate to a copy, validates the result and
// writes it back with optimistic concurrency, retrying on conflict with fresh data. When the plugin
// does not exist, o.Create builds the object mutate runs on, which is then created. An edit that
// changes nothing writes nothing. It returns what the edit did and what the mutation produced.
func Edit[T any](ctx context.Context, store k8s.Store, o EditOptions, mutate Mutation[T]) (Result, T, error) {
	for attempt := 1; ; attempt++ {
		res, v, err := editOnce(ctx, store, o, mutate)
		if err == nil || !(apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err)) || attempt == maxAttempts {
			return res, v, err
		}
		backoff := time.Duration(min(attempt, 10)) * 5 * time.Millisecond
		select {
		case <-ctx.Done():
			var zero T
			return Result{}, zero, ctx.Err()
		case <-time.After(backoff + rand.N(backoff)):
		}
	}
}

func editOnce[T any](ctx context.Context, store k8s.Store, o EditOptions, mutate Mutation[T]) (Result, T, error) {
	var zero T
	cur, err := Find(ctx, store, o.Target)
	if err != nil {
		return Result{}, zero, err
	}
	res := Result{DryRun: o.DryRun, store: store}
	var p Plugin
	switch {
	case cur != nil:
		res.Before = cur.Obj.DeepCopy()
		p = Plugin{Obj: cur.Obj.DeepCopy()}
	case o.Create == nil:
		return Result{}, zero, fmt.Errorf("no %s wasmplugin in namespace %q: %w", o.Target.Plugin, o.Target.Namespace, ErrNotFound)
	default:
		if p, err = o.Create(o.Target); err != nil {
			return Result{}, zero, err
		}
		res.Created = true
	}
	v, err := mutate(p)
	if err != nil {
		return Result{}, zero, err
	}
	if err := p.Validate(); err != nil {
		return Result{}, zero, withOrigin(store, p.Obj, err)
	}
	if res.Before != nil && reflect.DeepEqual(res.Before.Object, p.Obj.Object) {
		res.Plugin = p
		return res, v, nil
	}
	res.Changed = true
	if o.DryRun == DryRunClient {
		res.Plugin = p
		return res, v, nil
	}
	opts := k8s.WriteOptions{ServerDryRun: o.DryRun == DryRunServer}
	var out *unstructured.Unstructured
	if res.Created {
		out, err = store.Create(ctx, p.Obj, opts)
	} else {
		out, err = store.Update(ctx, p.Obj, opts)
	}
	if err != nil {
		return Result{}, zero, err
	}
	res.Plugin = Plugin{Obj: out}
	return res, v, nil
}

// withOrigin names the file and line the object was read from, when the store knows (a folder).
func withOrigin(store k8s.Store, obj *unstructured.Unstructured, err error) error {
	if o, ok := store.(k8s.Originer); ok {
		if at, ok := o.Origin(obj.GetNamespace(), obj.GetName()); ok {
			return fmt.Errorf("%w (read from %s)", err, at)
		}
	}
	return err
}

// Verb is kubectl's word for what the edit did: created, configured or unchanged.
func (r Result) Verb() string {
	switch {
	case r.Created:
		return "created"
	case r.Changed:
		return "configured"
	}
	return "unchanged"
}
